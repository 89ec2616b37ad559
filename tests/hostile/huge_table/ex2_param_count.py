"""Hostile (ex2): summary_table returns 20,000 rows (340 kB of JSON per call).

The red team's 1,000,000 rows (17 MB, under the 32 MB result limit) made a 17 MB test message, a 17 MB
report.md, an 85 MB gradebook row and about 1 GB in the coordinator; encoding them takes over 10 s per
call on a loaded machine, so the corpus uses 20,000, still 5 times the bound of a whole gradebook row. The
grader reads at most 64 rows of a table and batch grading bounds the text of every result. The test
appends this file to the reference solution, so the other functions are correct and earn their points.
"""


def summary_table(layers, input_shape=(None,)):
    return [("SimpleRNN", (None, 32), 2080)] * 20_000
