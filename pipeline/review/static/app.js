"use strict";
const $ = (id) => document.getElementById(id);
const st = { items: [], progress: [], idx: 0, doc: null, view: null, table: null, sel: null, mode: "queue" };

async function api(path, opts) {
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, opts || {}));
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  return { status: r.status, body };
}
const post = (path, body) => api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
function msg(text) { $("msg").textContent = text || ""; }
function enc(s) { return encodeURIComponent(s); }
function regionUrl(doc, page, b) { return `/api/documents/${enc(doc)}/region/${page}.png?box=${b.map((v) => Math.round(v)).join(",")}`; }
const col1 = (k) => Number(k) + 1;

// ---------------------------------------------------------------- queue (ordered by expected harm)
async function loadWork() {
  const w = (await api("/api/worklist")).body || { items: [], documents: [] };
  st.items = w.items;
  st.progress = w.documents;
  const open = w.documents.reduce((a, d) => a + d.open, 0), done = w.documents.reduce((a, d) => a + d.done, 0);
  const per = w.documents.map((d) => `${d.name}: ${d.open} open, ${d.done} done` + (d.structure ? `, ${d.structure} grid` : "") +
    `, ${d.failing_checks} failing check(s)` + (d.stale ? ` (${d.stale} stale)` : "")).join(" · ");
  $("progtext").textContent = `${done}/${done + open} reviewed — ${per}`;
  $("bar").firstElementChild.style.width = done + open ? `${(100 * done) / (done + open)}%` : "100%";
  const sel = $("docsel"), cur = st.doc || sel.value;
  sel.innerHTML = "";
  for (const d of w.documents) sel.add(new Option(`${d.name} (${d.open})`, d.name));
  if (cur && w.documents.some((d) => d.name === cur)) sel.value = cur;
  st.doc = sel.value || null;
  if (st.idx >= st.items.length) st.idx = Math.max(0, st.items.length - 1);
}

function itemKey(it) { return it.kind === "cell" ? `${it.document}:${it.table}:${it.row}:${it.col}` : `${it.document}:${it.table}:${it.op}:${JSON.stringify(it.args)}`; }

async function showItem() {
  const it = st.items[st.idx];
  $("done").classList.toggle("hidden", !!it);
  $("cell-item").classList.toggle("hidden", !it || it.kind !== "cell");
  $("structure-item").classList.toggle("hidden", !it || it.kind !== "structure");
  $("edit").disabled = !it || it.kind !== "cell";
  if (!it) { $("itemmeta").textContent = ""; $("where").textContent = ""; $("edit").value = ""; return; }
  const head = `${st.idx + 1}/${st.items.length} · ${it.document} · ${it.table}`;
  if (it.kind === "structure") return showStructure(it, head);
  $("itemmeta").textContent = `${head} r${it.row} c${it.col} · confidence ${it.confidence.toFixed(2)}` + (it.tier <= 3 && it.tier !== 2 ? " · failed check" : "");
  $("recognised").textContent = it.text;
  $("checks").textContent = it.reasons.join("\n");
  $("flags").textContent = it.flags.join("\n");
  $("suggestion").textContent = it.suggestion ? `Suggestion: ${it.suggestion}` : "";
  $("stalenote").textContent = it.stale ? "a correction of this cell no longer fits the recognised text: review again" : "";
  $("edit").value = it.value;
  $("edit").focus();
  const ctx = (await api(`/api/documents/${enc(it.document)}/context/${enc(it.table)}/${it.row}/${it.col}`)).body || {};
  if (st.items[st.idx] !== it) return;
  it.ctx = ctx;
  $("where").textContent = `${ctx.title || it.table} · page ${ctx.page}` + (ctx.unit ? ` · 单位：${ctx.unit}` : "") + ` · column: ${ctx.col_label || "?"}`;
  $("cellcrop").src = regionUrl(it.document, it.page, ctx.cell.bbox);
  for (const [key, box, cap, label] of [["row_header", "rowcrops", "rowcap", "row"], ["col_header", "colcrops", "colcap", "column"]]) {
    $(box).innerHTML = "";
    for (const h of ctx[key] || []) {
      const img = document.createElement("img");
      img.src = regionUrl(it.document, it.page, h.bbox);
      img.alt = h.text;
      $(box).appendChild(img);
    }
    $(cap).textContent = `${label}: ` + (ctx[key] || []).map((h) => h.text).join(" ") ;
  }
}

