r"""The notebook edition of a page: what Binder, the download and Colab open.

A stock Jupyter (JupyterLab, Notebook, Colab) renders none of MyST's directives and roles,
so the page's own ``.md`` opened as a notebook shows raw markup and hides the code its
``{literalinclude}`` blocks teach. The edition is made from what the site build already
has, not from a second reading of the page:

* the **markdown** comes from the page's *resolved* doctree (Sphinx has run the
  directives, resolved references, glued values and numbers): :class:`MarkdownWriter`
  writes it back as plain Jupyter markdown -- admonitions and exercises as quotes,
  solutions folded in ``<details>``, labelled equations with ``\tag{n}``, references to
  other pages as links to the published site, included code as code, glued values as the
  published run printed them (the banner says so), glued figures as cell attachments;
* the **code cells** are myst-nb's executed notebook's, in order, with their outputs;
  cells the site removes (glue, claims) stay runnable but folded (``jupyter.source_hidden``
  and ``outputs_hidden``, with their ``remove-cell`` tag), so a reader's run checks the
  claims too;
* a first code cell installs what is missing (``mlbook`` pinned to the building commit,
  the pinned packages a chapter needs) and picks the quick profile.

A node the writer does not know stops the build with the page and line
(:class:`EditionError`): nothing passes through raw.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes

#: Folded in the edition: tags -> (source hidden, outputs hidden).
HIDDEN_TAGS = {
    "remove-cell": (True, True),
    "remove_cell": (True, True),
    "remove-input": (True, False),
    "remove_input": (True, False),
    "hide-input": (True, False),
    "remove-output": (False, True),
    "remove_output": (False, True),
    "hide-output": (False, True),
    "hide-cell": (True, True),
}

#: The tag of the edition's install cell.
INSTALL_TAG = "mlbook-install"


class EditionError(Exception):
    """The edition cannot render part of a page (the message names page and line)."""


@dataclass
class Cell:
    """A code cell of the executed notebook, by index, placed by the doctree."""

    index: int
    folded: bool = False  # inside a folded solution: hidden until the reader opens it


@dataclass
class Context:
    """What the writer needs to know about the page and the site."""

    docname: str
    site_url: str  # the published site, ending in "/"
    image_path: Callable[[str], Path]  # a doctree image URI -> the file
    fignumbers: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    numfig_format: dict[str, str] = field(default_factory=dict)
    attachments: dict[str, dict[str, str]] = field(default_factory=dict)

    def number(self, node: nodes.Element, kind: str) -> str:
        """Return the label the site gives a numbered *node* ("Fig. 3"), or nothing."""
        ids = node.get("ids") or [""]
        number = self.fignumbers.get(kind, {}).get(ids[0])
        if not number:
            return ""
        fmt = self.numfig_format.get(kind, f"{kind.capitalize()} %s")
        return fmt % ".".join(map(str, number))

    def page_url(self, docname: str | None = None) -> str:
        """Return the published URL of *docname* (default: this page)."""
        return f"{self.site_url}{docname or self.docname}.html"


Segment = str | Cell

_ESCAPE = re.compile(r"([\\`*_\[\]<>$|])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def escape(text: str) -> str:
    """Escape what plain markdown (and Jupyter's ``$`` math) would interpret in *text*."""
    return _ESCAPE.sub(r"\\\1", text)


def fence(code: str, language: str = "") -> str:
    """Return *code* as a fenced block, the fence longer than any backtick run in it."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code.rstrip()}\n{ticks}"


def quote(text: str) -> str:
    """Prefix every line of *text* with ``> `` (a blockquote)."""
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def indent(text: str, first: str) -> str:
    """Indent *text* under a list marker *first*."""
    pad = " " * len(first)
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [pad + line if line else "" for line in lines[1:]])


def where(node: nodes.Node, docname: str) -> str:
    """Return ``page:line`` of *node* (as close as the doctree knows)."""
    current: Any = node
    while current is not None:
        line = getattr(current, "line", None)
        source = getattr(current, "source", None)
        if line:
            return f"{source or docname}:{line}"
        current = current.parent
    return docname


class MarkdownWriter:
    """Write a resolved doctree as Jupyter markdown segments and code-cell places."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.section_depth = 0

    # -- errors --------------------------------------------------------------
    def fail(self, node: nodes.Node, what: str) -> EditionError:
        """Return the error for a node the edition cannot render."""
        return EditionError(
            f"{where(node, self.context.docname)}: the notebook edition cannot render "
            f"{what} ({type(node).__name__}); teach booktools.edition how, or write "
            "the page without it"
        )

    # -- blocks ----------------------------------------------------------------
    def document(self, doctree: nodes.document) -> list[Segment]:
        """Return the page as markdown strings and :class:`Cell` places, in order."""
        return merge(self.blocks(doctree.children))

    def blocks(self, children: list[nodes.Node]) -> list[Segment]:
        """Render block-level *children*."""
        out: list[Segment] = []
        for child in children:
            out.extend(self.block(child))
        return out

    def block(self, node: nodes.Node) -> list[Segment]:
        """Render one block-level node."""
        name = type(node).__name__
        if isinstance(node, nodes.container) and node.get("nb_element") == "cell_code":
            return [Cell(int(node["cell_index"]))]
        if isinstance(node, nodes.section):
            self.section_depth += 1
            try:
                return self.blocks(node.children)
            finally:
                self.section_depth -= 1
        if isinstance(node, nodes.title):
            level = max(1, self.section_depth)
            return [f"{'#' * level} {self.inline(node)}"]
        if isinstance(node, nodes.paragraph):
            return [self.paragraph(node)]
        if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            return [self.list_(node)]
        if isinstance(node, nodes.literal_block):
            return [fence(node.astext(), self.language(node))]
        if isinstance(node, nodes.math_block):
            return [self.math_block(node)]
        if isinstance(node, nodes.figure):
            return [self.figure(node)]
        if isinstance(node, nodes.image):
            return [self.image(node)]
        if isinstance(node, nodes.table):
            return [self.table(node)]
        if isinstance(node, nodes.raw):
            if node.get("format") == "html":
                return [node.astext()]
            if node.get("format") in ("latex", "text"):
                return []
            raise self.fail(node, f"raw {node.get('format')} output")
        if name == "exercise_enumerable_node" or name == "exercise_node":
            return self.exercise(node)
        if name == "solution_node":
            return self.solution(node)
        if isinstance(node, nodes.Admonition):
            return self.admonition(node)
        if isinstance(node, nodes.block_quote):
            return self.quoted(self.blocks(node.children))
        if isinstance(node, nodes.container):  # incl. a code block with its caption
            return self.blocks(node.children)
        if isinstance(node, nodes.caption):  # a code block's caption
            return [f"*{self.inline(node)}*"]
        if isinstance(node, (nodes.compound, nodes.legend)):
            return self.blocks(node.children)
        if isinstance(node, nodes.rubric):
            return [f"**{self.inline(node)}**"]
        if isinstance(node, nodes.transition):
            return ["---"]
        if isinstance(node, nodes.definition_list):
            return [self.definition_list(node)]
        if isinstance(node, nodes.line_block):
            return ["<br>\n".join(self.inline(line) for line in node.children)]
        if isinstance(node, (nodes.target, nodes.comment, nodes.substitution_definition)):
            return []
        if isinstance(node, nodes.Invisible) or name in ("meta", "pending"):
            return []
        raise self.fail(node, f"a {name} block")

    def quoted(self, segments: list[Segment]) -> list[Segment]:
        """Quote the markdown of *segments* (a code cell inside stays a cell)."""
        return [quote(s) if isinstance(s, str) else s for s in merge(segments)]

    def admonition(self, node: nodes.Element) -> list[Segment]:
        """Render an admonition: a quote headed by its title in bold."""
        children = list(node.children)
        if children and isinstance(children[0], nodes.title):
            title = self.inline(children.pop(0))
        else:  # note, warning, ...: the title is the kind
            title = escape(type(node).__name__.replace("_", " ").capitalize())
        return self.quoted([f"**{title}**", *self.blocks(children)])

    def exercise(self, node: nodes.Element) -> list[Segment]:
        """Render an exercise: a quote headed ``Exercise n (title)``."""
        children = list(node.children)
        title = "Exercise"
        if children and isinstance(children[0], nodes.title):
            title = self.exercise_title(children.pop(0), node)
        return self.quoted([f"**{title}**", *self.blocks(children)])

    def exercise_title(self, title: nodes.Element, node: nodes.Element) -> str:
        """Return an exercise's title with its number, as the site shows it."""
        rest = self.inline(title).strip()
        if type(node).__name__ != "exercise_enumerable_node":
            return rest
        label = self.context.number(node, "exercise") or title.get("title", "Exercise %s")
        return f"{label.replace('%s', '').strip()} {rest}".strip()

    def solution(self, node: nodes.Element) -> list[Segment]:
        """Render a solution folded in ``<details>`` (its code cells folded too)."""
        children = list(node.children)
        summary = "Solution"
        if children and isinstance(children[0], nodes.title):
            summary = self.inline(children.pop(0))
        body = merge(self.blocks(children))
        if all(isinstance(s, str) for s in body):
            inner = "\n\n".join(body)  # type: ignore[arg-type]
            return [f"<details>\n<summary>{summary}</summary>\n\n{inner}\n\n</details>"]
        # Code cells cannot sit inside HTML: each part is folded on its own.
        out: list[Segment] = []
        for i, part in enumerate(body):
            if isinstance(part, Cell):
                out.append(Cell(part.index, folded=True))
            else:
                label = summary if i == 0 else f"{summary} (continued)"
                out.append(f"<details>\n<summary>{label}</summary>\n\n{part}\n\n</details>")
        return out

    def paragraph(self, node: nodes.Element) -> str:
        """Render a paragraph on one line (a wrapped line could start a list)."""
        text = self.inline(node).replace("\n", " ").strip()
        return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)

    def list_(self, node: nodes.Element) -> str:
        """Render a bullet or numbered list (items may hold several blocks)."""
        items = []
        start = int(node.get("start", 1))
        for i, item in enumerate(node.children):
            body = "\n\n".join(self.strings(self.blocks(item.children), node))
            marker = f"{start + i}. " if isinstance(node, nodes.enumerated_list) else "- "
            items.append(indent(body, marker))
        loose = any(len(item.children) > 1 for item in node.children)
        return ("\n\n" if loose else "\n").join(items)

    def definition_list(self, node: nodes.Element) -> str:
        """Render terms in bold, each definition quoted below."""
        out = []
        for item in node.children:
            term = next(c for c in item.children if isinstance(c, nodes.term))
            definition = next(c for c in item.children if isinstance(c, nodes.definition))
            body = "\n\n".join(self.strings(self.blocks(definition.children), node))
            out.append(f"**{self.inline(term)}**\n\n{quote(body)}")
        return "\n\n".join(out)

    def strings(self, segments: list[Segment], node: nodes.Node) -> list[str]:
        """Return *segments* that must all be markdown (a cell here is an error)."""
        if any(isinstance(s, Cell) for s in segments):
            raise self.fail(node, "a code cell inside a list or table")
        return [s for s in segments if isinstance(s, str)]

    def language(self, node: nodes.Element) -> str:
        """Return a literal block's language for the fence."""
        language = node.get("language", "") or ""
        if str(node.get("source", "")).endswith(".py") and language in ("", "default"):
            return "python"
        if language in ("default", "none", "text", "myst-ansi", "ipython3", "ipython"):
            return {"ipython3": "python", "ipython": "python"}.get(language, "")
        return language

    def math_block(self, node: nodes.Element) -> str:
        r"""Render display math; a labelled equation keeps its number with ``\tag``."""
        latex = node.astext().strip()
        number = node.get("number")
        if number and "displaymath" in self.context.numfig_format:  # as the site numbers it
            number = self.context.number(node, "displaymath").strip() or number
        if number and "\\tag" not in latex:
            latex = f"{latex} \\tag{{{number}}}"
        return f"$$\n{latex}\n$$"

    def figure(self, node: nodes.Element) -> str:
        """Render a figure: its image(s), then its numbered caption."""
        parts = []
        for child in node.children:
            if isinstance(child, nodes.caption):
                label = self.context.number(node, "figure")
                caption = self.inline(child).replace("\n", " ")
                parts.append(f"**{label}** {caption}".strip() if label else caption)
            else:
                parts.extend(s for s in self.blocks([child]) if isinstance(s, str))
        return "\n\n".join(p for p in parts if p)

    def image(self, node: nodes.Element) -> str:
        """Render an image as a cell attachment (the notebook carries it)."""
        uri = node.get("candidates", {}).get("image/png") or node["uri"]
        path = self.context.image_path(uri)
        if not path.exists():
            raise self.fail(node, f"an image whose file {path} is missing")
        suffix = path.suffix.lower()
        mime = {
            ".png": "image/png",
            ".jpg": "image/jpeg",
            ".jpeg": "image/jpeg",
            ".gif": "image/gif",
        }.get(suffix)
        if suffix == ".svg":
            mime = "image/svg+xml"
        if mime is None:
            raise self.fail(node, f"an image of type {suffix}")
        name = f"{len(self.context.attachments) + 1}{suffix}"
        data = path.read_bytes()
        payload = data.decode() if mime == "image/svg+xml" else base64.b64encode(data).decode()
        self.context.attachments[name] = {mime: payload}
        alt = (node.get("alt") or "").replace("\n", " ")
        return f"![{escape(alt)}](attachment:{name})"

    def table(self, node: nodes.Element) -> str:
        """Render a table as a markdown pipe table (its title above, in bold)."""
        title = ""
        rows: list[list[str]] = []
        header_rows = 0
        for child in node.children:
            if isinstance(child, nodes.title):
                label = self.context.number(node, "table")
                title = f"**{label}** {self.inline(child)}".strip() if label else self.inline(child)
                title = f"{title}\n\n"
            if isinstance(child, nodes.tgroup):
                for part in child.children:
                    if isinstance(part, (nodes.thead, nodes.tbody)):
                        for row in part.children:
                            rows.append([self.table_cell(entry) for entry in row.children])
                            if isinstance(part, nodes.thead):
                                header_rows += 1
        if not rows:
            raise self.fail(node, "an empty table")
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        if header_rows == 0:
            rows.insert(0, [""] * width)
            header_rows = 1
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + "---|" * width)
        return title + "\n".join(lines[: header_rows + 1] + lines[header_rows + 1 :])

    def table_cell(self, entry: nodes.Element) -> str:
        """One table cell on one line."""
        parts = self.strings(self.blocks(entry.children), entry)
        return "<br>".join(p.replace("\n", " ") for p in parts)

    # -- inline ----------------------------------------------------------------
    def inline(self, node: nodes.Node) -> str:
        """Render *node*'s children as inline markdown."""
        out = []
        for child in node.children:
            out.append(self.inline_node(child))
        return "".join(out)

    def inline_node(self, node: nodes.Node) -> str:
        """Render one inline node."""
        name = type(node).__name__
        if isinstance(node, nodes.Text):
            return escape(str(node))
        if isinstance(node, nodes.literal):
            return literal(node.astext())
        if isinstance(node, nodes.math):
            return f"${node.astext().strip()}$"
        if isinstance(node, nodes.strong):
            return f"**{self.inline(node)}**"
        if isinstance(node, nodes.emphasis):
            return f"*{self.inline(node)}*"
        if isinstance(node, nodes.reference):
            return self.reference(node)
        if isinstance(node, (nodes.superscript, nodes.subscript)):
            tag = "sup" if isinstance(node, nodes.superscript) else "sub"
            return f"<{tag}>{self.inline(node)}</{tag}>"
        if isinstance(node, nodes.raw) and node.get("format") == "html":
            return node.astext()
        if isinstance(node, nodes.image):
            return self.image(node)
        if isinstance(node, nodes.footnote_reference):
            return f"<sup>{escape(node.astext())}</sup>"
        if isinstance(node, (nodes.target, nodes.comment)) or isinstance(node, nodes.Invisible):
            return ""
        if isinstance(node, nodes.problematic):
            raise self.fail(node, "markup Sphinx could not resolve")
        if name == "pending_xref":
            raise self.fail(node, f"an unresolved reference {node.astext()!r}")
        if isinstance(node, (nodes.inline, nodes.abbreviation, nodes.title_reference)) or name in (
            "exercise_subtitle",
            "solution_subtitle",
            "literal_emphasis",
            "literal_strong",
        ):
            return self.inline(node)
        if isinstance(node, nodes.TextElement):
            raise self.fail(node, f"an inline {name}")
        raise self.fail(node, f"a {name} inside a paragraph")

    def reference(self, node: nodes.Element) -> str:
        """Render a link: external as is, other pages on the published site, this page as text."""
        text = self.inline(node)
        if "refuri" in node:
            uri = node["refuri"]
            if re.match(r"^[a-z][a-z0-9+.-]*:", uri):  # http:, mailto:, ...
                return f"[{text}]({uri})"
            path, _, anchor = uri.partition("#")
            if not path:  # this page: the reader is reading it
                return text
            return f"[{text}]({self.site_link(path, anchor)})"
        return text  # refid: a place on this page

    def site_link(self, path: str, anchor: str) -> str:
        """Return the published URL of a page-relative link *path*#*anchor*."""
        import posixpath

        base = posixpath.dirname(self.context.docname)
        target = posixpath.normpath(posixpath.join(base, path))
        url = f"{self.context.site_url}{target}"
        return f"{url}#{anchor}" if anchor else url


