// Client-side search over window.HISGATE_SEARCH (assets/search-index.js): no server, works from file:// too.
// Every word typed must appear in an entry's name or context; names that start with the query come first.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  var entries = window.HISGATE_SEARCH || [];
  if (!input || !list) return;
  var root = document.body.getAttribute("data-root") || "./";
  var KINDS = ["平台", "接口", "字典", "返回码", "代码", "字段", "勘误"];
  var haystacks = entries.map(function (e) {
    return { title: e.t.toLowerCase(), all: (e.t + " " + e.s).toLowerCase() };
  });
  var LIMIT = 60;

  function search(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    var found = [];
    for (var i = 0; i < entries.length; i++) {
      var h = haystacks[i];
      if (!words.every(function (w) { return h.all.indexOf(w) >= 0; })) continue;
      var first = words[0];
      var rank = h.title.indexOf(first) === 0 ? 0 : h.title.indexOf(first) > 0 ? 1 : 2;
      found.push({ entry: entries[i], rank: rank, kind: KINDS.indexOf(entries[i].k), order: i });
    }
    found.sort(function (a, b) { return a.rank - b.rank || a.kind - b.kind || a.order - b.order; });
    if (found.length < 10) found = found.concat(nearby(query, found));
    return found.slice(0, LIMIT);
  }

  // Chinese is not split into words: for a query such as 预约挂号 whose exact text is rare, names holding most of
  // its characters (预挂号) are offered after the exact matches.
  function nearby(query, exact) {
    var chars = Array.from(new Set(Array.from(query.replace(/\s+/g, "").toLowerCase())));
    if (chars.length < 2 || !/[\u3400-\u9fff]/.test(query)) return [];
    var taken = new Set(exact.map(function (r) { return r.order; }));
    var more = [];
    for (var i = 0; i < entries.length; i++) {
      if (taken.has(i)) continue;
      var title = haystacks[i].title;
      var hits = chars.filter(function (c) { return title.indexOf(c) >= 0; }).length;
      var share = hits / chars.length;
      if (share >= 0.75) more.push({ entry: entries[i], rank: 3 - share, kind: KINDS.indexOf(entries[i].k), order: i });
    }
    more.sort(function (a, b) { return a.rank - b.rank || a.kind - b.kind || a.order - b.order; });
    return more;
  }

  function show(results, query) {
    list.textContent = "";
    if (!query.trim()) { list.hidden = true; return; }
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "empty";
      none.textContent = "没有找到“" + query.trim() + "”";
      list.appendChild(none);
    }
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + r.entry.u;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = r.entry.k;
      var context = document.createElement("span");
      context.className = "context";
      context.textContent = r.entry.s;
      a.appendChild(kind);
      a.appendChild(document.createTextNode(r.entry.t));
      a.appendChild(context);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  input.addEventListener("input", function () { show(search(input.value), input.value); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var first = list.querySelector("a");
      if (first) { window.location.href = first.href; }
    } else if (event.key === "Escape") {
      input.value = "";
      show([], "");
    } else if (event.key === "ArrowDown") {
      var link = list.querySelector("a");
      if (link) { event.preventDefault(); link.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".search")) list.hidden = true;
  });
})();
