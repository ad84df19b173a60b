// Loaded between RequireJS and the widget manager on pages with widgets (see
// nb_ipywidgets_js in _config.yml). The manager finds its icon fonts next to the URL
// RequireJS gives its module; by default that is the page's own folder, where they are
// not. Point RequireJS at the site's _static/ folder instead, wherever the page sits.
(function () {
  var src = document.currentScript.src;
  require.config({ baseUrl: src.slice(0, src.lastIndexOf("/mlbook/") + 1) });
})();
