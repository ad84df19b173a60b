// Loaded between RequireJS and the widget manager on pages with widgets (see
// nb_ipywidgets_js in _config.yml). The manager finds its icon fonts next to the URL
// RequireJS gives its module; by default that is the page's own folder, where they are
// not. Point RequireJS at the site's _static/ folder instead, wherever the page sits.
// Both of the manager's bundles (the embedder and the controls) take the folder of their
// icon fonts from window.__jupyter_widgets_assets_path__ when it is set; without it each
// asked for the same 78 kB font at its own URL, so the page downloaded it twice.
(function () {
  var src = document.currentScript.src;
  var staticBase = src.slice(0, src.lastIndexOf("/mlbook/") + 1);
  require.config({ baseUrl: staticBase });
  window.__jupyter_widgets_assets_path__ = staticBase + "@jupyter-widgets/html-manager/dist/";
})();
