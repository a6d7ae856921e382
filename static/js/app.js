// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (evt) {
    // Pause page polling while the tab is hidden; the next tick after it becomes visible resumes it.
    if (document.hidden && evt.detail.triggeringEvent && evt.detail.triggeringEvent.type === "every") {
      evt.preventDefault();
    }
  });
})();
