"""The message catalogues: both languages complete and alike, the .mo files compiled from the .po sources,
every key the code uses present, and messages and results that survive the gradebook."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from coursekit import results
from coursekit.i18n import LANGUAGES, catalogue, placeholders, render
from coursekit.messages import in_domain, msg, verbatim
from coursekit.registry import all_exercises
from coursekit.results import ArrayDetail, ExerciseResult, Failure, result_from_dict, result_to_dict
from coursekit.scaffold.pot import pot_path

sys.path.insert(0, str(ROOT / "tools"))
import compile_messages
import extract_messages


def entries(po: Path) -> dict[str, str]:
    """Key -> text; an entry with plural forms gives its forms on lines of their own."""
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        return {m.id[0] if isinstance(m.id, tuple) else m.id:
                "\n".join(m.string) if isinstance(m.string, tuple) else m.string for m in read_po(f) if m.id}


def plural_forms(po: Path) -> tuple[int, dict[str, int]]:
    """The catalogue's nplurals, and for each entry with plural forms the number of its forms."""
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    plurals = {m.id[0]: len(m.string) for m in catalog if m.id and isinstance(m.id, tuple)}
    assert all(m.id[1] == m.id[0] for m in catalog if m.id and isinstance(m.id, tuple))  # msgid_plural = key
    return catalog.num_plurals, plurals


def domains() -> dict[tuple[Path, str], dict[str, dict[str, str]]]:
    """(locale folder, domain) -> language -> key -> text."""
    found: dict[tuple[Path, str], dict[str, dict[str, str]]] = {}
    for po in compile_messages.sources():
        found.setdefault((po.parents[2], po.stem), {})[po.parents[1].name] = entries(po)
    return found


DOMAINS = domains()


def test_there_is_an_engine_catalogue_and_one_per_exercise() -> None:
    names = {domain for _, domain in DOMAINS}
    assert "coursekit" in names
    assert {ex.id for ex in all_exercises()} <= names


@pytest.mark.parametrize("where", list(DOMAINS), ids=lambda w: w[1])
def test_every_entry_exists_in_both_languages_with_the_same_placeholders(where: tuple[Path, str]) -> None:
    by_lang = DOMAINS[where]
    assert set(by_lang) == set(LANGUAGES)
    en, zh = by_lang["en"], by_lang["zh"]
    assert set(en) == set(zh), set(en) ^ set(zh)
    for key in en:
        assert en[key].strip() and zh[key].strip(), key
        assert placeholders(en[key]) == placeholders(zh[key]), key


@pytest.mark.parametrize("po", compile_messages.sources(), ids=lambda p: f"{p.parents[1].name}/{p.name}")
def test_each_committed_mo_is_what_its_po_compiles_to(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run python tools/compile_messages.py"
    assert mo.read_bytes() == compile_messages.compiled(po), f"{mo} is stale: run tools/compile_messages.py"


NPLURALS = {"zh": 1, "en": 2}


@pytest.mark.parametrize("po", compile_messages.sources(), ids=lambda p: f"{p.parents[1].name}/{p.name}")
def test_each_catalogue_has_its_languages_plural_forms_and_each_plural_entry_as_many(po: Path) -> None:
    nplurals, plurals = plural_forms(po)
    assert nplurals == NPLURALS[po.parents[1].name]
    assert all(forms == nplurals for forms in plurals.values()), plurals


def test_an_entry_with_plural_forms_says_its_count_in_the_languages_form() -> None:
    assert [render(msg("value.tuple", n=n), "en") for n in (0, 1, 2)] == [
        "a tuple of 0 items", "a tuple of 1 item", "a tuple of 2 items"]
    assert [render(msg("value.tuple", n=n), "zh") for n in (1, 2)] == [
        "含 1 个元素的 tuple", "含 2 个元素的 tuple"]
    footer = {"gradebook": "g", "seconds": 1.0, "grades": "c", "html": "h", "reused": 0}
    one = render(msg("summary.footer", students=msg("count.students", n=1),
                     graded=msg("count.gradings", n=1), **footer), "en")
    assert one.startswith("1 student · 1 grading run, 0 reused"), one
    many = render(msg("summary.footer", students=msg("count.students", n=3),
                      graded=msg("count.gradings", n=2), **footer), "zh")
    assert many.startswith("3 名学生 · 评分 2 次，0 次沿用"), many


@pytest.mark.parametrize("folder", extract_messages.locale_dirs(), ids=lambda p: p.parent.name)
def test_each_committed_pot_is_what_the_code_and_the_english_catalogue_extract_to(folder: Path) -> None:
    pot = pot_path(folder)
    assert pot.is_file(), f"{pot} is missing: run python tools/extract_messages.py"
    assert pot.read_text(encoding="utf-8") == extract_messages.pot_text(folder), \
        f"{pot} is stale: run python tools/extract_messages.py"


@pytest.mark.parametrize("folder", extract_messages.locale_dirs(), ids=lambda p: p.parent.name)
def test_a_catalogue_updated_from_its_pot_keeps_every_entry_and_gets_the_comments(folder: Path) -> None:
    """What Poedit's "Update from POT file" does (msgmerge): nothing new, nothing obsolete, each entry's
    English text and placeholders among its extracted comments."""
    from babel.messages.pofile import read_po

    with pot_path(folder).open("rb") as f:
        template = read_po(f)
    (po,) = folder.glob("zh/LC_MESSAGES/*.po")
    with po.open("rb") as f:
        catalog = read_po(f, locale="zh")
    catalog.update(template)
    assert not catalog.obsolete and not [m.id for m in catalog if m.id and not m.string]
    for message in catalog:
        if message.id:
            assert any(c.startswith("en") for c in message.auto_comments), message.id
            text = message.string if isinstance(message.string, str) else " ".join(message.string)
            if placeholders(text):
                assert any(c.startswith("Placeholders, kept as written:") for c in message.auto_comments)


def test_the_chinese_uses_the_glossarys_terms() -> None:
    zh = DOMAINS[(ROOT / "coursekit" / "locale", "coursekit")]["zh"]
    text = "\n".join(zh.values())
    assert "期望" in text and "实际" in text and "看起来像是" in text and "试试" in text
    assert "测试用例" in text and "容差" in text


ENGINE_KEY = re.compile(r"""\bmsg\(\s*["']([a-z_.]+)["']""")


def test_every_engine_key_the_code_uses_is_in_the_catalogue() -> None:
    en = DOMAINS[(ROOT / "coursekit" / "locale", "coursekit")]["en"]
    used = set()
    for path in [*ROOT.joinpath("coursekit").rglob("*.py"), *ROOT.joinpath("graders").rglob("*.py")]:
        used |= set(ENGINE_KEY.findall(path.read_text(encoding="utf-8")))
    used |= {f"summary.{c}" for c in ("exercise", "students", "mean", "median", "max_points", "full_marks")}
    assert used and used <= set(en), used - set(en)


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.id)
def test_every_exercise_names_its_title_and_cases_in_both_languages(exercise: object) -> None:
    from coursekit.exercise import Exercise

    assert isinstance(exercise, Exercise)
    names = {c.name for c in exercise.public_cases()} | {
        c.name for c in exercise.hidden_cases(np.random.default_rng(0))}
    for lang in LANGUAGES:
        render(exercise.title_message(), lang, strict=True)
        if exercise.mistake_ids:  # a grader converted to its catalogue names its cases there too
            for name in names:
                render(in_domain(exercise.id, name), lang, strict=True)


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.id)
def test_every_mistake_id_has_its_explanation_and_advice_in_both_languages(exercise: object) -> None:
    from coursekit.exercise import Exercise

    assert isinstance(exercise, Exercise)
    for mistake_id in exercise.mistake_ids:
        # a mistake with parameters (ex3's depth_off_by_one: {depth}, {expected}) gets a value for each
        en = catalogue(exercise.id, "en")
        names = placeholders(en.gettext(mistake_id)) | placeholders(en.gettext(f"{mistake_id}.try"))
        mistake = exercise.mistake(mistake_id, None, **dict.fromkeys(names, 1))
        for lang in LANGUAGES:
            assert render(mistake.what, lang, strict=True) and render(mistake.advice, lang, strict=True)


