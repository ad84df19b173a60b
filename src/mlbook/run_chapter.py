"""Execute one chapter alone and report its errors and time.

    python -m mlbook.run_chapter book/tensorflow/02-deep-learning.md [--profile quick]

The chapter (a MyST notebook) is read with myst-nb's own reader and run top to bottom
in a fresh kernel, as the book build would, but without building the site: the
author's quick check. Exit status 1 and the failing cell's traceback when a cell
fails; otherwise the total time and the slowest cells.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mlbook.profile import ENV_VAR, get_profile


@dataclass
class CellTime:
    index: int
    seconds: float
    first_line: str


@dataclass
class ChapterRun:
    path: Path
    profile: str
    seconds: float
    cells: list[CellTime]
    error: str | None = None


def read_chapter(path: Path):
    """A MyST-markdown chapter as an ``nbformat`` notebook (front matter required)."""
    from myst_nb.core.read import read_myst_markdown_notebook

    text = path.read_text(encoding="utf-8")
    if "kernelspec" not in text.split("---", 2)[1 if text.startswith("---") else 0]:
        raise ValueError(f"{path}: no `kernelspec` in the front matter, so the book would "
                         "not execute it; copy the front matter of an existing chapter")
    return read_myst_markdown_notebook(text, path=str(path))


def run_chapter(path: Path | str, profile: str = "quick", timeout: int = 900) -> ChapterRun:
    """Execute *path* in a fresh kernel with ``MLBOOK_PROFILE=profile``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path).resolve()
    nb = read_chapter(path)
    old = {k: os.environ.get(k) for k in (ENV_VAR, "TF_CPP_MIN_LOG_LEVEL")}
    os.environ[ENV_VAR] = get_profile(profile).name
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    cells: list[CellTime] = []
    error = None
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                c0 = time.perf_counter()
                try:
                    client.execute_cell(cell, index)
                finally:
                    first = (cell.source.strip().splitlines() or [""])[0]
                    cells.append(CellTime(index, time.perf_counter() - c0, first[:70]))
    except CellExecutionError as exc:
        error = str(exc)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return ChapterRun(path, profile, time.perf_counter() - t0, cells, error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute one chapter and report errors and time.")
    parser.add_argument("chapter", type=Path)
    parser.add_argument("--profile", default=os.environ.get(ENV_VAR, "quick"))
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    result = run_chapter(args.chapter, args.profile, args.timeout)
    slowest = sorted(result.cells, key=lambda c: -c.seconds)[:5]
    print(f"{args.chapter}: {len(result.cells)} code cells, {result.seconds:.1f} s "
          f"({result.profile} profile)")
    for c in slowest:
        print(f"  cell {c.index:3d}  {c.seconds:6.1f} s  {c.first_line}")
    if result.error:
        print(f"\nFAILED in cell {result.cells[-1].index}:\n{result.error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