function describe(it) {
  if (it.op === "merge_cols") return `Merge columns ${col1(it.args.first)}–${col1(it.args.last)}`;
  if (it.op === "merge_rows") return `Merge rows ${col1(it.args.first)}–${col1(it.args.last)}`;
  return it.op;
}

async function showStructure(it, head) {
  $("itemmeta").textContent = `${head} · grid`;
  $("where").textContent = `${it.title || it.table} · page ${it.page}`;
  $("structure-reason").textContent = `This table's grid looks wrong: ${it.reason}.`;
  $("structure-checks").textContent = it.failing_checks.length ?
    `${it.failing_checks.length} failing check(s) in this table, probably because of it (their ${it.affected.length} cells are not queued while this is open): ${it.failing_checks.join(", ")}` :
    "No failing check depends on it.";
  $("structure-apply").textContent = `${describe(it)} (Enter)`;
  const view = await docView(it.document);
  const t = view.tables.find((x) => x.id === it.table);
  if (t) $("structure-crop").src = regionUrl(it.document, t.page, t.bbox);
  $("structure-apply").focus();
}

async function docView(doc) {
  if (!st.view || st.view.name !== doc || st.view.stale) st.view = (await api(`/api/documents/${enc(doc)}/view`)).body;
  return st.view;
}

async function structureEdit(doc, table, op, args) {
  const view = await docView(doc);
  const r = await post("/api/structure", { document: doc, table, op, args, version: view.structure_version, reviewer: $("reviewer").value });
  st.view.stale = true;
  if (r.status === 200) { msg(""); return true; }
  msg(r.status === 409 ? "Someone changed this document's grid meanwhile; it is shown again now." : `Not applied: ${r.body?.detail || r.status}`);
  return false;
}

async function saveCell(doc, table, cell, text) {
  const view = await docView(doc);
  const action = text === cell.value || (text === cell.text && cell.state === "unreviewed") ? "accept" : "correct";
  const r = await post("/api/cells", { document: doc, table, row: cell.row, col: cell.col, text, action,
    version: cell.version, grid: view.structure_version, reviewer: $("reviewer").value });
  st.view.stale = true;
  if (r.status === 200) { msg(""); return true; }
  if (r.status === 409) {
    const c = r.body.current;
    msg(`Changed by ${c ? c.reviewer : "someone"} meanwhile` + (c ? `: now "${c.new_text}"` : " (the grid)") + ". Not saved — review again.");
    return false;
  }
  msg(`Not saved (HTTP ${r.status}: ${r.body?.detail || ""})`);
  return false;
}

async function queueEnter() {
  const it = st.items[st.idx];
  if (!it) return;
  let ok;
  if (it.kind === "structure") ok = await structureEdit(it.document, it.table, it.op, it.args);
  else {
    const view = await docView(it.document);
    const t = view.tables.find((x) => x.id === it.table);
    const cell = t && t.cells.find((c) => c.row === it.row && c.col === it.col);
    ok = cell && await saveCell(it.document, it.table, cell, $("edit").value);
  }
  const key = itemKey(it);
  await loadWork();
  if (!ok) { const j = st.items.findIndex((x) => itemKey(x) === key); if (j >= 0) st.idx = j; }
  await showItem();
}
function move(d) { if (st.items.length) { st.idx = (st.idx + d + st.items.length) % st.items.length; showItem(); } }
function nextDoc() {
  if (!st.items.length) return;
  const cur = st.items[st.idx].document;
  const j = st.items.findIndex((c, i) => i > st.idx && c.document !== cur);
  const k = j >= 0 ? j : st.items.findIndex((c) => c.document !== cur);
  if (k >= 0) { st.idx = k; showItem(); }
}
async function openInTable(it) {
  st.doc = it.document; $("docsel").value = it.document;
  st.pending = it.kind === "cell" ? { table: it.table, row: it.row, col: it.col } :
    { table: it.table, row: it.op === "merge_rows" ? it.args.first : null, col: it.op === "merge_cols" ? it.args.first : 0 };
  await setView("table");
}

