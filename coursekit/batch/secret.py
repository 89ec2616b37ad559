"""The course secret and the per-student seeds of the hidden cases.

Hidden inputs are drawn from ``HMAC-SHA256(secret, "<student>/<exercise>")``: two students get different
inputs, the same student gets the same inputs on every rerun, and without the secret nobody can compute
them. The hidden cases' shapes may instead come from ``HMAC-SHA256(secret, "<exercise>")``, one seed per
class: every student of a class then shares the shapes, never the values. The secret comes from
``$COURSEKIT_SECRET``, else from a file (``--secret-file``, default ``.coursekit-secret`` in the current
folder, which is never shipped to students), else the documented demo secret, which is only fit for
trying coursekit out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from coursekit._exceptions import InvalidOptionError
from coursekit.messages import msg

DEMO_SECRET = "coursekit-demo-secret"
ENV_VARIABLE = "COURSEKIT_SECRET"
DEFAULT_FILE = ".coursekit-secret"


@dataclass(frozen=True)
class Secret:
    value: str
    source: str

    @property
    def is_demo(self) -> bool:
        return self.value == DEMO_SECRET

    def fingerprint(self) -> str:
        """A short public digest, so that a change of secret regrades everything."""
        return hmac.new(self.value.encode(), b"fingerprint", hashlib.sha256).hexdigest()[:12]

    def seed(self, student: str, exercise: str) -> int:
        digest = hmac.new(self.value.encode(), f"{student}/{exercise}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")

    def class_seed(self, exercise: str) -> int:
        """The seed of the hidden cases' shapes, shared by the whole class (HMAC of the exercise id alone).

        Exercise ids hold no "/", so this never equals a student's seed.
        """
        digest = hmac.new(self.value.encode(), exercise.encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")


def load_secret(path: Path | None = None, environ: Mapping[str, str] | None = None,
                cwd: Path | None = None) -> Secret:
    """The course secret, from the environment, the file, or the demo default, in that order."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VARIABLE):
        return Secret(env[ENV_VARIABLE], f"${ENV_VARIABLE}")
    candidate = path if path is not None else (cwd or Path.cwd()) / DEFAULT_FILE
    if candidate.is_file():
        try:
            text = candidate.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidOptionError(f"--secret-file: {candidate} cannot be read ({exc})",
                                     message=msg("option.secret_unreadable", path=str(candidate),
                                                 error=str(exc))) from None
        if text:
            return Secret(text, str(candidate))
    if path is not None:
        raise InvalidOptionError(f"--secret-file: {path} is missing or empty",
                                 message=msg("option.secret_empty", path=str(path)))
    return Secret(DEMO_SECRET, "the demo default (set $COURSEKIT_SECRET for a real course)")
