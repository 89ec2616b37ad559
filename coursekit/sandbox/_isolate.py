"""Confine the current process before it runs student code. Loaded by path: no coursekit imports.

``enter`` is called in a freshly forked, single-threaded child of the fork server, after its standard
streams are in place and before any student code runs.
"""

import os
import resource


def enter(workdir, env, limits):
    """Own session, resource limits, the student's folder as working folder, and only ``env``."""
    os.setsid()
    memory = int(limits["memory_mb"]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
    os.umask(0o077)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(env)
