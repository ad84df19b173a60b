// Typesets the book's TeX as SVG at build time with MathJax 3 (mathjax-full, pinned in
// package.json), so a page shows its formulas in its first paint and loads no MathJax.
// Run by booktools.sphinx_math: one process per Sphinx build, one JSON request per line
// on stdin, one JSON answer per line on stdout:
//   {"tex": "x^2", "display": false}  ->  {"html": "<mjx-container ...>", "error": null}
//   {"glyphs": true}                  ->  {"html": "<svg id=\"MJX-SVG-global-cache\" ...>"}
//   {"css": true}                     ->  {"css": "mjx-container[jax=\"SVG\"] {...}"}
// A TeX error (an unknown macro, a missing brace) is returned as "error", never drawn red.
"use strict";
const readline = require("readline");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

const adaptor = liteAdaptor();
// Screen readers get MathML beside each (aria-hidden) SVG, as MathJax does in a browser.
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

let lastError = null;
const tex = new TeX({
  // Every package but "noundefined", which would draw an unknown macro in red instead of
  // reporting it (and "bussproofs", which needs a second pass over the page).
  packages: AllPackages.filter((name) => !["noundefined", "bussproofs"].includes(name)),
  formatError(jax, err) {
    lastError = err.message;
    return jax.formatError(err);
  },
});
// "global": each glyph is drawn once per page, in a hidden SVG the formulas point to
// (MathJax's own page cache), instead of once per formula: a chapter's HTML is a third
// the size.
const svg = new SVG({ fontCache: "global" });
const doc = mathjax.document("", { InputJax: tex, OutputJax: svg });

function answer(request) {
  if (request.css) {
    return { css: adaptor.textContent(svg.styleSheet(doc)) };
  }
  if (request.glyphs) {
    // The glyphs of every formula since the last request (one page), as MathJax's hidden
    // <svg id="MJX-SVG-global-cache">; the next page starts with none.
    const cache = svg.fontCache.getCache();
    const used = adaptor.childNodes(cache).length > 0;
    const html = used ? adaptor.outerHTML(svg.pageElements(doc)) : "";
    svg.fontCache.clearCache();
    return { html };
  }
  lastError = null;
  const node = doc.convert(request.tex, { display: Boolean(request.display) });
  if (request.display) {
    // The theme lets a wide display scroll sideways (on a phone): a keyboard reaches it, as
    // it reaches every formula MathJax typesets in the browser.
    adaptor.setAttribute(node, "tabindex", "0");
  }
  return { html: adaptor.outerHTML(node), error: lastError };
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  let reply;
  try {
    reply = answer(JSON.parse(line));
  } catch (err) {
    reply = { html: null, error: String((err && err.message) || err) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
