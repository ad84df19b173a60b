"""Sphinx extension: the execution report, in reading order, with each page's own numbers.

myst-nb's ``{nb-exec-table}`` lists pages alphabetically and shows jupyter-cache's
runtime, which is not the time each page states at its top. The ``{execution-report}``
directive lists the executed pages in table-of-contents order with the run record each
page glued itself (profile, seconds, date; see :mod:`mlbook.page`), read from the
build's execution cache, and the total.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from booktools.sphinx_errata import toc_order


class execution_report(nodes.General, nodes.Element):
    """Placeholder replaced by the table."""


class ExecutionReportDirective(SphinxDirective):
    """``{execution-report}``: the table of executed pages (no options)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Remember the page and leave a placeholder."""
        pages = getattr(self.env, "booktools_report_pages", set())
        pages.add(self.env.docname)
        self.env.booktools_report_pages = pages
        return [execution_report("")]


def rewrite_report_pages(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Rewrite the report on every build: any page may have run again."""
    return sorted(getattr(env, "booktools_report_pages", set()))


def _plain(text: str) -> str:
    """Return a glued value's text without the quotes of a Python string repr."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, str) else text


def run_records(app: Sphinx) -> dict[str, dict[str, str]]:
    """Docname -> the run record its newest cached execution glued."""
    from booktools.glue import executed_notebooks, notebook_glue
    from booktools.sphinx_downloads import cache_folder

    folder = cache_folder(app)
    if not folder.exists():
        return {}
    return {page: notebook_glue(nb) for page, nb in executed_notebooks(folder).items()}


def _row(*cells: nodes.Node | str) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=cell)
        row += entry
    return row


def _table(name: str, headers: tuple[str, ...]) -> tuple[nodes.table, nodes.tbody]:
    """Return an empty table of class *name* with *headers*, and its body to fill."""
    table = nodes.table(classes=["colwidths-auto", name])
    group = nodes.tgroup(cols=len(headers))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)
    head, body = nodes.thead(), nodes.tbody()
    head += _row(*headers)
    group += [head, body]
    return table, body


def fill_report(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    """Replace each placeholder by the table of executed pages in reading order."""
    placeholders = list(doctree.findall(execution_report))
    for placeholder in list(doctree.findall(binder_memory)):
        rows = json.loads((Path(app.srcdir) / BINDER_MEMORY).read_text())
        placeholder.replace_self(binder_memory_nodes(rows))
    if not placeholders and not any(doctree.findall(online_estimate)):
        return
    env = app.env
    records = run_records(app)
    headers = ("Page", "Profile", "Seconds", "Peak memory (MB)", "Ran on")
    table, body = _table("execution-report", headers)
    total = 0.0
    for docname in toc_order(env, app.config.root_doc):
        record = records.get(docname)
        if not record or "page_seconds" not in record:
            continue
        seconds = float(_plain(record["page_seconds"]))
        total += seconds
        link = nodes.reference(
            "", "", internal=True, refuri=app.builder.get_relative_uri(fromdocname, docname)
        )
        link += nodes.Text(env.titles[docname].astext() if docname in env.titles else docname)
        peak = _plain(record.get("page_peak_mb", ""))
        body += _row(
            nodes.paragraph("", "", link),
            _plain(record.get("page_profile", "")),
            f"{seconds:,.0f}",
            f"{float(peak):,.0f}" if peak else "",
            _plain(record.get("page_date", "")),
        )
    body += _row(
        nodes.paragraph("", "", nodes.strong(text="All pages")), "", f"{total:,.0f}", "", ""
    )
    for placeholder in placeholders:
        placeholder.replace_self(table.deepcopy())
    estimates = list(doctree.findall(online_estimate))
    if estimates:
        rows = json.loads((Path(app.srcdir) / REALSIZE).read_text())
        seconds = [
            float(_plain(r["page_seconds"])) for r in records.values() if "page_seconds" in r
        ]
        timeout = int(app.config.nb_execution_timeout)
        for placeholder in estimates:
            placeholder.replace_self(online_estimate_nodes(rows, seconds, timeout))


class online_estimate(nodes.General, nodes.Element):
    """Placeholder for the real-data timings and the online build estimate."""


class OnlineEstimateDirective(SphinxDirective):
    """``{online-estimate}``: what real data adds online, measured (booktools.realsize)."""

    def run(self) -> list[nodes.Node]:
        """Return the placeholder; :func:`fill_report` fills it at resolve time."""
        self.env.note_dependency(str(Path(self.env.srcdir) / REALSIZE))
        pages = getattr(self.env, "booktools_report_pages", set())
        pages.add(self.env.docname)
        self.env.booktools_report_pages = pages
        return [online_estimate()]


#: The measurements of ``python -m booktools.realsize`` (committed with the book).
REALSIZE = Path("book") / "appendix" / "real-data-timings.json"
#: Pages the build executes at the same time (booktools.build's default on two cores).
BUILD_JOBS = 2


def online_estimate_nodes(rows: list[dict], page_seconds: list[float], timeout: int) -> list:
    """Return the measurements as a table, then the online build's estimate, as nodes.

    The estimate adds what only the online path does (the rows marked ``online_only``)
    to the offline build's page time spread over :data:`BUILD_JOBS` workers.
    """
    measured = [r for r in rows if "what" in r]
    meta = next((r for r in rows if "machine" in r), {})
    headers = ("Measured with real-size data", "Seconds", "Online only")
    table, body = _table("real-data-timings", headers)
    for r in measured:
        body += _row(r["what"], f"{r['seconds']:,.1f}", "yes" if r["online_only"] else "no")
    offline = sum(page_seconds) / BUILD_JOBS
    online = offline + sum(r["seconds"] for r in measured if r["online_only"])
    text = (
        f"Online, with real data: about {online / 60:.0f} min to execute every page "
        f"(this offline build: about {offline / 60:.0f} min of page time on "
        f"{BUILD_JOBS} workers, plus the rows marked online-only, measured on "
        f"{meta.get('machine', 'this machine')} on {meta.get('date', '?')}). The slowest "
        f"page took {max(page_seconds, default=0):,.0f} s, under the {timeout} s limit per cell."
    )
    return [table, nodes.paragraph(text=text)]


class binder_memory(nodes.General, nodes.Element):
    """Placeholder for the Binder rehearsal's table (booktools.binder)."""