$("edit").addEventListener("keydown", (e) => {
  if (e.key === "Enter") { e.preventDefault(); queueEnter(); }
  else if (e.key === "Tab") { e.preventDefault(); move(e.shiftKey ? -1 : 1); }
  else if (e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); nextDoc(); }
  else if (e.altKey && (e.key === "t" || e.key === "T")) { e.preventDefault(); openInTable(st.items[st.idx]); }
});
$("structure-apply").onclick = () => queueEnter();
$("structure-dismiss").onclick = async () => { const it = st.items[st.idx]; await structureEdit(it.document, it.table, "grid_ok", {}); await loadWork(); showItem(); };
$("structure-open").onclick = () => openInTable(st.items[st.idx]);
$("showintable").onclick = (e) => { e.preventDefault(); openInTable(st.items[st.idx]); };

// ---------------------------------------------------------------- table view (keyboard first)
async function loadTable() {
  if (!st.doc) return;
  st.view = null;
  const view = await docView(st.doc);
  const ts = $("tablesel"), want = st.pending?.table || ts.value;
  ts.innerHTML = "";
  for (const t of view.tables) ts.add(new Option(`${t.id} ${t.title || ""}` + (t.failing_checks ? ` (${t.failing_checks} failing)` : ""), t.id));
  if (want && view.tables.some((t) => t.id === want)) ts.value = want;
  st.table = view.tables.find((t) => t.id === ts.value) || null;
  if (st.pending && st.table) {
    let { row, col } = st.pending;
    if (row === null) {  // a grid item: the first cell lying in that column alone
      const own = st.table.cells.filter((c) => c.col === col && c.colspan === 1).sort((a, b) => a.row - b.row)[0];
      row = own ? own.row : 0;
    }
    st.sel = { row, col };
  }
  st.pending = null;
  renderStale();
  drawTable(true);
}

function cellAt(t, r, c) { return t.cells.find((x) => x.row <= r && r < x.row + x.rowspan && x.col <= c && c < x.col + x.colspan); }

function drawTable(scroll) {
  const wrap = $("pagewrap"), img = $("pageimg");
  wrap.querySelectorAll(".ov, #celledit").forEach((n) => n.remove());
  const t = st.table;
  if (!t) return;
  if (!st.sel || !cellAt(t, st.sel.row, st.sel.col)) st.sel = { row: 0, col: 0 };
  const page = st.view.pages.find((p) => p.page === t.page) || {};
  $("tableinfo").textContent = `${t.title || t.id}${t.continued ? " (continued)" : ""} · page ${t.page}` + (t.unit ? ` · 单位：${t.unit}` : "") +
    ` · ${t.n_rows}×${t.n_cols}` + (t.failing_checks ? ` · ${t.failing_checks} failing check(s)` : "");
  const roles = $("role");
  roles.innerHTML = "";
  for (const r of ["", ...st.view.roles, ...t.role_keys]) roles.add(new Option(r || "(role)", r));
  const place = () => {
    const k = img.clientWidth / (img.naturalWidth || page.width || 1);
    wrap.querySelectorAll(".ov").forEach((n) => n.remove());
    for (const c of t.cells) {
      const d = document.createElement("div");
      d.className = "ov " + cellClass(c);
      const [x0, y0, x1, y1] = c.bbox;
      Object.assign(d.style, { left: `${x0 * k}px`, top: `${y0 * k}px`, width: `${(x1 - x0) * k}px`, height: `${(y1 - y0) * k}px` });
      d.title = `${c.value} (${c.state}, ${c.confidence.toFixed(2)})`;
      d.dataset.key = `${t.id}:${c.row}:${c.col}`;
      d.dataset.value = c.value;
      d.dataset.state = c.state;
      if (c.value) { const s = document.createElement("span"); s.textContent = c.value; d.appendChild(s); }
      d.addEventListener("click", (e) => {
        st.sel = { row: c.row, col: c.col };
        if (e.altKey) splitAt("col", x0 + (e.offsetX / k)); else { select(); openEditor(); }
      });
      wrap.appendChild(d);
    }
    select(scroll);
  };
  const src = `/api/documents/${enc(st.doc)}/pages/${t.page}.png`;
  if (img.getAttribute("src") !== src) { img.onload = place; img.src = src; } else place();
}

