"""Sphinx extension: the execution report, in reading order, with each page's own numbers.

myst-nb's ``{nb-exec-table}`` lists pages alphabetically and shows jupyter-cache's
runtime, which is not the time each page states at its top. The ``{execution-report}``
directive lists the executed pages in table-of-contents order with the run record each
page glued itself (profile, seconds, date; see :mod:`mlbook.page`), read from the
build's execution cache, and the total.
"""

from __future__ import annotations

import ast
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


def fill_report(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    """Replace each placeholder by the table of executed pages in reading order."""
    placeholders = list(doctree.findall(execution_report))
    if not placeholders:
        return
    env = app.env
    records = run_records(app)
    headers = ("Page", "Profile", "Seconds", "Ran on")
    table = nodes.table(classes=["colwidths-auto", "execution-report"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)
    head = nodes.thead()
    head += _row(*headers)
    body = nodes.tbody()
    group += [head, body]
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
        body += _row(
            nodes.paragraph("", "", link),
            _plain(record.get("page_profile", "")),
            f"{seconds:,.0f}",
            _plain(record.get("page_date", "")),
        )
    body += _row(nodes.paragraph("", "", nodes.strong(text="All pages")), "", f"{total:,.0f}", "")
    for placeholder in placeholders:
        placeholder.replace_self(table.deepcopy())


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive and its handlers."""
    app.add_node(execution_report)
    app.add_directive("execution-report", ExecutionReportDirective)
    app.connect("env-get-updated", rewrite_report_pages)
    app.connect("doctree-resolved", fill_report)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
