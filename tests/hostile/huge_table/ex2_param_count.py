"""Hostile (ex2): summary_table returns a table of 1,000,000 rows (27 MB of JSON, under the 32 MB a run may
send), the red team's attack: before the bounds it made a 17 MB test message, a 17 MB report.md, an 85 MB
gradebook row and about 1 GB in the coordinator. The grader reads at most 64 rows of a table, and batch
grading bounds the text of every result, of each student's report.md and results.json.

The test appends this file to the reference solution, so the other functions are correct and earn their
points. The first call returns the huge table and the others the right one: what one result can make is
bounded per call, and encoding a million rows takes the student's process seconds per call, so more
calls would only spend its own time limit.
"""

_right_table = summary_table  # noqa: F821 (the reference solution's, defined above this file's text)
_calls = [0]


def summary_table(layers, input_shape=(None,)):
    _calls[0] += 1
    if _calls[0] == 1:
        return [["RNN", "(None, 8)", 16]] * 1_000_000
    return _right_table(layers, input_shape)
