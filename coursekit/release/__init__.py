"""``coursekit release``: the student handout, without answers."""
