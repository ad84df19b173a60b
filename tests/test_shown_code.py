"""What a reader sees of the code fits the page's column (issue 15): 88 characters.

Visible code cells (not removed) and every function a page shows with
``{literalinclude}`` + ``:pyobject:`` are checked; the rest of ``src`` may use ruff's
100-character lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from booktools.toc import executed_pages

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 88
INCLUDE = re.compile(r"```\{literalinclude\}\s+(\S+)\s*\n((?::\w[\w-]*:.*\n)*)")
CELL = re.compile(r"```\{code-cell\}[^\n]*\n((?::tags:.*\n)?)(.*?)\n```", re.S)


def pages() -> list[Path]:
    return executed_pages(ROOT)


def shown_functions(page: Path) -> list[tuple[Path, str]]:
    found = []
    for target, options in INCLUDE.findall(page.read_text(encoding="utf-8")):
        match = re.search(r":pyobject:\s*(\S+)", options)
        if match:
            found.append(((page.parent / target).resolve(), match.group(1)))
    return found


def source_of(module: Path, name: str) -> str:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    parts = name.split(".")
    body = tree.body
    node = None
    for part in parts:
        node = next(
            n
            for n in body
            if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and n.name == part
        )
        body = node.body
    lines = module.read_text(encoding="utf-8").splitlines()
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return "\n".join(lines[start - 1 : node.end_lineno])


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_shown_functions_fit_the_column(page):
    long = []
    for module, name in shown_functions(page):
        for line in source_of(module, name).splitlines():
            if len(line) > WIDTH:
                long.append(f"{module.name}:{name}: {len(line)} chars: {line.strip()[:50]}")
    assert not long, "\n".join(long)


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_visible_code_cells_fit_the_column(page):
    long = []
    for tags, body in CELL.findall(page.read_text(encoding="utf-8")):
        if "remove-cell" in tags or "remove-input" in tags:
            continue
        long += [f"{len(s)} chars: {s.strip()[:60]}" for s in body.splitlines() if len(s) > WIDTH]
    assert not long, "\n".join(long)
