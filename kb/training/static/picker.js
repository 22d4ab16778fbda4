/* The course workspace's article picker: a combobox over the project's own search.
 *
 * Progressive enhancement: every picker is a plain text input (name "article" or
 * "qarticle") that takes a key like ru/passport; the form works without this script.
 * With it, typing words (Kazakh or Russian, any form, typos, the wrong layout) asks
 * /-/courses/pick 150 ms after the last key and lists published articles under the box
 * (WAI-ARIA combobox with a listbox): ↓/↑ move through the list, Enter picks (the box
 * then holds the article's key and the line under it names the chosen title), Esc
 * closes the list, a click picks too. A late answer never replaces a newer one.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var KEY_RE = /^(kk|ru|en)\/[a-z0-9][a-z0-9-]*$/;

  function setUp(box) {
    var input = box.querySelector("input[data-picker-input]");
    var list = box.querySelector("[role=listbox]");
    var chosen = box.querySelector("[data-picker-chosen]");
    var langSelect = box.querySelector("select[data-picker-lang]");
    var url = box.getAttribute("data-pick-url");
    var empty = box.getAttribute("data-empty") || "";
    var failed = box.getAttribute("data-failed") || "";
    if (!input || !list || !url) { return; }
    var timer = null;
    var sequence = 0;
    var shown = 0;
    var options = [];
    var active = -1;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (el, n) { el.setAttribute("aria-selected", n === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var el = options[index];
      if (!el) { return; }
      input.value = el.getAttribute("data-key");
      if (chosen) {
        chosen.textContent = el.getAttribute("data-title") + " (" + el.getAttribute("data-key") + ")";
      }
      close();
      input.focus();
    }

    function message(text) {
      list.textContent = "";
      options = [];
      var li = document.createElement("li");
      li.className = "picker-message";
      li.setAttribute("role", "option");
      li.setAttribute("aria-disabled", "true");
      li.id = list.id + "-none";
      li.textContent = text;
      list.appendChild(li);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function render(results) {
      list.textContent = "";
      options = [];
      if (!results.length) { message(empty); return; }
      results.forEach(function (item, n) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + n;
        li.setAttribute("data-key", item.key);
        li.setAttribute("data-title", item.title);
        li.setAttribute("lang", item.lang);
        var title = document.createElement("span");
        title.className = "picker-title";
        title.textContent = item.title;
        var key = document.createElement("small");
        key.className = "picker-key";
        key.textContent = item.key;
        li.appendChild(title);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(key);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(n); });
        list.appendChild(li);
        options.push(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function lookUp() {
      var q = input.value.trim();
      if (!q || KEY_RE.test(q)) { close(); return; }
      var mine = ++sequence;
      var params = new URLSearchParams({ q: q });
      if (langSelect && langSelect.value) { params.set("lang", langSelect.value); }
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          if (mine < shown) { return; }
          shown = mine;
          if (!answer.ok) {
            message((answer.body.error && answer.body.error.message) || failed);
            return;
          }
          render(answer.body.results || []);
        })
        .catch(function () { if (mine >= shown) { message(failed); } });
    }

    function schedule() {
      if (chosen) { chosen.textContent = ""; }
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, DEBOUNCE_MS);
    }

    input.addEventListener("input", schedule);
    if (langSelect) { langSelect.addEventListener("change", lookUp); }
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { lookUp(); return; }
        if (open) { highlight(Math.min(active + 1, options.length - 1)); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) { highlight(Math.max(active - 1, 0)); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        } else if (!KEY_RE.test(input.value.trim()) && input.value.trim()) {
          // Words, not a key: show the list instead of sending what the server refuses.
          event.preventDefault();
          if (open) { highlight(0); } else { lookUp(); }
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-pick-url]").forEach(setUp);
})();
