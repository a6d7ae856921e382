// Progressive enhancements; every page works without this file (forms post, links navigate).
(function () {
  "use strict";

  // ---- The page poller -------------------------------------------------------------------
  // One element per page ([data-poller], the freshness line) polls the page's poll endpoint. Each
  // request reports the version of every fragment on the page so that the server answers with
  // only what changed. The page polls every data-poll-interval seconds while something on it runs
  // and every data-poll-idle-interval seconds while nothing does (each answer says which, in
  // X-Poll-Active), pauses while the tab is hidden, and stops for good on 286 (the page's subject
  // is finished). The freshness line shows the time of the last answer (X-Poll-Updated).
  function poller() { return document.querySelector("[data-poller]"); }

  function setFreshness(elt, text, stale) {
    var line = elt.querySelector("[data-poll-freshness]");
    if (line) { line.textContent = text; }
    elt.classList.toggle("stale", !!stale);
  }

  function scheduleNextPoll(elt) {
    window.clearTimeout(elt._pollTimer);
    if (elt.hasAttribute("data-poll-stopped")) { return; }
    var active = elt.getAttribute("data-poll-active") === "1";
    var seconds = parseFloat(elt.getAttribute(active ? "data-poll-interval" : "data-poll-idle-interval"));
    if (!(seconds > 0)) { seconds = active ? 2 : 20; }
    elt._pollTimer = window.setTimeout(function () {
      if (document.hidden) { elt.setAttribute("data-poll-due", ""); return; }
      window.htmx.trigger(elt, "poll-now");
    }, seconds * 1000);
  }

  function pollAnswered(evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poller") || elt._pollAnswered === evt.detail.xhr) { return; }
    elt._pollAnswered = evt.detail.xhr;
    var xhr = evt.detail.xhr, status = xhr ? xhr.status : 0;
    var updated = xhr && xhr.getResponseHeader("X-Poll-Updated");
    if (status === 286) {
      elt.setAttribute("data-poll-stopped", "");
      setFreshness(elt, "Finished · updated " + (updated || ""), false);
    } else if (status >= 200 && status < 300 && updated) {
      elt.setAttribute("data-poll-active", xhr.getResponseHeader("X-Poll-Active") === "1" ? "1" : "0");
      elt.setAttribute("data-poll-updated", updated);
      setFreshness(elt, "Updated " + updated, false);
    } else {
      var since = elt.getAttribute("data-poll-updated") || (elt.querySelector("time") || {}).textContent || "";
      setFreshness(elt, "Not updated since " + since + ": the dashboard is not answering; trying again.", true);
    }
    scheduleNextPoll(elt);
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poller")) { return; }
    if (elt.hasAttribute("data-poll-stopped")) { evt.preventDefault(); return; }
    document.querySelectorAll("[data-fragment-version]").forEach(function (fragment) {
      if (fragment.id) { evt.detail.parameters["v." + fragment.id] = fragment.getAttribute("data-fragment-version"); }
    });
  });

  document.addEventListener("htmx:afterRequest", pollAnswered);
  document.addEventListener("htmx:sendError", pollAnswered);

  document.addEventListener("DOMContentLoaded", function () {
    var elt = poller();
    if (elt && window.htmx) { scheduleNextPoll(elt); }
  });

  document.addEventListener("visibilitychange", function () {
    var elt = poller();
    if (!document.hidden && elt && elt.hasAttribute("data-poll-due") && !elt.hasAttribute("data-poll-stopped") && window.htmx) {
      elt.removeAttribute("data-poll-due");
      window.htmx.trigger(elt, "poll-now");
    }
  });

  // ---- Focus across refreshes ------------------------------------------------------------------
  // A poll replaces a changed panel with new markup. If the operator's focus was inside it (a
  // Run now button, a job link), it goes to the same control in the new panel instead of <body>.
  function focusKey(el) {
    if (el.id) { return "#" + el.id; }
    var form = el.form || (el.closest && el.closest("form"));
    return [el.tagName, el.getAttribute("name") || "", el.getAttribute("value") || "", el.getAttribute("href") || "",
            el.getAttribute("aria-label") || "", form ? form.getAttribute("action") || "" : "",
            (el.textContent || "").trim()].join("|");
  }

  var pendingPanelFocus = null;
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var panel = evt.detail.target, active = document.activeElement;
    if (panel && panel.id && active && active !== document.body && panel.contains(active)) {
      pendingPanelFocus = {panel: panel.id, key: focusKey(active), tag: active.tagName};
    }
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    var wanted = pendingPanelFocus, panel = wanted && document.getElementById(wanted.panel);
    pendingPanelFocus = null;
    if (!panel) { return; }
    var match = wanted.key.charAt(0) === "#" ? document.getElementById(wanted.key.slice(1)) :
      Array.prototype.find.call(panel.querySelectorAll(wanted.tag), function (el) { return focusKey(el) === wanted.key; });
    if (match && panel.contains(match)) { match.focus({preventScroll: true}); }
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
    if (key === "Enter" && !evt.altKey && evt.target.type === "checkbox") {
      // Enter on a card's tick box ticks it, as Space does; it never submits "Assign selected".
      evt.preventDefault();
      evt.target.click();
      return;
    }
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

// ---- Log tail --------------------------------------------------------------------------------
// A log box ([data-log-tail], newest line last) shows its newest lines and keeps following them
// as refreshes add lines, unless the operator scrolled up: then it stays where they are until
// they scroll back to the bottom. The state survives the box being replaced by a refresh.
(function () {
  "use strict";
  var seen = {};  // box id -> {follow: bool, top: number}

  function atBottom(box) { return box.scrollHeight - box.scrollTop - box.clientHeight < 8; }

  function remember(box) { seen[box.id] = {follow: atBottom(box), top: box.scrollTop}; }

  function initLogs(root) {
    if (!root || !root.querySelectorAll) { return; }
    var boxes = Array.prototype.slice.call(root.querySelectorAll("[data-log-tail]"));
    if (root.matches && root.matches("[data-log-tail]")) { boxes.push(root); }
    boxes.forEach(function (box) {
      if (box.hasAttribute("data-log-ready")) { return; }
      box.setAttribute("data-log-ready", "");
      var state = seen[box.id];
      if (!state || state.follow) {
        box.scrollTop = box.scrollHeight;
        seen[box.id] = {follow: true, top: box.scrollTop};
      } else {
        box.scrollTop = state.top;
      }
      box.addEventListener("scroll", function () { remember(box); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initLogs(document); });
  document.addEventListener("htmx:load", function (evt) { initLogs(evt.detail.elt); });
  document.addEventListener("htmx:afterSettle", function () { initLogs(document); });
})();
