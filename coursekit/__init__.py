"""coursekit: exercises and automated grading for the recurrent-networks lesson, graded against Keras."""

from coursekit._exceptions import (
    CoursekitError,
    InternalError,
    SubmissionNotFoundError,
    SubmissionRefusedError,
    UnknownExerciseError,
    WireError,
)

__version__ = "0.1.0"

__all__ = [
    "CoursekitError",
    "InternalError",
    "SubmissionNotFoundError",
    "SubmissionRefusedError",
    "UnknownExerciseError",
    "WireError",
    "__version__",
]
