"""One PDF of the whole book, printed from the built site by headless Chromium.

    python -m booktools.pdf [--profile full|quick]   # make book runs it after the site

Each page of the table of contents is printed as the site shows it (figures, typeset
math, the widget's first round) with Chromium's ``--print-to-pdf``, given time to run
MathJax (``--virtual-time-budget``); the pages are joined in reading order with pypdf,
with one bookmark per page, into ``<site>/book.pdf``, which the introduction links. The
site is printed from its files, so nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from booktools.toc import find_root, toc_docnames

#: The file name of the PDF in the site (the introduction links ``../book.pdf``).
PDF_NAME = "book.pdf"
#: Programs that can print (Debian's chromium first).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Virtual milliseconds a page gets to finish its scripts (MathJax, widgets) before print.
SETTLE_MS = 5_000


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why and what to do."""


def find_chromium() -> str | None:
    """Return the path of a Chromium (or Chrome) program, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def print_page(chromium: str, page: Path, out: Path, timeout: float = 180) -> Path:
    """Print the built HTML *page* to the PDF *out* with headless Chromium."""
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--no-pdf-header-footer",
        "--run-all-compositor-stages-before-draw",
        f"--virtual-time-budget={SETTLE_MS}",
        # As if the whole page were on screen: what loads when the reader scrolls to it
        # (the widget manager, sphinx_site.lazy_widgets) loads before the page prints.
        "--window-size=1280,40000",
        f"--print-to-pdf={out}",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise PdfError(f"Chromium could not print {page}:\n{proc.stderr[-2000:]}")
    return out


def page_title(page: Path) -> str:
    """Return the page's ``<title>`` without the book's name after the separator."""
    match = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S)
    title = html.unescape(match.group(1)).strip() if match else page.stem
    return re.split(r"\s+[—–|-]\s+", title)[0]


def make_pdf(
    site: Path, docnames: list[str], out: Path, *, parts: Path | None = None, jobs: int = 2
) -> Path:
    """Print every page of *docnames* from *site* and join them into *out*.

    With *parts* (a folder), each page's PDF is kept there and printed again only when
    its HTML is newer, so a rebuild after one edit prints one page. Returns *out*.
    Raises :class:`PdfError` when Chromium is missing or a page fails.
    """
    from pypdf import PdfWriter

    chromium = find_chromium()
    if chromium is None:
        raise PdfError(
            "No Chromium to print the book's PDF with. Install it with "
            "`sudo apt-get install chromium` (Debian/Ubuntu) or install Google Chrome."
        )
    pages = [site / f"{name}.html" for name in docnames]
    missing = [str(p) for p in pages if not p.exists()]
    if missing:
        raise PdfError(f"Pages missing from the built site: {missing}; build it first.")
    with tempfile.TemporaryDirectory() as tmp:
        folder = parts or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        outs = [folder / (name.replace("/", "__") + ".pdf") for name in docnames]
        stale = [
            (page, part)
            for page, part in zip(pages, outs)
            if not part.exists() or part.stat().st_mtime < page.stat().st_mtime
        ]
        if not stale and out.exists():
            return out
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(lambda p: print_page(chromium, *p), stale))
        writer = PdfWriter()
        for page, part in zip(pages, outs):
            start = len(writer.pages)
            writer.append(str(part))
            writer.add_outline_item(page_title(page), start)
        writer.add_metadata({"/Title": page_title(pages[0])})
        tmp_out = Path(tmp) / PDF_NAME
        with open(tmp_out, "wb") as f:
            writer.write(f)
        shutil.move(tmp_out, out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the built site of a profile into ``<site>/book.pdf``."""
    from booktools.build import html_dir
    from mlbook.profile import get_profile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=None, help="full or quick (default: full)")
    parser.add_argument("--root", type=Path, default=None, help="the book's folder")
    args = parser.parse_args(argv)
    root = find_root(args.root)
    site = html_dir(get_profile(args.profile).name, root)
    try:
        out = make_pdf(site, toc_docnames(root), site / PDF_NAME, parts=site.parent / "pdf")
    except PdfError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Printed the book to {out.relative_to(root)} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
