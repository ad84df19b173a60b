"""The book's Sphinx extensions, on tiny projects built with ``sphinx.testing``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


CONF = """extensions = ["myst_parser", {extensions}]
myst_enable_extensions = ["colon_fence"]
html_theme = "basic"
"""


def build(tmp_path: Path, files: dict[str, str], extensions: list[str], conf: str = "") -> Path:
    """Build a MyST project of *files* with *extensions*; the HTML output folder."""
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    for name, text in files.items():
        (src / name).write_text(text)
    listed = ", ".join(repr(e) for e in extensions)
    (src / "conf.py").write_text(CONF.format(extensions=listed) + conf)
    app = SphinxTestApp("html", srcdir=src, warningiserror=True)
    try:
        app.build()
    finally:
        app.cleanup()
    return src / "_build" / "html"


def soup(html: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((html / name).read_text(encoding="utf-8"), "html.parser")


def test_errata_are_collected_in_reading_order_and_linked_back(tmp_path):
    index = "# Book\n\n```{toctree}\nsecond\nfirst\nerrata\n```\n"
    erratum = ":::{{admonition}} Erratum: {what}\n:class: erratum\n\nThe notes {what}.\n:::\n"
    html = build(
        tmp_path,
        {
            "index.md": index,
            "first.md": "# First\n\n" + erratum.format(what="use tf.Session"),
            "second.md": "# Second\n\nText.\n\n" + erratum.format(what="call np.in1d"),
            "errata.md": "# Errata\n\n```{errata-list}\n```\n",
        },
        ["booktools.sphinx_errata"],
    )
    page = soup(html, "errata.html")
    boxes = page.select("div.admonition")
    titles = [b.select_one(".admonition-title").get_text() for b in boxes]
    assert titles == ["Erratum: call np.in1d", "Erratum: use tf.Session"]  # toctree order
    sources = page.select("p.erratum-source a")
    assert [a["href"].split("#")[0] for a in sources] == ["second.html", "first.html"]
    anchor = sources[0]["href"].split("#")[1]
    assert soup(html, "second.html").find(id=anchor) is not None  # the link lands


def test_no_errata_says_so(tmp_path):
    html = build(
        tmp_path,
        {
            "index.md": "# Book\n\n```{toctree}\nerrata\n```\n",
            "errata.md": "# Errata\n\n```{errata-list}\n```\n",
        },
        ["booktools.sphinx_errata"],
    )
    assert "No errata yet." in soup(html, "errata.html").get_text()


#: What sphinx-thebe does: the same inline script registered on every read.
TWICE = """

def setup(app):
    def add(app, env, docnames):
        app.add_js_file(None, body="const THEBE_JS_URL = 1;")

    app.connect("env-before-read-docs", add)
    app.connect("env-before-read-docs", add)
