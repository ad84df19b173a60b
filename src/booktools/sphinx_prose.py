"""Sphinx extension: the roles that mark a typed number as allowed in prose.

* ``{notes}`97.94 %``` -- a quotation of the course notes (shown as it stands, with the
  class ``notes-quote``);
* ``{fact}`60 000``` -- a fixed fact no run of the book can change (a dataset's size, a
  year, a constant of a formula), shown as plain text.

Results of a page's run are glued instead (``{glue:text}``); :mod:`booktools.prose`
reports any other digit in the prose.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx


def _role(css_class: str):
    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        return [nodes.inline(rawtext, text, classes=[css_class])], []

    return role


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``notes`` and ``fact`` roles."""
    app.add_role("notes", _role("notes-quote"))
    app.add_role("fact", _role("fixed-fact"))
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
