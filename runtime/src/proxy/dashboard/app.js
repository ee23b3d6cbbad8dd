// The hisgate dashboard: reads /_hisgate/api/ and builds the page with DOM calls only (every value is set as text,
// never as HTML: the journal holds what counterparts sent). Refreshes the counters and failures every 5 seconds.
"use strict";

const API = "/_hisgate/api/";
const FAILED = "upstream_error,signature_failed,invalid";
let windowSeconds = 3600;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function api(path) {
  const reply = await fetch(API + path, { cache: "no-store" });
  const body = await reply.json();
  if (!reply.ok) throw new Error(body.error || "HTTP " + reply.status);
  return body;
}

function pad(n, width) { return String(n).padStart(width || 2, "0"); }

function time(ms) {
  const t = new Date(ms);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

function latency(us) {
  return us >= 10000 ? (us / 1000).toFixed(0) + " ms" : (us / 1000).toFixed(1) + " ms";
}

function verdictClass(verdict) {
  if (verdict === "ok") return "ok";
  if (verdict === "business_error") return "warn";
  return "bad";
}

// One line saying what went wrong: the signature diagnosis first, then a refusal, a violation, the upstream.
function diagnosis(e) {
  for (const [name, side] of [["request", e.request], ["reply", e.reply]]) {
    const d = side && side.diagnosis;
    if (!d) continue;
    if (d.findings && d.findings.length) return `${name} signature: ${d.findings[0].variant}`;
    if (d.key_differs) return `${name} signature: no variant reproduces it (${d.key_differs.shape}): the key likely differs`;
    return `${name} signature: no variant of the rule reproduces it (${d.tried} tried)`;
  }
  if (e.upstream_error) return "upstream: " + e.upstream_error;
  for (const [name, side] of [["request", e.request], ["reply", e.reply]]) {
    if (side && side.violations && side.violations.length) {
      const v = side.violations[0];
      return `${name}: ${v.field}: ${v.rule}: ${v.detail}`;
    }
    if (side && side.refused) return `${name} refused: ${side.refused.code ? side.refused.code + " " : ""}${side.refused.detail}`;
  }
  if (e.code) return `${e.code} ${e.message || ""}`;
  return "";
}

function setStatus(text) { document.getElementById("status").textContent = text; }

async function loadAbout() {
  const about = await api("about");
  document.getElementById("role").textContent = about.role;
  document.getElementById("about").textContent =
    `${about.platform} · ${about.role === "proxy" ? "to " : ""}${about.watching} · journal ${about.journal}`;
  document.title = `hisgate ${about.role}: ${about.platform}`;
}

async function loadTally() {
  const tally = await api("tally?seconds=" + windowSeconds);
  const body = document.querySelector("#tally tbody");
  const sum = { calls: 0, failures: 0, signature_failures: 0, business_errors: 0 };
  const rows = tally.interfaces.map((t) => {
    for (const k of Object.keys(sum)) sum[k] += t[k];
    return el("tr", { "data-interface": t.interface },
      el("td", { text: t.interface }),
      el("td", { class: "n calls", text: t.calls }),
      el("td", { class: "n failures" + (t.failures ? " bad" : ""), text: t.failures }),
      el("td", { class: "n signature-failures" + (t.signature_failures ? " bad" : ""), text: t.signature_failures }),
      el("td", { class: "n business-errors" + (t.business_errors ? " warn" : ""), text: t.business_errors }),
      el("td", { class: "n", text: latency(t.p50_us) }),
      el("td", { class: "n", text: latency(t.p99_us) }));
  });
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 7, class: "note", text: "no exchange in this period" })));
  body.replaceChildren(...rows);
  document.querySelector("#tally tfoot").replaceChildren(el("tr", { id: "tally-total" },
    el("td", { text: "all" }), el("td", { class: "n calls", text: sum.calls }),
    el("td", { class: "n failures", text: sum.failures }),
    el("td", { class: "n signature-failures", text: sum.signature_failures }),
    el("td", { class: "n business-errors", text: sum.business_errors }), el("td"), el("td")));
}

function exchangeRow(e, cells) {
  return el("tr", { class: "clickable", "data-id": e.id, onclick: () => { location.hash = "exchange/" + e.id; } },
    el("td", { class: "n", text: e.id }), el("td", { text: time(e.at_ms) }),
    el("td", { text: e.interface || "-" }), el("td", { class: verdictClass(e.verdict), text: e.verdict }),
    el("td", { class: "n", text: e.status }), ...cells);
}

async function loadFailures() {
  const failed = await api("exchanges?limit=20&verdict=" + FAILED);
  const rows = failed.map((e) => exchangeRow(e, [el("td", { class: "diagnosis", text: diagnosis(e) })]));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6, class: "note", text: "none" })));
  document.querySelector("#failure-list tbody").replaceChildren(...rows);
}

