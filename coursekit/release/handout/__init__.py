"""The files of the handout's package that replace or add to coursekit's own, as real files.

``coursekit release`` copies them into the handout (``coursekit/release/package.py``): ``registry.py``
becomes the handout's ``coursekit/registry.py``, ``cli.py`` its ``coursekit/cli/__init__.py``,
``content_init.py`` and ``data_init.py`` the ``__init__.py`` of its content package and of
``coursekit/handout_data/``; ``pyproject.toml`` is the template of its pyproject.toml, read with tomllib
and written with the values of the release (version, extras, content package; its comment lines above
the first table are carried over, no other comment). They are modules of the full coursekit too, so
that ruff and mypy check them; nothing imports them there.
"""
