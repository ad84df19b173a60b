// Drops the rules no page of the built site can use from a stylesheet, with PurgeCSS
// (pinned in package.json). Run by booktools.sphinx_css once the site is written:
//   node purge_css.cjs <site folder> <stylesheet>
// A rule stays if a class, id or tag of its selector appears in any page or any script of
// the site (so classes that the theme's or Bootstrap's JavaScript adds, such as "show" or
// "scrolled", stay), or if it matches the safelist below. The stylesheet is rewritten in
// place; one JSON line reports its size before and after.
"use strict";
const fs = require("fs");
const { PurgeCSS } = require("purgecss");

async function main([site, sheet]) {
  const before = fs.statSync(sheet).size;
  const [result] = await new PurgeCSS().purge({
    content: [`${site}/**/*.html`, `${site}/_static/**/*.js`],
    // Scripts whose words would keep rules no page needs: the theme's icon script, which
    // the book does not load (1.5 MB of icon names), and the widget manager (3.6 MB; it
    // kept 70 kB more rules). The classes the manager gives the widgets it draws are kept
    // by the safelist instead: the themes and the book style them (dark mode included).
    skippedContentGlobs: [
      `${site}/_static/scripts/fontawesome.js`,
      `${site}/_static/@jupyter-widgets/**`,
    ],
    safelist: { greedy: [/widget/, /^jp-/, /^lm-/, /^p-Widget/] },
    css: [sheet],
    // The theme's light/dark mode: attributes set on <html> by the theme's scripts (as
    // dataset.theme, a word PurgeCSS would not match to [data-theme="dark"] rules).
    dynamicAttributes: ["data-theme", "data-mode"],
    // Every @font-face, @keyframes and custom property stays: they are small, and used
    // from places PurgeCSS does not read (inline styles, other stylesheets).
    fontFace: false,
    keyframes: false,
    variables: false,
  });
  fs.writeFileSync(sheet, result.css);
  process.stdout.write(JSON.stringify({ before, after: Buffer.byteLength(result.css) }) + "\n");
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});
