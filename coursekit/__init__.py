"""coursekit: exercises and automated grading for the recurrent-networks lesson, graded against Keras."""

from coursekit._exceptions import (
    ContentNotFoundError,
    CourseFileError,
    CoursekitError,
    InternalError,
    InvalidOptionError,
    SubmissionNotFoundError,
    SubmissionRefusedError,
    UnknownExerciseError,
    UnknownLanguageError,
    WireError,
)

__version__ = "0.1.0"

__all__ = [
    "ContentNotFoundError",
    "CourseFileError",
    "CoursekitError",
    "InternalError",
    "InvalidOptionError",
    "SubmissionNotFoundError",
    "SubmissionRefusedError",
    "UnknownExerciseError",
    "UnknownLanguageError",
    "WireError",
    "__version__",
]
