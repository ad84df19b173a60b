"""The values a build glued into its pages, to compare two builds.

    python -m booktools.glue _build/.jupyter_cache > before.json
    python -m booktools.glue --diff before.json after.json

A refactoring that must not change what the book teaches (the same accuracies, counts
and verdicts) is checked by diffing the glued values of a build before and after it.
Values that measure the run itself (times, dates, memory) differ between any two runs;
``--diff`` lists them apart.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

#: Glue names that measure the run, not the result.
RUN_RECORD = re.compile(
    r"(time|seconds|_s$|_ms$|^sec_|_sec$|minutes|date|when|memory|_mb$|elapsed|speed|"
    r"slow_ratio|fig_cost)"
)


def executed_notebooks(cache_folder: Path) -> dict[str, object]:
    """Page (``book/...``) -> its newest executed notebook in a build's execution cache."""
    from jupyter_cache import get_cache

    cache = get_cache(cache_folder)
    newest: dict[str, object] = {}
    for record in sorted(cache.list_cache_records(), key=lambda r: r.created):
        uri = Path(record.uri).as_posix()
        page = uri[uri.index("book/") :] if "book/" in uri else uri
        newest[page.removesuffix(".md")] = record.pk
    return {page: cache.get_cache_bundle(pk).nb for page, pk in newest.items()}


def notebook_glue(nb) -> dict[str, str]:
    """Glue name -> its value as text, for one executed notebook."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            if record.get("name"):
                values[record["name"]] = _text(output, record)
    return values


def glued(cache_folder: Path) -> dict[str, str]:
    """``"<page>:<name>" -> text`` of every glued value of a build's executed pages."""
    return {
        f"{page}:{name}": value
        for page, nb in sorted(executed_notebooks(cache_folder).items())
        for name, value in notebook_glue(nb).items()
    }


def _text(output: dict, record: dict) -> str:
    """Return a glued value as text: its Markdown or plain text; a figure by its digest."""
    prefix = record.get("mime_prefix", "")
    data = {k.removeprefix(prefix): v for k, v in output.get("data", {}).items()}
    for mime in ("text/markdown", "text/html", "text/plain"):  # a table by its HTML
        if mime in data and not (mime == "text/plain" and "image/png" in data):
            text = data[mime]
            return "".join(text) if isinstance(text, list) else text
    if "image/png" in data:
        return "image sha256:" + hashlib.sha256(data["image/png"].encode()).hexdigest()[:12]
    return ""


def diff(before: dict[str, str], after: dict[str, str]) -> tuple[list[str], list[str]]:
    """Lines describing (result changes, run-record changes) between two snapshots."""
    result, record = [], []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, "<absent>"), after.get(key, "<absent>")
        if a != b:
            line = f"{key}: {a[:60]} -> {b[:60]}"
            (record if RUN_RECORD.search(key.split(":", 1)[1]) else result).append(line)
    return result, record


def main(argv: list[str] | None = None) -> int:
    """Print a build's glued values as JSON, or compare two such files (``--diff``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="a build's .jupyter_cache folder")
    parser.add_argument("--diff", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.diff:
        before, after = (json.loads(p.read_text()) for p in args.diff)
        result, record = diff(before, after)
        print(f"{len(before)} values before, {len(after)} after")
        print(f"{len(result)} result value(s) changed:", *result, sep="\n  ")
        print(f"{len(record)} run-record value(s) changed (times, dates):", *record, sep="\n  ")
        return 1 if result else 0
    if args.folder is None:
        parser.error("give a .jupyter_cache folder, or --diff BEFORE AFTER")
    json.dump(glued(args.folder), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
