/* The operator's screen: results while typing, keyboard first, one-key copy, feedback.
 *
 * Progressive enhancement: every page works without this script (GET search form, POST
 * feedback forms). With it:
 *  - typing fetches /-/results (the server renders the same markup) 120 ms after the last
 *    key; an older request is aborted, and a late answer never replaces a newer one
 *    (sequence numbers);
 *  - a search becomes "final" (logged, audited) after a pause of FINAL_MS, or when a
 *    result is opened or copied; with KB_SEMANTIC on, the final answer (which may hold
 *    articles found by meaning, in the other language) replaces the typed one if it
 *    differs;
 *  - keys: "/" search box, ↑/↓ choose, Enter open, Esc clear, Alt+C (or C outside a text
 *    field) copy the short answer, Alt+T open the chosen result in the other language,
 *    Alt+L the caller's language (automatic → RU → KK, remembered for the user); on an
 *    article also Alt+E (e-mail text), Alt+T (other language) and Alt+F (favourite).
 *    Keys are matched by physical position (event.code), so they work in the Russian
 *    and Kazakh layouts too;
 *  - a paste longer than the box takes is cut there, and the screen says so;
 *  - with an empty box the home for the shift shows; typing hides it.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 120;
  var FINAL_MS = 1200;

  var i18n = document.getElementById("operator-i18n");
  var i18n2 = document.getElementById("operator2-i18n");
  function t(name) {
    return (i18n && i18n.dataset[name]) || (i18n2 && i18n2.dataset[name]) || "";
  }
  var announcer = document.getElementById("announce");
  function announce(text) {
    if (!announcer) { return; }
    announcer.textContent = "";
    // A fresh text node makes screen readers repeat an identical message.
    window.setTimeout(function () { announcer.textContent = text; }, 30);
  }
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function inTextField(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
      (tag === "INPUT" && !/^(button|submit|checkbox|radio)$/i.test(el.type));
  }

  /* -- copying ---------------------------------------------------------------------- */

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  function copyText(text) {
    text = (text || "").trim();
    if (!text) { announce(t("nothing")); return; }
    window.kbLastCopied = text;  // lets end-to-end tests check what was copied
    var done = function () { announce(t("copied")); };
    var failed = function () { (fallbackCopy(text) ? done : function () { announce(t("copyFailed")); })(); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }
  function textOf(id) {
    var el = document.getElementById(id);
    if (!el) { return ""; }
    return el.tagName === "TEXTAREA" ? el.value : el.innerText || el.textContent;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) { copyText(textOf(button.dataset.copy)); }
  });

  // Operator scripts (what to say) get their own copy button.
  Array.prototype.forEach.call(document.querySelectorAll(".admonition.script"), function (block) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy small script-copy";
    button.textContent = t("copyScript");
    button.addEventListener("click", function () {
      var parts = [];
      Array.prototype.forEach.call(block.children, function (child) {
        if (!child.classList.contains("admonition-title") && child !== button) {
          parts.push(child.innerText || child.textContent);
        }
      });
      copyText(parts.join("\n"));
    });
    block.appendChild(button);
  });

  /* -- feedback without leaving the page --------------------------------------------- */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form.feedback-inline, form.feedback-form")) { return; }
    event.preventDefault();
    var data = new FormData(form);
    var submitter = event.submitter;
    var kind = (submitter && submitter.name === "kind") ? submitter.value : data.get("kind");
    var body = {
      kind: kind || "",
      article: data.get("article") || "",
      query: data.get("query") || "",
      comment: data.get("comment") || ""
    };
    fetch("/api/feedback", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      var note = document.createElement("p");
      note.className = "feedback-done";
      note.setAttribute("role", "status");
      note.textContent = t("thanks");
      form.replaceWith(note);
      announce(t("thanks"));
    }).catch(function () { announce(t("failed")); });
  });

  /* -- the search screen ------------------------------------------------------------- */

  var box = document.getElementById("q");
  var region = document.getElementById("results-region");
  var langSelect = document.getElementById("lang");
  var preferSelect = document.getElementById("prefer");
  var shiftHome = document.getElementById("shift-home");
  var pasteNote = document.getElementById("paste-note");
  var status = document.getElementById("result-status");
  var selected = -1;
  var seq = 0;
  var shown = 0;
  var controller = null;
  var debounce = null;
  var finalTimer = null;
  var lastFinal = null;

  function items() { return region ? region.querySelectorAll("li.result") : []; }
  function currentQuery() { return box ? box.value.trim() : ""; }
  function langValue() { return langSelect ? langSelect.value : ""; }
  function preferValue() { return preferSelect ? preferSelect.value : ""; }
  function resultsUrl(q, final) {
    var url = region.dataset.resultsUrl + "?q=" + encodeURIComponent(q);
    if (langValue()) { url += "&lang=" + encodeURIComponent(langValue()); }
    url += "&prefer=" + encodeURIComponent(preferValue());
    return final ? url + "&final=1" : url;
  }

  function select(index, speak) {
    var list = items();
    if (!list.length) { selected = -1; return; }
    index = Math.max(0, Math.min(index, list.length - 1));
    Array.prototype.forEach.call(list, function (li, i) {
      li.classList.toggle("selected", i === index);
      if (i === index) { li.setAttribute("aria-current", "true"); } else { li.removeAttribute("aria-current"); }
    });
    selected = index;
    list[index].scrollIntoView({ block: "nearest" });
    if (speak) {
      var title = list[index].querySelector(".result-title");
      announce(t("selected").replace("{title}", title ? title.textContent : "")
        .replace("{n}", String(index + 1)).replace("{total}", String(list.length)));
    }
  }

  function show(html, mySeq, q) {
    if (mySeq < shown) { return; }  // an older answer arriving late: never go back
    shown = mySeq;
    region.innerHTML = html;
    var wrap = region.querySelector(".results-wrap");
    if (status) { status.textContent = wrap ? wrap.dataset.summary : ""; }
    select(0, false);
    if (shiftHome) { shiftHome.hidden = Boolean(q); }
    var url = q ? "/?q=" + encodeURIComponent(q) + (langValue() ? "&lang=" + langValue() : "") : "/";
    window.history.replaceState(null, "", url);
  }

  var callerTimer = null;

  function saveCaller() {
    // One request for a burst of Alt+L presses (two saves in flight could land in either
    // order on the server); keepalive lets it finish when Enter opens an article at once.
    if (callerTimer) { window.clearTimeout(callerTimer); callerTimer = null; }
    fetch("/-/shift/caller-lang", {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      body: JSON.stringify({ lang: preferValue() })
    }).catch(function () {});
  }

  function rememberCaller() {
    // The caller's language is remembered for the user (kb/operator/shift.py), then re-searched.
    var value = preferValue();
    announce(t(value === "kk" ? "callerKk" : value === "ru" ? "callerRu" : "callerAuto"));
    if (callerTimer) { window.clearTimeout(callerTimer); }
    callerTimer = window.setTimeout(saveCaller, 300);
    search(currentQuery());
  }

  window.addEventListener("pagehide", function () { if (callerTimer) { saveCaller(); } });

  function resultUrls(root) {
    return Array.prototype.map.call(root.querySelectorAll("li.result"), function (li) {
      return li.dataset.url;
    }).join("\n");
  }

  function markFinal(q) {
    // Log the search once: the operator paused, opened or copied a result. A settled
    // search may also run the semantic stage (KB_SEMANTIC): when its results differ
    // and nothing was typed meanwhile, they replace the ones typed.
    if (!q || q === lastFinal) { return; }
    lastFinal = q;
    var mySeq = seq;
    fetch(resultsUrl(q, true), { credentials: "same-origin", keepalive: true })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html || mySeq !== seq || currentQuery() !== q) { return; }
        var probe = document.createElement("div");
        probe.innerHTML = html;
        if (resultUrls(probe) !== resultUrls(region)) { show(html, mySeq, q); }
      })
      .catch(function () {});
  }

  function search(q) {
    if (controller) { controller.abort(); }
    window.clearTimeout(finalTimer);
    if (!q) {
      seq += 1;
      show("", seq, "");
      return;
    }
    var mySeq = ++seq;
    controller = new AbortController();
    fetch(resultsUrl(q, false), {
      credentials: "same-origin",
      signal: controller.signal,
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status === 401 || response.redirected) {
        window.location.reload();  // the session expired: the sign-in page takes over
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (html !== null && html !== undefined) { show(html, mySeq, q); }
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      if (status) { status.textContent = t("offline"); }
    });
    finalTimer = window.setTimeout(function () { markFinal(q); }, FINAL_MS);
  }

  function openSelected(newTab) {
    var list = items();
    if (selected < 0 || !list[selected]) { return false; }
    markFinal(currentQuery());
    var url = list[selected].dataset.url;
    if (newTab) { window.open(url, "_blank", "noopener"); } else { window.location.assign(url); }
    return true;
  }

  function copySelected() {
    var list = items();
    if (selected < 0 || !list[selected]) { announce(t("nothing")); return; }
    var li = list[selected];
    var snippet = li.querySelector(".snippet");
    copyText(li.dataset.answer || (snippet ? snippet.textContent : ""));
    markFinal(currentQuery());
  }

  if (box && region) {
    box.addEventListener("input", function () {
      window.clearTimeout(debounce);
      var q = currentQuery();
      debounce = window.setTimeout(function () { search(q); }, q ? DEBOUNCE_MS : 0);
    });
    if (langSelect) { langSelect.addEventListener("change", function () { search(currentQuery()); }); }
    if (preferSelect) { preferSelect.addEventListener("change", rememberCaller); }
    box.addEventListener("paste", function (event) {
      var text = event.clipboardData ? event.clipboardData.getData("text") : "";
      var max = box.maxLength > 0 ? box.maxLength : 0;
      if (pasteNote) {
        pasteNote.hidden = !(max && text.length > max);
        pasteNote.textContent = pasteNote.hidden ? "" : t("pasted").replace("{count}", String(text.length));
        if (!pasteNote.hidden) { announce(pasteNote.textContent); }
      }
    });
    region.addEventListener("click", function (event) {
      var link = event.target.closest("a.result-title");
      if (link) { markFinal(currentQuery()); }
    });
    if (items().length) { select(0, false); }
    box.focus();
    var end = box.value.length;
    box.setSelectionRange(end, end);
  }

  /* -- keys ----------------------------------------------------------------------------- */

  var backLink = document.getElementById("back-to-search");

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = inTextField(target);
    var plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (event.isComposing) { return; }

    // "/" (also the same key in the Cyrillic layout, where it types ".").
    if (plain && !typing && (event.key === "/" || event.code === "Slash")) {
      event.preventDefault();
      if (box) { box.focus(); box.select(); } else if (backLink) { window.location.assign(backLink.href); }
      return;
    }
    var copyKey = event.code === "KeyC" && ((event.altKey && !event.ctrlKey) || (plain && !typing));
    if (box && region) {
      if (event.key === "ArrowDown" && (target === box || !typing)) {
        event.preventDefault();
        var firstHome = shiftHome && !shiftHome.hidden && !items().length ? shiftHome.querySelector("a") : null;
        if (firstHome) { firstHome.focus(); return; }
        select(selected + 1, true); return;
      }
      if (event.key === "ArrowUp" && (target === box || !typing)) {
        event.preventDefault(); select(selected - 1, true); return;
      }
      if (event.key === "Enter" && target === box) {
        window.clearTimeout(debounce);
        // Results on screen for what is typed: open the chosen one; otherwise submit.
        var wrap = region.querySelector(".results-wrap");
        if (wrap && wrap.dataset.query === currentQuery() && openSelected(event.ctrlKey || event.metaKey)) {
          event.preventDefault();
        }
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        if (box.value) { box.value = ""; search(""); box.focus(); } else { box.blur(); }
        return;
      }
      if (copyKey) { event.preventDefault(); copySelected(); return; }
      if (event.code === "KeyL" && event.altKey && !event.ctrlKey && preferSelect) {
        event.preventDefault();
        var order = ["", "ru", "kk"];
        preferSelect.value = order[(order.indexOf(preferValue()) + 1) % order.length];
        rememberCaller();
        return;
      }
      if (event.code === "KeyT" && event.altKey && !event.ctrlKey) {
        var chosen = items()[selected];
        if (chosen && chosen.dataset.otherUrl) {
          event.preventDefault(); markFinal(currentQuery()); window.location.assign(chosen.dataset.otherUrl);
        }
        return;
      }
      return;
    }
    // Article and body pages.
    if (copyKey) { event.preventDefault(); copyText(textOf("answer-text")); return; }
    if (event.code === "KeyE" && ((event.altKey && !event.ctrlKey) || (plain && !typing))) {
      event.preventDefault(); copyText(textOf("email-text")); return;
    }
    if (event.code === "KeyT" && ((event.altKey && !event.ctrlKey) || (plain && !typing))) {
      var other = document.querySelector("a.switch-lang");
      if (other) { event.preventDefault(); window.location.assign(other.href); }
      return;
    }
    if (event.code === "KeyF" && ((event.altKey && !event.ctrlKey) || (plain && !typing))) {
      var favourite = document.querySelector("form.favourite-form");
      if (favourite) { event.preventDefault(); toggleFavourite(favourite); }
    }
  });

  /* -- favourites (Alt+F on an article) ---------------------------------------------- */

  function toggleFavourite(form) {
    var button = form.querySelector("button.favourite");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      body: new FormData(form)
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (button) {
        button.setAttribute("aria-pressed", data.favourite ? "true" : "false");
        button.firstChild.textContent = (data.favourite ? button.dataset.on : button.dataset.off) + " ";
      }
      announce(t(data.favourite ? "favouriteOn" : "favouriteOff"));
    }).catch(function () { form.submit(); });
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form.favourite-form")) { event.preventDefault(); toggleFavourite(event.target); }
  });
})();
