"""Build the book for one profile: ``python -m booktools.build [--profile quick|full]``.

Run it from the book's folder (or pass ``--root``):

* ``full`` (default, the published site) builds into ``_build/html`` with its
  execution cache in ``_build/.jupyter_cache``;
* ``quick`` (previews, tests) builds into ``_build/quick/_build/html`` with its own
  cache, so a quick result can never be published as a full one.

A page is executed again only when its code, an ``mlbook`` module it imports, or
``requirements.txt`` changes (:mod:`booktools.inputs`, :mod:`booktools.sphinx_inputs`);
pages that need it run *jobs* at a time before Sphinx renders every page from the cache.
The kernels import ``mlbook`` from this book's ``src/`` (first on their ``PYTHONPATH``),
whatever checkout the environment was installed from. Warnings are errors (``-W``), and a
failing cell fails the build (``raise_on_error`` in ``_config.yml``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from booktools.kernels import kernel_env
from booktools.toc import BookNotFound, executed_pages, execution_timeout, find_root
from mlbook.profile import ENV_VAR, get_profile

#: jupyter-cache reader that adds a page's inputs key (see :func:`booktools.inputs.read_page`).
READER = {"type": "plugin", "name": "booktools_md"}


def build_root(profile: str, root: Path, name: str | None = None) -> Path:
    """Return the ``--path-output`` folder of a profile (``_build`` lives inside it).

    *name* gives a partial build (``--toc``) a folder and cache of its own.
    """
    if name:
        return root / "_build" / f"{profile}-{name}"
    return root if profile == "full" else root / "_build" / profile


def html_dir(profile: str, root: Path, name: str | None = None) -> Path:
    """Return the folder of a profile's built site."""
    return build_root(profile, root, name) / "_build" / "html"


def cache_dir(profile: str, root: Path, name: str | None = None) -> Path:
    """Return the folder of a profile's execution cache."""
    return build_root(profile, root, name) / "_build" / ".jupyter_cache"


#: A full-profile page can take 2.6 GB and TensorFlow uses every core for each page, so
#: more pages at once would cost memory on a many-core laptop and gain little.
MAX_DEFAULT_JOBS = 2


def default_jobs() -> int:
    """Pages executed at the same time by default: one per core, at most MAX_DEFAULT_JOBS."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_JOBS))


def execute_ahead(
    profile: str,
    root: Path,
    toc: Path | None = None,
    jobs: int = 2,
    timeout: int = 900,
    *,
    prune: bool = False,
) -> list[str]:
    """Execute the pages missing from the profile's execution cache, *jobs* at a time.

    These are the pages whose code or inputs changed. They are executed and cached so
    that the Sphinx build (which runs one page at a time) finds them executed. Returns
    the pages that failed; the build then runs those itself and reports their errors.

    This is jupyter-cache's own parallel worker (``jcache`` staging with myst-nb's
    reader plus the inputs key, as the build reads the pages); only the scheduling is
    ours: one page per task, in TOC order, so no worker idles while the other runs the
    rest. With *prune*, cached results that no longer match their page are dropped
    afterwards when anything ran (:func:`prune_cache`).
    """
    from multiprocessing import Pool

    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

    from booktools.worker_cache import WorkerCache

    cache = get_cache(cache_dir(profile, root, toc.stem.lstrip("_") if toc else None))
    for page in executed_pages(root, toc):
        cache.add_nb_to_project(str(page), read_data=READER)
    todo = cache.list_unexecuted()
    if not todo:
        print("Executing 0 pages: every page's result is cached.", flush=True)
        return []
    workers_cache = WorkerCache(cache.path)
    tasks = [ProcessData(r.pk, r.uri, workers_cache, timeout, False) for r in todo]
    print(f"Executing {len(tasks)} page(s), {jobs} at a time:", flush=True)
    t0, failed = time.perf_counter(), []
    saved = dict(os.environ)
    os.environ.update(kernel_env(root, profile))  # the workers and their kernels inherit it
    try:
        with Pool(jobs) as pool:
            work = pool.imap_unordered(ExecutionWorkerLocalMProc(), tasks, chunksize=1)
            for status, uri in work:
                done = "ok" if status == 0 else "FAILED"
                print(f"  {time.perf_counter() - t0:5.0f} s  {done:6s} {uri}", flush=True)
                if status != 0:
                    failed.append(uri)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    cache.truncate_caches()  # once, here (booktools.worker_cache)
    if prune:  # results were replaced: drop the outdated ones (only then can there be any)
        pruned = prune_cache(profile, root, toc)
        if pruned:
            print(f"Removed {pruned} outdated cached page result(s).", flush=True)
    return failed


def prune_cache(profile: str, root: Path, toc: Path | None = None) -> int:
    """Drop cached results that no longer match their page; return how many.

    An outdated result comes from an older version of the page's code or inputs. Dropping
    them keeps the cache the size of the book instead of growing with every edit (the
    publish workflow saves it).
    """
    from jupyter_cache import get_cache

    cache = get_cache(cache_dir(profile, root, toc.stem.lstrip("_") if toc else None))
    current = set()
    for record in cache.list_project_records():
        nb = cache.get_project_notebook(record.uri).nb
        current.add(cache.create_hashed_notebook(nb)[1])
    pages = {r.uri for r in cache.list_project_records()}
    stale = [r for r in cache.list_cache_records() if r.uri in pages and r.hashkey not in current]
    for record in stale:
        cache.remove_cache(record.pk)
    return len(stale)


def command(profile: str, root: Path, toc: Path | None = None, builder: str = "html") -> list[str]:
    """Return the ``jupyter-book build`` command line: warnings are errors, keep going."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")  # same environment
    name = toc.stem.lstrip("_") if toc else None
    cmd = [
        str(jupyter_book),
        "build",
        str(root),
        "--path-output",
        str(build_root(profile, root, name)),
        "--builder",
        builder,
        "-W",
        "-n",
        "--keep-going",
    ]
    return cmd + (["--toc", str(toc)] if toc else [])


