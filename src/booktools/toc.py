"""The book's table of contents and its executed pages: one reader for every tool.

A page is *executed* at build time only when its front matter has both a ``jupytext``
entry with ``format_name: myst`` and a ``kernelspec``; without ``jupytext``, myst-nb
renders the ``{code-cell}`` blocks as plain text and runs nothing, silently.
"""

from __future__ import annotations

from pathlib import Path

import yaml

#: The files that mark a book's root folder.
BOOK_FILES = ("_config.yml", "_toc.yml")


class BookNotFound(FileNotFoundError):
    """The folder given (or the working directory) is not the root of a book."""


def find_root(root: Path | str | None = None) -> Path:
    """Return the book's root: *root* if given, else the working directory.

    Raises :class:`BookNotFound`, saying what to do, when the folder lacks
    ``_config.yml`` or ``_toc.yml``. Never falls back to where the tools are installed.
    """
    path = Path(root) if root is not None else Path.cwd()
    missing = [name for name in BOOK_FILES if not (path / name).is_file()]
    if missing:
        raise BookNotFound(
            f"{path.resolve()} is not a book's root folder (no {' or '.join(missing)}): "
            "run the command from the folder with _config.yml and _toc.yml, or pass --root"
        )
    return path.resolve()


def front_matter(path: Path) -> dict:
    """Return the YAML front matter of a Markdown page (``{}`` if it has none)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    parts = text.split("\n---", 1)
    if len(parts) < 2:
        return {}
    data = yaml.safe_load(parts[0].removeprefix("---"))
    return data if isinstance(data, dict) else {}


def is_executed(path: Path) -> bool:
    """Whether myst-nb executes this page: ``.md`` with ``jupytext`` (myst) and ``kernelspec``."""
    if path.suffix != ".md" or not path.is_file():
        return False
    meta = front_matter(path)
    jupytext = meta.get("jupytext") or {}
    fmt = (jupytext.get("text_representation") or {}).get("format_name")
    return bool(meta.get("kernelspec")) and fmt == "myst"


def not_executed_reason(path: Path) -> str | None:
    """Why *path* would not be executed by the book, or ``None`` if it would be."""
    if not path.is_file():
        return f"{path}: no such file"
    if is_executed(path):
        return None
    return (
        f"{path}: the front matter needs both `jupytext` (format_name: myst) and "
        "`kernelspec`, or the book renders its code cells as text and runs nothing; "
        "copy the front matter of an existing chapter"
    )


def toc_docnames(root: Path, toc: Path | None = None) -> list[str]:
    """Every document of the table of contents, in reading order (``book/intro``, ...)."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(toc or root / "_toc.yml")
    order: list[str] = []

    def walk(docname: str) -> None:
        order.append(docname)
        for tree in site_map[docname].subtrees:
            for child in tree.files():
                walk(child)

    walk(site_map.root.docname)
    return order


def toc_pages(root: Path, toc: Path | None = None) -> list[Path]:
    """Return the source files of the table of contents, in reading order."""
    return [root / f"{name}.md" for name in toc_docnames(root, toc)]


def executed_pages(root: Path, toc: Path | None = None) -> list[Path]:
    """Return the pages of the table of contents that run code (MyST notebooks), in order."""
    return [page for page in toc_pages(root, toc) if is_executed(page)]


def execution_timeout(root: Path) -> int:
    """Return the per-cell execution timeout (seconds), ``execute: timeout`` in ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    return int(config["execute"]["timeout"])
