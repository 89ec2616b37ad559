"""The handout's exercises as data (coursekit release)."""