#: System programs the published (full) profile needs, with how to install them.
SYSTEM_REQUIREMENTS = {
    "dot": (
        "Graphviz draws the Keras model diagrams of the published site",
        "sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS) "
        "or conda install graphviz",
    ),
}


def missing_system_requirements(profile: str) -> list[str]:
    """List what the *profile*'s build needs but this machine lacks (one line each).

    Every profile typesets its math and trims its stylesheet in Node.js. The full profile also
    publishes every figure and the book's PDF, so a missing program stops the build
    before anything runs; a quick preview marks a missing figure on the page and skips
    the PDF instead.
    """
    from booktools.node import missing_node
    from booktools.pdf import find_chromium

    missing = [problem for problem in [missing_node()] if problem]  # every page: math, stylesheet
    if profile != "full":
        return missing
    missing += [
        f"`{program}` is not installed: {why}. Install it with {how}."
        for program, (why, how) in SYSTEM_REQUIREMENTS.items()
        if shutil.which(program) is None
    ]
    if find_chromium() is None:
        missing.append(
            "Chromium is not installed: it prints the book's PDF. Install it with "
            "sudo apt-get install chromium (Debian/Ubuntu) or install Google Chrome."
        )
    return missing


def print_book(profile: str, root: Path, site: Path) -> int:
    """Print the built site into ``<site>/book.pdf`` (:mod:`booktools.pdf`); 0 if done.

    Without Chromium a quick build skips it, saying so; the full build required it
    up front (:func:`missing_system_requirements`).
    """
    from booktools.pdf import PDF_NAME, PdfError, find_chromium, make_pdf
    from booktools.toc import toc_docnames

    if find_chromium() is None:
        print("No Chromium: the book's PDF is not made (a full build needs it).")
        return 0
    t0 = time.perf_counter()
    try:
        out = make_pdf(site, toc_docnames(root), site / PDF_NAME, parts=site.parent / "pdf")
    except PdfError as exc:
        print(f"\nBuild FAILED ({profile} profile): {exc}", file=sys.stderr)
        return 1
    print(f"Printed {out.relative_to(root)} in {time.perf_counter() - t0:.0f} s.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Build the book in a profile (executing changed pages ahead) and say where it is."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--profile", default=None, help=f"full or quick (default: ${ENV_VAR} or full)"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="the book's folder (default: the working directory)",
    )
    parser.add_argument(
        "--toc",
        type=Path,
        default=None,
        help="build only the pages of this table of contents (a partial "
        "preview, in _build/<profile>-<toc name>)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="pages executed at the same time before the build (default: one per core, "
        f"at most {MAX_DEFAULT_JOBS}; 1: the build executes them one by one)",
    )
    args = parser.parse_args(argv)
    profile = get_profile(args.profile).name  # validates, with a clear message
    try:
        root = find_root(args.root)
    except BookNotFound as exc:
        parser.error(str(exc))
    missing = missing_system_requirements(profile)
    if missing:
        print(f"Cannot build the {profile} profile:", *missing, sep="\n  ", file=sys.stderr)
        if profile == "full":
            print(
                "  (MLBOOK_PROFILE=quick make book previews without Graphviz and Chromium, "
                "marking what is missing.)",
                file=sys.stderr,
            )
        return 2
    toc = args.toc.resolve() if args.toc else None
    name = toc.stem.lstrip("_") if toc else None

    env = kernel_env(root, profile)
    t0 = time.perf_counter()
    if args.jobs > 1:
        failed = execute_ahead(
            profile, root, toc, jobs=args.jobs, timeout=execution_timeout(root), prune=True
        )
        for uri in failed:
            print(f"Executing {uri} failed; the build runs it again and shows the error.")
    proc = subprocess.run(command(profile, root, toc), cwd=root, env=env)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        print(
            f"\nBuild FAILED ({profile} profile) after {seconds:.0f} s: see the errors above.",
            file=sys.stderr,
        )
        return proc.returncode
    site = html_dir(profile, root, name)
    if toc is None:
        pdf_status = print_book(profile, root, site)
        if pdf_status:
            return pdf_status
        seconds = time.perf_counter() - t0
    print(
        f"\nBuilt the {profile}-profile site in {seconds:.0f} s: "
        f"{site.relative_to(root)}/index.html"
        f"\nServe it with:  python -m http.server -d {site.relative_to(root)} 8000"
        "  (then open http://localhost:8000)"
        "\nPer-page execution times: appendix/execution-report.html"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
