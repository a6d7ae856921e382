// Progressive enhancements; every page works without this file (forms post, links navigate).
(function () {
  "use strict";

  // ---- The page poller -------------------------------------------------------------------
  // One element per page ([data-poller]) polls the page's poll endpoint. Each request reports the
  // version of every fragment on the page so that the server answers with only what changed.
  // Polling pauses while the tab is hidden and stops for good when the server answers 286.
  function poller() { return document.querySelector("[data-poller]"); }

  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poller")) { return; }
    if (document.hidden || elt.hasAttribute("data-poll-stopped")) { evt.preventDefault(); return; }
    document.querySelectorAll("[data-fragment-version]").forEach(function (fragment) {
      if (fragment.id) { evt.detail.parameters["v." + fragment.id] = fragment.getAttribute("data-fragment-version"); }
    });
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-poller") && evt.detail.xhr && evt.detail.xhr.status === 286) {
      elt.setAttribute("data-poll-stopped", "");
    }
  });

  document.addEventListener("visibilitychange", function () {
    var elt = poller();
    if (!document.hidden && elt && !elt.hasAttribute("data-poll-stopped") && window.htmx) {
      window.htmx.trigger(elt, "poll-now");
    }
  });

  // ---- Confirmation of destructive forms (data-confirm="question") ----------------------------
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { evt.preventDefault(); }
  }, true);
})();
