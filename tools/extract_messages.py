"""Write the gettext templates (.pot) of coursekit's catalogues, extracted from the code with Babel.

    python tools/extract_messages.py          # after editing a .po, or a message's call or its comment

One template per domain, beside its catalogues: ``coursekit/locale/coursekit.pot`` (the engine's, from
every file of coursekit and graders) and ``graders/<id>/locale/<id>.pot`` (each exercise's, from its
folder); coursekit/scaffold/pot.py says what they hold. Commit them: tests/test_messages.py fails when a
committed template is not what this writes. Needs Babel (the ``test`` extra).
"""

from __future__ import annotations

import sys
from pathlib import Path

from coursekit.scaffold import pot

ROOT = Path(__file__).resolve().parents[1]
ENGINE_LOCALE = ROOT / "coursekit" / "locale"


def locale_dirs() -> list[Path]:
    return [ENGINE_LOCALE, *sorted(ROOT.glob("graders/*/locale"))]


def pot_text(folder: Path) -> str:
    if folder == ENGINE_LOCALE:
        return pot.pot_text(folder, pot.python_files([ROOT / "coursekit", ROOT / "graders"]),
                            pot.ENGINE_KEYWORDS, ROOT)
    return pot.pot_text(folder, pot.exercise_sources(folder), pot.EXERCISE_KEYWORDS, ROOT)


def main() -> int:
    for folder in locale_dirs():
        path = pot.pot_path(folder)
        path.write_text(pot_text(folder), encoding="utf-8")
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
