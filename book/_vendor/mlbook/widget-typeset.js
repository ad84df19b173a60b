// The widget manager (ipywidgets 8) typesets the math in its HTML widgets with MathJax
// 2's API, MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]). The site runs MathJax 3,
// which has no Hub, so on a page with both (the active-learning project) the player
// failed with "Cannot read properties of undefined (reading 'Queue')". This gives
// MathJax 3 that one call, forwarded to its typesetPromise. MathJax 3 replaces
// window.MathJax when it starts, so the call is added to whatever object is assigned.
(function () {
  "use strict";
  var hub = {
    Queue: function () {
      var elements = [];
      for (var i = 0; i < arguments.length; i++) {
        var command = arguments[i];
        if (Array.isArray(command) && command[0] === "Typeset" && command[2]) {
          elements.push(command[2]);
        }
      }
      var mathjax = window.MathJax;
      if (elements.length && mathjax && mathjax.typesetPromise) {
        mathjax.typesetPromise(elements).catch(function () {});
      }
    },
  };
  function withHub(value) {
    if (value && typeof value === "object" && value.version && !value.Hub) {
      value.Hub = hub; // only the running MathJax 3, never its configuration object
    }
    return value;
  }
  var current = withHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      current = withHub(value);
    },
  });
})();
