"""Phone speed and accessibility of the built site, measured by Lighthouse: ``make lighthouse``.

    python -m booktools.lighthouse [--profile full|quick] [--runs 5] [--check] [--all]
                                   [--save DIR]

The site is served from this machine, compressed as a web host would send it (gzip),
and Lighthouse (pinned in ``package.json``, installed by ``npm ci``) loads each page with
its mobile defaults: a simulated slow 4G network and a 4x slower CPU. Scores move between
runs on a busy machine, so the median of a page's runs counts: up to *runs* of them,
stopping once the median's verdict is known (:func:`until_decided`). Most of the
movement is in total blocking time, the main-thread work Lighthouse observes and scales
by 4, and with it in this machine's own speed (Lighthouse's ``benchmarkIndex``): the table
shows both medians, and ``--save`` keeps every run's report to see which audit cost.
With ``--check`` the command fails when a page is under its threshold (:data:`PAGES`);
``--all`` measures every page of the book, a chapter's thresholds (:data:`CHAPTER`) for
the pages :data:`PAGES` does not name.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from booktools.toc import find_root

#: Pages measured, with their (performance, accessibility) thresholds in points: chapter
#: pages 90 and 100, the project page (whose widget manager is most of its bytes) 80.
PAGES = {
    "book/intro.html": (90, 100),
    "book/tensorflow/02-deep-learning.html": (90, 100),
    "book/sklearn/03-decision-trees.html": (90, 100),
    "book/sklearn/07-active-learning.html": (80, 100),
}
#: Thresholds of every other page (``--all``): a chapter page's.
CHAPTER = (90, 100)
#: Types a web host compresses (images and fonts are compressed already).
COMPRESSED = (".html", ".js", ".css", ".svg", ".json", ".txt", ".map")


class GzipHandler(SimpleHTTPRequestHandler):
    """Serve files, gzipped when the client accepts it and the type is text."""

    def log_message(self, *args) -> None:
        """Log nothing: Lighthouse makes many requests."""
        return

    def send_head(self):
        """Send the headers (and, for a gzipped file, the body) of a GET or HEAD."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    """Start a gzip-serving server of *site* on a free local port; return it and its URL."""
    handler = functools.partial(GzipHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@dataclass
class Score:
    """One Lighthouse run of one page."""

    performance: float
    accessibility: float
    fcp_s: float
    lcp_s: float
    kib: float
    failed_audits: list[str]
    tbt_ms: float = 0.0
    benchmark: float = 0.0


def lighthouse_bin(root: Path) -> Path:
    """Return the pinned Lighthouse of ``package.json``, or say how to install it."""
    path = root / "node_modules" / ".bin" / "lighthouse"
    if not path.exists():
        raise SystemExit(
            "Lighthouse is not installed: run `npm ci` in the book's folder (it installs "
            "the version pinned in package.json), or `make lighthouse`."
        )
    return path


def report_path(save: Path, url: str) -> Path:
    """Return the file for *url*'s next report in *save* (``book-intro-1.json``, then 2, 3)."""
    save.mkdir(parents=True, exist_ok=True)
    stem = url.split("/", 3)[-1].removesuffix(".html").replace("/", "-")
    number = len(list(save.glob(f"{stem}-*.json"))) + 1
    return save / f"{stem}-{number}.json"


