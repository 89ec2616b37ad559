"""The handout's README: install, check and submit, in Chinese and in English.

Every word of it is in the engine's catalogues (``handout.readme*``, ``handout.keras_exercises*``): each
half is the entry ``handout.readme`` rendered in its language, with a section per platform, and the
exercises' titles in that language.
"""

from __future__ import annotations

from collections.abc import Sequence

from coursekit.exercise import Exercise
from coursekit.i18n import LANGUAGES, render
from coursekit.messages import Message, Param, msg

PLATFORMS = ("windows", "macos", "linux")


def readme(exercises: Sequence[Exercise], first: str) -> str:
    """The README, the chosen language first."""
    order = sorted(LANGUAGES, key=lambda lang: lang != first)
    return render(msg("handout.readme.heading"), first) + "\n\n" + "\n".join(
        _half(exercises, lang) for lang in order)


def _half(exercises: Sequence[Exercise], lang: str) -> str:
    keras = tuple(e.id for e in exercises if e.requires)
    ids: Param = keras or ""  # no Keras exercise: nothing after the word (an empty tuple would show "()")
    one = exercises[0]
    fields: dict[str, Param] = {
        "first": one.id, "first_file": one.filename, "first_module": one.module,
        # Translators: {ids} is the list of the exercises that need Keras ("exA, exB"); n is their number.
        "keras_exercises": msg("handout.keras_exercises", n=len(keras), ids=ids),
        # Translators: the same list inside a sentence ("for exercises exA, exB also ...").
        "keras_exercises_inline": msg("handout.keras_exercises.inline", n=len(keras), ids=ids)}
    platforms = "\n".join(render(msg(f"handout.readme.{name}", **fields), lang) for name in PLATFORMS)
    rows = "\n".join(f"- `{e.id}` · `{e.filename}` · {render(e.title_message(), lang)}" for e in exercises)
    # Translators: {platforms} is the three sections handout.readme.windows/.macos/.linux; {exercises} the
    # list of exercises (id, file, title); {first}, {first_file}, {first_module}: the first exercise's id,
    # file name and module name (exN, exN_name.py, exN_name).
    half: Message = msg("handout.readme", platforms=platforms, exercises=rows, **fields)
    return render(half, lang)
