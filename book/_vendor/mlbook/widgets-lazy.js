// Loads the widget manager (RequireJS, its configuration and the manager: 1 MB of
// JavaScript) only when a widget comes near the screen, instead of with the page: on a
// phone it had held the main thread for seconds before the reader could scroll. The build
// (booktools.sphinx_site.lazy_widgets) leaves those scripts in the page as inert
// <script type="mlbook/lazy-widgets" src=...> elements; this puts live copies in their
// place, in order, the first time a widget is within about two screens of the view. A
// printout gets the widgets too: the book's PDF prints each page in a window tall enough
// to show them all.
(function () {
  "use strict";
  var inert = document.querySelectorAll('script[type="mlbook/lazy-widgets"]');
  var views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]'
  );
  if (!inert.length) {
    return;
  }
  var started = false;
  function start() {
    if (started) {
      return;
    }
    started = true;
    Array.prototype.forEach.call(inert, function (old) {
      var live = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (attribute) {
        if (attribute.name !== "type") {
          live.setAttribute(attribute.name, attribute.value);
        }
      });
      live.async = false; // run in the order they were inserted, like the deferred originals
      old.parentNode.replaceChild(live, old);
    });
  }
  if (!views.length || !("IntersectionObserver" in window)) {
    start();
    return;
  }
  var observer = new IntersectionObserver(
    function (entries) {
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].isIntersecting) {
          observer.disconnect();
          start();
          return;
        }
      }
    },
    { rootMargin: "200% 0px" }
  );
  Array.prototype.forEach.call(views, function (view) {
    observer.observe(view.parentElement);
  });
})();
