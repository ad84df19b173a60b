"""Execute one chapter alone and report its errors, time and peak memory.

    python -m booktools.run_chapter book/tensorflow/02-deep-learning.md [--profile quick]
    python -m booktools.run_chapter --all          # every executed page of the TOC: a table

The chapter (a MyST notebook) is read with myst-nb's own reader and run top to bottom
in a fresh kernel, as the book build would, but without building the site: the
author's quick check. Exit status 1 and the failing cell's traceback when a cell
fails; otherwise the total time and the slowest cells.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from booktools.inputs import find_book_root
from booktools.kernels import kernel_env
from booktools.toc import (
    BookNotFound,
    executed_pages,
    execution_timeout,
    find_root,
    not_executed_reason,
)
from mlbook.profile import ENV_VAR, get_profile

#: Seconds per cell for a page outside a book (a book's own is in its _config.yml).
DEFAULT_TIMEOUT = 900


@dataclass
class CellTime:
    """How long one code cell took, and its first line to recognise it by."""

    index: int
    seconds: float
    first_line: str
    peak_mb: float = 0.0  # the kernel's peak resident memory while this cell ran


@dataclass
class ChapterRun:
    """The result of executing one chapter: times per cell, the error if any, peak memory."""

    path: Path
    profile: str
    seconds: float
    cells: list[CellTime]
    error: str | None = None
    peak_mb: float = 0.0  # the kernel's peak resident memory (with its children)
    reprs: list[tuple[int, str]] = field(default_factory=list)  # outputs showing a repr
    numpy_glue: list[tuple[int, str]] = field(default_factory=list)  # unformattable glue
    glued: dict[str, str] = field(default_factory=dict)  # glue name -> its value as text
    glued_markup: list[tuple[int, str]] = field(default_factory=list)  # **x** shown raw
    log_noise: list[tuple[int, str]] = field(default_factory=list)  # warnings shown


def peak_rises(cells: list[CellTime]) -> list[tuple[float, CellTime]]:
    """Return the cells that raised the peak above all before them, with the rise, most first."""
    rises, before = [], 0.0
    for c in cells:
        if c.peak_mb > before:
            rises.append((c.peak_mb - before, c))
        before = max(before, c.peak_mb)
    return sorted(rises, key=lambda r: -r[0])


class PeakMemory:
    """Poll a process tree's resident memory in a thread; ``peak_mb`` is the maximum."""

    def __init__(self, pid: int, interval: float = 0.1):
        import psutil

        self.process = psutil.Process(pid)
        self.interval, self.peak_mb, self._window_mb = interval, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs) / 2**20
                self.peak_mb = max(self.peak_mb, rss)
                self._window_mb = max(self._window_mb, rss)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def window(self) -> float:
        """Return the peak since the last call (e.g. one cell's), and start a new window."""
        peak, self._window_mb = self._window_mb, 0.0
        return peak

    def __enter__(self) -> PeakMemory:
        """Start polling."""
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop polling; ``peak_mb`` then holds the maximum seen."""
        self._stop.set()
        self._thread.join()


def read_chapter(path: Path):
    """Read a MyST-markdown chapter as an ``nbformat`` notebook (front matter required)."""
    from myst_nb.core.read import read_myst_markdown_notebook

    reason = not_executed_reason(path)
    if reason:
        raise ValueError(reason)
    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=str(path))


def run_chapter(
    path: Path | str, profile: str = "quick", timeout: int = DEFAULT_TIMEOUT
) -> ChapterRun:
    """Execute *path* in a fresh kernel with ``MLBOOK_PROFILE=profile``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path).resolve()
    nb = read_chapter(path)
    profile = get_profile(profile).name
    try:  # the kernel imports mlbook from the chapter's own book
        env = kernel_env(find_book_root(path), profile)
    except BookNotFound:  # a draft outside a book
        env = {
            ENV_VAR: profile,
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cells: list[CellTime] = []
    error = None
    peak_mb = 0.0
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    try:
        with client.setup_kernel(), PeakMemory(client.km.provisioner.process.pid) as mem:
            try:
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    c0 = time.perf_counter()
                    mem.window()
                    try:
                        client.execute_cell(cell, index)
                    finally:
                        first = (cell.source.strip().splitlines() or [""])[0]
                        seconds = time.perf_counter() - c0
                        cells.append(CellTime(index, seconds, first[:70], mem.window()))
            finally:
                peak_mb = mem.peak_mb
    except CellExecutionError as exc:
        error = str(exc)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    from booktools.glue import notebook_glue
    from booktools.reprs import (
        glued_markup,
        glued_numpy_scalars,
        notebook_log_noise,
        notebook_reprs,
    )

    return ChapterRun(
        path,
        profile,
        time.perf_counter() - t0,
        cells,
        error,
        peak_mb,
        notebook_reprs(nb),
        glued_numpy_scalars(nb),
        notebook_glue(nb),
        glued_markup(nb),
        notebook_log_noise(nb),
    )


def main(argv: list[str] | None = None) -> int:
    """Execute one chapter (or every executed page) and report errors, times and memory."""
    parser = argparse.ArgumentParser(description="Execute one chapter and report errors and time.")
    parser.add_argument("chapter", type=Path, nargs="?")
    parser.add_argument(
        "--all", action="store_true", help="run every executed page of _toc.yml and print a table"
    )
    parser.add_argument("--profile", default=os.environ.get(ENV_VAR, "quick"))
    parser.add_argument(
        "--root", type=Path, default=None, help="the book's folder (default: the working directory)"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="seconds per cell (default: execute: timeout in the book's _config.yml)",
    )
    parser.add_argument(
        "--glue", action="store_true", help="print every value the page glued (the prose's words)"
    )
    args = parser.parse_args(argv)
    if args.chapter is None and not args.all:
        parser.error("give a chapter file, or --all")
    try:
        root = find_root(args.root) if args.all or args.root else find_book_root(args.chapter)
    except BookNotFound as exc:
        if args.all:
            parser.error(str(exc))
        root = None  # a page outside a book (a draft): the default timeout
    timeout = args.timeout or (execution_timeout(root) if root else DEFAULT_TIMEOUT)
    if args.all:
        return run_all(root, args.profile, timeout)
    result = run_chapter(args.chapter, args.profile, timeout)
    slowest = sorted(result.cells, key=lambda c: -c.seconds)[:5]
    print(
        f"{args.chapter}: {len(result.cells)} code cells, {result.seconds:.1f} s, "
        f"peak memory {result.peak_mb:.0f} MB ({result.profile} profile)"
    )
    for index, snippet in result.reprs:
        print(f"  cell {index:3d}  shows a Python repr: ...{snippet}...")
    for index, name in result.numpy_glue:
        print(f"  cell {index:3d}  glues a NumPy scalar as {name!r}: glue float(x) or int(n)")
    for name, text in result.glued.items():
        if text.strip() in ("''", '""', ""):
            print(f"  glue {name!r} is empty: the site checks fail on an empty glued value")
    for index, line in result.log_noise:
        print(f"  cell {index:3d}  shows a warning or log line (the site checks fail): {line}")
    for index, name in result.glued_markup:
        print(f"  cell {index:3d}  glues Markdown syntax as {name!r}: {{glue:text}} shows it raw")
    for c in slowest:
        print(f"  cell {c.index:3d}  {c.seconds:6.1f} s  {c.first_line}")
    if args.glue:
        print("Glued values (tables and figures shortened):")
        for name, text in result.glued.items():
            short = text if len(text) < 200 and "<" not in text else text[:60] + " ..."
            print(f"  {name}: {short}")
    print("Cells that raised the peak memory most:")
    for rise, c in peak_rises(result.cells)[:5]:
        print(f"  cell {c.index:3d}  +{rise:5.0f} MB to {c.peak_mb:5.0f} MB  {c.first_line}")
    if result.error:
        print(f"\nFAILED in cell {result.cells[-1].index}:\n{result.error}", file=sys.stderr)
        return 1
    return 0


def run_all(root: Path, profile: str, timeout: int, limit_mb: float = 1536) -> int:
    """Run every chapter; print a Markdown table of time and peak memory."""
    print(f"| chapter ({profile}) | seconds | peak memory (MB) | status |\n|---|---:|---:|---|")
    failed = 0
    for path in executed_pages(root):
        r = run_chapter(path, profile, timeout)
        status = "error" if r.error else ("over 1.5 GB" if r.peak_mb > limit_mb else "ok")
        failed += status != "ok"
        print(
            f"| {path.relative_to(root)} | {r.seconds:.1f} | {r.peak_mb:.0f} | {status} |",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
