// The tempfail dashboard: plain JavaScript against the admin API (/api/openapi.json), no
// libraries, nothing fetched from elsewhere. It refreshes itself every few seconds.
"use strict";
const REFRESH_MS = 3000;
let selected = null;

function token() { return sessionStorage.getItem("tempfail-token"); }

async function api(path, options) {
  const o = Object.assign({headers: {}}, options || {});
  if (token()) o.headers["Authorization"] = "Bearer " + token();
  const r = await fetch(path, o);
  if (r.status === 401) {
    document.getElementById("token-form").hidden = false;
    throw new Error("the admin API wants its token");
  }
  const type = r.headers.get("Content-Type") || "";
  const body = type.startsWith("application/json") ? await r.json() : await r.text();
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c === null || c === undefined ? "" : c);
  return e;
}

function summaryState(recipients) {
  const states = [...new Set(recipients.map(r => r.state))];
  return states.join(", ");
}

async function refreshTotals() {
  const t = await api("/api/totals");
  const box = document.getElementById("totals");
  box.replaceChildren();
  const line = el("p", {class: "totals"});
  line.append(el("span", {}, el("b", {}, String(t.messages)), " messages in the queue"),
      el("span", {}, el("b", {}, String(t.finished_messages)), " finished (history)"));
  box.append(line);
  const states = el("p", {class: "totals", id: "by-state"});
  for (const [s, n] of Object.entries(t.by_state)) states.append(el("span", {"data-state": s}, s + ": ", el("b", {}, String(n))));
  box.append(states);
  const cats = el("p", {class: "totals", id: "by-category"});
  for (const [c, n] of Object.entries(t.by_category)) cats.append(el("span", {}, c + ": ", el("b", {}, String(n))));
  box.append(cats);
}

async function refreshDestinations() {
  const list = await api("/api/destinations");
  const body = document.querySelector("#destinations tbody");
  body.replaceChildren();
  for (const d of list) {
    const resume = el("button", {}, "Resume");
    resume.onclick = () => act("/api/destinations/" + encodeURIComponent(d.destination) + "/resume", {});
    body.append(el("tr", {}, el("td", {}, d.destination), el("td", {}, d.paused_until || ""),
        el("td", {}, d.max_connections == null ? "" : String(d.max_connections)),
        el("td", {}, d.max_per_hour == null ? "" : String(d.max_per_hour)), el("td", {class: "r"}, d.reason || ""),
        el("td", {}, resume)));
  }
  if (list.length === 0) body.append(el("tr", {}, el("td", {colspan: "6", class: "muted"}, "none")));
}

async function refreshMessages() {
  const q = new URLSearchParams({limit: "200"});
  const search = document.getElementById("search").value.trim();
  if (search) q.set("q", search);
  const state = document.getElementById("state-filter").value;
  if (state) q.set("state", state);
  if (document.getElementById("all").checked) q.set("all", "true");
  const listing = await api("/api/queue?" + q);
  const body = document.querySelector("#messages tbody");
  body.replaceChildren();
  for (const m of listing.messages) {
    const rcpts = el("td", {});
    for (const r of m.recipients) {
      rcpts.append(el("div", {}, r.address + " ", el("span", {class: "state s-" + r.state}, r.state)));
    }
    const row = el("tr", {"data-id": m.queue_id, class: m.queue_id === selected ? "selected" : ""},
        el("td", {}, m.queue_id), el("td", {}, m.received_at), el("td", {}, m.sender || "<>"), el("td", {}, m.subject || ""), rcpts);
    row.onclick = () => { location.hash = "id=" + m.queue_id; };
    body.append(row);
  }
  document.getElementById("shown").textContent = listing.messages.length + " shown of " + listing.total;
}

