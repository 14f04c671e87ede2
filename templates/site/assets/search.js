/* Search over the case pages with Pagefind's index (pagefind/), loaded on demand.
   Browsers load it only over http(s): from the files, the page says how to serve the site. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var pagefind = null;

  function say(text) { status.textContent = text; }

  // Pagefind's excerpt is text with <mark> around the hits: rebuild it from text
  // nodes and <mark> elements only, so nothing else in it can become markup. A page's
  // text starts with its title, which the result's link already shows: an excerpt
  // that starts with the title starts after it.
  function excerpt(html, title) {
    var out = document.createElement("p");
    var parsed = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html").body;
    var parts = Array.prototype.map.call(parsed.childNodes, function (node) {
      return { text: node.textContent, mark: node.nodeName === "MARK" };
    });
    var whole = parts.map(function (part) { return part.text; }).join("");
    var lead = whole.length - whole.replace(/^\s+/, "").length;
    var skip = 0;
    if (title && whole.slice(lead, lead + title.length) === title) {
      var rest = whole.slice(lead + title.length);
      skip = lead + title.length + (rest.length - rest.replace(/^[\s.:;,\u2013\u2014-]+/, "").length);
    }
    parts.forEach(function (part) {
      var text = part.text.slice(Math.min(skip, part.text.length));
      skip = Math.max(0, skip - part.text.length);
      if (!text) { return; }
      if (part.mark) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(text));
      }
    });
    return out;
  }

  async function load() {
    if (!pagefind) {
      var base = new URL("./", window.location.href);
      pagefind = await import(new URL("pagefind/pagefind.js", base).href);
      await pagefind.options({ baseUrl: base.pathname });
    }
    return pagefind;
  }

  async function run(query) {
    list.textContent = "";
    if (!query) { say(""); return; }
    say("Searching…");
    var engine;
    try {
      engine = await load();
    } catch (error) {
      say("The search index could not be loaded.");
      return;
    }
    var found = await engine.search(query);
    var results = found.results;
    // Words pasted from a case read as a phrase: the pages holding it, as written, come
    // first (Pagefind matches a quoted query exactly), then those with the words apart.
    if (query.indexOf('"') < 0 && /\s/.test(query)) {
      var exact = (await engine.search('"' + query + '"')).results;
      var ids = {};
      exact.forEach(function (r) { ids[r.id] = true; });
      results = exact.concat(results.filter(function (r) { return !ids[r.id]; }));
    }
    // Pagefind matches words loosely (stems, near numbers: "10007" finds "100%"). A term
    // with a digit in it (a date, a number, a reference) must appear as typed.
    var typed = query.toLowerCase().split(/\s+/).filter(function (t) { return /\d/.test(t); })
      .map(function (t) { return t.replace(/^[^\w]+|[^\w]+$/g, ""); });
    // When a word is not in the index Pagefind falls back to a shorter one ("Porterfield"
    // finds "port"): a page is kept only if each word of the query begins a word of the
    // page, give or take an ending of up to five letters (Pagefind's stemming).
    var words = query.toLowerCase().match(/\p{L}{3,}/gu) || [];
    function holds(content, word) {
      var need = Math.min(word.length, Math.max(4, word.length - 5));
      var start = word.slice(0, need);
      return (content.match(/\p{L}+/gu) || []).some(function (w) { return w.slice(0, need) === start; });
    }
    var kept = [], seen = 0;
    while (kept.length < 20 && seen < results.length) {
      var batch = await Promise.all(results.slice(seen, seen + 20).map(function (r) { return r.data(); }));
      seen += batch.length;
      batch.forEach(function (data) {
        var content = (data.content || "").toLowerCase();
        if (kept.length < 20 && typed.every(function (t) { return content.indexOf(t) >= 0; }) &&
            words.every(function (w) { return holds(content, w); })) { kept.push(data); }
      });
    }
    kept.forEach(function (data) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = data.url;
      link.textContent = (data.meta && data.meta.title) || data.url;
      item.appendChild(link);
      item.appendChild(excerpt(data.excerpt || "", data.meta && data.meta.title));
      list.appendChild(item);
    });
    var n = seen >= results.length ? kept.length : results.length;
    var quoted = "“" + query + "”";
    say(n === 0 ? "No case matches " + quoted + "." : (n === 1 ? "1 case matches " : n + " cases match ") + quoted + (n > kept.length ? "; the first " + kept.length + " are shown." : "."));
  }

  if (window.location.protocol === "file:") {
    document.getElementById("search-offline").hidden = false;
    form.querySelector("button").disabled = true;
    input.disabled = true;
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value.trim();
    var url = new URL(window.location.href);
    url.searchParams.set("q", query);
    window.history.replaceState(null, "", url);
    run(query);
  });
  var initial = new URL(window.location.href).searchParams.get("q") || "";
  if (initial) {
    input.value = initial;
    run(initial.trim());
  }
})();
