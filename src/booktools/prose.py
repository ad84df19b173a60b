"""Typed numbers in the book's prose: a result must be glued, not typed.

    python -m booktools.prose            # list every typed digit in the chapters' prose

A digit in prose is allowed only where it is not a result of the page's run:

* inside code, math, a glue role or any other role's target (``{glue:text}`acc```,
  ``{ref}`cnn```), a label, a link target or a directive's options;
* in a quotation of the course notes, marked ``{notes}`97.94 %``` (the text as the
  notes print it);
* in a fixed fact, marked ``{fact}`60 000``` (a dataset's size, a year, a formula's
  constant) -- a number no run of the book can change;
* in a name that carries digits (``Conv2D``, ``float32``, ``L2``, ``CIFAR-10``,
  ``TensorFlow 2``): see :data:`NAMES`.

Everything else is reported, so a result typed by hand cannot reach the page. Captions
(the body of a ``{figure}`` or ``{glue:figure}``) are prose. Alt text is not scanned: an
option's text cannot hold a role, so the numbers it names (a figure's 28-by-28 digits, a
curve's peak at 0.25) are checked by a ``claim`` in the cell that draws the figure.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

#: Names that carry digits: identifiers (Conv2D, float32, L1, F1, ResNet50, MobileNetV2),
#: hyphenated dataset/model names (CIFAR-10, Inception-v3, ImageNet-1k) and major
#: versions of the libraries the book is written for.
NAMES = re.compile(
    r"\b[A-Za-z_]+[A-Za-z_]*\d+[A-Za-z\d_]*\b"
    r"|\b[A-Za-z]+-v?\d+[a-z]?\b"
    r"|\b(?:TensorFlow|TF|Keras|NumPy|Python|Jupyter Book|scikit-learn|Sphinx|myst-nb)"
    r" \d+(?:\.\d+)*(?:\.x)?\b"
)

#: Fenced blocks whose body is not prose (code, math, raw output, includes).
CODE_FENCES = re.compile(
    r"^(`{3,}|~{3,}) *(\{(code-cell|literalinclude|math|raw|glue:md|glue|glue:any|"
    r"toctree|nb-exec-table|errata-list|list-table)\}|[a-z]*$|[a-z]+ )"
)

_INLINE = [
    re.compile(r"\{[\w:-]+\}`[^`]*`"),  # any role with its target, {notes} and {fact} too
    re.compile(r"``[^`]+``|`[^`]+`"),  # inline code
    re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$"),  # inline math
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<https?://[^>]+>|https?://\S+"),  # bare links
    re.compile(r"\{\{[^}]*\}\}"),  # substitutions
    re.compile(r"<!--.*?-->"),  # comments
    re.compile(r"\[\^?[\w-]+\]"),  # footnote / reference labels
]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, prose)`` for every line of a page, with non-prose removed."""
    lines = text.splitlines()
    out: list[tuple[int, str]] = []
    i = 0
    if lines and lines[0].strip() == "---":  # front matter
        i = next((j for j in range(1, len(lines)) if lines[j].strip() == "---"), 0) + 1
    fence: str | None = None
    in_math = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence) and stripped.strip("`~") == "":
                fence = None
            i += 1
            continue
        match = CODE_FENCES.match(stripped)
        if match:
            fence = match.group(1)
            i += 1
            continue
        if stripped.startswith("$$"):
            in_math = not (stripped.endswith("$$") and len(stripped) > 2) and not in_math
            i += 1
            continue
        if in_math:
            in_math = not stripped.endswith("$$")
            i += 1
            continue
        if re.match(r"^:[\w-]+:", stripped) or re.match(r"^\(.+\)=$", stripped):
            i += 1  # directive options (alt text included, see the module's docstring), labels
            continue
        for pattern in _INLINE:
            line = pattern.sub(" ", line)
        out.append((i + 1, line))
        i += 1
    return out


#: A numbered list item's marker ("1. Train ...").
LIST_MARKER = re.compile(r"^\s*\d+\.\s")


def typed_numbers(text: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each prose line with a digit that is not allowed."""
    found = []
    for number, line in prose_lines(text):
        rest = NAMES.sub(" ", LIST_MARKER.sub(" ", line))
        if re.search(r"\d", rest):
            found.append((number, line.strip()))
    return found


def main(argv: list[str] | None = None) -> int:
    """List the typed numbers of the given pages (default: every page of the book)."""
    from booktools.toc import find_root, toc_pages

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args(argv)
    root = find_root(args.root)
    pages = args.pages or toc_pages(root)
    total = 0
    for page in pages:
        for number, line in typed_numbers(page.read_text(encoding="utf-8")):
            print(f"{page}:{number}: {line}")
            total += 1
    print(f"{total} prose line(s) with a typed number", file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
