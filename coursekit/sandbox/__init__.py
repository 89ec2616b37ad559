"""Running student code in another process, and what comes back from it."""
