// The explorable figures' page side (mlbook.explorable.frames_player; the build adds this
// file to every page with widgets, booktools.sphinx_site.lazy_widgets):
// * the line of numbers under each player's slider (and the project's round heading) is
//   a polite live region: a screen reader says the new position's numbers as it is shown;
// * the first frame, an image that held the player's place until its widgets were drawn,
//   makes way for them;
// * the position is kept in the page's address as #<name>=<label> (replaceState: no new
//   history entry), and an address that names one opens the page at that position: the
//   page scrolls to the player, and its state starts there before it is drawn (moving
//   the drawn slider step by step made the manager post messages to removed views).
(function () {
  "use strict";
  var PREFIX = "mlbook-frames-name-";
  var wanted = /^#([a-z][a-z0-9-]*)=(.+)$/.exec(window.location.hash);
  var target = wanted ? { name: wanted[1], label: decodeURIComponent(wanted[2]) } : null;
  var watched = new WeakSet();

  function nameOf(player) {
    for (var i = 0; i < player.classList.length; i++) {
      var c = player.classList[i];
      if (c.indexOf(PREFIX) === 0) return c.slice(PREFIX.length);
    }
    return null;
  }

  function readout(player) {
    var r = player.querySelector(".mlbook-frames-control .widget-readout");
    return r ? r.textContent.trim() : null;
  }

  // The widget state, before the manager draws it: a player that the address names
  // starts at the position it names (the build's state script calls this).
  window.mlbookFramesState = function (text) {
    if (!target) return text;
    var state;
    try {
      state = JSON.parse(text);
    } catch (e) {
      return text;
    }
    var models = state.state || {};
    function get(ref) {
      var m = models[String(ref).replace(/^IPY_MODEL_/, "")];
      return m ? m.state : {};
    }
    Object.keys(models).forEach(function (id) {
      var root = models[id].state || {};
      if (!target || (root._dom_classes || []).indexOf(PREFIX + target.name) === -1) return;
      var parts = (root.children || []).map(get);
      var control = parts.filter(function (p) {
        return (p._dom_classes || []).indexOf("mlbook-frames-control") !== -1;
      })[0];
      var k = control ? (control._options_labels || []).indexOf(target.label) : -1;
      if (k === -1) return;
      control.index = k;
      parts.forEach(function (p) {
        if ("selected_index" in p) p.selected_index = k;
      });
      target = null;
    });
    return JSON.stringify(state);
  };

  function setUp(player) {
    if (watched.has(player)) return;
    var control = player.querySelector(".mlbook-frames-control .widget-readout");
    if (!control) return; // not drawn yet
    watched.add(player);
    var name = nameOf(player);
    var shown = readout(player);
    new MutationObserver(function () {
      var now = readout(player);
      if (name && now !== shown) {
        shown = now;
        var url = window.location.pathname + window.location.search;
        window.history.replaceState(null, "", url + "#" + name + "=" + encodeURIComponent(now));
      }
    }).observe(control, { childList: true, characterData: true, subtree: true });
  }

  function update() {
    document.querySelectorAll(".mlbook-frames-said").forEach(function (said) {
      if (said.getAttribute("aria-live") !== "polite") {
        said.setAttribute("role", "status");
        said.setAttribute("aria-live", "polite");
        said.setAttribute("aria-atomic", "true");
      }
    });
    document.querySelectorAll("img.mlbook-frames-hold").forEach(function (img) {
      var next = img.nextElementSibling;
      if (next && next.classList.contains("widget-subarea") && next.querySelector(".mlbook-frames")) {
        img.remove();
      }
    });
    document.querySelectorAll(".mlbook-frames").forEach(setUp);
  }

  // An address naming a player: bring it into view, so that its widgets load. Once the
  // page has loaded, as when a reader scrolls: drawn earlier, the manager's views got
  // layout messages before they were attached (console errors).
  function reveal() {
    var hold = target && document.querySelector(
      'img.mlbook-frames-hold[data-name="' + target.name + '"]');
    if (hold) hold.scrollIntoView({ block: "center" });
  }
  if (document.readyState === "complete") reveal();
  else window.addEventListener("load", reveal);
  var queued = false;
  new MutationObserver(function () {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () {
      queued = false;
      update();
    });
  }).observe(document.body, { childList: true, subtree: true });
  update();
})();