"""


@pytest.mark.parametrize("dedupe", [False, True])
def test_repeated_scripts_are_dropped(tmp_path, dedupe):
    extensions = ["booktools.sphinx_site"] if dedupe else []
    html = build(tmp_path, {"index.md": "# Book\n\nText.\n"}, extensions, conf=TWICE)
    count = (html / "index.html").read_text().count("const THEBE_JS_URL = 1;")
    assert count == (1 if dedupe else 2)


def test_dedupe_keeps_the_first_of_each_script():
    from types import SimpleNamespace

    from booktools.sphinx_site import dedupe_scripts

    a = SimpleNamespace(filename="a.js", attributes={"defer": "defer"})
    inline1 = SimpleNamespace(filename=None, attributes={"body": "const X = 1;"})
    inline2 = SimpleNamespace(filename="", attributes={"body": "const X = 1;"})
    b = SimpleNamespace(filename="b.js", attributes={})
    context = {"script_files": [a, inline1, b, inline2, a]}
    dedupe_scripts(None, "index", "page.html", context, None)
    assert context["script_files"] == [a, inline1, b]


def test_copied_errata_carry_their_formulas_drawn(tmp_path):
    erratum = ":::{admonition} Erratum: the loss\n:class: erratum\n\nUse $-\\log p$.\n:::\n"
    html = build(
        tmp_path,
        {
            "index.md": "# Book\n\n```{toctree}\nmath\nerrata\n```\n",
            "math.md": "# Math\n\n" + erratum,
            "errata.md": "# Errata\n\n```{errata-list}\n```\n",
        },
        ["booktools.sphinx_errata", "booktools.sphinx_math"],
        conf='myst_enable_extensions = ["colon_fence", "dollarmath"]\n'
        'html_math_renderer = "mathjax_svg"\n',
    )
    for name in ["math.html", "errata.html"]:  # the copied box carries the formula
        page = soup(html, name)
        assert page.select_one(".erratum .math mjx-container svg use")
        assert page.select_one("svg#MJX-SVG-global-cache path")
        assert "mjx-container" in page.head.style.get_text()


def test_the_execution_report_lists_pages_in_reading_order(tmp_path, monkeypatch):
    from booktools import sphinx_report

    records = {
        "second": {
            "page_seconds": "12.4",
            "page_peak_mb": "1234",
            "page_profile": "'quick'",
            "page_date": "'2026-11-30'",
        },
        # a record cached before pages glued their peak memory
        "first": {"page_seconds": "100.0", "page_profile": "'quick'", "page_date": "'2026-11-30'"},
    }
    monkeypatch.setattr(sphinx_report, "run_records", lambda app: records)
    html = build(
        tmp_path,
        {
            "index.md": "# Book\n\n```{toctree}\nsecond\nfirst\nreport\n```\n",
            "first.md": "# First\n",
            "second.md": "# Second\n",
            "report.md": "# Report\n\n```{execution-report}\n```\n",
        },
        ["booktools.sphinx_report"],
    )
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td")]
        for row in soup(html, "report.html").select("table.execution-report tbody tr")
    ]
    assert rows == [
        ["Second", "quick", "12", "1,234", "2026-11-30"],
        ["First", "quick", "100", "", "2026-11-30"],
        ["All pages", "", "112", "", ""],
    ]


def test_the_binder_table_shows_the_rehearsal(tmp_path):
    from booktools import sphinx_report

    measured = {
        "measured": {
            "date": "2026-12-06",
            "machine": "2 CPU cores",
            "limit_mb": 1536,
            "binder_mb": 2048,
        },
        "pages": [
            {"page": "book/a.md", "seconds": 12.4, "peak_mb": 1370},
            {"page": "book/b.md", "seconds": 3.0, "peak_mb": 270},
        ],
    }
    table = tmp_path / "src" / sphinx_report.BINDER_MEMORY
    table.parent.mkdir(parents=True)
    table.write_text(json.dumps(measured))
    html = build(
        tmp_path,
        {
            "index.md": "# Book\n\n```{toctree}\nreport\n```\n",
            "report.md": "# Report\n\n```{binder-memory}\n```\n",
        },
        ["booktools.sphinx_report"],
    )
    page = soup(html, "report.html")
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td")]
        for row in page.select("table.binder-memory tbody tr")
    ]
    assert rows == [["book/a.md", "12", "1,370"], ["book/b.md", "3", "270"]]
    assert (
        "Measured on 2 CPU cores on 2026-12-06: the highest peak is 1,370 MB, against the "
        "book's limit of 1,536 MB per chapter (Binder gives a session about 2,048 MB)."
    ) in " ".join(page.get_text().split())


def test_the_theme_template_copy_differs_only_by_the_icon_script():
    """book/_templates/webpack-macros.html is the pinned theme's, minus fontawesome.js.

    When the theme is upgraded this fails, so the copy is refreshed rather than stale.
    """
    import pydata_sphinx_theme

    root = Path(__file__).resolve().parents[1]
    theme = (
        Path(pydata_sphinx_theme.__file__).parent
        / "theme/pydata_sphinx_theme/static/webpack-macros.html"
    ).read_text()
    ours = (root / "book/_templates/static/webpack-macros.html").read_text()

    def body(text: str) -> list[str]:
        return [line for line in text.split("-->", 1)[1].splitlines() if line.strip()]

    removed = [line for line in body(theme) if line not in body(ours)]
    assert len(removed) == 1
    assert "fontawesome.js" in removed[0]
    assert [line for line in body(theme) if line != removed[0]] == body(ours)


def test_the_layout_copy_changes_only_the_search_scripts():
    """book/_templates/layout.html's extrahead is the theme's but for the search scripts.

    It loads them (deferred) only with search-as-you-type on (issue 31).
    """
    import re

    import pydata_sphinx_theme

    root = Path(__file__).resolve().parents[1]
    theme = (
        Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/layout.html"
    ).read_text()
    ours = (root / "book/_templates/layout.html").read_text()

    def block(text: str) -> list[str]:
        body = re.search(r"block extrahead %}(.*?){%- endblock extrahead", text, re.S).group(1)
        return [line.strip() for line in body.splitlines() if line.strip()]

    def plain(lines: list[str]) -> list[str]:  # no search scripts, no Jinja control
        return [
            line for line in lines if not line.startswith(("{%", "{#", "experience", "<script"))
        ]

    scripts = [line for line in block(theme) if line.startswith("<script")]
    assert [s.split("pathto(")[1] for s in scripts] == [
        s.split("pathto(")[1] for s in block(ours) if s.startswith("<script defer")
    ]
    assert plain(block(theme)) == plain(block(ours))


def test_script_files_are_deferred_but_the_options(tmp_path):
    from sphinx.builders.html._assets import _JavaScript

    from booktools.sphinx_site import defer_scripts

    scripts = [
        _JavaScript("_static/documentation_options.js"),
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript("_static/thebe.js", **{"async": "async"}),
        _JavaScript(None, body="var x = 1;"),
        _JavaScript("_static/embed-amd.js", **{"data-jupyter-widgets-cdn": "../"}),
    ]
    context = {"script_files": scripts}
    defer_scripts(None, "page", "page.html", context, None)
    attrs = [s.attributes for s in context["script_files"]]
    assert attrs[0] == {}
    assert attrs[1] == {"defer": "defer"}
    assert context["script_files"][1].priority == 200
    assert attrs[2] == {"async": "async"}
    assert attrs[3] == {"body": "var x = 1;"}
    assert attrs[4] == {"data-jupyter-widgets-cdn": "../", "defer": "defer"}


def test_a_widget_page_loads_its_manager_and_its_state_when_a_widget_nears(tmp_path):
    from types import SimpleNamespace

    from sphinx.builders.html._assets import _JavaScript

    from booktools.sphinx_site import STATE_DIR, defer_scripts, lazy_widgets

    state = '{"version_major": 2, "state": {}}'
    scripts = [
        _JavaScript("_static/documentation_options.js"),
        _JavaScript("requirejs/require.js"),
        _JavaScript("mlbook/widgets-config.js"),
        _JavaScript(
            "@jupyter-widgets/html-manager/dist/embed-amd.js",
            **{"data-jupyter-widgets-cdn": "../../_static/"},
        ),
        _JavaScript(None, body=state, type="application/vnd.jupyter.widget-state+json"),
    ]
    context = {"script_files": scripts, "body": "<p>Text.</p>"}
    app = SimpleNamespace(outdir=str(tmp_path))
    defer_scripts(app, "book/page", "page.html", context, None)
    lazy_widgets(app, "book/page", "page.html", context, None)
    names = [str(s.filename) for s in context["script_files"]]
    by_name = {str(s.filename): s.attributes for s in context["script_files"]}
    for name in ["requirejs/require.js", "mlbook/widgets-config.js"]:
        assert by_name[name] == {"type": "mlbook/lazy-widgets"}  # inert, not deferred
    embed = by_name["@jupyter-widgets/html-manager/dist/embed-amd.js"]
    assert embed == {"data-jupyter-widgets-cdn": "../../_static/", "type": "mlbook/lazy-widgets"}
    assert by_name["_static/mlbook/widgets-lazy.js"] == {"defer": "defer"}
    assert by_name["_static/mlbook/frames.js"] == {"defer": "defer"}
    # the state is a script of its own, inert like the manager and brought to life first
    (state_js,) = [n for n in names if n.startswith(STATE_DIR)]
    assert re.fullmatch(rf"{STATE_DIR}/book-page-[0-9a-f]{{16}}\.js", state_js)
    assert names.index(state_js) + 1 == names.index("requirejs/require.js")
    assert by_name[state_js] == {"type": "mlbook/lazy-widgets"}
    assert json.dumps(state) in (tmp_path / state_js).read_text()
    assert not any("widget-state" in str(s.attributes) for s in context["script_files"])
    assert context["body"] == "<p>Text.</p>"  # the page's HTML carries only the text
    # a page without widgets is left alone
    plain = {"script_files": [_JavaScript("_static/doctools.js")], "body": "<p>x</p>"}
    lazy_widgets(app, "page", "page.html", plain, None)
    assert [str(s.filename) for s in plain["script_files"]] == ["_static/doctools.js"]


def test_the_state_script_puts_each_state_into_the_page_as_the_manager_expects():
    import shutil
    import subprocess

    from booktools.sphinx_site import state_script

    node = shutil.which("node")
    if node is None:
        pytest.skip("no Node.js to run the script with")
    states = ['{"a": "</script> \u2028 é"}', "{}"]
    fake_dom = """
      var made = [];
      globalThis.window = {};
      globalThis.document = {
        createElement: function () { var s = {}; made.push(s); return s; },
        body: { appendChild: function () {} },
      };
    """
    out = subprocess.run(
        [node, "-e", fake_dom + state_script(states) + "console.log(JSON.stringify(made));"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    made = json.loads(out)
    assert [m["textContent"] for m in made] == states
    assert {m["type"] for m in made} == {"application/vnd.jupyter.widget-state+json"}
    # a page's frames.js may adjust each state first (the position its address names)
    hook = "window.mlbookFramesState = function (text) { return text + '!'; };"
    out = subprocess.run(
        [node, "-e", fake_dom + hook + state_script(states) + "console.log(JSON.stringify(made));"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [m["textContent"] for m in json.loads(out)] == [t + "!" for t in states]


def test_a_frames_player_s_first_frame_holds_its_place_as_an_image_file(tmp_path):
    import ipywidgets as w
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from booktools.sphinx_site import hold_frames
    from mlbook import explorable

    figs = []
    for k in range(2):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.plot([0, 1], [0, k])
        figs.append(fig)
    player = explorable.frames_player(
        figs, ["a", "b"], ["at a", "at b"], name="toy", description="k", start=1
    )
    state = json.dumps(w.Widget.get_manager_state())  # every model, as a notebook saves
    view = (
        '<script type="application/vnd.jupyter.widget-view+json">'
        f'{{"model_id": "{player.model_id}", "version_major": 2}}</script>'
    )
    other = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "x"}</script>'
    body = hold_frames(f"<p>{view}</p>{other}", [state], tmp_path, "book/sklearn/page")
    (file,) = (tmp_path / "_images").glob("frames-*.png")
    assert body.startswith(
        f'<p><img class="jupyter-widget mlbook-frames-hold" data-name="toy" loading="lazy" '
        f'src="../../_images/{file.name}" alt="at b" width="160" height="80"'
    )
    assert body.endswith(f"{view}</p>{other}")  # right before its view; others untouched
    assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert explorable.png_size(file.read_bytes()) == (160, 80)


def test_a_first_figure_below_the_first_screen_loads_lazily_too():
    from booktools.sphinx_site import FIRST_SCREEN_CHARS, lazy_figures

    def loading(text_before: str) -> list:
        context = {"body": f"<p>{text_before}</p><img src='a.png'/><p>x</p><img src='b.png'/>"}
        lazy_figures(None, "page", "page.html", context, None)
        return re.findall(r"<img (loading=\"lazy\" )?src", context["body"])

    assert loading("word " * (FIRST_SCREEN_CHARS // 5)) == ["", 'loading="lazy" ']
    assert loading("word " * (FIRST_SCREEN_CHARS // 5 + 1)) == ['loading="lazy" '] * 2


def test_figures_after_the_first_load_lazily_and_every_figure_has_its_size(tmp_path):
    from PIL import Image

    src = tmp_path / "src"
    src.mkdir()
    for i, name in enumerate(("a.png", "b.png", "c.png")):
        Image.new("RGB", (30 + i, 20 + i)).save(src / name)
    page = "# Figures\n\n" + "".join(f"```{{figure}} {n}\n:alt: {n}\n```\n\n" for n in "abc")
    html = build(
        tmp_path,
        {
            "index.md": page.replace("{figure} a", "{figure} a.png")
            .replace("{figure} b", "{figure} b.png")
            .replace("{figure} c", "{figure} c.png")
        },
        ["booktools.sphinx_site"],
    )
    images = soup(html, "index.html").select("img")
    assert [img.get("loading") for img in images] == [None, "lazy", "lazy"]
    # sized once the images are copied (sphinx_site.size_figures): no jump as they load
    assert [(img["width"], img["height"]) for img in images] == [
        ("30", "20"),
        ("31", "21"),
        ("32", "22"),
    ]


def test_only_the_sites_raster_figures_without_a_size_get_one(tmp_path):
    from PIL import Image

    from booktools.sphinx_site import size_figure_tags

    (tmp_path / "_images").mkdir()
    (tmp_path / "_static").mkdir()
    Image.new("RGB", (64, 48)).save(tmp_path / "_images" / "fig.png")
    Image.new("RGB", (64, 48)).save(tmp_path / "_static" / "logo.png")
    (tmp_path / "_images" / "plot.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    page = tmp_path / "book" / "page.html"
    page.parent.mkdir()
    html = (
        '<img alt="a figure" src="../_images/fig.png">'
        '<img alt="logo" src="../_static/logo.png">'
        '<img alt="vector" src="../_images/plot.svg">'
        '<img width="10" alt="sized" src="../_images/fig.png">'
        '<img alt="inline" src="data:image/png;base64,AAAA">'
        '<img alt="gone" src="../_images/missing.png">'
    )
    out = size_figure_tags(html, page, tmp_path)
    assert out.startswith('<img width="64" height="48" alt="a figure" src="../_images/fig.png">')
    assert out.count("width=") == 2  # the figure's, and the one that had its own
    assert out.count("height=") == 1


def test_the_online_estimate_adds_what_only_the_online_path_does():
    from booktools.sphinx_report import online_estimate_nodes

    rows = [
        {"what": "one epoch at the notes' size", "seconds": 600.0, "online_only": False},
        {"what": "download the weights", "seconds": 120.0, "online_only": True},
        {"machine": "2 CPU cores", "date": "2026-11-30"},
    ]
    table, paragraph = online_estimate_nodes(rows, [600.0, 600.0], timeout=900)
    text = paragraph.astext()
    assert "about 12 min to execute every page" in text  # (600 + 600) / 2 + 120 s
    assert "this offline build: about 10 min" in text
    assert "slowest page took 600 s, under the 900 s limit" in text
    assert len(list(table.findall(lambda n: n.tagname == "row"))) == 3  # header + 2


MATH_PAGE = """# Math

