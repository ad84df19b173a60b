// The theme's Font Awesome script swaps every <i class="fa ..."> for an <svg>, including
// the icons inside widgets (Play, Stop, Repeat). A widget that later updates its icon
// then fails ("Cannot set properties of undefined (setting 'className')") and the Play
// button stops working. "nest" keeps each <i> and puts the svg inside it instead;
// book.css hides those svgs inside widgets, which draw their icons with their own font.
window.FontAwesomeConfig = Object.assign(window.FontAwesomeConfig || {}, { autoReplaceSvg: "nest" });
