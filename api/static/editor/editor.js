/* regiokompas map editor: click or paint gemeenten into regions, live figures from the API.
 *
 * Every action becomes one edit in the scenario format (move, merge, rename; a new region is a
 * move with a `name`); the list of unsaved edits is sent to POST /api/scenarios/{id}/evaluate
 * after every action, and the answer restyles the map (fills, and the region borders: a shared
 * gemeente border is shown iff its two gemeenten lie in different regions) and the panel. Save appends the edits (naming the base revision),
 * save as stores a new scenario based on this one. No inline scripts or handlers (CSP).
 */
"use strict";
(function () {
  const body = document.body;
  const cfg = {
    scenario: body.dataset.scenario,
    revision: Number(body.dataset.revision),
    division: body.dataset.division,
    against: body.dataset.against,
    weight: body.dataset.weight,
  };
  // Paul Tol's colour-blind-safe "light" scheme (9 colours)
  const PALETTE = ["#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF",
                   "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD"];
  const NO_REGION = "GEEN";
  const $ = (id) => document.getElementById(id);
  const state = {
    edits: [], redo: [], saved: [], figures: null, colours: {}, mode: "select",
    selected: null, request: 0, evalCount: 0, layers: {}, names: {}, neighbours: {},
    lastRender: 0, borders: {},
  };
  window.rkEditor = state; // for tests and benchmarks

  // ------------------------------------------------------------------ helpers
  function normalise(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k === "text") node.textContent = v;
      else if (k === "style") node.style.cssText = v; // CSSOM: allowed under a strict CSP
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (Number.isInteger(v) || digits === 0) return Math.round(v).toLocaleString("en");
    return Number(v).toFixed(digits === undefined ? 4 : digits);
  }
  function regionName(code) {
    const r = (state.figures && state.figures.regions || []).find((x) => x.code === code);
    return r ? r.name : code;
  }
  function regionLabel(code, name) {
    const n = name === undefined ? regionName(code) : name;
    return n && n !== code ? `${code} ${n}` : code;
  }
  function unitLabel(code) { return `${state.names[code] || code} (${code})`; }
  function editText(e) {
    if (e.op === "move") {
      const from = e.from ? `'s share in ${e.from}` : "";
      const to = e.name ? `new region ${e.to} "${e.name}"` : e.to;
      return `move ${unitLabel(e.unit)}${from} → ${to}`;
    }
    if (e.op === "merge") return `merge ${e.regions.join(" + ")} into ${e.into}`;
    if (e.op === "rename") return `rename ${e.region} to "${e.name || e.code}"`;
    if (e.op === "assign") return e.note || `assign ${e.division}`;
    return `${e.op} ${e.division}`;
  }
  function showError(message) { $("error").textContent = message || ""; }
  function showStatus(message) { $("status").textContent = message || ""; }
  async function api(method, url, payload) {
    const options = { method, headers: { "accept": "application/json" } };
    if (payload !== undefined) {
      options.headers["content-type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    const csrf = document.querySelector("meta[name=csrf-token]");
    if (csrf) options.headers["x-csrf-token"] = csrf.content;
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!response.ok) {
      const detail = data && data.detail ? data.detail : `HTTP ${response.status}`;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  // ------------------------------------------------------------------ colours
  /* Greedy colouring of the region adjacency graph: a region keeps its previous colour when no
   * neighbour has it; others take the first colour none of their neighbours has. */
  function colourRegions(regions, pairs) {
    const adj = {};
    for (const r of regions) adj[r] = new Set();
    for (const [a, b] of pairs) { if (adj[a] && adj[b]) { adj[a].add(b); adj[b].add(a); } }
    const order = [...regions].sort((a, b) => adj[b].size - adj[a].size || (a < b ? -1 : 1));
    const colours = {};
    const keep = order.filter((r) => state.colours[r] !== undefined);
    const rest = order.filter((r) => state.colours[r] === undefined);
    for (const r of keep) {
      const c = state.colours[r];
      if (![...adj[r]].some((n) => colours[n] === c)) colours[r] = c; else rest.push(r);
    }
    for (const r of rest) {
      const used = new Set([...adj[r]].map((n) => colours[n]));
      let c = 0;
      while (used.has(c)) c += 1;
      colours[r] = c;
    }
    state.colours = colours;
    return colours;
  }
  function colourOf(region) {
    const c = state.colours[region];
    return c === undefined ? "#ffffff" : PALETTE[c % PALETTE.length];
  }
  function mainRegion(code) {
    const rows = (state.figures && state.figures.membership[code]) || [];
    const real = rows.filter(([r]) => r !== NO_REGION);
    return real.length ? real[0][0] : NO_REGION;
  }

  // ------------------------------------------------------------------ map
  const map = L.map("map", { preferCanvas: false, zoomControl: true });
  map.createPane("against");
  map.getPane("against").style.zIndex = 450;
  map.getPane("against").style.pointerEvents = "none";
  map.createPane("borders");
  map.getPane("borders").style.zIndex = 440;
  map.getPane("borders").style.pointerEvents = "none";
  let unitLayer = null;

  function unitStyle(feature) {
    const code = feature.id;
    const rows = (state.figures && state.figures.membership[code]) || [];
    const split = rows.length > 1;
    const selected = state.selected === code;
    return {
      fillColor: colourOf(mainRegion(code)), fillOpacity: 0.8,
      color: selected ? "#000" : (split ? "#5a2d82" : "#ffffff"),
      weight: selected ? 3 : (split ? 2 : 0.6), dashArray: split ? "4 3" : null,
    };
  }
  function tooltipText(code) {
    const rows = (state.figures && state.figures.membership[code]) || [];
    const parts = rows.map(([r, s]) => (r === NO_REGION ? "no region" : regionLabel(r)) +
      (rows.length > 1 ? ` (${(100 * s).toFixed(1)}%)` : ""));
    return `${unitLabel(code)}: ${parts.join("; ")}${rows.length > 1 ? " — split" : ""}`;
  }
  /* Restyle only the gemeenten whose look changed (colours are stable across edits, so a
   * click usually restyles a handful of paths, not all 342). */
  function redrawUnits() {
    if (!unitLayer) return;
    unitLayer.eachLayer((layer) => {
      const style = unitStyle(layer.feature);
      const key = `${style.fillColor}|${style.color}|${style.weight}|${style.dashArray}`;
      if (layer.rkStyle !== key) { layer.setStyle(style); layer.rkStyle = key; }
    });
  }
  /* The edited division's region borders: every shared gemeente border is one line, shown iff
   * its two gemeenten's largest-share regions differ; only lines that change are restyled. */
  function redrawBorders() {
    const main = {};
    const region = (code) => (code in main ? main[code] : (main[code] = mainRegion(code)));
    for (const line of Object.values(state.borders)) {
      const { a, b } = line.feature.properties;
      const on = region(a) !== region(b);
      if (line.rkOn !== on) { line.setStyle({ opacity: on ? 1 : 0 }); line.rkOn = on; }
    }
  }
  function onUnitClick(code) {
    showError("");
    if (state.mode === "paint") {
      const target = $("paint-region").value;
      if (!target) { showError("pick a paint region first"); return; }
      const rows = state.figures.membership[code] || [];
      const real = rows.filter(([r]) => r !== NO_REGION);
      if (real.length === 1 && real[0][0] === target) return; // already there
      addEdit({ op: "move", division: cfg.division, unit: code, to: target });
      return;
    }
    state.selected = code;
    redrawUnits();
    showPicker(code);
  }

  // ------------------------------------------------------------------ picker
  function neighbourRegions(code) {
    const out = new Set();
    for (const n of state.neighbours[code] || []) {
      for (const [r] of state.figures.membership[n] || []) if (r !== NO_REGION) out.add(r);
    }
    return out;
  }
  function showPicker(code) {
    const picker = $("picker");
    picker.replaceChildren();
    picker.hidden = false;
    const rows = state.figures.membership[code] || [];
    const real = rows.filter(([r]) => r !== NO_REGION);
    picker.append(el("h2", { text: `${unitLabel(code)}: now in ${real.map(([r, s]) =>
      real.length > 1 ? `${r} (${(100 * s).toFixed(1)}%)` : regionLabel(r)).join(", ")}` }));
    let from = null;
    if (real.length > 1) {
      const choice = el("div", { class: "row", id: "picker-share" }, "move: ");
      const whole = el("label", {}, el("input", { type: "radio", name: "share", value: "", checked: "" }), " whole");
      choice.append(whole);
      for (const [r, s] of real) {
        choice.append(el("label", {}, el("input", { type: "radio", name: "share", value: r }),
          ` share in ${r} (${(100 * s).toFixed(1)}%)`));
      }
      picker.append(choice);
      from = () => (choice.querySelector("input:checked") || {}).value || null;
    }
    const here = new Set(real.map(([r]) => r));
    const near = [...neighbourRegions(code)].filter((r) => real.length > 1 || !here.has(r)).sort();
    const list = el("div", { class: "row neighbours" }, "neighbouring: ");
    const target = (to) => {
      const edit = { op: "move", division: cfg.division, unit: code, to };
      const f = from ? from() : null;
      if (f) { if (f === to) { showError(`the share is in ${to} already`); return; } edit.from = f; }
      else if (here.size === 1 && here.has(to)) { showError(`${unitLabel(code)} is in ${to} already`); return; }
      hidePicker();
      addEdit(edit);
    };
    for (const r of near) {
      const b = el("button", { type: "button", id: `target-${r}`, title: regionName(r) },
        el("span", { class: "swatch", style: `background:${colourOf(r)}` }), ` ${r}`);
      b.addEventListener("click", () => target(r));
      list.append(b);
    }
    picker.append(list);
    const all = el("select", { id: "picker-all", "aria-label": "any region" },
      el("option", { value: "", text: "other region…" }));
    for (const r of state.figures.regions) {
      if (!near.includes(r.code)) all.append(el("option", { value: r.code, text: regionLabel(r.code, r.name) }));
    }
    all.addEventListener("change", () => { if (all.value) target(all.value); });
    const fresh = el("button", { type: "button", id: "target-new" }, "new region");
    fresh.addEventListener("click", () => newRegion(code, from ? from() : null));
    const cancel = el("button", { type: "button", id: "picker-cancel" }, "cancel");
    cancel.addEventListener("click", hidePicker);
    picker.append(el("div", { class: "row" }, all, fresh, cancel));
  }
  function hidePicker() {
    $("picker").hidden = true;
    state.selected = null;
    redrawUnits();
  }
  /* A new region: one `move` edit whose `to` is a fresh code (NIEUW1, NIEUW2, ... not used by
   * any region now or by an edit in the list) and whose `name` makes it a new region; for one
   * share of a split gemeente with `from` (the share moves whole, keeping the division's
   * weight-specific shares of every other gemeente). Rename it with the rename action. */
  function freshRegion() {
    const used = new Set(state.figures.regions.map((r) => r.code));
    for (const e of state.saved.concat(state.edits, state.redo)) {
      if (e.to) used.add(e.to);
      if (e.into) used.add(e.into);
    }
    let n = 0, code;
    do { n += 1; code = `NIEUW${n}`; } while (used.has(code));
    return [code, n];
  }
  function newRegion(code, fromRegion) {
    const [fresh, n] = freshRegion();
    const edit = { op: "move", division: cfg.division, unit: code, to: fresh, name: `nieuwe regio ${n}` };
    if (fromRegion) edit.from = fromRegion;
    hidePicker();
    addEdit(edit);
  }

  // ------------------------------------------------------------------ edits
  function addEdit(edit) {
    state.edits.push(edit);
    state.redo = [];
    evaluate({ undoOnError: true });
  }
  function undo() {
    if (!state.edits.length) return;
    state.redo.push(state.edits.pop());
    evaluate({});
  }
  function redo() {
    if (!state.redo.length) return;
    state.edits.push(state.redo.pop());
    evaluate({ undoOnError: true });
  }
  async function evaluate(options) {
    const id = ++state.request;
    $("busy").textContent = "updating…";
    try {
      const figures = await api("POST", `/api/scenarios/${cfg.scenario}/evaluate`, {
        division: cfg.division, against: cfg.against, weight: cfg.weight,
        edits: state.edits, base_revision: cfg.revision,
      });
      if (id !== state.request) return;
      render(figures);
    } catch (err) {
      if (id !== state.request) return;
      if (options.undoOnError && err.status === 422) state.edits.pop();
      showError(err.message);
      renderEdits();
    } finally {
      if (id === state.request) $("busy").textContent = "";
    }
  }

  // ------------------------------------------------------------------ panel
  function render(figures) {
    state.figures = figures;
    colourRegions(figures.regions.map((r) => r.code), figures.adjacency);
    redrawUnits();
    redrawBorders();
    renderHeadline(figures);
    renderTouched(figures);
    renderDisruption(figures.disruption);
    renderTravel(figures.travel);
    renderChecks(figures.checks);
    renderRegions(figures);
    renderEdits();
    state.evalCount += 1;
    state.lastRender = performance.now();
    body.dataset.evalCount = String(state.evalCount);
  }
  function renderHeadline(f) {
    const rows = [["congruence", "congruence"], ["nested_regions", "nested regions"],
      ["regions", "regions"], ["ari", "ARI"], ["nmi", "NMI"], ["vi", "VI"]];
    const table = $("headline");
    table.replaceChildren(el("tr", {}, el("th", { text: `vs ${f.against}` }),
      el("th", { text: "before" }), el("th", { text: "after" })));
    for (const [key, label] of rows) {
      const a = f.headline.before[key], b = f.headline.after[key];
      const cell = el("td", { class: "v", id: `after-${key}`, "data-value": String(b), text: fmt(b) });
      if (a !== b && a !== null && b !== null) cell.className += (b > a) === (key !== "vi") ? " up" : " down";
      table.append(el("tr", {}, el("td", { text: label }),
        el("td", { class: "v", id: `before-${key}`, text: fmt(a) }), cell));
    }
  }
  function renderTouched(f) {
    const box = $("touched");
    box.replaceChildren();
    if (!f.touched.length) return;
    box.append(el("div", { text: "containment of touched regions:" }));
    const ul = el("ul", { id: "touched-list" });
    for (const t of f.touched) {
      ul.append(el("li", { "data-region": t.code, text: `${regionLabel(t.code, t.name)}: ${fmt(t.before, 3)} → ${fmt(t.after, 3)}` }));
    }
    box.append(ul);
  }
  function renderDisruption(d) {
    const box = $("disruption");
    box.replaceChildren();
    if (!d) return;
    const sign = d.delta > 0 ? "+" : "";
    box.append(el("div", { id: "disrupted", "data-value": String(d.after),
      text: `pupils whose SWV changes vs huidig (${d.levels.join("+")}): ${fmt(d.before, 0)} → ${fmt(d.after, 0)} (${sign}${fmt(d.delta, 0)})` }));
  }
  function renderTravel(t) {
    const box = $("travel");
    box.replaceChildren();
    if (!t) return;
    for (const level of t.levels) {
      const x = t[level];
      if (!x) continue;
      box.append(el("div", { id: `travel-${level}`,
        text: `${level.toUpperCase()} distance to special education, ${t.gemeenten_concerned} gemeenten concerned: ${fmt(x.before_km, 2)} → ${fmt(x.after_km, 2)} km (pupil-weighted)` }));
    }
    if (t.changed.length) {
      box.append(el("div", { class: "off", text: "changed: " + t.changed.slice(0, 8).map((g) =>
        t.levels.map((l) => `${g.name} ${l} ${fmt(g[`${l}_before_km`], 1)}→${fmt(g[`${l}_after_km`], 1)} km`).join(", ")).join("; ") }));
    }
  }
  function renderChecks(checks) {
    const ul = $("checks");
    ul.replaceChildren();
    for (const c of checks) {
      const li = el("li", { class: c.passed ? "pass" : "fail", id: `check-${c.name}`,
        "data-passed": String(c.passed), title: c.problems.slice(0, 20).join("\n") },
        `${c.label}: ${c.detail}`);
      if (c.offenders.length) {
        li.append(el("div", { class: "off", text: `offenders: ${c.offenders.slice(0, 12).join(", ")}${c.offenders.length > 12 ? ` … (${c.offenders.length})` : ""}` }));
      }
      ul.append(li);
    }
  }
  function fillSelect(select, regions, keep) {
    const value = select.value;
    select.replaceChildren(...(keep ? [el("option", { value: "", text: keep })] : []),
      ...regions.map((r) => el("option", { value: r.code, text: regionLabel(r.code, r.name) })));
    if ([...select.options].some((o) => o.value === value)) select.value = value;
  }
  function renderRegions(f) {
    const touched = new Set(f.touched.map((t) => t.code));
    const tbody = $("regions").querySelector("tbody");
    tbody.replaceChildren();
    for (const r of f.regions) {
      const tr = el("tr", { id: `region-${r.code}`, class: touched.has(r.code) ? "touched" : "" },
        el("td", {}, el("span", { class: "swatch", style: `background:${colourOf(r.code)}` })),
        el("td", { text: regionLabel(r.code, r.name) }), el("td", { class: "n", text: fmt(r.weight, 0) }),
        el("td", { class: "n", text: fmt(r.containment, 3) }), el("td", { text: r.nested ? "yes" : "no" }));
      tr.addEventListener("click", () => { $("paint-region").value = r.code; setMode("paint"); });
      tbody.append(tr);
    }
    fillSelect($("paint-region"), f.regions, "paint region…");
    fillSelect($("merge-a"), f.regions);
    fillSelect($("merge-b"), f.regions);
    fillSelect($("rename-region"), f.regions);
  }
  function renderEdits() {
    const ol = $("edits");
    ol.replaceChildren(...state.edits.map((e) => el("li", { text: editText(e) })));
    const saved = $("saved-edits");
    saved.start = 1;
    saved.replaceChildren(...state.saved.map((e) => el("li", { text: `${editText(e)} (saved)` })));
    ol.start = state.saved.length + 1;
    $("undo").disabled = !state.edits.length;
    $("redo").disabled = !state.redo.length;
    $("save").disabled = !state.edits.length;
    $("save-as").disabled = !state.edits.length;
  }

  // ------------------------------------------------------------------ save
  function saveError(err) {
    if (err.status === 409) return `not saved (conflict): ${err.message}`;
    if (err.status === 401) return "not saved: sign in first (/login, e.g. in another tab); your edits are kept";
    if (err.status === 403) return `not saved: ${err.message}; your edits are kept (try save as)`;
    return `not saved: ${err.message}; your edits are kept`;
  }
  async function save() {
    showError("");
    try {
      const out = await api("POST", `/api/scenarios/${cfg.scenario}/edits`,
        { base_revision: cfg.revision, edits: state.edits });
      state.saved = state.saved.concat(state.edits);
      state.edits = []; state.redo = [];
      cfg.revision = out.revision;
      $("revision").textContent = String(out.revision);
      showStatus(`saved: revision ${out.revision}, ${out.edits} edits stored`);
      evaluate({});
    } catch (err) {
      showError(saveError(err));
      renderEdits();
    }
  }
  async function saveAs() {
    showError("");
    const name = $("save-name").value.trim();
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
      showError("give the new scenario an id: lower-case letters, digits, - and _");
      return;
    }
    try {
      const out = await api("POST", `/api/scenarios/${cfg.scenario}/save-as`,
        { base_revision: cfg.revision, name, edits: state.edits });
      state.edits = []; state.redo = [];
      const query = new URLSearchParams({ division: cfg.division, against: cfg.against, weight: cfg.weight });
      window.location.assign(`/edit/${out.id}?${query}`);
    } catch (err) {
      showError(saveError(err));
    }
  }

  // ------------------------------------------------------------------ controls
  function setMode(mode) {
    state.mode = mode;
    $("mode-select").classList.toggle("on", mode === "select");
    $("mode-paint").classList.toggle("on", mode === "paint");
    if (mode === "paint") hidePicker();
  }
  function wire() {
    $("mode-select").addEventListener("click", () => setMode("select"));
    $("mode-paint").addEventListener("click", () => setMode("paint"));
    $("undo").addEventListener("click", undo);
    $("redo").addEventListener("click", redo);
    $("save").addEventListener("click", save);
    $("save-as").addEventListener("click", saveAs);
    $("merge").addEventListener("click", () => {
      const a = $("merge-a").value, b = $("merge-b").value;
      if (!a || !b || a === b) { showError("pick two different regions to merge"); return; }
      addEdit({ op: "merge", division: cfg.division, regions: [a, b], into: a });
    });
    $("rename").addEventListener("click", () => {
      const region = $("rename-region").value, name = $("rename-name").value.trim();
      if (!region || !name) { showError("pick a region and type its new name"); return; }
      addEdit({ op: "rename", division: cfg.division, region, name });
    });
    document.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey)) return;
      const tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "select" || tag === "textarea") return;
      const key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) { event.preventDefault(); undo(); }
      else if (key === "y" || (key === "z" && event.shiftKey)) { event.preventDefault(); redo(); }
    });
    window.addEventListener("beforeunload", (event) => {
      if (state.edits.length) { event.preventDefault(); event.returnValue = ""; }
    });
    $("search").addEventListener("input", search);
  }
  function search() {
    const q = normalise($("search").value);
    const ul = $("search-results");
    ul.replaceChildren();
    if (q.length < 2 || !unitLayer) return;
    const hits = [];
    unitLayer.eachLayer((layer) => {
      const keys = layer.feature.properties.search.split("|");
      if (keys.some((k) => k.includes(q) || k.replace(/ /g, "").includes(q.replace(/ /g, "")))) hits.push(layer);
    });
    for (const layer of hits.slice(0, 12)) {
      const code = layer.feature.id;
      const li = el("li", { "data-code": code, text: `${unitLabel(code)} — ${mainRegion(code)}` });
      li.addEventListener("click", () => { map.fitBounds(layer.getBounds(), { maxZoom: 10 }); onUnitClick(code); });
      ul.append(li);
    }
  }

  // ------------------------------------------------------------------ start
  async function start() {
    wire();
    try {
      const [gemeenten, borders, against, stored] = await Promise.all([
        api("GET", "/api/editor/gemeenten.geojson"),
        api("GET", "/api/editor/borders.geojson"),
        api("GET", `/api/divisions/${cfg.against}.geojson?scenario=${cfg.scenario}`),
        api("GET", `/api/scenarios/${cfg.scenario}`),
      ]);
      state.saved = (stored.document.edits || []);
      for (const f of gemeenten.features) {
        state.names[f.id] = f.properties.name;
        state.neighbours[f.id] = f.properties.neighbours || [];
      }
      unitLayer = L.geoJSON(gemeenten, {
        style: unitStyle,
        onEachFeature: (feature, layer) => {
          state.layers[feature.id] = layer;
          // a DOM node, never an HTML string: region names are user input (Leaflet would set a
          // string tooltip as innerHTML)
          layer.bindTooltip(() => el("span", { text: tooltipText(feature.id) }), { sticky: true });
          layer.on("click", () => onUnitClick(feature.id));
        },
      }).addTo(map);
      L.geoJSON(borders, {
        pane: "borders", interactive: false,
        style: { color: "#111", weight: 3.5, opacity: 0, lineCap: "round" },
        onEachFeature: (feature, layer) => { state.borders[feature.id] = layer; },
      }).addTo(map);
      L.geoJSON(against, {
        pane: "against", interactive: false,
        style: { color: "#d81b60", weight: 2, fill: false, opacity: 0.95, dashArray: "6 4" },
      }).addTo(map);
      map.fitBounds(unitLayer.getBounds());
      await evaluate({});
      body.dataset.ready = "true";
    } catch (err) {
      showError(`could not load the editor: ${err.message}`);
    }
  }
  start();
})();