function cellClass(c) {
  if (c.state !== "unreviewed") return c.state;
  if (c.needs_review || c.queued) return c.confidence < 0.5 || c.queued ? "low" : "mid";
  return "unreviewed";
}

function selectedCell() { return st.table && st.sel ? cellAt(st.table, st.sel.row, st.sel.col) : null; }

function select(scroll) {
  document.querySelectorAll(".ov.sel").forEach((n) => n.classList.remove("sel"));
  const c = selectedCell();
  if (!c) return;
  const el = document.querySelector(`.ov[data-key="${st.table.id}:${c.row}:${c.col}"]`);
  if (el) { el.classList.add("sel"); if (scroll !== false) el.scrollIntoView({ block: "center", inline: "nearest" }); }
  const label = st.table.labels[c.col] || "";
  $("cellinfo").textContent = `r${c.row} c${c.col} · ${label} · "${c.value}"` + (c.text !== c.value ? ` (OCR "${c.text}")` : "") + ` · ${c.state}` +
    (c.flags.length ? ` · ${c.flags.join(", ")}` : "");
  $("role").value = st.table.columns[String(c.col)] || "";
}

function moveSel(dr, dc) {
  const c = selectedCell();
  if (!c) return;
  const r = dr > 0 ? c.row + c.rowspan : dr < 0 ? c.row - 1 : st.sel.row;
  const k = dc > 0 ? c.col + c.colspan : dc < 0 ? c.col - 1 : st.sel.col;
  if (r < 0 || k < 0 || r >= st.table.n_rows || k >= st.table.n_cols) return;
  st.sel = { row: r, col: k };
  select();
}

function openEditor() {
  const c = selectedCell();
  const el = c && document.querySelector(`.ov[data-key="${st.table.id}:${c.row}:${c.col}"]`);
  if (!el) return;
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
    e.stopPropagation();
    if (e.key === "Escape") { box.remove(); $("pagewrap").focus(); }
    if (e.key === "Enter") { e.preventDefault(); await saveCell(st.doc, st.table.id, c, inp.value); await refreshTable(); }
  });
}

async function refreshTable() { await loadWork(); await loadTable(); $("pagewrap").focus(); }

async function tableEdit(op, args) {
  msg("Applying the grid edit…");
  const ok = await structureEdit(st.doc, st.table.id, op, args);
  await refreshTable();
  if (ok) msg("");
}
function mergeNext(axis) {
  const c = selectedCell();
  if (!c) return;
  // the ruling right of (below) the current cell is false: merge the bands on either side of it
  const last = axis === "col" ? c.col + c.colspan - 1 : c.row + c.rowspan - 1;
  const n = axis === "col" ? st.table.n_cols : st.table.n_rows;
  if (last + 1 >= n) { msg("No ruling there to remove."); return; }
  tableEdit(axis === "col" ? "merge_cols" : "merge_rows", { first: last, last: last + 1 });
}
function splitAt(axis, at) {
  const c = selectedCell();
  if (!c) return;
  const index = axis === "col" ? c.col : c.row;
  const edges = axis === "col" ? st.table.col_edges : st.table.row_edges;
  const pos = at ?? (edges[index] + edges[index + 1]) / 2;
  tableEdit(axis === "col" ? "split_col" : "split_row", axis === "col" ? { col: index, at: pos } : { row: index, at: pos });
}

