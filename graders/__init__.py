"""One grader per exercise; see coursekit.exercise.Exercise."""
