"""The built site in a real browser (headless Chromium driven by Playwright).

Needs Debian's ``chromium`` (``.ci/run`` installs it). Elsewhere the tests skip, saying
why; under CI (``CI`` set) a missing Chromium is an error, so CI always runs them.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ACTIVE_LEARNING = "book/sklearn/07-active-learning.html"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="session")
def server(built_site: Path):
    """Serve the built site on a free localhost port (the download tests' server)."""
    from booktools.mirror import Mirror

    site = Mirror(built_site)
    yield site.url
    site.stop()


class Visit:
    """A page loaded with every request, failure and console error recorded.

    Requests that would leave localhost are recorded and blocked (the site must not
    make any).
    """

    def __init__(self, browser, base: str, path: str, width: int = 1280):
        self.base = base
        self.offsite: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.responses: list = []
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.page.on("console", self._console)
        self.page.on("response", lambda r: self.responses.append(r))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on(
            "requestfailed", lambda r: self.failed.append(r.url) if r.url.startswith(base) else None
        )
        self.page.on(
            "response",
            lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        self.page.route("**/*", self._route)
        self.page.goto(f"{base}/{path}", wait_until="networkidle")

    def _console(self, message):
        if message.type == "error":
            self.errors.append(message.text)
        elif message.type == "warning":
            self.warnings.append(message.text)

    def transfer_bytes(self) -> dict[str, int]:
        """Bytes of every response so far, gzip-compressed as a static host serves them."""
        sizes = {}
        for response in self.responses:
            if response.url.startswith(self.base) and response.status < 300:
                sizes[response.url] = len(gzip.compress(response.body(), compresslevel=6))
        return sizes

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.offsite.append(url)
            route.abort()

    def show_widgets(self, timeout: float = 30_000) -> None:
        """Scroll to the page's widgets, as a reader does, and wait until all are drawn.

        Their manager loads only when one nears the screen (sphinx_site.lazy_widgets).
        """
        views = self.page.locator(f"script[type='{WIDGET_VIEW}']").count()
        if views:
            self.page.locator(
                f".cell_output:has(> script[type='{WIDGET_VIEW}'])"
            ).first.scroll_into_view_if_needed()
            self.page.wait_for_function(
                f"() => document.querySelectorAll('.widget-subarea').length >= {views}",
                timeout=timeout,
            )

    def assert_clean(self):
        assert not self.offsite, f"requests to other sites: {self.offsite}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.errors, f"console errors: {self.errors}"


@pytest.fixture
def al_page(browser, server):
    visit = Visit(browser, server, ACTIVE_LEARNING)
    visit.show_widgets()
    visit.page.wait_for_selector(".widget-play", timeout=15000)
    yield visit
    visit.page.close()


@pytest.mark.parametrize("width", [360, 390, 768, 1280])
def test_the_player_loads_near_the_screen_into_the_space_held_for_it(browser, server, width):
    """The manager loads as the reader nears the player; the text below does not jump.

    book.css holds the player's measured height (tag ``widget-player``).
    """
    visit = Visit(browser, server, ACTIVE_LEARNING, width=width)
    try:
        assert not any("embed-amd" in r.url for r in visit.responses)  # not with the page
        output = visit.page.locator(".tag_widget-player .cell_output")
        held = output.evaluate("e => e.getBoundingClientRect().height")
        visit.show_widgets()
        visit.page.wait_for_selector(".widget-play")
        visit.page.wait_for_timeout(500)
        drawn = output.evaluate("e => e.getBoundingClientRect().height")
        assert drawn <= held + 1, f"the player grew from {held:.0f} to {drawn:.0f} px"
        assert held - drawn < 300, f"{held - drawn:.0f} px held for nothing"
        visit.assert_clean()
    finally:
        visit.page.close()


def shown_round(page) -> str:
    """Return the heading of the panel the Stack shows (it renders only the selected child)."""
    headings = page.locator(".widget-html-content", has_text=re.compile(r"Round \d+ of \d+"))
    assert headings.count() == 1
    return headings.first.inner_text()


def test_static_widget_renders_without_errors_or_offsite_requests(al_page):
    page = al_page.page
    assert page.locator(".widget-play").count() == 1
    assert page.locator(".widget-slider").count() >= 1
    assert shown_round(page).startswith("Round 1")
    # the controls draw their icons (the theme's Font Awesome must not blank them)
    icons = page.evaluate(
        "Array.from(document.querySelectorAll('.widget-play button i')).map("
        "i => [i.className, getComputedStyle(i, '::before').content])"
    )
    assert [cls for cls, _ in icons] == ["fa fa-play", "fa fa-stop", "fa fa-retweet"]
    assert all(content not in ("none", "normal", '""') for _, content in icons), icons
    labels = page.locator(".widget-play button").evaluate_all("bs => bs.map(b => b.ariaLabel)")
    assert labels == ["Play", "Stop", "Repeat"]
    al_page.assert_clean()
    assert not al_page.warnings, f"console warnings: {al_page.warnings}"


def test_play_advances_the_rounds(al_page):
    page = al_page.page
    page.locator(".widget-play button").first.click()
    page.wait_for_function(
        "() => !document.querySelector('.widget-slider .widget-readout').innerText"
        ".startsWith('1 ')",
        timeout=10000,
    )
    assert not shown_round(page).startswith("Round 1 ")
    al_page.assert_clean()


def test_slider_selects_the_round(al_page):
    page = al_page.page
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(2):
        handle.press("ArrowRight")
    page.wait_for_timeout(300)
    assert shown_round(page).startswith("Round 3")
    al_page.assert_clean()


#: The pages with explorable figures (mlbook.explorable.frames_player): each player's name.
EXPLORABLES = {
    "book/tensorflow/04-cnn.html": ["filter"],
    "book/tensorflow/05-rnn.html": ["rows"],
    "book/keras/04-optimization-tuning.html": ["learning-rate"],
    "book/sklearn/01-regression.html": ["degree"],
    "book/sklearn/02-classification.html": ["threshold"],
    "book/sklearn/03-decision-trees.html": ["depth"],
    "book/sklearn/04-random-forest.html": ["trees"],
    "book/sklearn/06-semi-supervised.html": ["step"],
}


def _player(page, name: str):
    player = page.locator(f".mlbook-frames-name-{name}")
    player.wait_for(timeout=30_000)
    return player


def _shown(player) -> tuple[str, str, str]:
    """Return the readout, the line of numbers and the figure's image a player shows."""
    return (
        player.locator(".mlbook-frames-control .widget-readout").inner_text().strip(),
        player.locator(".mlbook-frames-said").inner_text().strip(),
        player.locator(".mlbook-frames-figure img").get_attribute("src"),
    )


@pytest.mark.parametrize("path", sorted(EXPLORABLES))
def test_every_explorable_figure_responds_and_says_its_numbers_on_a_phone(browser, server, path):
    """Moving the slider by keyboard changes the figure and the announced numbers.

    With every other host blocked and no console error; the address keeps the position;
    the page does not scroll sideways at 390 px once the players are drawn.
    """
    visit = Visit(browser, server, path, width=390)
    page = visit.page
    try:
        assert not any("embed-amd" in r.url for r in visit.responses)  # not with the page
        assert not any("/mlbook/state/" in r.url for r in visit.responses)  # nor the frames
        holds = page.locator("img.mlbook-frames-hold")
        assert sorted(holds.evaluate_all("imgs => imgs.map(i => i.dataset.name)")) == sorted(
            EXPLORABLES[path]
        )
        visit.show_widgets()
        for name in EXPLORABLES[path]:
            player = _player(page, name)
            said = player.locator(".mlbook-frames-said")
            assert said.get_attribute("role") == "status"
            assert said.get_attribute("aria-live") == "polite"
            before = _shown(player)
            handle = player.locator(".mlbook-frames-control .noUi-handle")
            last = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            handle.focus()
            handle.press("ArrowLeft" if last else "ArrowRight")
            page.wait_for_function(
                "([sel, text]) => document.querySelector(sel).innerText.trim() !== text",
                arg=[f".mlbook-frames-name-{name} .mlbook-frames-said", before[1]],
            )
            after = _shown(player)
            assert after[0] != before[0]
            assert after[2] != before[2], "the figure did not change"
            assert after[0] in after[1]  # the numbers name their position
            assert page.url.endswith(f"#{name}={after[0]}")
        page.wait_for_timeout(300)
        assert holds.count() == 0  # the first frames made way for the players
        width = page.evaluate("() => document.documentElement.clientWidth")
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"{path} is {scroll} px wide on a {width} px screen"
        visit.assert_clean()
    finally:
        page.close()


@pytest.mark.parametrize("path", sorted(EXPLORABLES))
def test_an_address_naming_a_position_opens_the_figure_there(browser, server, path):
    name = EXPLORABLES[path][0]
    first = Visit(browser, server, path)
    try:
        first.show_widgets()
        handle = _player(first.page, name).locator(".mlbook-frames-control .noUi-handle")
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        handle.press("Home" if at_end else "End")  # an end the page does not start at
        first.page.wait_for_function(f"() => location.hash.startsWith('#{name}=')")
        shared = first.page.url.split("/", 3)[-1]
        expected = _shown(_player(first.page, name))
    finally:
        first.page.close()
    visit = Visit(browser, server, shared)  # a reader opens the shared link
    try:
        player = _player(visit.page, name)  # scrolled into view, so it loads
        visit.page.wait_for_function(
            "([sel, label]) => document.querySelector(sel)?.innerText.trim() === label",
            arg=[f".mlbook-frames-name-{name} .widget-readout", expected[0]],
        )
        assert _shown(player) == expected
        visit.assert_clean()
    finally:
        visit.page.close()


@pytest.mark.parametrize("path", sorted(EXPLORABLES))
def test_explorables_hold_their_place_until_drawn(browser, server, path):
    """The first frame holds each player's place: the text below moves little once drawn."""
    for width in (390, 1280):
        visit = Visit(browser, server, path, width=width)
        try:
            name = EXPLORABLES[path][0]
            hold = visit.page.locator(f"img.mlbook-frames-hold[data-name='{name}']")
            output = visit.page.locator(".cell_output", has=hold)
            held = output.evaluate("e => e.getBoundingClientRect().height")
            hold.scroll_into_view_if_needed()
            _player(visit.page, name)
            visit.page.wait_for_timeout(500)
            drawn = visit.page.locator(
                ".cell_output", has=visit.page.locator(f".mlbook-frames-name-{name}")
            ).evaluate("e => e.getBoundingClientRect().height")
            assert abs(drawn - held) < 60, f"at {width} px: held {held:.0f}, drawn {drawn:.0f}"
        finally:
            visit.page.close()


def test_active_learning_page_is_light(built_site):
    html = built_site / ACTIVE_LEARNING
    images = sum(
        p.stat().st_size
        for p in (built_site / "_images").glob("*")
        if p.name in html.read_text(encoding="utf-8")
    )
    assert html.stat().st_size + images < 3_000_000


def test_chromium_plays_vp8_webm_but_not_mpeg4_part_2(browser):
    """The detection page's reason for writing VP8 WebM, not OpenCV's mp4v MP4 files."""
    page = browser.new_page()
    try:
        vp8, mp4v = page.evaluate(
            """() => {
                const video = document.createElement("video");
                return [video.canPlayType('video/webm; codecs="vp8"'),
                        video.canPlayType('video/mp4; codecs="mp4v.20.8"')];
            }"""
        )
    finally:
        page.close()
    assert (vp8, mp4v) == ("probably", "")


def toc_pages() -> list[str]:
    from booktools.toc import toc_docnames

    return [f"{p}.html" for p in toc_docnames(Path(__file__).resolve().parents[1])]


@pytest.mark.parametrize("path", toc_pages())
def test_every_page_loads_cleanly(browser, server, path):
    """No request leaves localhost, nothing 404s, no console error, on every page."""
    visit = Visit(browser, server, path)
    try:
        visit.page.wait_for_timeout(300)  # late requests (fonts, MathJax) included
        visit.assert_clean()
    finally:
        visit.page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_first_visit_is_in_the_readers_colour_scheme_before_the_theme_script_runs(
    browser, server, scheme
):
    """The head resolves the theme's ``data-theme="auto"`` (sphinx_site.RESOLVE_THEME).

    Left as "auto" until the theme's deferred script ran, the first paint matched neither
    the light nor the dark rules, and the switch restyled the whole page. Here that
    script is blocked: the page must be in the reader's scheme without it.
    """
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.route("**/pydata-sphinx-theme.js*", lambda route: route.abort())
        page.goto(f"{server}/book/intro.html", wait_until="load")
        assert page.evaluate("() => document.documentElement.dataset.theme") == scheme
    finally:
        context.close()


#: Transfer budget of a page (gzip, images and everything it loads included): the widget
#: page carries the widget manager, the others must stay lighter.
PAGE_BUDGET = {ACTIVE_LEARNING: 2_000_000}
#: Scrolls a page to its end a screen at a time, as a reader does (lazy images load).
SCROLL_TO_END_JS = """async () => {
  for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
    scrollTo(0, y);
    await new Promise(r => setTimeout(r, 30));
  }
}"""
DEFAULT_PAGE_BUDGET = 1_500_000


@pytest.mark.parametrize("path", toc_pages())
def test_page_weight_stays_within_budget(browser, server, path):
    """What a reader downloads for a page, compressed as a static host serves it.

    Read to the end: every lazy figure, the widget manager and the widgets' frames.
    """
    visit = Visit(browser, server, path)
    try:
        visit.show_widgets()
        visit.page.evaluate(SCROLL_TO_END_JS)
        visit.page.wait_for_load_state("networkidle")
        visit.page.wait_for_timeout(500)  # late loads (fonts, widget code)
        sizes = visit.transfer_bytes()
        total = sum(sizes.values())
        heaviest = sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
        shown = ", ".join(f"{url.rsplit('/', 1)[-1]} {n / 1e3:.0f} kB" for url, n in heaviest)
        print(f"{path}: {total / 1e6:.2f} MB ({shown})")
        budget = PAGE_BUDGET.get(path, DEFAULT_PAGE_BUDGET)
        assert total <= budget, f"{path}: {total / 1e6:.2f} MB > {budget / 1e6:.1f} MB; {shown}"
    finally:
        visit.page.close()


#: Every icon glyph drawn on the page: [font-family, font-weight, code point] of each
#: ::before/::after whose content is in Unicode's private use area.
ICONS_JS = """() => {
  const out = new Set();
  for (const el of document.querySelectorAll('*')) for (const pseudo of ['::before', '::after']) {
    const style = getComputedStyle(el, pseudo);
    for (const ch of style.content === 'none' ? '' : style.content) {
      const c = ch.codePointAt(0);
      const glyph = [style.fontFamily, style.fontWeight, c];
      if (c >= 0xe000 && c <= 0xf8ff) out.add(JSON.stringify(glyph));
    }
  }
  return [...out].map(JSON.parse);
}"""
#: The @font-face rules of the book's stylesheet bundle: [family, weight, src, sheet URL].
FONT_FACES_JS = """() => [...document.styleSheets]
  .filter(sheet => /site-[0-9a-f]+\\.css/.test(sheet.href || ''))
  .flatMap(sheet => [...sheet.cssRules].filter(r => r instanceof CSSFontFaceRule)
    .map(r => [r.style.getPropertyValue('font-family'), r.style.getPropertyValue('font-weight'),
               r.style.getPropertyValue('src'), sheet.href]))"""


def _family(name: str) -> str:
    return name.strip().strip("\"'").replace("\\", "").lower()


@pytest.mark.parametrize("path", toc_pages())
def test_every_icon_drawn_is_in_the_subset_font_it_loads(browser, server, built_site, path):
    """The icon fonts are cut down to the icons the stylesheet names (booktools.icon_fonts).

    Each icon a page draws (its widgets' too) is in the font file the page loads for it,
    so no icon falls back to an empty box.
    """
    from fontTools.ttLib import TTFont

    visit = Visit(browser, server, path)
    try:
        visit.show_widgets()
        glyphs = visit.page.evaluate(ICONS_JS)
        faces = visit.page.evaluate(FONT_FACES_JS)
    finally:
        visit.page.close()
    assert faces, "no @font-face in the page's stylesheet bundle"
    files = {}
    for family, weight, src, sheet in faces:
        url = re.search(r"url\(\s*[\"']?([^\"')]+)", src).group(1)
        local = (built_site / sheet[len(server) + 1 :]).parent / url
        files[(_family(family), weight or "400")] = local.resolve()
    missing = []
    for families, weight, code in glyphs:
        for family in families.split(","):
            font = files.get((_family(family), weight))
            if font is not None:
                if code not in TTFont(font).getBestCmap():
                    missing.append(f"U+{code:04X} ({family.strip()} {weight}, {font.name})")
                break
    assert not missing, f"{path}: icons drawn but not in their font: {missing}"


@pytest.mark.parametrize("path", toc_pages())
def test_no_page_scrolls_sideways_on_a_phone(browser, server, path):
    """At a 390 x 844 phone viewport the page is no wider than the screen.

    Long inline code breaks and wide tables scroll in their own box (book.css).
    """
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(f"{server}/{path}", wait_until="networkidle")
        width = page.evaluate("() => document.documentElement.clientWidth")
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"{path} is {scroll} px wide on a {width} px screen"
    finally:
        page.close()


#: Each sized figure of the main text: its attributes, its box and, once loaded, its pixels.
FIGURE_BOXES_JS = """() => [...document.querySelectorAll('main img[width][height]')].map(img => {
  const box = img.getBoundingClientRect();
  return {src: img.getAttribute('src'), width: +img.getAttribute('width'),
          height: +img.getAttribute('height'), boxWidth: box.width, boxHeight: box.height,
          loaded: img.complete && img.naturalWidth > 0};
})"""


@pytest.mark.parametrize("path", ["book/tensorflow/02-deep-learning.html"])
def test_figures_hold_their_shape_before_and_after_they_load_on_a_phone(browser, server, path):
    """At 390 px, a lazy figure's box has its final shape before the image arrives.

    (sphinx_site.size_figures writes each figure's size; book.css scales it down.)
    """
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(f"{server}/{path}", wait_until="load")
        before = page.evaluate(FIGURE_BOXES_JS)
        assert len(before) >= 3, "the page's figures carry no size"
        assert any(not f["loaded"] for f in before), "no figure waits to load lazily"
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        for img in page.locator("main img[width][height]").all():
            img.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll('main img')].every(i => i.complete)"
        )
        after = page.evaluate(FIGURE_BOXES_JS)
    finally:
        page.close()
    for old, new in zip(before, after, strict=True):
        assert new["loaded"], new["src"]
        assert new["boxWidth"] <= 390
        assert new["boxHeight"] == pytest.approx(old["boxHeight"], abs=1), new["src"]
        shape = new["boxHeight"] / new["boxWidth"]
        assert shape == pytest.approx(new["height"] / new["width"], rel=0.02), new["src"]


