// Accessible names that the theme, myst-nb and ipywidgets leave out or get wrong, found by
// axe-core in tests/test_browser.py. Loaded on every page (html_js_files in _config.yml).
(function () {
  "use strict";

  function fixPage() {
    // A table wider than the column scrolls in its own box (book.css); keyboard users
    // must be able to focus it to scroll it.
    document.querySelectorAll(".cell_output table").forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1) {
        t.setAttribute("tabindex", "0");
      } else if (t.getAttribute("tabindex") === "0") {
        t.removeAttribute("tabindex");
      }
    });
    // myst-nb's folded cells: the visible "Show code cell source" is the best name; the
    // generic aria-label "Toggle hidden content" replaced it for screen readers.
    document.querySelectorAll('summary[aria-label="Toggle hidden content"]').forEach(function (s) {
      s.removeAttribute("aria-label");
    });
    // The search field button shows "Search Ctrl+K"; its name must include what it
    // shows. (Not the header's icon-only search button: its aria-label is its only name,
    // since Bootstrap's tooltip moves its title away.)
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
    // The colour-mode button is named "Color mode"; its icons' titles ("Light", "Dark",
    // which Font Awesome copies into each svg) are decoration, not a second name.
    document.querySelectorAll(".theme-switch-button i, .theme-switch-button svg").forEach(
      function (icon) {
        icon.setAttribute("aria-hidden", "true");
        icon.removeAttribute("title");
        icon.removeAttribute("aria-labelledby");
        icon.querySelectorAll("title").forEach(function (t) { t.remove(); });
      });
  }

  var ICON_NAMES = [
    ["fa-play", "Play"], ["fa-pause", "Pause"], ["fa-stop", "Stop"],
    ["fa-retweet", "Repeat"], ["fa-repeat", "Repeat"],
  ];

  function fixWidgets() {
    // Play buttons draw only an icon: name each after it (it changes play <-> pause).
    document.querySelectorAll(".widget-play button").forEach(function (b) {
      var icon = b.querySelector("i");
      var cls = icon ? icon.className : "";
      for (var k = 0; k < ICON_NAMES.length; k++) {
        if (cls.indexOf(ICON_NAMES[k][0]) !== -1) {
          if (b.getAttribute("aria-label") !== ICON_NAMES[k][1]) {
            b.setAttribute("aria-label", ICON_NAMES[k][1]);
            b.title = ICON_NAMES[k][1];
          }
          break;
        }
      }
    });
    // Slider handles: named after the slider's visible description.
    document.querySelectorAll('.widget-slider [role="slider"]:not([aria-label])').forEach(function (h) {
      var box = h.closest(".widget-slider");
      var label = box && box.querySelector(".widget-label");
      if (label && label.textContent.trim()) h.setAttribute("aria-label", label.textContent.trim());
    });
  }

  var queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () {
      queued = false;
      fixPage();
      fixWidgets();
    });
  }

  function start() {
    fixPage();
    fixWidgets();
    // Widgets render after the page loads, and the Play button swaps its icon. Only a
    // page with widgets is watched: elsewhere every change (MathJax typesetting as the
    // reader scrolls) would re-run these checks for nothing.
    if (document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]')) {
      new MutationObserver(schedule).observe(document.body, {
        childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
      });
    }
  }

  window.addEventListener("resize", function () { fixPage(); });
  // At "load", not before: measuring every table forces a layout, which held back the
  // first paint on a slow phone (Lighthouse); nothing here changes what is drawn.
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
