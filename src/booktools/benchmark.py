"""How long the book takes to rebuild after each kind of edit (a benchmark, not a test).

    python -m booktools.benchmark [--profile full] [--keep]

Copies the book (the files git knows, committed or not) into a scratch folder, builds
it from nothing, then makes one edit of each kind, rebuilds, and prints a table: the
seconds each rebuild took, the pages it executed, the pages that should have run
(:mod:`booktools.inputs`), and the target. Run it on an otherwise idle machine; the
full profile takes about twice a cold build.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from booktools.inputs import page_modules
from booktools.toc import executed_pages, find_root

#: The page, chapter module, shared foundation and tool the edits touch.
PAGE = "book/sklearn/03-decision-trees.md"
MODULE = "src/mlbook/decision_trees.py"
FOUNDATION = "src/mlbook/plotting.py"
TOOL = "src/booktools/sphinx_site.py"
EDIT = "\n# booktools.benchmark: an edit\n"


@dataclass
class Step:
    """One benchmark step: an edit to make, then a rebuild to time against a target."""

    name: str
    edit: str  # file to append to ("" for none)
    text: str
    target: str  # what the step should meet


STEPS = (
    Step("cold build", "", "", "(none)"),
    Step("no-op rebuild", "", "", "<= 5 s, 0 pages"),
    Step("prose edit", PAGE, "\nOne more sentence of prose.\n", "<= 5 s, 0 pages"),
    Step(
        "page code edit",
        PAGE,
        "\n```{code-cell} ipython3\n# an edit\n```\n",
        "that page only",
    ),
    Step("chapter module edit", MODULE, EDIT, "<= 20 s + its pages, its pages only"),
    Step("shared foundation edit", FOUNDATION, EDIT, "the pages that import it"),
    Step("tooling edit", TOOL, EDIT, "<= 20 s, 0 pages"),
)


def copy_book(root: Path, dest: Path) -> None:
    """Copy the files git tracks or would track (uncommitted work included), no build output."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        src = root / name.decode()
        if src.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def importers(root: Path, module: str) -> list[str]:
    """Return the executed pages whose inputs include *module* (a path under ``src/``)."""
    name = Path(module).relative_to("src").with_suffix("").as_posix().replace("/", ".")
    return [
        p.relative_to(root).as_posix()
        for p in executed_pages(root)
        if name in page_modules(p.read_text(encoding="utf-8"), root)
    ]


def build(root: Path, profile: str) -> tuple[float, int, str]:
    """Build; (seconds, pages executed, output)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "booktools.build", "--profile", profile, "--root", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"build failed:\n{out[-4000:]}")
    ahead = re.search(r"Executing (\d+) page", out)
    executed = int(ahead.group(1)) if ahead else 0
    executed += out.count("Executing notebook using")  # pages Sphinx itself ran
    return seconds, executed, out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark steps on a scratch copy of the book and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="full", help="full (default) or quick")
    parser.add_argument("--root", type=Path, default=None, help="the book (default: here)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)
    root = find_root(args.root)
    scratch = Path(tempfile.mkdtemp(prefix="booktools-benchmark-"))
    copy_book(root, scratch)
    n_pages = len(executed_pages(scratch))
    expected = {
        "cold build": n_pages,
        "page code edit": 1,
        "chapter module edit": len(importers(scratch, MODULE)),
        "shared foundation edit": len(importers(scratch, FOUNDATION)),
    }
    rows = []
    try:
        for step in STEPS:
            if step.edit:
                with open(scratch / step.edit, "a", encoding="utf-8") as f:
                    f.write(step.text)
            seconds, executed, _ = build(scratch, args.profile)
            want = expected.get(step.name, 0)
            rows.append((step, seconds, executed, want))
            print(f"  {step.name}: {seconds:.0f} s, {executed} page(s) executed", flush=True)
    finally:
        if args.keep:
            print(f"scratch copy kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{args.profile} profile, {n_pages} executed pages\n")
    print("| edit | seconds | pages executed | pages expected | target |")
    print("|---|---:|---:|---:|---|")
    ok = True
    for step, seconds, executed, want in rows:
        ok &= executed == want
        print(f"| {step.name} | {seconds:.0f} | {executed} | {want} | {step.target} |")
    print("\nEvery rebuild executed exactly the pages expected." if ok else "\nMISMATCH above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
