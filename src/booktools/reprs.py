"""Outputs that show a Python repr instead of typeset text.

A reader should see ``97.3 %`` or a table, never ``np.float64(0.9734…)``,
``{'acc': 0.93…}``, ``namespace(epochs=…)``, a 16-digit decimal, ``<… object at 0x…>`` or
``<Figure size 640x480 with 1 Axes>`` (a figure whose picture failed).
:func:`reprs_in_text` finds them in an output's text; :func:`notebook_reprs` in an executed
notebook's visible outputs (glue records, which are not shown, are skipped);
``run_chapter`` reports them and the site checks fail on them.
"""

from __future__ import annotations

import re

#: What a repr looks like in an output.
REPR = re.compile(
    r"np\.(?:float|int|bool)\w*\(|namespace\(|\{'|\d\.\d{10,}|<[\w.]+ (?:object )?at 0x[0-9a-f]+>"
    r"|<Figure size \d+x\d+"  # a figure shown as text: its PNG failed
)


def reprs_in_text(text: str) -> list[str]:
    """Return each repr-like match in *text*, with a little context."""
    return [
        text[max(0, m.start() - 25) : m.end() + 25].replace("\n", " ") for m in REPR.finditer(text)
    ]


def notebook_reprs(nb) -> list[tuple[int, str]]:
    """Return ``(cell index, snippet)`` for each repr in a notebook's visible outputs."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "remove-output" in cell.metadata.get("tags", []):
            continue
        if "remove-cell" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if "scrapbook" in output.get("metadata", {}):
                continue  # a glue record: not displayed
            if output.get("output_type") == "stream":
                text = output.get("text", "")
            else:
                data = output.get("data", {})
                if "text/html" in data or "image/png" in data:
                    continue  # rendered, not a repr
                text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            found.extend((index, snippet) for snippet in reprs_in_text(text))
    return found


#: A glued NumPy scalar: ``{glue:text}`name:.1%``` cannot format its text.
NUMPY_SCALAR = re.compile(r"^np\.\w+\(")


def glued_numpy_scalars(nb) -> list[tuple[int, str]]:
    """Return ``(cell index, glue name)`` for each NumPy scalar glued (glue ``float(x)``)."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            record = output.get("metadata", {}).get("scrapbook", {})
            if not record.get("name"):
                continue
            prefix = record.get("mime_prefix", "")
            text = output.get("data", {}).get(prefix + "text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if NUMPY_SCALAR.match(text):
                found.append((index, record["name"]))
    return found


#: Markdown syntax that a glued string shows raw (``{glue:text}`` inserts plain text).
MARKUP = re.compile(r"\*\*\S[^*]*\*\*|(?<![\w*])\*\S[^*\n]*\S\*(?![\w*])|`[^`\n]+`|\]\(\S+\)")
#: A signed zero: a difference between two values that printed as nothing.
SIGNED_ZERO = re.compile(r"(?<![\d.])[+\u2212-]0(?:\.0+)?(?![\d.])\s?(?:%|points?\b|pp\b)")


#: Python warnings ("file.py:12: UserWarning: ..."), TensorFlow's logger ("WARNING:tensorflow:")
#: and native start-up logs (absl, "I0000 ... port.cc"): noise a page must not show.
LOG_NOISE = re.compile(
    r"\.py:\d+: \w*Warning: |^WARNING:|absl::InitializeLog|^[IWE]\d{4} [\d:.]+ +\d+ \w+\.cc",
    re.M,
)


def notebook_log_noise(nb) -> list[tuple[int, str]]:
    """Return ``(cell index, line)`` for each warning or log line in a visible output."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "remove-cell" in cell.metadata.get("tags", []):
            continue
        if "remove-output" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream":
                continue
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            found.extend(
                (index, text[m.start() :].splitlines()[0][:120]) for m in LOG_NOISE.finditer(text)
            )
    return found


def markup_in_text(text: str) -> list[str]:
    """Return raw Markdown (``**bold**``, backticks, links) found in rendered prose."""
    return [
        text[max(0, m.start() - 25) : m.end() + 25].replace("\n", " ")
        for m in MARKUP.finditer(text)
    ]


def signed_zeros_in_text(text: str) -> list[str]:
    """Return differences printed as a signed zero ('+0.0 %', '−0.0 points')."""
    return [
        text[max(0, m.start() - 40) : m.end() + 10].replace("\n", " ")
        for m in SIGNED_ZERO.finditer(text)
    ]


def glued_markup(nb) -> list[tuple[int, str]]:
    """Return ``(cell index, glue name)`` for each glued string holding Markdown syntax."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            record = output.get("metadata", {}).get("scrapbook", {})
            data = output.get("data", {})
            prefix = record.get("mime_prefix", "")
            if not record.get("name") or prefix + "text/markdown" in data:
                continue  # a Markdown object is rendered ({glue:md}): its syntax is fine
            text = data.get(prefix + "text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if text[:1] in "'\"" and markup_in_text(text):
                found.append((index, record["name"]))
    return found
