"""A Sphinx extension that collects every *Erratum* admonition onto one page.

Write an erratum anywhere in the book as a MyST admonition whose title starts with
"Erratum"::

    :::{admonition} Erratum: `tf.Session` is gone
    :class: erratum
    ...
    :::

and put the directive ``{errata-list}`` on a page: at build time it is replaced by a
copy of each erratum, in table-of-contents order, each with a link back to where it
stands. Nothing is kept by hand. (Modelled on ``sphinx.ext.todo``'s ``todolist``.)
"""

from __future__ import annotations

import posixpath
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

TITLE_PREFIX = "Erratum"


class errata_list(nodes.General, nodes.Element):
    """Placeholder replaced by the collected errata."""


class ErrataListDirective(SphinxDirective):
    """The ``{errata-list}`` directive: a placeholder, and a note that this page lists errata."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Record the page as an errata list and return the placeholder node."""
        pages = getattr(self.env, "mlbook_errata_pages", set())
        pages.add(self.env.docname)
        self.env.mlbook_errata_pages = pages
        return [errata_list("")]


def is_erratum(node: nodes.Node) -> bool:
    """Return whether *node* is an admonition of class ``erratum`` or titled "Erratum..."."""
    if not isinstance(node, nodes.admonition):
        return False
    titles = [c for c in node.children if isinstance(c, nodes.title)]
    return "erratum" in node.get("classes", []) or bool(
        titles and titles[0].astext().startswith(TITLE_PREFIX)
    )


def collect_errata(app: Sphinx, doctree: nodes.document) -> None:
    """Store a copy of each erratum of a page (with an id to link to) in the environment."""
    env = app.env
    found = getattr(env, "mlbook_errata", {})
    entries = []
    for i, node in enumerate(doctree.findall(is_erratum)):
        if not node["ids"]:
            node["ids"].append(f"erratum-{i + 1}")
        if "erratum" not in node["classes"]:
            node["classes"].append("erratum")
        entries.append({"id": node["ids"][0], "node": node.deepcopy()})
    if entries:
        found[env.docname] = entries
    else:
        found.pop(env.docname, None)
    env.mlbook_errata = found


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Forget what was collected from a page that is about to be read again."""
    getattr(env, "mlbook_errata", {}).pop(docname, None)
    getattr(env, "mlbook_errata_pages", set()).discard(docname)


def merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """Merge what a parallel reader collected into the main environment."""
    env.mlbook_errata = {**getattr(env, "mlbook_errata", {}), **getattr(other, "mlbook_errata", {})}
    env.mlbook_errata_pages = getattr(env, "mlbook_errata_pages", set()) | getattr(
        other, "mlbook_errata_pages", set()
    )


def always_rewrite_list_pages(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Rewrite the list pages on every build: an erratum edited in a chapter must show there too."""
    return sorted(getattr(env, "mlbook_errata_pages", set()))


def toc_order(env: BuildEnvironment, root: str) -> list[str]:
    """Document names in reading order (depth-first through the toctrees)."""
    order: list[str] = []

    def walk(doc: str) -> None:
        if doc in order:
            return
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(root)
    return order


def relink(tree: nodes.Node, builder: Any, source: str, dest: str) -> None:
    """Make the internal links of an erratum copied from *source* work on page *dest*.

    References are resolved relative to the chapter they were written in; on the list
    page (another folder) the same relative URL would point elsewhere.
    """
    src_uri, dst_uri = builder.get_target_uri(source), builder.get_target_uri(dest)
    for ref in tree.findall(nodes.reference):
        if ref.get("refid"):  # a link within the chapter: now a link to the chapter
            ref["refuri"] = relative_uri(dst_uri, src_uri) + "#" + ref.attributes.pop("refid")
            continue
        uri = ref.get("refuri", "")
        if not ref.get("internal") or not uri or "://" in uri or uri.startswith("mailto:"):
            continue
        if uri.startswith("#"):
            ref["refuri"] = relative_uri(dst_uri, src_uri) + uri
        else:
            path, hash_, fragment = uri.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), path))
            ref["refuri"] = relative_uri(dst_uri, target) + hash_ + fragment


def fill_lists(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    """Replace each placeholder by the errata in reading order, each with a link back."""
    env = app.env
    errata = getattr(env, "mlbook_errata", {})
    ordered = [d for d in toc_order(env, app.config.root_doc) if d in errata]
    ordered += sorted(set(errata) - set(ordered))
    for placeholder in list(doctree.findall(errata_list)):
        content: list[nodes.Node] = []
        if not ordered:
            content.append(nodes.paragraph(text="No errata yet."))
        for docname in ordered:
            title = env.titles[docname].astext() if docname in env.titles else docname
            uri = app.builder.get_relative_uri(fromdocname, docname)
            for entry in errata[docname]:
                copy = entry["node"].deepcopy()
                for n in copy.findall(nodes.Element):
                    n["ids"] = []
                env.resolve_references(copy, docname, app.builder)
                relink(copy, app.builder, docname, fromdocname)
                link = nodes.reference("", "", internal=True, refuri=f"{uri}#{entry['id']}")
                link += nodes.Text(title)
                para = nodes.paragraph(
                    "", "", nodes.Text("In "), link, nodes.Text(":"), classes=["erratum-source"]
                )
                content.extend([para, copy])
        placeholder.replace_self(content)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive and the event handlers with Sphinx."""
    app.add_node(errata_list)
    app.add_directive("errata-list", ErrataListDirective)
    app.connect("doctree-read", collect_errata)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-updated", always_rewrite_list_pages)
    app.connect("doctree-resolved", fill_lists)
    return {
        "version": "0.1",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 1,
    }
