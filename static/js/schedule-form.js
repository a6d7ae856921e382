// The schedule form's live preview marks the field at fault: the preview fragment names it
// (data-error-field) and carries the message (data-error); the field gets aria-invalid and its
// error below it, the same markup a submit renders. Without JavaScript, "Update preview" and a
// submit render the same marks on the server.
(function () {
  "use strict";

  function fieldError(name) { return document.getElementById(name + "-error"); }

  function clearLiveMarks(form) {
    form.querySelectorAll("[data-live-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("data-live-invalid");
      var describedBy = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== input.name + "-error";
      });
      if (describedBy.length) { input.setAttribute("aria-describedby", describedBy.join(" ")); }
      else { input.removeAttribute("aria-describedby"); }
      var error = fieldError(input.name);
      if (error) { error.remove(); }
      var box = input.closest(".field");
      if (box) { box.classList.remove("has-error"); }
    });
  }

  function mark(form, preview) {
    var name = preview.getAttribute("data-error-field");
    var message = preview.getAttribute("data-error");
    if (!name || !message) { return; }
    var input = form.querySelector("[name='" + name + "']");
    if (!input || input.getAttribute("aria-invalid") === "true" && !input.hasAttribute("data-live-invalid")) {
      return;  // no such input, or the server already marked it (a submit)
    }
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("data-live-invalid", "");
    var describedBy = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (describedBy.indexOf(name + "-error") < 0) { describedBy.push(name + "-error"); }
    input.setAttribute("aria-describedby", describedBy.join(" "));
    var error = document.createElement("p");
    error.className = "field-error";
    error.id = name + "-error";
    error.textContent = message;
    var box = input.closest(".field") || input.closest("fieldset") || input.parentNode;
    box.classList.add("has-error");
    box.insertAdjacentElement("afterend", error);
  }

  document.addEventListener("htmx:afterSwap", function (evt) {
    // outerHTML swap: the event's target is the element replaced; read the new one.
    var target = evt.detail.target;
    if (!target || target.id !== "schedule-preview") { return; }
    var preview = document.getElementById("schedule-preview");
    if (!preview) { return; }
    var form = preview.closest("form");
    if (!form) { return; }
    clearLiveMarks(form);
    // A mark the server rendered on submit goes once the operator changes the input.
    var name = preview.getAttribute("data-error-field");
    form.querySelectorAll("[aria-invalid='true']:not([data-live-invalid])").forEach(function (input) {
      if (input.name === name || ["cron_expression", "interval_value", "interval_unit", "time", "month_day",
                                   "weekdays", "timezone"].indexOf(input.name) < 0) { return; }
      input.removeAttribute("aria-invalid");
      var error = fieldError(input.name);
      if (error) { error.remove(); }
    });
    if (name && fieldError(name) && !form.querySelector("[name='" + name + "'][data-live-invalid]")) {
      fieldError(name).textContent = preview.getAttribute("data-error");  // the server's mark, updated
      return;
    }
    mark(form, preview);
  });
})();
