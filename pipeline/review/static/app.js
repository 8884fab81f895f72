"use strict";
const $ = (id) => document.getElementById(id);
const st = { docs: [], queue: [], idx: 0, doc: null, data: null, table: null, view: "queue", sel: null };

async function api(path, opts) {
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, opts || {}));
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  return { status: r.status, body };
}
function msg(text) { $("msg").textContent = text || ""; }
function enc(s) { return encodeURIComponent(s); }
function cropUrl(doc, table, row, col) { return `/api/documents/${enc(doc)}/crop/${enc(table)}/${row}/${col}.png`; }

async function loadDocs() {
  st.docs = (await api("/api/documents")).body || [];
  const total = st.docs.reduce((a, d) => a + d.to_review, 0), left = st.docs.reduce((a, d) => a + d.left, 0);
  const per = st.docs.map((d) => `${d.name}: ${d.left} left` + (d.stale_corrections ? ` (${d.stale_corrections} stale)` : "")).join(" · ");
  $("progtext").textContent = `${total - left}/${total} reviewed — ${per}`;
  $("bar").firstElementChild.style.width = total ? `${(100 * (total - left)) / total}%` : "100%";
  const sel = $("docsel"), cur = st.doc || sel.value;
  sel.innerHTML = "";
  for (const d of st.docs) sel.add(new Option(`${d.name} (${d.left})`, d.name));
  if (cur && st.docs.some((d) => d.name === cur)) sel.value = cur;
  st.doc = sel.value || null;
}

async function loadQueue() {
  st.queue = (await api("/api/queue")).body || [];
  if (st.idx >= st.queue.length) st.idx = Math.max(0, st.queue.length - 1);
  showItem();
}

async function showItem() {
  const it = st.queue[st.idx];
  $("done").classList.toggle("hidden", !!it);
  $("edit").disabled = !it;
  if (!it) { $("edit").value = ""; $("recognised").textContent = ""; $("itemmeta").textContent = ""; $("checks").textContent = ""; return; }
  $("cellcrop").src = cropUrl(it.document, it.table, it.row, it.col);
  $("itemmeta").textContent = `${st.idx + 1}/${st.queue.length} · ${it.document} · ${it.table} r${it.row} c${it.col} · confidence ${it.confidence.toFixed(2)}` + (it.failed_check ? " · failed check" : "");
  $("recognised").textContent = it.text;
  $("checks").textContent = (it.failed_checks || []).join("\n");
  $("suggestion").textContent = it.suggestion ? `Suggestion: ${typeof it.suggestion === "object" ? it.suggestion.text : it.suggestion}` : "";
  $("stalenote").textContent = it.stale ? `stale correction "${it.correction.new_text}" (was for "${it.correction.old_text}")` : "";
  $("edit").value = it.value;
  $("edit").focus();
  const ctx = (await api(`/api/documents/${enc(it.document)}/cells/${enc(it.table)}/${it.row}/${it.col}`)).body || {};
  for (const [key, img, cap] of [["row_header", "rowcrop", "rowcap"], ["col_header", "colcrop", "colcap"]]) {
    const h = ctx[key];
    $(img).parentElement.classList.toggle("hidden", !h);
    if (h) { $(img).src = cropUrl(it.document, it.table, h.row, h.col); $(cap).textContent = h.text; }
  }
}

async function save(cell, text) {
  const action = text === cell.value && !cell.stale ? "accept" : (text === cell.text && !cell.correction ? "accept" : "correct");
  const r = await api("/api/corrections", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ document: cell.document, table: cell.table, row: cell.row, col: cell.col, text,
      action, version: cell.version, reviewer: $("reviewer").value }),
  });
  if (r.status === 200) { msg(""); return true; }
  if (r.status === 409) {
    const c = r.body.current;
    msg(`Changed by ${c ? c.reviewer : "someone"} meanwhile: now "${c ? c.new_text : cell.text}". Not saved — review again.`);
    if (c) { cell.version = c.version; cell.value = c.new_text; }
    return false;
  }
  msg(`Not saved (HTTP ${r.status})`);
  return false;
}

async function queueEnter() {
  const it = st.queue[st.idx];
  if (!it) return;
  if (await save(it, $("edit").value)) { st.queue.splice(st.idx, 1); await loadDocs(); await showItem(); }
  else showItem();
}
function move(d) { if (st.queue.length) { st.idx = (st.idx + d + st.queue.length) % st.queue.length; showItem(); } }
function nextDoc() {
  if (!st.queue.length) return;
  const cur = st.queue[st.idx].document;
  const j = st.queue.findIndex((c, i) => i > st.idx && c.document !== cur);
  const k = j >= 0 ? j : st.queue.findIndex((c) => c.document !== cur);
  if (k >= 0) { st.idx = k; showItem(); }
}

$("edit").addEventListener("keydown", (e) => {
  if (e.key === "Enter") { e.preventDefault(); queueEnter(); }
  else if (e.key === "Tab") { e.preventDefault(); move(e.shiftKey ? -1 : 1); }
  else if (e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); nextDoc(); }
});
document.addEventListener("keydown", (e) => {
  if (st.view === "queue" && e.target.tagName !== "INPUT" && (e.key === "n" || (e.altKey && e.key === "N"))) nextDoc();
});

