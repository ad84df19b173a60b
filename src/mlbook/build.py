"""Build the book for one profile: ``python -m mlbook.build [--profile quick|full]``.

* ``full`` (default, the published site) builds into ``_build/html`` with its
  execution cache in ``_build/.jupyter_cache``;
* ``quick`` (previews, tests) builds into ``_build/quick/_build/html`` with its own
  cache, so a quick result can never be published as a full one.

jupyter-cache re-executes a page only when the page's code changes. It cannot see a
change to ``src/mlbook`` or to the pinned requirements, so the build stamps the cache
with a fingerprint of both and empties it when they change. Warnings are errors
(``-W``), and a failing cell fails the build (``raise_on_error`` in ``_config.yml``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mlbook.profile import ENV_VAR, get_profile

ROOT = Path(__file__).resolve().parents[2]


def build_root(profile: str, root: Path = ROOT, name: str | None = None) -> Path:
    """The ``--path-output`` folder of a profile (``_build`` lives inside it).

    *name* gives a partial build (``--toc``) a folder and cache of its own.
    """
    if name:
        return root / "_build" / f"{profile}-{name}"
    return root if profile == "full" else root / "_build" / profile


def html_dir(profile: str, root: Path = ROOT, name: str | None = None) -> Path:
    return build_root(profile, root, name) / "_build" / "html"


def cache_dir(profile: str, root: Path = ROOT, name: str | None = None) -> Path:
    return build_root(profile, root, name) / "_build" / ".jupyter_cache"


def fingerprint(root: Path = ROOT) -> str:
    """sha256 over the library's sources and the pinned requirements."""
    h = hashlib.sha256()
    files = sorted((root / "src" / "mlbook").rglob("*.py")) + [root / "requirements.txt"]
    for path in files:
        if path.exists():
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


#: What a profile's build leaves in its ``_build`` folder (never ``_build/quick`` etc.).
BUILD_PARTS = (".jupyter_cache", ".doctrees", "html", "jupyter_execute")


def refresh_cache(profile: str, root: Path = ROOT, name: str | None = None) -> bool:
    """Start the profile's build afresh if the library changed; True if it did.

    Emptying only the execution cache is not enough: Sphinx re-reads (and so
    re-executes) a page only when its source changed, and re-renders it only then.
    """
    cache = cache_dir(profile, root, name)
    stamp = cache.parent / "mlbook-fingerprint.txt"
    current = fingerprint(root)
    stale = cache.exists() and (not stamp.exists() or stamp.read_text().strip() != current)
    if stale:
        for part in BUILD_PARTS:
            shutil.rmtree(cache.parent / part, ignore_errors=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return stale


#: A full-profile page can take 2.6 GB and TensorFlow uses every core for each page, so
#: more pages at once would cost memory on a many-core laptop and gain little.
MAX_DEFAULT_JOBS = 2


def default_jobs() -> int:
    """Pages executed at the same time by default: one per core, at most MAX_DEFAULT_JOBS."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_JOBS))


def timeout(root: Path = ROOT) -> int:
    """The per-cell execution timeout of ``_config.yml`` (seconds)."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf8"))
    return int(config["execute"]["timeout"])


def executed_pages(root: Path = ROOT, toc: Path | None = None) -> list[Path]:
    """The pages of the table of contents that run code (MyST notebooks), in TOC order."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    pages = []
    for docname in parse_toc_yaml(toc or root / "_toc.yml"):
        path = root / f"{docname}.md"
        if path.exists() and "\nkernelspec:" in path.read_text(encoding="utf8")[:1000]:
            pages.append(path)
    return pages


def execute_ahead(
    profile: str, root: Path = ROOT, toc: Path | None = None, jobs: int = 2, timeout: int = 900
) -> list[str]:
    """Execute the pages that are not in the profile's execution cache, *jobs* at a time,
    and cache them, so that the Sphinx build (which runs one page at a time) finds them
    executed. Returns the pages that failed; the build then runs those itself and
    reports their errors.

    This is jupyter-cache's own parallel worker (``jcache`` staging with myst-nb's
    reader, as the build does); only the scheduling is ours: one page per task, in
    TOC order, so no worker idles while the other runs the rest.
    """
    from multiprocessing import Pool

    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

    cache = get_cache(cache_dir(profile, root, toc.stem.lstrip("_") if toc else None))
    for page in executed_pages(root, toc):
        cache.add_nb_to_project(str(page), read_data={"type": "plugin", "name": "myst_nb_md"})
    todo = cache.list_unexecuted()
    if not todo:
        return []
    tasks = [ProcessData(r.pk, r.uri, cache, timeout, False) for r in todo]
    print(f"Executing {len(tasks)} page(s), {jobs} at a time:", flush=True)
    t0, failed = time.perf_counter(), []
    with Pool(jobs) as pool:
        for status, uri in pool.imap_unordered(ExecutionWorkerLocalMProc(), tasks, chunksize=1):
            done = "ok" if status == 0 else "FAILED"
            print(f"  {time.perf_counter() - t0:5.0f} s  {done:6s} {uri}", flush=True)
            if status != 0:
                failed.append(uri)
    return failed


def command(
    profile: str, root: Path = ROOT, toc: Path | None = None, builder: str = "html"
) -> list[str]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--profile", default=None, help=f"full or quick (default: ${ENV_VAR} or full)"
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
    name = args.toc.stem.lstrip("_") if args.toc else None

    if refresh_cache(profile, ROOT, name):
        print(f"mlbook or requirements changed: rebuilding the {profile} site from scratch.")
    env = {
        **os.environ,
        ENV_VAR: profile,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", ""),
    }
    t0 = time.perf_counter()
    if args.jobs > 1:
        os.environ.update(env)  # the kernels inherit it
        failed = execute_ahead(profile, ROOT, args.toc, jobs=args.jobs, timeout=timeout(ROOT))
        for uri in failed:
            print(f"Executing {uri} failed; the build runs it again and shows the error.")
    proc = subprocess.run(command(profile, ROOT, args.toc), cwd=ROOT, env=env)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        print(
            f"\nBuild FAILED ({profile} profile) after {seconds:.0f} s: see the errors above.",
            file=sys.stderr,
        )
        return proc.returncode
    site = html_dir(profile, ROOT, name)
    print(
        f"\nBuilt the {profile}-profile site in {seconds:.0f} s: "
        f"{site.relative_to(ROOT)}/index.html"
        f"\nServe it with:  python -m http.server -d {site.relative_to(ROOT)} 8000"
        "  (then open http://localhost:8000)"
        "\nPer-page execution times: appendix/execution-report.html"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