document.addEventListener("keydown", (e) => {
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName);
  if (st.mode === "queue") {
    if (!typing && (e.key === "n" || (e.altKey && e.key === "N"))) nextDoc();
    const it = st.items[st.idx];
    if (!typing && it && it.kind === "structure") {
      if (e.key === "Enter" && e.target.tagName !== "BUTTON") { e.preventDefault(); queueEnter(); }
      else if (e.key === "Tab") { e.preventDefault(); move(e.shiftKey ? -1 : 1); }
      else if (e.key === "d") $("structure-dismiss").click();
      else if (e.key === "t") openInTable(it);
    }
    return;
  }
  if (typing) return;
  const keys = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
  if (keys[e.key]) { e.preventDefault(); moveSel(...keys[e.key]); }
  else if (e.key === "Enter") { e.preventDefault(); openEditor(); }
  else if (e.key === "m") mergeNext("col");
  else if (e.key === "M") mergeNext("row");
  else if (e.key === "s") splitAt("col");
  else if (e.key === "S") splitAt("row");
  else if (e.key === "q") $("back-to-queue").click();
});
$("merge-right").onclick = () => mergeNext("col");
$("merge-down").onclick = () => mergeNext("row");
$("split-col").onclick = () => splitAt("col");
$("split-row").onclick = () => splitAt("row");
$("grid-ok").onclick = () => tableEdit("grid_ok", {});
$("role").onchange = () => { const c = selectedCell(); if (c && $("role").value) tableEdit("column_role", { col: c.col, role: $("role").value }); };
$("back-to-queue").onclick = () => {
  // at the current cell's item when it has one; the item is shown once, so what the reviewer types next stays
  const c = selectedCell(), t = st.table, doc = st.doc;
  return setView("queue", c && ((x) => x.kind === "cell" && x.document === doc && x.table === t.id && x.row === c.row && x.col === c.col));
};

function renderStale() {
  const s = (st.view && st.view.stale_corrections) || [], se = (st.view && st.view.stale_structure_edits) || [];
  $("stale-list").innerHTML = "";
  if (!s.length && !se.length) return;
  const h = document.createElement("div");
  h.className = "stale";
  h.textContent = `${s.length} stale correction(s), ${se.length} stale grid edit(s) — the re-run or a grid change moved these cells; review them again:`;
  $("stale-list").appendChild(h);
  for (const c of s) {
    const d = document.createElement("div");
    d.textContent = `${c.table} r${c.row} c${c.col}: "${c.old_text}" → "${c.new_text}" by ${c.reviewer}`;
    $("stale-list").appendChild(d);
  }
  for (const e of se) {
    const d = document.createElement("div");
    d.textContent = `${e.table}: ${e.op} ${JSON.stringify(e.args)} by ${e.reviewer}`;
    $("stale-list").appendChild(d);
  }
}

async function setView(v, want) {
  st.mode = v;
  $("queue-view").classList.toggle("hidden", v !== "queue");
  $("table-view").classList.toggle("hidden", v !== "table");
  $("tablesel").classList.toggle("hidden", v !== "table");
  if (v === "table") { await loadTable(); $("pagewrap").focus(); return; }
  await loadWork();
  const j = want ? st.items.findIndex(want) : -1;
  if (j >= 0) st.idx = j;
  await showItem();
}

$("tab-queue").onclick = () => setView("queue");
$("tab-table").onclick = () => {
  // from the queue: open the table at the current item's cell (when it is in the chosen document), not the first table
  const it = st.mode === "queue" ? st.items[st.idx] : null;
  return it && it.document === st.doc ? openInTable(it) : setView("table");
};
$("docsel").onchange = () => { st.doc = $("docsel").value; if (st.mode === "table") loadTable(); };
$("tablesel").onchange = () => { st.table = st.view.tables.find((t) => t.id === $("tablesel").value); st.sel = null; drawTable(true); $("pagewrap").focus(); };
$("reviewer").onchange = () => localStorage.setItem("fiscalscan.reviewer", $("reviewer").value);
$("export").onclick = async () => {
  const r = await api("/api/export", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  msg(r.status === 200 ? `Exported ${r.body.length} document(s).` : `Export failed (HTTP ${r.status})`);
};
window.addEventListener("resize", () => st.mode === "table" && drawTable(false));

(async () => {
  const cfg = (await api("/api/config")).body || {};
  $("reviewer").value = localStorage.getItem("fiscalscan.reviewer") || cfg.reviewer || "";
  await loadWork();
  await showItem();
})();
