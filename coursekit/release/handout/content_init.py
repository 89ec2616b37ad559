"""Probes, judges and the exercises' messages: no grader, no reference."""