def test_a_mistake_id_a_grader_does_not_list_is_refused() -> None:
    exercise = all_exercises()[0]
    with pytest.raises(ValueError, match="mistake_ids"):
        exercise.mistake("no_such_mistake")


def test_a_message_renders_its_nested_messages_in_the_same_language() -> None:
    message = msg("compare.shape", what="rnn_forward", expected=(2, 3), got=(1, 2, 3))
    assert render(message, "en") == "rnn_forward: expected shape (2, 3), got shape (1, 2, 3)"
    assert render(message, "zh") == "rnn_forward：形状不对，期望 (2, 3)，实际 (1, 2, 3)"
    hint = all_exercises()[0].mistake("bias_missing").hint
    assert render(hint, "en").startswith("Looks like: the bias b was left out. Try: add b")
    assert render(hint, "zh").startswith("看起来像是：漏掉了偏置 b。试试：")


def test_student_text_is_never_a_template() -> None:
    assert render(verbatim("{0} {__class__} {x:>99999}"), "zh") == "{0} {__class__} {x:>99999}"


def test_a_missing_key_shows_itself_and_strict_rendering_refuses_it() -> None:
    assert render(msg("no.such.key"), "zh") == "no.such.key"
    with pytest.raises(KeyError):
        render(msg("no.such.key"), "en", strict=True)


def test_the_chinese_catalogue_falls_back_to_english_entry_by_entry() -> None:
    assert catalogue("coursekit", "zh").gettext("ok") == "通过"
    assert catalogue("no-such-domain", "zh").gettext("ok") == "ok"


def test_messages_and_results_survive_the_gradebook_round_trip() -> None:
    hint = all_exercises()[0].mistake("bias_missing").hint
    test = results.TestResult("cell: batch 1, input_dim 3, units 4", "failed", 0.0, 1.0,
                      msg("compare.values_differ", what="rnn_cell_forward", index=(0, 1), expected=0.5,
                          got=0.25, error=0.25),
                      mistake="bias_missing", hint=hint, failure=Failure.WRONG_VALUE,
                      detail=ArrayDetail("[1]", "[2]", (0, 1), 0.5, 0.25, 0.25, "tol"))
    result = ExerciseResult("ex1", in_domain("ex1", "title"), (test,),
                            notes=(msg("note.stopped", case="x", ending=msg("ending.exit", code=3)),),
                            internal_error=verbatim("boom"))
    import json

    again = result_from_dict(json.loads(json.dumps(result_to_dict(result))))
    assert again == result
    for lang in LANGUAGES:
        assert render(again.tests[0].message, lang) == render(test.message, lang)


def test_a_result_stored_in_an_older_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        result_from_dict({"exercise": "ex1", "tests": []})
