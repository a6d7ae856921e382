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

  // ---- Drag-and-drop VM assignment -----------------------------------------------------------
  // Each drop posts one move; the server answers with the whole board as it now is, so a refused
  // move snaps back (with the reason) and an accepted one shows the saved order.
  function ids(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > [data-context-id]"), function (card) {
      return card.getAttribute("data-context-id");
    });
  }

  function initBoard(root) {
    var board = root.querySelector ? (root.matches && root.matches("[data-sortable]") ? root : root.querySelector("[data-sortable]")) : null;
    if (!board || !window.Sortable || board.hasAttribute("data-sortable-ready")) { return; }
    board.setAttribute("data-sortable-ready", "");
    board.querySelectorAll(".dropzone").forEach(function (list) {
      window.Sortable.create(list, {
        group: "vms", animation: 120, forceFallback: true, fallbackTolerance: 3, filter: "input, button, a", preventOnFilter: false,
        ghostClass: "vm-card-ghost", chosenClass: "vm-card-chosen",
        sort: list.getAttribute("data-group-id") !== "",
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
          var target = evt.to.getAttribute("data-group-id");
          var values = {
            vm_context_id: evt.item.getAttribute("data-context-id"),
            group_id: target,
            q: board.getAttribute("data-query") || "",
            gpage: board.getAttribute("data-gpage") || "",
            upage: board.getAttribute("data-upage") || "",
            expand: board.getAttribute("data-expand") || ""
          };
          // A column may show only its first VMs: name the cards the drop landed between.
          var order = ids(evt.to), at = order.indexOf(values.vm_context_id);
          if (target && at > 0) { values.after = order[at - 1]; }
          if (target && at >= 0 && at < order.length - 1) { values.before = order[at + 1]; }
          board.setAttribute("aria-busy", "true");
          pendingFocus = values.vm_context_id;
          window.htmx.ajax("POST", board.getAttribute("data-move-url"), {
            source: board, target: "#assignment-board", swap: "outerHTML", values: values
          });
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initBoard(document);
    initBoardKeys(document);
    var card = /^#vm-card-/.test(location.hash) && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (card) { cardFocus(card).focus(); }
  });
  document.addEventListener("htmx:load", function (evt) { initBoard(evt.detail.elt); initBoardKeys(evt.detail.elt); });

  // ---- The assignment board by keyboard -------------------------------------------------------
  // One Tab stop per card (its first control); the arrow keys reach the card's other controls
  // (←/→) and the cards above and below (↑/↓, Home/End); Alt+↑/↓ presses the card's move button.
  // After any move, by keyboard or by drag, the new board gets focus back on the moved card.
  var pendingFocus = null;
  var CONTROLS = "input, a[href], button";

  function cardControls(card) {
    return Array.prototype.filter.call(card.querySelectorAll(CONTROLS), function (c) { return !c.disabled; });
  }
  function cardFocus(card) { return card.querySelector(CONTROLS) || card; }

  function initBoardKeys(root) {
    var board = root.id === "assignment-board" ? root : (root.querySelector && root.querySelector("#assignment-board"));
    if (!board) { return; }
    board.querySelectorAll("[data-context-id]").forEach(function (card) {
      var first = cardFocus(card);
      card.querySelectorAll(CONTROLS).forEach(function (c) { if (c !== first) { c.setAttribute("tabindex", "-1"); } });
      first.setAttribute("aria-describedby", "board-keys");
    });
    if (pendingFocus) {
      var moved = board.querySelector('[data-context-id="' + window.CSS.escape(pendingFocus) + '"]');
      pendingFocus = null;
      if (moved) { cardFocus(moved).focus(); }
    }
  }

  function submitMove(button) {
    var board = document.getElementById("assignment-board");
    if (!board || !window.htmx) { return false; }
    pendingFocus = button.closest("[data-context-id]").getAttribute("data-context-id");
    board.setAttribute("aria-busy", "true");
    window.htmx.ajax("POST", button.getAttribute("formaction"), {
      source: board, target: "#assignment-board", swap: "outerHTML",
      values: { move: button.value, q: board.getAttribute("data-query") || "", gpage: board.getAttribute("data-gpage") || "",
                upage: board.getAttribute("data-upage") || "", expand: board.getAttribute("data-expand") || "" }
    });
    return true;
  }

  document.addEventListener("submit", function (evt) {
    var button = evt.submitter;
    if (button && button.hasAttribute("data-move") && button.closest("#assignment-board") && submitMove(button)) {
      evt.preventDefault();
    }
  });

  document.addEventListener("keydown", function (evt) {
    var card = evt.target.closest && evt.target.closest("#assignment-board [data-context-id]");
    if (!card || evt.ctrlKey || evt.metaKey || evt.shiftKey) { return; }
    var key = evt.key;
    if (evt.altKey) {
      if (key !== "ArrowUp" && key !== "ArrowDown") { return; }
      var button = card.querySelector('button[data-move="' + (key === "ArrowUp" ? "up" : "down") + '"]');
      evt.preventDefault();
      if (button && !button.disabled) { submitMove(button); }
      return;
    }
    var target = null;
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var controls = cardControls(card), at = controls.indexOf(evt.target);
      target = controls[at + (key === "ArrowLeft" ? -1 : 1)];
    } else if (key === "ArrowUp" || key === "ArrowDown" || key === "Home" || key === "End") {
      var cards = Array.prototype.slice.call(card.parentNode.querySelectorAll(":scope > [data-context-id]"));
      var index = cards.indexOf(card);
      var other = key === "Home" ? cards[0] : key === "End" ? cards[cards.length - 1]
        : cards[index + (key === "ArrowUp" ? -1 : 1)];
      target = other && other !== card ? cardFocus(other) : null;
    } else {
      return;
    }
    evt.preventDefault();
    if (target) { target.focus(); }
  });

  // ---- Confirmation of destructive forms (data-confirm="question") ----------------------------
  // Asked here, the answer goes with the post (confirm=yes); without JavaScript the server asks
  // on a page of its own instead.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question) { return; }
    if (!window.confirm(question)) { evt.preventDefault(); return; }
    if (!form.querySelector('input[name="confirm"]')) {
      var yes = document.createElement("input");
      yes.type = "hidden"; yes.name = "confirm"; yes.value = "yes";
      form.appendChild(yes);
    }
  }, true);
})();