def run_once(binary: Path, url: str, chromium: str, save: Path | None = None) -> Score:
    """Run Lighthouse's mobile defaults on *url*; return its scores and timings.

    With *save*, the run's whole report is kept there as ``<page>-<n>.json``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            str(binary),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]
        env = {**os.environ, "CHROME_PATH": chromium}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"Lighthouse failed on {url}:\n{proc.stderr[-2000:]}")
        text = out.read_text()
        if save is not None:
            report_path(save, url).write_text(text)
    report = json.loads(text)
    cats, audits = report["categories"], report["audits"]
    failed = [
        ref["id"]
        for ref in cats["accessibility"]["auditRefs"]
        if audits[ref["id"]].get("score") == 0
    ]
    return Score(
        performance=cats["performance"]["score"] * 100,
        accessibility=cats["accessibility"]["score"] * 100,
        fcp_s=audits["first-contentful-paint"]["numericValue"] / 1000,
        lcp_s=audits["largest-contentful-paint"]["numericValue"] / 1000,
        kib=audits["total-byte-weight"]["numericValue"] / 1024,
        failed_audits=failed,
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        benchmark=report.get("environment", {}).get("benchmarkIndex", 0.0),
    )


def until_decided(run: Callable[[], Score], thresholds: tuple[float, float], runs: int) -> list:
    """Run *run* up to *runs* times, stopping once the median's verdict cannot change.

    The median of an odd number of runs is at or over a threshold exactly when most runs
    are: once most of the *runs* (3 of 5) fall on the same side of both thresholds, the
    rest cannot move it.
    """
    majority = runs // 2 + 1
    scores: list[Score] = []
    while len(scores) < runs:
        scores.append(run())
        decided = True
        for value, minimum in zip(("performance", "accessibility"), thresholds, strict=True):
            over = sum(getattr(s, value) >= minimum for s in scores)
            decided &= over >= majority or len(scores) - over >= majority
        if decided:
            break
    return scores


def thresholds(page: str) -> tuple[float, float]:
    """Return *page*'s (performance, accessibility) thresholds: its own, or a chapter's."""
    return PAGES.get(page, CHAPTER)


def all_pages(root: Path) -> list[str]:
    """Return every page of the table of contents as a site path (``book/intro.html``)."""
    from booktools.toc import toc_docnames

    return [f"{name}.html" for name in toc_docnames(root)]


def measure(
    site: Path,
    root: Path,
    runs: int = 5,
    *,
    pages: list[str] | None = None,
    save: Path | None = None,
) -> dict[str, list[Score]]:
    """Measure each of *pages* (default :data:`PAGES`) up to *runs* times; return its scores.

    A page's runs stop as soon as its verdict is known (:func:`until_decided`). With
    *save*, every report is kept there.
    """
    from booktools.pdf import find_chromium

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Lighthouse needs Chromium: sudo apt-get install chromium")
    binary = lighthouse_bin(root)
    server, base = serve(site)
    try:
        results = {}
        for page in pages or list(PAGES):
            once = functools.partial(run_once, binary, base + page, chromium, save)
            results[page] = until_decided(once, thresholds(page), runs)
        return results
    finally:
        server.shutdown()


def table(results: dict[str, list[Score]]) -> str:
    """Return a Markdown table of the medians, with each run's performance score.

    "blocking" is Lighthouse's total blocking time; "machine" its ``benchmarkIndex`` of
    this computer during the runs (higher is faster).
    """
    lines = [
        "| page | performance (runs) | accessibility | first paint | largest paint "
        "| blocking | machine | KiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page, scores in results.items():
        med = statistics.median
        runs = ", ".join(f"{s.performance:.0f}" for s in scores)
        lines.append(
            f"| {page} | {med([s.performance for s in scores]):.0f} ({runs}) "
            f"| {med([s.accessibility for s in scores]):.0f} "
            f"| {med([s.fcp_s for s in scores]):.1f} s | {med([s.lcp_s for s in scores]):.1f} s "
            f"| {med([s.tbt_ms for s in scores]):.0f} ms "
            f"| {med([s.benchmark for s in scores]):.0f} "
            f"| {med([s.kib for s in scores]):.0f} |"
        )
    return "\n".join(lines)


def problems(results: dict[str, list[Score]]) -> list[str]:
    """Return the pages whose median is under its thresholds (:func:`thresholds`)."""
    out = []
    for page, scores in results.items():
        perf_min, a11y_min = thresholds(page)
        perf = statistics.median(s.performance for s in scores)
        a11y = statistics.median(s.accessibility for s in scores)
        if perf < perf_min:
            out.append(f"{page}: performance {perf:.0f} < {perf_min}")
        if a11y < a11y_min:
            failed = sorted({a for s in scores for a in s.failed_audits})
            out.append(f"{page}: accessibility {a11y:.0f} < {a11y_min} (failing: {failed})")
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure the built site of a profile; with --check, fail under the thresholds."""
    from booktools.build import html_dir
    from mlbook.profile import get_profile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=None, help="full or quick (default: full)")
    parser.add_argument("--root", type=Path, default=None, help="the book's folder")
    parser.add_argument(
        "--runs", type=int, default=5, help="most runs per page (their median counts)"
    )
    parser.add_argument("--check", action="store_true", help="fail under the thresholds")
    parser.add_argument(
        "--all", action="store_true", help="every page of the book, not only PAGES'"
    )
    parser.add_argument("--site", type=Path, default=None, help="a built site's folder")
    parser.add_argument("--save", type=Path, default=None, help="keep every report here")
    args = parser.parse_args(argv)
    root = find_root(args.root)
    site = args.site or html_dir(get_profile(args.profile).name, root)
    if not (site / "index.html").exists():
        print(f"No built site in {site}: build it first (make book).", file=sys.stderr)
        return 1
    pages = all_pages(root) if args.all else None
    results = measure(site, root, args.runs, pages=pages, save=args.save)
    print(table(results))
    bad = problems(results) if args.check else []
    for line in bad:
        print("UNDER THRESHOLD:", line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
