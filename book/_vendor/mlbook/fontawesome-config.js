// The theme's Font Awesome script swaps every <i class="fa ..."> for an <svg>, including
// the icons inside widgets (Play, Stop, Repeat). A widget that later updates its icon
// then fails ("Cannot set properties of undefined (setting 'className')") and the Play
// button stops working. "nest" keeps each <i> and puts the svg inside it instead;
// book.css hides those svgs inside widgets, which draw their icons with their own font.
// Even nested, Font Awesome does not follow the widget's later icon changes (the Play
// button kept showing "play" while playing), so it must not touch widgets at all:
// observeMutations=false limits it to the icons in the page's HTML, which are all there
// when it runs; widgets are drawn later, from RequireJS modules.
window.FontAwesomeConfig = Object.assign(window.FontAwesomeConfig || {}, {
  autoReplaceSvg: "nest",
  observeMutations: false,
});
