"""The exceptions coursekit raises. The CLI is the only place that catches them.

    CoursekitError
    ├── UnknownExerciseError     an exercise id that is not in the registry
    ├── UnknownLanguageError     a --lang or $COURSEKIT_LANG that is neither zh nor en
    ├── SubmissionNotFoundError  the student's file or folder is not where it was looked for
    ├── SubmissionRefusedError   a file or archive the grader will not open (a link, a zip that escapes)
    ├── WireError                data from a student process that is not of the expected form
    ├── InvalidOptionError       an option value out of range (``--timeout -1``), a class folder or a
    │                            secret file that is not there
    ├── CourseFileError          a course.toml value that is refused, with its key and the reason
    ├── ContentNotFoundError     no content package (the lesson's exercises) configured, or several
    └── InternalError            a bug in a grader or in coursekit itself, never the student's fault
"""


from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coursekit.messages import Message


class CoursekitError(Exception):
    """Base class of every error coursekit raises on purpose.

    ``message``, when given, is the same text as a catalogue message: the CLI renders it in the chosen
    language (the exception's own text, in English, is what logs and ``str()`` show).
    """

    def __init__(self, *args: object, message: Message | None = None) -> None:
        super().__init__(*args)
        self.message = message


class UnknownExerciseError(CoursekitError):
    """An exercise id that the registry does not know."""


class UnknownLanguageError(CoursekitError):
    """A feedback language coursekit does not have (``--lang``, ``$COURSEKIT_LANG``)."""


class SubmissionNotFoundError(CoursekitError):
    """The student's file or folder is not where it was looked for."""


class SubmissionRefusedError(CoursekitError):
    """A submission the grader refuses to open: a link, an archive entry outside its folder, too large."""


class WireError(CoursekitError):
    """Data received from a student process that does not have the expected form."""


class InvalidOptionError(CoursekitError):
    """An option that cannot be used as given: the option, what was expected and what arrived."""


class CourseFileError(CoursekitError):
    """A course.toml (or its submission-times CSV) that is refused: the key, and the reason."""


class ContentNotFoundError(CoursekitError):
    """No content package is configured (``$COURSEKIT_CONTENT``, the entry point group
    ``coursekit.content``), it is not installed, or several are and none is chosen."""


class InternalError(CoursekitError):
    """A bug in a grader or in coursekit: reported separately from a student's mistakes."""
