"""Every way a result is shown: the terminal (rich), JSON, and later CSV and Gradescope."""