Inline $w^\\top x + b$ and a display:

$$
\\hat y = \\sigma(z), \\qquad z = w^\\top x + b
$$ (logit)

Two lines:

$$
a = 1 \\\\
b = 2
$$

See {eq}`logit`.
"""


def test_math_is_typeset_at_build_time_as_svg_with_mathml_and_no_mathjax(tmp_path):
    html = build(
        tmp_path,
        {
            "index.md": "# Book\n\n```{toctree}\nmath\nplain\n```\n",
            "math.md": MATH_PAGE,
            "plain.md": "# Plain\n\nNo formula.\n",
        },
        ["booktools.sphinx_math"],
        conf='myst_enable_extensions = ["dollarmath"]\nhtml_math_renderer = "mathjax_svg"\n',
    )
    page = soup(html, "math.html")
    formulas = page.select(".math")
    assert len(formulas) == 3
    for formula in formulas:
        container = formula.select_one("mjx-container[jax=SVG]")
        assert container.select_one("svg[aria-hidden=true] use")  # drawn, hidden from AT
        assert container.select_one("mjx-assistive-mml math")  # read out as MathML
        assert "\\(" not in formula.get_text()
        assert "\\[" not in formula.get_text()
    inline, numbered, two_lines = formulas
    assert inline.name == "span"
    assert numbered.name == "div"
    assert numbered.select_one(".eqno").get_text(strip=True).startswith("(1)")
    assert numbered.select_one("mjx-container")["display"] == "true"
    assert numbered.select_one("mjx-container")["tabindex"] == "0"  # scrolls: keyboard reaches it
    assert len(two_lines.select("mjx-assistive-mml mtr")) == 2  # one row per line
    assert page.select_one("a[href='#equation-logit']")  # {eq} still links the number
    # the page loads no MathJax; its small stylesheet is inline in the head
    assert not any("mathjax" in (s.get("src") or "").lower() for s in page.select("script"))
    assert "mjx-assistive-mml" in page.head.style.get_text()
    assert soup(html, "plain.html").head.style is None  # no formula, no stylesheet
    # each glyph once, in the hidden cache that opens the body; every use finds its glyph
    cache = page.select_one("svg#MJX-SVG-global-cache")
    glyphs = {p["id"] for p in cache.select("defs > path")}
    uses = {u["xlink:href"].lstrip("#") for u in page.select("mjx-container use")}
    assert uses
    assert uses <= glyphs
    assert cache.find_previous("mjx-container") is None
    assert soup(html, "plain.html").select_one("#MJX-SVG-global-cache") is None


def test_a_tex_error_fails_the_build_with_its_message(tmp_path):
    with pytest.raises(Exception, match="Undefined control sequence \\\\foo"):
        build(
            tmp_path,
            {"index.md": "# Book\n\nA typo: $\\foo + 1$.\n"},
            ["booktools.sphinx_math"],
            conf='myst_enable_extensions = ["dollarmath"]\nhtml_math_renderer = "mathjax_svg"\n',
        )


def test_display_tex_matches_sphinx_mathjax():
    from docutils import nodes

    from booktools.sphinx_math import display_tex

    def block(text: str, nowrap: bool = False) -> nodes.math_block:
        return nodes.math_block(text, text, nowrap=nowrap, number=None)

    assert display_tex(block("x = 1")) == "x = 1"
    assert display_tex(block("a \\\\ b")) == "\\begin{split}a \\\\ b\\end{split}"
    assert display_tex(block("a\n\nb")) == (
        "\\begin{align}\\begin{aligned}a\\\\b\\end{aligned}\\end{align}"
    )
    raw = "\\begin{align} a &= 1 \\end{align}"
    assert display_tex(block(raw, nowrap=True)) == raw


def test_the_typesetter_says_how_to_install_node(monkeypatch):
    from sphinx.errors import ExtensionError

    from booktools import sphinx_math

    monkeypatch.setattr(sphinx_math, "node_program", lambda: None)
    with pytest.raises(ExtensionError, match="npm ci"):
        sphinx_math.Typesetter()


def test_each_page_links_one_purged_stylesheet_joined_from_its_blocking_ones(tmp_path):
    static = tmp_path / "src" / "_static"
    (static / "sub").mkdir(parents=True)
    (static / "sub" / "base.css").write_text(
        ".kept { color: red }\n.unused-rule { color: blue }\n"
        'html[data-theme="dark"] .kept { color: white }\n'  # the theme's script sets the mode
        ".widget-subarea .label { color: black }\n"  # drawn by the widget manager's script
    )
    (static / "first.css").write_text(
        '@import "sub/base.css";\n.box { background: url(sub/dot.png) }\n'
    )
    (static / "late.css").write_text(".late { color: green }\n")
    conf = (
        'html_static_path = ["_static"]\n'
        'html_css_files = ["first.css", ("late.css", {"media": "print"})]\n'
    )
    page = ":::{container} kept box\nText.\n:::\n"
    html = build(tmp_path, {"index.md": "# Book\n\n" + page}, ["booktools.sphinx_css"], conf=conf)
    index = soup(html, "index.html")
    blocking = [
        link["href"] for link in index.head.select("link[rel=stylesheet]") if not link.get("media")
    ]
    assert len(blocking) == 1
    assert blocking[0].startswith("_static/site-")
    assert index.head.select_one("link[media=print]")["href"].startswith("_static/late.css")
    bundle = (html / blocking[0]).read_text()
    assert ".kept" in bundle
    assert ".box" in bundle
    assert ".unused-rule" not in bundle  # used nowhere: purged
    assert 'html[data-theme="dark"] .kept' in bundle  # dark mode's rules stay
    assert ".widget-subarea .label" in bundle  # widgets' classes stay (the safelist)
    assert "@import" not in bundle
    assert "url(sub/dot.png)" in bundle  # still relative to _static/, where the bundle is
    assert "pre" in bundle or "body" in bundle  # the basic theme's rules for tags stay


def test_joined_css_rebases_urls_for_the_bundle(tmp_path):
    from booktools.sphinx_css import joined_css

    (tmp_path / "styles").mkdir()
    sheet = tmp_path / "styles" / "theme.css"
    sheet.write_text(
        '.a { background: url("../img/a.png") }\n.b { background: url(data:image/png;base64,xx) }'
    )
    css = joined_css([sheet], tmp_path)
    assert 'url("img/a.png")' in css
    assert "url(data:image/png;base64,xx)" in css


def test_widget_states_and_first_frames_no_page_uses_are_deleted(tmp_path):
    from types import SimpleNamespace

    from booktools.sphinx_site import STATE_DIR, prune_widget_files

    state, images = tmp_path / STATE_DIR, tmp_path / "_images"
    state.mkdir(parents=True)
    images.mkdir()
    for name in ("page-aaa.js", "page-old.js"):
        (state / name).write_text("//")
    for name in ("frames-aaa.png", "frames-old.png", "figure.png"):
        (images / name).write_bytes(b"png")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "page.html").write_text(
        '<script src="../_static/mlbook/state/page-aaa.js?v=1"></script>'
        '<img src="../_images/frames-aaa.png">'
    )
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    prune_widget_files(app, None)
    assert sorted(p.name for p in state.iterdir()) == ["page-aaa.js"]
    assert sorted(p.name for p in images.iterdir()) == ["figure.png", "frames-aaa.png"]


def test_plain_tokens_are_those_every_style_draws_as_its_text():
    from pygments.token import Comment, Keyword, Name, Operator, Punctuation, String, Text

    from booktools.sphinx_code import plain_tokens

    theme = plain_tokens(["a11y-high-contrast-light", "a11y-high-contrast-dark"])
    assert {Name, Punctuation, Text.Whitespace} <= theme
    assert not {Text, Keyword, Name.Builtin, Name.Function, Operator, String, Comment} & theme
    # a style that colours names keeps their spans, even beside one that does not
    assert Name not in plain_tokens(["a11y-high-contrast-light", "abap"])
    assert Text.Whitespace not in plain_tokens(["default"])  # draws whitespace grey


CODE_PAGE = """# Code

```python
total = sum(x ** 2 for x in values)  # squares
print(f"{total:.2f}", values[0])
```
"""


def test_code_blocks_drop_only_the_spans_that_draw_as_plain_text(tmp_path):
    html = build(
        tmp_path,
        {"index.md": CODE_PAGE},
        ["booktools.sphinx_code"],
        conf='html_theme = "pydata_sphinx_theme"\n',
    )
    pre = soup(html, "index.html").select_one("div.highlight pre")
    classes = {c for span in pre.select("span") for c in span.get("class", [])}
    assert not {"n", "p", "w"} & classes  # names, punctuation, whitespace: plain text
    assert {"k", "ow", "nb", "o", "mi", "c1", "sa", "s2", "si"} <= classes  # coloured: kept
    code = CODE_PAGE.split("```python\n")[1].split("```")[0]
    assert pre.get_text() == code  # the text a reader sees and copies is unchanged
