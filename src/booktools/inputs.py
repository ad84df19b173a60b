"""What a page's cached result depends on, and the key that says so.

jupyter-cache keys an executed page on its code cells (and the ``kernelspec``), so on
its own it cannot see that a module the page imports has changed. This module finds,
*statically*, the ``mlbook`` modules a page imports -- directly in its code cells and
then transitively through the modules' own imports, wherever they sit in a file (so a
lazy import inside a function counts too) -- and hashes their sources together with the
pinned ``requirements.txt``. The hash goes into the page's ``kernelspec`` metadata
(:func:`stamp`) before jupyter-cache sees the notebook, so a page is executed again
exactly when its code, a module it imports, or the pinned environment changes, and
not when an unrelated module, the build tooling or ``_config.yml`` does.

Why static analysis, not a record of a run? It needs no run (a page that never ran
has a key too), it is cheap (milliseconds for the book), and it errs on the safe side:
an import that a run might skip still counts. Only a computed import
(``importlib.import_module(name)``) would escape it; the library has none, and
:func:`page_modules` is unit-tested on the book's own pages.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

#: The package whose modules the pages import, and where its sources live in the book.
PACKAGE = "mlbook"
PACKAGE_ROOT = "src"
#: Files every executed page depends on: the pinned environment.
ENVIRONMENT_FILES = ("requirements.txt",)
#: The key added to the notebook's ``kernelspec`` metadata (jupyter-cache hashes it).
METADATA_KEY = "mlbook_inputs"

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*\{code-cell\}[^\n]*\n(.*?)^\1\s*$", re.M | re.S)


def code_cells(text: str) -> list[str]:
    """Return the sources of the ``{code-cell}`` blocks of a MyST notebook's text."""
    cells = []
    for match in _FENCE.finditer(text):
        body = match.group(2)
        # drop the cell's own options (``:tags: [...]`` lines or a ``---`` YAML block)
        lines = body.splitlines()
        if lines and lines[0].strip() == "---":
            end = next((i for i, ln in enumerate(lines[1:], 1) if ln.strip() == "---"), 0)
            lines = lines[end + 1 :]
        while lines and lines[0].startswith(":") and not lines[0].startswith("::"):
            lines = lines[1:]
        cells.append("\n".join(lines))
    return cells


def _python(source: str) -> ast.Module:
    """Parse a cell, with IPython's magics and shell escapes blanked out."""
    clean = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    try:
        return ast.parse(clean)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])  # the build will report it


def imported_names(tree: ast.AST, module: str | None = None, is_package: bool = False) -> set[str]:
    """Dotted names of the modules (or module attributes) imported anywhere in *tree*.

    *module* is the importing module's own dotted name, to resolve relative imports.
    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a submodule).
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                if module is None:
                    continue
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def module_file(name: str, package_dir: Path) -> Path | None:
    """Return the source file of the dotted module *name* under *package_dir*'s parent."""
    parts = name.split(".")
    base = package_dir.parent.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_closure(names: Iterable[str], package_dir: Path) -> dict[str, Path]:
    """Return every module of the package that importing *names* runs.

    That is the named modules, their parent packages' ``__init__``, and what those
    import, transitively.
    """
    package = package_dir.name
    found: dict[str, Path] = {}
    todo = [n for n in names if n == package or n.startswith(package + ".")]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b and a.b.c
            dotted = ".".join(parts[:i])
            if dotted in found:
                continue
            path = module_file(dotted, package_dir)
            if path is None:
                continue  # an attribute of a module (``from mlbook.data import load``)
            found[dotted] = path
            tree = _python(path.read_text(encoding="utf-8"))
            todo.extend(
                n
                for n in imported_names(tree, dotted, path.name == "__init__.py")
                if n == package or n.startswith(package + ".")
            )
    return found


def page_modules(text: str, root: Path) -> dict[str, Path]:
    """Return the ``mlbook`` modules (dotted name -> file) that a page's code imports."""
    names: set[str] = set()
    for cell in code_cells(text):
        names |= imported_names(_python(cell))
    return module_closure(names, root / PACKAGE_ROOT / PACKAGE)


def page_inputs(text: str, root: Path) -> list[Path]:
    """Return the files besides the page itself that its executed result depends on."""
    modules = sorted(page_modules(text, root).values())
    return modules + [root / f for f in ENVIRONMENT_FILES if (root / f).is_file()]


def inputs_key(text: str, root: Path, paths: list[Path] | None = None) -> str:
    """``"sha256:<hex>"`` over the page's inputs (paths relative to the book, contents).

    *paths* are the page's inputs when the caller has found them already.
    """
    digest = hashlib.sha256()
    for path in page_inputs(text, root) if paths is None else paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"sha256:{digest.hexdigest()}"


def stamp(notebook, text: str, root: Path):
    """Put the inputs key into *notebook*'s ``kernelspec`` metadata; returns it."""
    notebook.metadata.setdefault("kernelspec", {})[METADATA_KEY] = inputs_key(text, root)
    return notebook


def find_book_root(page: Path) -> Path:
    """Return the nearest folder above *page* that holds ``_config.yml`` and ``_toc.yml``."""
    from booktools.toc import BOOK_FILES, BookNotFound

    for folder in Path(page).resolve().parents:
        if all((folder / name).is_file() for name in BOOK_FILES):
            return folder
    raise BookNotFound(f"{page} is not inside a book (no _config.yml and _toc.yml above it)")


def read_page(uri: str):
    """jupyter-cache reader (``booktools_md``): myst-nb's reader, plus the inputs key.

    The build's parallel executor stages pages with this reader, so what it caches
    carries the same key as the notebook myst-nb builds from the page (see
    :mod:`booktools.sphinx_inputs`).
    """
    from myst_nb.core.read import myst_nb_reader_plugin

    text = Path(uri).read_text(encoding="utf-8")
    return stamp(myst_nb_reader_plugin(uri), text, find_book_root(Path(uri)))