async function refreshDetail() {
  const section = document.getElementById("detail");
  if (!selected) { section.hidden = true; return; }
  const m = await api("/api/queue/" + selected);
  const svg = await api("/api/queue/" + selected + "/timeline");
  section.hidden = false;
  document.getElementById("detail-id").textContent = m.queue_id;
  const state = document.getElementById("detail-state");
  state.textContent = summaryState(m.recipients);
  state.className = "state s-" + m.recipients[0].state;
  const facts = document.getElementById("detail-facts");
  facts.replaceChildren();
  const fact = (k, v) => { if (v !== undefined && v !== null) facts.append(el("dt", {}, k), el("dd", {}, String(v))); };
  fact("sender", m.sender || "<>"); fact("subject", m.subject); fact("received", m.received_at + " from " + m.client);
  fact("size", m.size + " bytes"); fact("delay warning", m.delay_warning_at); fact("expires", m.expires_at);
  fact("finished", m.finished_at);
  for (const r of m.recipients) {
    fact(r.address, r.state + (r.next_attempt_at ? ", next attempt " + r.next_attempt_at : "")
        + (r.delay_notified_at ? ", sender told of the delay " + r.delay_notified_at : ""));
  }
  // The SVG is drawn by the relay (the same timeline as the lab report), its text escaped there.
  document.getElementById("timeline").innerHTML = svg;
  const body = document.querySelector("#history tbody");
  body.replaceChildren();
  const rows = [];
  for (const r of m.recipients) {
    for (const t of r.tries || []) {
      rows.push([t.at, el("tr", {}, el("td", {}, t.at), el("td", {}, r.address),
          el("td", {}, t.verdict + (t.category ? " " + t.category : "") + (t.status ? " " + t.status : "")),
          el("td", {}, (t.host || "") + (t.ip ? " [" + t.ip + "]" : "")
              + (t.tls ? ", " + (t.tls_verified ? "verified " : "untrusted ") + t.tls : "")), el("td", {}, t.stage || ""),
          el("td", {class: "r"}, (t.code ? t.code + " " : "") + (t.reply || "")),
          el("td", {}, t.wait_s == null ? "" : "retry in " + t.wait_s + "s" + (t.why ? " (" + t.why + ")" : "")))]);
    }
  }
  for (const a of m.actions) {
    rows.push([a.at, el("tr", {class: "operator"}, el("td", {}, a.at), el("td", {}, a.recipients + " recipient(s)"),
        el("td", {}, "operator: " + a.action), el("td", {colspan: "4"}, a.origin))]);
  }
  rows.sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
  for (const [, tr] of rows) body.append(tr);
}

async function act(path, body) {
  const out = document.getElementById("action-result");
  try {
    const r = await api(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    out.textContent = r.action ? r.action + ": " + r.recipients + " recipient(s)" + (r.busy ? ", " + r.busy + " being tried" : "")
        + (r.note ? ", " + r.note : "") : "done";
  } catch (e) {
    out.textContent = "failed: " + e.message;
  }
  await refresh();
}

let running = false;
async function refresh() {
  if (running) return;
  running = true;
  try {
    await Promise.all([refreshTotals(), refreshDestinations(), refreshMessages()]);
    await refreshDetail();
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("status").textContent = "cannot reach the relay: " + e.message;
  } finally {
    running = false;
  }
}

document.querySelectorAll("#actions button").forEach(b => b.onclick = () => {
  if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
  act("/api/queue/" + b.dataset.action, {ids: [selected]});
});
document.getElementById("search-form").onsubmit = e => { e.preventDefault(); refresh(); };
document.getElementById("suspend-form").onsubmit = e => {
  e.preventDefault();
  const name = document.getElementById("suspend-name").value.trim();
  if (name) act("/api/destinations/" + encodeURIComponent(name) + "/suspend", {"for": document.getElementById("suspend-for").value});
};
document.getElementById("token-form").onsubmit = e => {
  e.preventDefault();
  sessionStorage.setItem("tempfail-token", document.getElementById("token").value);
  document.getElementById("token-form").hidden = true;
  refresh();
};
// The message shown is in the address (#id=QUEUE_ID): a link to it opens it.
function fromHash() {
  selected = new URLSearchParams(location.hash.slice(1)).get("id");
  refresh();
}
window.addEventListener("hashchange", fromHash);
fromHash();
setInterval(refresh, REFRESH_MS);