def literal(code: str) -> str:
    """Inline code, with enough backticks around it."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def merge(segments: list[Segment]) -> list[Segment]:
    """Join neighbouring markdown strings with blank lines; drop empty ones."""
    out: list[Segment] = []
    for segment in segments:
        if isinstance(segment, str):
            if not segment.strip():
                continue
            if out and isinstance(out[-1], str):
                out[-1] = f"{out[-1]}\n\n{segment}"
                continue
        out.append(segment)
    return out


#: Raw MyST that must never reach a notebook's markdown (outside code).
RAW_MYST = re.compile(
    r"\{[a-z][\w:-]*\}`|^\s*(?:`{3,}|~{3,}|:{3,})\{[a-z][\w:-]*\}|^\s*:{3,}\s*$|^\(\S+\)=\s*$",
    re.MULTILINE,
)


def prose(markdown: str) -> str:
    """Return *markdown* without its fenced code blocks and inline code."""
    text = re.sub(r"(?ms)^([ >]*)(`{3,}).*?^\1\2`*\s*$", "", markdown)
    return re.sub(r"(`+).+?\1", "", text)


def raw_myst(markdown: str) -> list[str]:
    """Return the raw MyST tokens left in *markdown*'s prose (empty: none)."""
    return [m.group(0).strip() for m in RAW_MYST.finditer(prose(markdown))]


