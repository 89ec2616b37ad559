"""A result's texts in one language: the one place results become words (tables, JSON, Markdown)."""

from __future__ import annotations

from coursekit.i18n import DEFAULT, render
from coursekit.messages import Message, Param, in_domain, msg
from coursekit.results import ADJUSTMENT, ExerciseResult, TestResult


def words(message: Message | None, lang: str = DEFAULT) -> str:
    """``render`` for an optional message: None is the empty text."""
    return "" if message is None else render(message, lang)


def key(name: str, lang: str, /, **params: Param) -> str:
    """An entry of the engine's catalogue, rendered."""
    return render(msg(name, **params), lang)


def test_name(exercise: str, test: TestResult, lang: str) -> str:
    """The test's name for people: its entry in the exercise's catalogue (the stable name if it has none);
    a manual adjustment is named as one."""
    if test.name == ADJUSTMENT:
        return render(msg("adjust.test"), lang)
    return render(in_domain(exercise, test.name), lang)


def test_output(test: TestResult, lang: str) -> str:
    """What went wrong and, on its own line, the named mistake it looks like."""
    text = render(test.message, lang)
    if test.hint is not None and not test.passed:
        text += "\n" + render(test.hint, lang)
    return text


def test_output_under_notes(test: TestResult, notes: tuple[Message, ...], lang: str) -> str:
    """``test_output`` for a table under the exercise's notes: a message that is one of the notes (a
    forbidden import, which fails every test the same way) was said once, above; the row points there."""
    if test.message not in notes:
        return test_output(test, lang)
    text = render(msg("note.said_above"), lang)
    if test.hint is not None and not test.passed:
        text += "\n" + render(test.hint, lang)
    return text


def hint_text(test: TestResult, lang: str) -> str:
    return "" if test.hint is None else render(test.hint, lang)


def title(result: ExerciseResult, lang: str) -> str:
    return render(result.title, lang)
