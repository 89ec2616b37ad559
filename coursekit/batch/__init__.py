"""Batch grading of a whole class: ``grade_class``."""

from coursekit.batch.run import ClassReport, GradeOptions, Progress, StudentGrades, grade_class

__all__ = ["ClassReport", "GradeOptions", "Progress", "StudentGrades", "grade_class"]