#: Text of the page outside code, with MathJax's rendered formulas removed.
RAW_MATH_JS = """() => {
  const copy = document.querySelector('main').cloneNode(true);
  copy.querySelectorAll('pre, code, mjx-container, script, style').forEach(e => e.remove());
  return copy.textContent;
}"""


@pytest.mark.parametrize("path", toc_pages())
def test_math_is_drawn_at_build_time_and_no_page_loads_mathjax(browser, server, path):
    """Every formula is in the page as its SVG (booktools.sphinx_math): no raw LaTeX left.

    No page loads MathJax: the formulas are in the first paint, on a phone too.
    """
    visit = Visit(browser, server, path)
    try:
        page = visit.page
        formulas = page.locator("main .math").count()
        assert page.locator("main .math > mjx-container > svg").count() == formulas
        assert not page.evaluate("() => !!document.querySelector('script[src*=mathjax]')")
        unresolved = page.evaluate(
            "() => [...document.querySelectorAll('mjx-container use')]"
            ".map(u => u.getAttribute('xlink:href'))"
            ".filter(href => !document.getElementById(href.slice(1)))"
        )
        assert unresolved == [], "glyphs missing from the page's MathJax cache"
        text = page.evaluate(RAW_MATH_JS)
        assert "\\(" not in text
        assert "\\[" not in text
    finally:
        page.close()


AXE = Path(__file__).resolve().parent / "_vendor" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("path", toc_pages())
def test_no_serious_accessibility_violation(browser, server, path):
    """axe-core (vendored, pinned in booktools.vendor) finds no serious or critical issue.

    The audit runs in the default (light) mode and again in the theme's dark mode, so
    contrast problems that appear in only one of them are caught.
    """
    visit = Visit(browser, server, path)
    try:
        visit.show_widgets()  # audit the widgets too
        found = []
        # The theme animates colour changes; audit the settled colours, not a transition.
        visit.page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        for mode in ("light", "dark"):
            visit.page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
            visit.page.evaluate(f"document.documentElement.dataset.mode = '{mode}'")
            visit.page.wait_for_timeout(100)
            if not visit.page.evaluate("typeof axe !== 'undefined'"):
                visit.page.add_script_tag(path=str(AXE))
            violations = visit.page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
                ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' node(s), e.g. '"
                " + v.nodes[0].target.join(' '))"
            )
            found += [f"{mode}: {v}" for v in violations]
        assert not found, "\n".join(found)
    finally:
        visit.page.close()