class BinderMemoryDirective(SphinxDirective):
    """``{binder-memory}``: each chapter's peak memory as Binder runs it, measured."""

    def run(self) -> list[nodes.Node]:
        """Return the placeholder; :func:`fill_report` fills it at resolve time."""
        self.env.note_dependency(str(Path(self.env.srcdir) / BINDER_MEMORY))
        return [binder_memory()]


#: The measurements of ``python -m booktools.binder`` (``make binder-check``; committed).
BINDER_MEMORY = Path("book") / "appendix" / "binder-memory.json"


def binder_memory_nodes(result: dict) -> list:
    """Return the rehearsal's table (chapter, seconds, peak memory) and how it was made."""
    meta = result["measured"]
    headers = ("Chapter", "Seconds", "Peak memory (MB)")
    table, body = _table("binder-memory", headers)
    for r in result["pages"]:
        body += _row(nodes.literal(text=r["page"]), f"{r['seconds']:,.0f}", f"{r['peak_mb']:,}")
    peaks = [r["peak_mb"] for r in result["pages"]]
    text = (
        f"Measured on {meta['machine']} on {meta['date']}: the highest peak is "
        f"{max(peaks):,} MB, against the book's limit of {meta['limit_mb']:,} MB per chapter "
        f"(Binder gives a session about {meta['binder_mb']:,} MB)."
    )
    return [table, nodes.paragraph(text=text)]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and their handlers."""
    app.add_node(execution_report)
    app.add_node(online_estimate)
    app.add_node(binder_memory)
    app.add_directive("binder-memory", BinderMemoryDirective)
    app.add_directive("execution-report", ExecutionReportDirective)
    app.add_directive("online-estimate", OnlineEstimateDirective)
    app.connect("env-get-updated", rewrite_report_pages)
    app.connect("doctree-resolved", fill_report)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