async function search(value) {
  document.getElementById("search").value = value;
  const found = await api("exchanges?limit=200&key=" + encodeURIComponent(value));
  const rows = found.map((e) => exchangeRow(e, [
    el("td", { text: e.code || "-" }),
    el("td", { text: e.keys.map((k) => `${k.name}=${k.value}`).join(", ") })]));
  document.querySelector("#search-results tbody").replaceChildren(...rows);
  document.getElementById("search-note").textContent =
    found.length ? `${found.length} exchange(s) about ${value}` : `no exchange has a business key ${value}`;
}

function side(name, s) {
  const box = el("div", { class: "side " + name }, el("h3", { text: name }));
  const facts = el("dl", {}, el("dt", { text: "signature" }),
    el("dd", { class: s.signature === "failed" ? "bad" : s.signature === "verified" ? "ok" : "", text: s.signature }));
  if (s.refused) facts.append(el("dt", { text: "refused" }), el("dd", { class: "bad", text: `${s.refused.code} ${s.refused.detail}`.trim() }));
  box.append(facts);
  if (s.violations && s.violations.length) {
    box.append(el("h4", { text: "violations" }), el("ul", {}, ...s.violations.map((v) =>
      el("li", { class: "violation" }, el("code", { text: v.field }), `: ${v.rule}: ${v.detail}`))));
  }
  const d = s.diagnosis;
  if (d) {
    const list = el("ol", { class: "diag" }, ...(d.findings || []).map((f) => el("li", { class: "finding" },
      el("div", { text: f.variant }), el("pre", { text: "canonical  " + f.canonical + "\ndiff       " + f.diff.marked }))));
    box.append(el("h4", { text: "signature diagnosis" }),
      el("p", { class: "diagnosis" }, `received ${d.expected} — the rule gives ${d.rule_sign}`), list);
    if (d.key_differs) {
      box.append(el("p", { class: "diagnosis bad", text: `no variant reproduces it (${d.key_differs.shape}): the key likely differs; ` +
        d.key_differs.keys.map((k) => `${k.name}: ${k.fingerprint}`).join("; ") }));
    } else if (!(d.findings || []).length) {
      box.append(el("p", { class: "diagnosis", text: `no variant of the rule reproduces it (${d.tried} tried)` }));
    }
  }
  if (s.payload !== undefined) box.append(el("h4", { text: "payload (sensitive fields redacted)" }), el("pre", { class: "payload", text: JSON.stringify(s.payload, null, 2) }));
  return box;
}

async function showExchange(id) {
  const e = await api("exchanges/" + encodeURIComponent(id));
  const facts = el("dl", {},
    el("dt", { text: "time" }), el("dd", { text: time(e.at_ms) }),
    el("dt", { text: "request" }), el("dd", { text: `${e.method} ${e.target}${e.forwarded ? "" : " (not forwarded)"}` }),
    el("dt", { text: "interface" }), el("dd", { text: `${e.interface || "-"} (${e.provider || "-"} provides it, binding ${e.binding || "-"})` }),
    el("dt", { text: "verdict" }), el("dd", { class: verdictClass(e.verdict) + " verdict", text: e.verdict }),
    el("dt", { text: "HTTP status" }), el("dd", { text: `${e.status} in ${latency(e.latency_us)}` }),
    el("dt", { text: "code" }), el("dd", { text: e.code ? `${e.code} ${e.message || ""}` : "-" }),
    el("dt", { text: "keys" }), el("dd", { text: e.keys.map((k) => `${k.name}=${k.value}`).join(", ") || "-" }));
  if (e.upstream_error) facts.append(el("dt", { text: "upstream" }), el("dd", { class: "bad", text: e.upstream_error }));
  document.getElementById("detail-id").textContent = e.id;
  document.getElementById("detail-body").replaceChildren(facts, el("div", { class: "sides" }, side("request", e.request), side("reply", e.reply)));
  const section = document.getElementById("detail");
  section.hidden = false;
  section.scrollIntoView();
}

async function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith("exchange/")) await showExchange(hash.slice("exchange/".length));
  else if (hash.startsWith("search/")) await search(hash.slice("search/".length));
}

async function refresh() {
  try {
    await Promise.all([loadTally(), loadFailures()]);
    setStatus("updated " + time(Date.now()) + " · refreshes every 5 s");
  } catch (error) {
    setStatus("the journal cannot be read: " + error.message);
  }
}

function guarded(work) {
  return (...args) => work(...args).catch((error) => setStatus(error.message));
}

document.querySelectorAll(".window button").forEach((button) => button.addEventListener("click", () => {
  windowSeconds = Number(button.dataset.seconds);
  document.querySelectorAll(".window button").forEach((b) => b.classList.toggle("on", b === button));
  guarded(loadTally)();
}));
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = document.getElementById("search").value.trim();
  if (value) location.hash = "search/" + encodeURIComponent(value);
});
document.getElementById("detail-close").addEventListener("click", () => {
  document.getElementById("detail").hidden = true;
  history.replaceState(null, "", location.pathname);
});
window.addEventListener("hashchange", guarded(route));

(async () => {
  await guarded(loadAbout)();
  await refresh();
  await guarded(route)();
  document.body.dataset.ready = "1";
  setInterval(refresh, 5000);
})();
