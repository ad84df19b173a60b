"""Sphinx extension: a page is executed again when a module it imports changes.

Two halves, both per page (see :mod:`booktools.inputs` for what a page depends on):

* **re-read**: Sphinx reads a page again only when its source changed, or a file it
  declared as a dependency did. Each executed page declares the ``mlbook`` modules it
  imports and ``requirements.txt`` (``env.note_dependency``), so editing one chapter's
  module re-reads only the pages that import it.
* **re-execute**: on ``source-read``, the page's inputs key goes into the ``kernelspec``
  of its front matter, which jupyter-cache hashes with the code cells. A re-read page
  whose inputs are unchanged is found in the cache; one whose inputs changed is not,
  and myst-nb (or the build's parallel executor, which stages pages with the
  ``booktools_md`` reader) runs it again.

The key line replaces the blank line after the front matter when there is one, so line
numbers in warnings and tracebacks stay those of the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sphinx.application import Sphinx

from booktools import inputs


def split_front_matter(text: str) -> tuple[str, str] | None:
    """``(front matter without its fences, rest after the closing fence)``, or None."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    return text[4 : end + 1], text[end + 5 :]


def with_key(text: str, key: str) -> str:
    """*text* with ``mlbook_inputs: key`` added to the front matter's ``kernelspec``.

    Unchanged if the page is not a MyST notebook (no ``kernelspec``/``jupytext``).
    """
    parts = split_front_matter(text)
    if parts is None:
        return text
    head, rest = parts
    meta = yaml.safe_load(head) or {}
    if not isinstance(meta, dict) or not meta.get("kernelspec") or "jupytext" not in meta:
        return text
    lines = head.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("kernelspec:"))
    if lines[start].strip() != "kernelspec:":  # a flow mapping: rewrite the front matter
        meta["kernelspec"] = {**meta["kernelspec"], inputs.METADATA_KEY: key}
        new_head = yaml.safe_dump(meta, sort_keys=False)
    else:
        indent = "  "
        if start + 1 < len(lines):
            following = lines[start + 1]
            indent = following[: len(following) - len(following.lstrip())] or indent
        lines.insert(start + 1, f'{indent}{inputs.METADATA_KEY}: "{key}"')
        new_head = "\n".join(lines) + "\n"
    if rest.startswith("\n"):
        rest = rest[1:]  # keep the file's line numbers
    return f"---\n{new_head}---\n{rest}"


def add_inputs(app: Sphinx, docname: str, source: list[str]) -> None:
    """Stamp an executed page with its inputs key and note its inputs as dependencies."""
    root = Path(app.srcdir)
    text = source[0]
    if with_key(text, "") == text:  # not an executed page
        return
    paths = inputs.page_inputs(text, root)
    for path in paths:
        app.env.note_dependency(str(path))
    source[0] = with_key(text, inputs.inputs_key(text, root, paths))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``source-read`` handler with Sphinx."""
    app.connect("source-read", add_inputs)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
