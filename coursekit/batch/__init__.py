"""Batch grading of a whole class: ``grade_class``."""

from coursekit.batch.run import GradeOptions, grade_class
from coursekit.classresults import ClassReport, Progress, StudentGrades

__all__ = ["ClassReport", "GradeOptions", "Progress", "StudentGrades", "grade_class"]