def code_cell(cell: dict, folded: bool = False) -> dict:
    """Return the edition's copy of an executed code cell (folded as the site hides it)."""
    new = copy.deepcopy(cell)
    if isinstance(new.get("source"), list):
        new["source"] = "".join(new["source"])
    tags = list(new.get("metadata", {}).get("tags", []))
    source_hidden = outputs_hidden = folded
    for tag in tags:
        source, outputs = HIDDEN_TAGS.get(tag, (False, False))
        source_hidden |= source
        outputs_hidden |= outputs
    metadata = {k: v for k, v in new.get("metadata", {}).items() if k not in ("execution",)}
    jupyter = dict(metadata.get("jupyter", {}))
    if source_hidden:
        jupyter["source_hidden"] = True
    if outputs_hidden:
        jupyter["outputs_hidden"] = True
    if jupyter:
        metadata["jupyter"] = jupyter
    new["metadata"] = metadata
    return new


def build_cells(segments: list[Segment], notebook: dict, context: Context) -> list[dict]:
    """Interleave the written markdown with the notebook's code cells, in order.

    Every code cell of *notebook* appears once, in its own order: a cell the doctree
    does not place (removed from the site) follows the placed cell before it.
    """
    code = {i: c for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code"}
    placed = [s.index for s in segments if isinstance(s, Cell)]
    if placed != sorted(placed) or not set(placed) <= set(code):
        raise EditionError(
            f"{context.docname}: the page's code cells {placed} do not match its notebook"
        )
    cells: list[dict] = []
    pending = sorted(code)
    following = iter([*placed[1:], max(code, default=0) + 1])
    for segment in segments:
        if isinstance(segment, Cell):
            while pending and pending[0] < segment.index:  # before the first placed cell
                cells.append(code_cell(code[pending.pop(0)]))
            pending.remove(segment.index)
            cells.append(code_cell(code[segment.index], folded=segment.folded))
            # Removed cells record what the cell before them computed: they follow it.
            upto = next(following)
            while pending and pending[0] < upto:
                cells.append(code_cell(code[pending.pop(0)]))
        else:
            cells.append(markdown_cell(segment, context))
    cells.extend(code_cell(code[i]) for i in pending)
    return cells


def markdown_cell(text: str, context: Context) -> dict:
    """Return a markdown cell with the attachments its text refers to."""
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": text}
    names = re.findall(r"\(attachment:([^)]+)\)", text)
    if names:
        cell["attachments"] = {n: context.attachments[n] for n in names}
    return cell


#: The modules a chapter may import, with their distribution in requirements.txt.
NEEDED_MODULES = {
    "tensorflow": "tensorflow_cpu",
    "keras": "keras",
    "sklearn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
    "matplotlib": "matplotlib",
    "seaborn": "seaborn",
    "ipywidgets": "ipywidgets",
    "myst_nb": "myst-nb",
    "scipy": "scipy",
    "cv2": "opencv-python-headless",
    "keras_tuner": "keras-tuner",
    "PIL": "pillow",
    "pydot": "pydot",
}


def pins(requirements: str) -> dict[str, str]:
    """Return ``module -> pinned requirement`` for :data:`NEEDED_MODULES`."""
    found = {}
    for line in requirements.splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            found[name.strip().lower().replace("_", "-")] = f"{name.strip()}=={version.strip()}"
    out = {}
    for module, dist in NEEDED_MODULES.items():
        key = dist.lower().replace("_", "-")
        if key not in found:
            raise EditionError(f"requirements.txt pins no {dist} (the chapters import {module})")
        out[module] = found[key]
    return out


def install_source(repo_url: str, commit: str, requirements: str) -> str:
    """Return the edition's first code cell: install what is missing, pick the profile."""
    package = f"mlbook @ git+{repo_url}@{commit}"
    raw = repo_url.replace("https://github.com/", "https://raw.githubusercontent.com/")
    needs = {"mlbook": package, **pins(requirements)}
    items = [f"{json.dumps(module)}: {json.dumps(req)}," for module, req in needs.items()]
    rows, line = [], "   "
    for item in items:  # several to a line, as a person would write them
        if line.strip() and len(line) + len(item) > 88:
            rows.append(line)
            line = "   "
        line += " " + item
    rows.append(line)
    rows_text = "\n".join(rows)
    return f"""\
# Set up: install what this chapter needs if it is missing (on Colab, from a download);
# in the book's repository and on its Binder nothing is. Pinned to the build's commit.
import importlib.util, os, subprocess, sys

# The quick profile fits Binder's memory; for the published settings (slower, more
# memory) replace the next line by: os.environ["MLBOOK_PROFILE"] = "full"
os.environ.setdefault("MLBOOK_PROFILE", "quick")
NEEDS = {{
{rows_text}
}}
NEEDS["mlbook"] = os.environ.get("MLBOOK_INSTALL", NEEDS["mlbook"])  # or a local checkout
missing = [req for module, req in NEEDS.items() if importlib.util.find_spec(module) is None]
if missing:
    print("Installing:", *missing)
    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing]).returncode:
        raise RuntimeError(
            "Could not install what this notebook needs (no network?). In a terminal, run\\n"
            "  pip install -r {raw}/{commit}/requirements.txt\\n"
            f"  pip install '{{NEEDS['mlbook']}}'\\n"
            "or clone {repo_url} and run `make install` there; then restart the kernel."
        )
    importlib.invalidate_caches()
print("Profile:", os.environ["MLBOOK_PROFILE"])
"""


def banner(title: str, page_url: str, book: str) -> str:
    """Return the edition's first markdown cell: what this notebook is."""
    return (
        f"> **Notebook edition** of [{escape(title)}]({page_url}), a chapter of *{escape(book)}*."
        " The numbers in the text are those of the published run (the chapter says which"
        " profile and machine made them); the cells compute yours again, in the quick"
        " profile (it fits Binder's memory; the set-up cell below says how to choose the"
        " published `full` one). Folded cells (click ⋯) record and check the numbers the"
        " text states."
    )


def notebook(
    doctree: nodes.document,
    executed: dict,
    context: Context,
    *,
    title: str,
    book: str,
    install: str,
) -> dict:
    """Return the notebook edition of a page (nbformat 4, as a dict).

    *doctree* is the page's resolved doctree, *executed* myst-nb's executed notebook of
    the page, *install* the source of the install cell (:func:`install_source`).
    """
    segments = MarkdownWriter(context).document(doctree)
    cells = build_cells(segments, executed, context)
    for cell in cells:
        if cell["cell_type"] == "markdown":
            left = raw_myst(cell["source"])
            if left:
                raise EditionError(
                    f"{context.docname}: raw MyST would reach the notebook edition: {left[:3]}"
                )
    head = [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": banner(title, context.page_url(), book),
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {"tags": [INSTALL_TAG]},
            "outputs": [],
            "source": install,
        },
    ]
    metadata = {
        k: copy.deepcopy(v)
        for k, v in executed.get("metadata", {}).items()
        if k in ("kernelspec", "language_info", "widgets")
    }
    # ipykernel's own kernelspec: with another display name, JupyterLab rewrites it when
    # the kernel starts and shows the notebook as modified.
    metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    metadata["mlbook"] = {"page": context.page_url(), "edition": "notebook"}
    # The set-up comes after the title and the chapter's opening, before its first code.
    first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    cells = cells[:first_code] + head + cells[first_code:]
    return {"cells": with_ids(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def with_ids(cells: list[dict]) -> list[dict]:
    """Give every cell a unique id, the executed notebook's where it has one.

    nbformat 4.5 wants them: without, Jupyter adds them on opening and shows the notebook
    as modified.
    """
    seen: set[str] = set()
    for n, cell in enumerate(cells):
        cell_id = cell.get("id") or f"edition-{n}"
        while cell_id in seen:
            cell_id = f"{cell_id}-{n}"
        cell["id"] = cell_id
        seen.add(cell_id)
    return cells
