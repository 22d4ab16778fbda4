/* The edit page's translation pane: open the other language's version beside the text
 * without leaving the page (unsaved edits stay), one language at a time.
 *
 * Without this script each toggle is a link to ?beside=<lang> (the server renders the
 * pane open). With it, a click (or Enter on the focused toggle) shows or hides the pane,
 * keeps aria-expanded and the label true, remembers the choice in the URL (a reload keeps
 * it) and in the form's "beside" field (a save that fails keeps it open).
 */
(function () {
  "use strict";

  var form = document.getElementById("article-form");
  var field = document.querySelector("[data-beside-field]");
  var toggles = Array.prototype.slice.call(document.querySelectorAll("[data-beside-toggle]"));
  if (!form || !toggles.length) { return; }

  function paneOf(toggle) { return document.getElementById(toggle.getAttribute("aria-controls")); }

  function show(lang) {
    toggles.forEach(function (toggle) {
      var pane = paneOf(toggle);
      var open = toggle.getAttribute("data-beside-toggle") === lang;
      if (pane) {
        pane.hidden = !open;
        toggle.textContent = pane.getAttribute(open ? "data-close-label" : "data-open-label");
      }
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    form.classList.toggle("beside", Boolean(lang));
    if (field) { field.value = lang; }
    var url = new URL(window.location.href);
    if (lang) { url.searchParams.set("beside", lang); } else { url.searchParams.delete("beside"); }
    window.history.replaceState(null, "", url.toString());
  }

  toggles.forEach(function (toggle) {
    toggle.setAttribute("role", "button");
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var lang = toggle.getAttribute("data-beside-toggle");
      show(toggle.getAttribute("aria-expanded") === "true" ? "" : lang);
    });
    toggle.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); toggle.click(); }
    });
  });
})();
