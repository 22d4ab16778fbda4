// Editor page helpers: debounced live preview, script/reference insertion, Ctrl+S to save.
// Plain script, no libraries; every POST carries the CSRF token from <meta name="csrf-token">.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form) { return; }
  var body = document.getElementById("f-body");
  var preview = document.getElementById("preview");
  var previewError = document.getElementById("preview-error");
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var dirty = false;
  var pending = null;

  function refresh() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": csrf ? csrf.content : "" },
      credentials: "same-origin",
      signal: pending.signal
    }).then(function (r) { return r.json(); }).then(function (data) {
      // The server sanitised this HTML (articles.render); it is the only HTML we insert.
      preview.innerHTML = data.html;
      previewError.hidden = !data.error;
      previewError.textContent = data.error || "";
    }).catch(function () { /* aborted or offline: keep the last preview */ });
  }

  function schedule() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  function insertAtCursor(text) {
    var start = body.selectionStart, end = body.selectionEnd, value = body.value;
    var before = value.slice(0, start);
    if (before && !before.endsWith("\n")) { text = "\n" + text; }
    body.value = before + text + value.slice(end);
    body.selectionStart = body.selectionEnd = start + text.length;
    body.focus();
    schedule();
  }

  // The operator script block: the selected text becomes the script, else its placeholder
  // is selected so that typing replaces it; either way the cursor stays inside the block.
  function insertScript(template) {
    var start = body.selectionStart, end = body.selectionEnd, value = body.value;
    var lines = template.split("\n");
    var header = lines[0], placeholder = (lines[1] || "").trim();
    var selected = value.slice(start, end).replace(/\s+$/, "");
    var text = selected.trim() ? selected.split("\n").map(function (line) {
      return line.trim() ? "    " + line.trim() : "";
    }).join("\n") : "    " + placeholder;
    var before = value.slice(0, start), after = value.slice(end);
    var prefix = "";
    if (before && !before.endsWith("\n")) { prefix = "\n"; }
    if (before.trim() && !(before + prefix).endsWith("\n\n")) { prefix += "\n"; }
    var suffix = after && !after.startsWith("\n") ? "\n" : "";
    body.value = before + prefix + header + "\n" + text + "\n" + suffix + after;
    var textStart = before.length + prefix.length + header.length + 1;
    body.focus();
    if (selected.trim()) {
      body.selectionStart = body.selectionEnd = textStart + text.length;
    } else {
      body.selectionStart = textStart + 4;
      body.selectionEnd = textStart + 4 + placeholder.length;
    }
    schedule();
  }

  function articleLang() {
    var lang = document.getElementById("f-lang");
    return lang ? lang.value : "ru";
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });

  var scriptButton = form.querySelector("[data-insert-script]");
  if (scriptButton) {
    scriptButton.addEventListener("click", function () {
      insertScript(scriptButton.dataset["script" + articleLang().charAt(0).toUpperCase() + articleLang().slice(1)] || scriptButton.dataset.scriptRu);
    });
  }

  var bodyButton = form.querySelector("[data-insert-body]");
  var bodySelect = document.getElementById("ref-body");
  if (bodyButton && bodySelect) {
    bodyButton.addEventListener("click", function () {
      var id = bodySelect.value;
      if (!id) { bodySelect.focus(); return; }
      var name = bodySelect.options[bodySelect.selectedIndex].text;
      insertAtCursor("[" + name + "](/-/bodies/" + id + "?lang=" + articleLang() + ")");
      var box = form.querySelector('input[name="agencies"][value="' + id + '"]');
      if (box) { box.checked = true; }
    });
  }

  var articleInput = document.getElementById("ref-article");
  var articleList = document.getElementById("ref-article-list");
  var articleButton = form.querySelector("[data-insert-article]");
  var found = {};
  if (articleInput && articleList) {
    var lookupTimer = null;
    articleInput.addEventListener("input", function (e) {
      e.stopPropagation();
      clearTimeout(lookupTimer);
      lookupTimer = setTimeout(function () {
        var url = form.dataset.lookupUrl + "?lang=" + encodeURIComponent(articleLang()) + "&q=" + encodeURIComponent(articleInput.value);
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
          articleList.textContent = "";
          found = {};
          data.results.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.title;
            found[item.title] = item;
            articleList.appendChild(option);
          });
        }).catch(function () {});
      }, 250);
    });
    articleButton.addEventListener("click", function () {
      var item = found[articleInput.value];
      if (!item) { articleInput.focus(); return; }
      insertAtCursor("[" + item.title + "](" + item.url + ")");
      var related = document.getElementById("f-related");
      if (related && related.value.split(/[,;\s]+/).indexOf(item.id) < 0) {
        related.value = related.value ? related.value + ", " + item.id : item.id;
      }
    });
  }

  // Attachments: the file goes to the server, which checks it by its content and answers
  // the Markdown reference; the reference goes in at the cursor, a refusal is shown.
  var attach = form.querySelector("[data-attach-url]");
  if (attach) {
    var attachFile = document.getElementById("attach-file");
    var attachStatus = document.getElementById("attach-status");
    var attachButton = attach.querySelector("[data-attach]");
    var showStatus = function (text, failed) {
      attachStatus.hidden = false;
      attachStatus.textContent = text;
      attachStatus.className = failed ? "flash error" : "flash";
      attachStatus.setAttribute("role", failed ? "alert" : "status");
    };
    attachButton.addEventListener("click", function () {
      if (!attachFile.files.length) { attachFile.focus(); return; }
      var data = new FormData();
      data.append("file", attachFile.files[0]);
      attachButton.disabled = true;
      fetch(attach.dataset.attachUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrf ? csrf.content : "" },
        credentials: "same-origin"
      }).then(function (r) { return r.json(); }).then(function (reply) {
        if (reply.ok) {
          insertAtCursor(reply.markdown);
          attachFile.value = "";
          showStatus(reply.message, false);
        } else {
          showStatus(reply.error, true);
        }
      }).catch(function () {
        showStatus(attach.dataset.failed || "", true);
      }).then(function () { attachButton.disabled = false; });
    });
  }

  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
      e.preventDefault();
      var stay = form.querySelector("[data-save-stay]");
      if (form.requestSubmit) { form.requestSubmit(stay); } else { stay.click(); }
    }
  });

  // After a refused save, move focus to the message so screen readers announce it first.
  var problem = document.getElementById("form-error") || document.getElementById("conflict-title");
  if (problem) {
    if (!problem.hasAttribute("tabindex")) { problem.setAttribute("tabindex", "-1"); }
    problem.focus();
  }

  refresh();
})();
