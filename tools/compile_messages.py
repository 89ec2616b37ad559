"""Compile every gettext catalogue source (.po) of coursekit and its graders into the .mo read at run time.

    python tools/compile_messages.py          # after editing any .po file; commit both

The .po files are the source; the .mo files are committed so that coursekit needs nothing beyond the
standard library's gettext at run time (a student handout ships without Babel). tests/test_messages.py
recompiles every .po and fails when a committed .mo disagrees with it. Needs Babel (the `test` extra).
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIRS = (ROOT / "coursekit" / "locale", *sorted(ROOT.glob("graders/*/locale")))
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def sources() -> list[Path]:
    return sorted(p for d in LOCALE_DIRS for p in d.glob("*/LC_MESSAGES/*.po"))


def compiled(po: Path) -> bytes:
    """The .mo bytes of ``po``; raises ValueError for a fuzzy or empty translation."""
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parents[1].name, domain=po.stem)
    for message in catalog:
        if message.id and (message.fuzzy or not message.string):
            raise ValueError(f"{po}: entry {message.id!r} is fuzzy or untranslated")
    # Babel stamps the current time in the header unless told otherwise: fixed dates make the .mo a
    # function of the .po alone, so that recompiling changes nothing in git.
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def main() -> int:
    for po in sources():
        po.with_suffix(".mo").write_bytes(compiled(po))
        print(po.with_suffix(".mo").relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