// ---------------------------------------------------------------- table view
async function loadTable() {
  if (!st.doc) return;
  st.data = (await api(`/api/documents/${enc(st.doc)}`)).body;
  const ts = $("tablesel"), cur = ts.value;
  ts.innerHTML = "";
  for (const t of st.data.tables) ts.add(new Option(`${t.id} ${t.title || ""}`, t.id));
  if (cur && st.data.tables.some((t) => t.id === cur)) ts.value = cur;
  st.table = st.data.tables.find((t) => t.id === ts.value) || null;
  renderStale();
  drawTable();
}

function drawTable() {
  const wrap = $("pagewrap"), img = $("pageimg");
  wrap.querySelectorAll(".ov, #celledit").forEach((n) => n.remove());
  const t = st.table;
  if (!t) return;
  const page = st.data.pages.find((p) => p.page === t.page) || {};
  const place = () => {
    const k = img.clientWidth / (img.naturalWidth || page.width || 1);
    wrap.querySelectorAll(".ov").forEach((n) => n.remove());
    for (const c of t.cells) {
      const d = document.createElement("div");
      d.className = "ov " + cellClass(c);
      const [x0, y0, x1, y1] = c.bbox;
      Object.assign(d.style, { left: `${x0 * k}px`, top: `${y0 * k}px`, width: `${(x1 - x0) * k}px`, height: `${(y1 - y0) * k}px` });
      d.title = `${c.value} (${c.state}, ${c.confidence.toFixed(2)})`;
      d.dataset.key = `${c.table}:${c.row}:${c.col}`;
      d.dataset.value = c.value;
      d.dataset.state = c.state;
      d.addEventListener("click", () => openEditor(c, d));
      wrap.appendChild(d);
    }
  };
  const src = `/api/documents/${enc(st.doc)}/pages/${t.page}.png`;
  if (img.getAttribute("src") !== src) { img.onload = place; img.src = src; } else place();
}

function cellClass(c) {
  if (c.state !== "unreviewed") return c.state;
  if (c.needs_review || c.failed_check) return c.confidence < 0.5 || c.failed_check ? "low" : "mid";
  return "unreviewed";
}

function openEditor(c, el) {
  document.querySelectorAll(".ov.sel").forEach((n) => n.classList.remove("sel"));
  el.classList.add("sel");
  $("celledit")?.remove();
  const box = document.createElement("div");
  box.id = "celledit";
  box.style.left = el.style.left;
  box.style.top = `${parseFloat(el.style.top) + parseFloat(el.style.height) + 2}px`;
  const inp = document.createElement("input");
  inp.value = c.value;
  inp.setAttribute("aria-label", "edit cell");
  box.append(inp, document.createTextNode(` ${c.text === c.value ? "" : "OCR: " + c.text}`));
  $("pagewrap").appendChild(box);
  inp.focus();
  inp.addEventListener("keydown", async (e) => {
    if (e.key === "Escape") box.remove();
    if (e.key === "Enter") { e.preventDefault(); await save(c, inp.value); await loadDocs(); await loadTable(); }
  });
}

function renderStale() {
  const s = (st.data && st.data.stale_corrections) || [];
  $("stale-list").innerHTML = "";
  if (!s.length) return;
  const h = document.createElement("div");
  h.className = "stale";
  h.textContent = `${s.length} stale correction(s) — the re-run changed these cells; review them again:`;
  $("stale-list").appendChild(h);
  for (const c of s) {
    const d = document.createElement("div");
    d.textContent = `${c.table} r${c.row} c${c.col}: "${c.old_text}" → "${c.new_text}" by ${c.reviewer}`;
    $("stale-list").appendChild(d);
  }
}

function setView(v) {
  st.view = v;
  $("queue-view").classList.toggle("hidden", v !== "queue");
  $("table-view").classList.toggle("hidden", v !== "table");
  $("tablesel").classList.toggle("hidden", v !== "table");
  if (v === "table") loadTable(); else loadQueue();
}

$("tab-queue").onclick = () => setView("queue");
$("tab-table").onclick = () => setView("table");
$("docsel").onchange = () => { st.doc = $("docsel").value; if (st.view === "table") loadTable(); };
$("tablesel").onchange = () => { st.table = st.data.tables.find((t) => t.id === $("tablesel").value); drawTable(); };
$("reviewer").onchange = () => localStorage.setItem("fiscalscan.reviewer", $("reviewer").value);
$("export").onclick = async () => {
  const r = await api("/api/export", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  msg(r.status === 200 ? `Exported ${r.body.length} document(s).` : `Export failed (HTTP ${r.status})`);
};
window.addEventListener("resize", () => st.view === "table" && drawTable());

(async () => {
  const cfg = (await api("/api/config")).body || {};
  $("reviewer").value = localStorage.getItem("fiscalscan.reviewer") || cfg.reviewer || "";
  await loadDocs();
  await loadQueue();
})();
