/* regiokompas map editor: click or paint gemeenten into regions, live figures from the API.
 *
 * Every action becomes one edit in the scenario format (move, move_postcode, merge, rename; a
 * new region is a move with a `name`); the list of unsaved edits is sent to
 * POST /api/scenarios/{id}/evaluate after every action, and the answer restyles the map (fills,
 * and the region borders: a shared gemeente border is shown iff its two gemeenten lie in
 * different regions) and the panel. Save appends the edits (naming the base revision); save as
 * asks for a name and description, confirms, stores a new scenario based on this one and keeps
 * the view. No inline scripts or handlers (CSP).
 *
 * Keyboard: the search box (gemeente, SWV, jeugdregio, province, postcode) is the path
 * "pick gemeente -> choose region -> apply"; map shapes are no tab stops. Escape closes the
 * picker and the search results; Ctrl+Z / Ctrl+Y undo and redo. Strings come from the page's
 * catalog (window._, docs/i18n.md).
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
    canSave: body.dataset.canSave === "true",
    canSaveAs: body.dataset.canSaveAs === "true",
    share: new URLSearchParams(window.location.search).get("share"),
    shareSave: body.dataset.shareSave === "true",
  };
  // ------------------------------------------------------------------ strings and numbers
  function fill(text, vars) {
    return vars ? text.replace(/%\((\w+)\)s/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
  }
  const _ = window._ || fill;
  const ngettext = window.ngettext ||
    ((one, many, n, vars) => fill(n === 1 ? one : many, Object.assign({ num: n }, vars || {})));
  const i18n = window.rkI18n;
  function num(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (i18n) return i18n.number(v, digits);
    return digits === undefined ? Math.round(v).toLocaleString("nl-NL")
      : Number(v).toLocaleString("nl-NL", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function metric(v) {
    if (typeof v === "boolean") return v ? _("yes") : _("no");
    if (v === null || v === undefined) return "–";
    return Number.isInteger(v) ? num(v) : num(v, 3);
  }
  function pct(share) { return `${num(100 * share, 1)}%`; }

  // Paul Tol's colour-blind-safe "light" scheme (9 colours)
  const PALETTE = ["#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF",
                   "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD"];
  const NO_REGION = "GEEN";
  const CHECK_TITLES = JSON.parse(body.dataset.checkTitles || "{}"); // in the page's language
  const $ = (id) => document.getElementById(id);
  const state = {
    edits: [], redo: [], saved: [], figures: null, base: null, colours: {}, mode: "select",
    selected: null, request: 0, evalCount: 0, layers: {}, names: {}, neighbours: {},
    lastRender: 0, borders: {}, locked: new Set(), focus: null, focusUnits: null,
    context: { unit_jeugdregio: {}, unit_provincie: {}, jeugdregio: {}, provincie: {}, postcodes: [] },
    postcodes: {}, unitPostcodes: {}, results: [], active: -1, returnFocus: null, painting: false,
  };
  window.rkEditor = state; // for tests and benchmarks

  // ------------------------------------------------------------------ helpers
  function normalise(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v; else if (k === "text") node.textContent = v;
      else if (k === "style") node.style.cssText = v; // CSSOM: allowed under a strict CSP
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) node.append(c);
    return node;
  }
  function regionName(code) {
    const r = (state.figures && state.figures.regions || []).find((x) => x.code === code);
    return r ? r.name : code;
  }
  function regionLabel(code, name) {
    if (code === NO_REGION) return _("no region");
    const n = name === undefined ? regionName(code) : name;
    return n && n !== code ? `${code} ${n}` : code;
  }
  function unitLabel(code) { return `${state.names[code] || code} (${code})`; }
  function jeugdregioOf(unit) { return state.context.unit_jeugdregio[unit] || null; }
  function jeugdregioLabel(code) {
    if (!code) return "–";
    const name = state.context.jeugdregio[code];
    return name && name !== code ? `${code} ${name}` : code;
  }
  function provincieLabel(code) { return (code && state.context.provincie[code]) || code || "–"; }
  function piecesText(region) {
    const pieces = (state.figures && state.figures.pieces && state.figures.pieces[region]) || [];
    const total = pieces.reduce((s, [, w]) => s + w, 0);
    if (!pieces.length || total <= 0) return "";
    return pieces.map(([j, w]) => `${state.context.jeugdregio[j] || j} ${pct(w / total)}`).join(", ");
  }
  // The notes tools write on an "assign" edit (TOOL_NOTES in geo/scenarios/descriptions.py),
  // named here so the page's catalog carries them: _(e.note) shows exactly these in the
  // reader's language and any other note (a planner's own) as written.
  const TOOL_NOTES = [
    _("whole gemeenten; codes SWV-<jeugdregio>-<n>; names list the current SWVs each new SWV continues"),
    _("whole gemeenten; codes SWV-<jeugdregio>-<n>; one valid division per jeugdregio from the space"),
  ];
  function editText(e) {
    if (e.op === "move") {
      const to = e.name ? _("new region %(code)s \"%(name)s\"", { code: e.to, name: e.name }) : regionLabel(e.to);
      if (e.from) return _("move the share of %(unit)s in %(from)s to %(to)s", { unit: unitLabel(e.unit), from: e.from, to });
      return _("move %(unit)s to %(to)s", { unit: unitLabel(e.unit), to });
    }
    if (e.op === "move_postcode") return _("move postcode %(pc4)s to %(to)s", { pc4: e.pc4, to: regionLabel(e.to) });
    if (e.op === "merge") return _("merge %(regions)s into %(into)s", { regions: e.regions.join(" + "), into: e.into });
    if (e.op === "rename") return _("rename %(region)s to \"%(name)s\"", { region: e.region, name: e.name || e.code });
    if (e.op === "assign") return e.note ? _(e.note) : _("assign %(division)s", { division: e.division });
    return `${e.op} ${e.division}`;
  }
  function showError(message, ...extra) {
    const box = $("error");
    box.replaceChildren();
    if (message) box.append(el("p", { text: message }), ...extra);
  }
  function showStatus(message) { $("status").textContent = message || ""; }
  function announce(message) { $("announce").textContent = message || ""; }
  /* A page opened through a share link (?share=) sends its token with every request. */
  function withShare(url) {
    return cfg.share ? `${url}${url.includes("?") ? "&" : "?"}share=${encodeURIComponent(cfg.share)}` : url;
  }
  async function api(method, path, payload, keepShare = true) {
    const url = keepShare ? withShare(path) : path;
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
      const error = new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
      error.status = response.status;
      throw error;
    }
    return data;
  }
  function viewQuery() {
    const query = new URLSearchParams({ division: cfg.division, against: cfg.against, weight: cfg.weight });
    if (cfg.share) query.set("share", cfg.share);
    return query;
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
  function rowsOf(code, figures) {
    const f = figures || state.figures;
    return (f && f.membership[code]) || [];
  }
  function realRows(code, figures) { return rowsOf(code, figures).filter(([r]) => r !== NO_REGION); }
  function mainRegion(code, figures) {
    const real = realRows(code, figures);
    return real.length ? real[0][0] : NO_REGION;
  }

  // ------------------------------------------------------------------ map
  const map = L.map("map", { preferCanvas: false, zoomControl: true });
  L.control.scale({ imperial: false }).addTo(map);
  map.createPane("against");
  map.getPane("against").style.zIndex = 450;
  map.getPane("against").style.pointerEvents = "none";
  map.createPane("borders");
  map.getPane("borders").style.zIndex = 440;
  map.getPane("borders").style.pointerEvents = "none";
  let unitLayer = null;
  let againstLayer = null;
  state.mapZoom = () => map.getZoom(); // for tests
  state.mapView = () => { const c = map.getCenter(); return [c.lat, c.lng, map.getZoom()]; };

  function unitStyle(feature) {
    const code = feature.id;
    const split = realRows(code).length > 1;
    const selected = state.selected === code;
    const outside = state.focusUnits && !state.focusUnits.has(code);
    return {
      fillColor: colourOf(mainRegion(code)), fillOpacity: outside ? 0.25 : 0.8,
      color: selected ? "#000" : (split ? "#5a2d82" : "#ffffff"),
      weight: selected ? 3 : (split ? 2 : 0.6), dashArray: split ? "4 3" : null,
    };
  }
  function tooltipText(code) {
    const rows = realRows(code);
    const parts = rows.map(([r, s]) => regionLabel(r) + (rows.length > 1 ? ` (${pct(s)})` : ""));
    let swv = parts.join("; ") || _("no region");
    if (rows.length > 1) swv += " (" + _("split") + ")";
    const text = _("%(unit)s · SWV: %(swv)s · jeugdregio: %(jeugdregio)s",
      { unit: unitLabel(code), swv, jeugdregio: jeugdregioLabel(jeugdregioOf(code)) });
    return rows.some(([r]) => state.locked.has(r)) ? text + " · " + _("locked") : text;
  }
  /* Restyle only the gemeenten whose look changed (colours are stable across edits, so a
   * click usually restyles a handful of paths, not all 342). */
  function redrawUnits() {
    if (!unitLayer) return;
    unitLayer.eachLayer((layer) => {
      const style = unitStyle(layer.feature);
      const key = `${style.fillColor}|${style.color}|${style.weight}|${style.dashArray}|${style.fillOpacity}`;
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

  // ------------------------------------------------------------------ locks
  /* A locked region keeps its gemeenten: no move takes a gemeente (or postcode) out of it or
   * puts one into it, and it is not merged, until it is unlocked. */
  function lockedBy(edit) {
    const involved = [];
    if (edit.op === "move") {
      involved.push(edit.to);
      if (edit.from) involved.push(edit.from); else involved.push(...realRows(edit.unit).map(([r]) => r));
    } else if (edit.op === "move_postcode") {
      involved.push(edit.to, postcodeRegion(edit.pc4));
    } else if (edit.op === "merge") {
      involved.push(...edit.regions);
    }
    return involved.find((r) => r && state.locked.has(r)) || null;
  }
  function setLocked(region, on) {
    if (on) state.locked.add(region); else state.locked.delete(region);
    const box = $(`lock-${region}`);
    if (box) box.checked = on;
    showStatus(on ? _("%(region)s is locked: painting and moves leave it alone.", { region: regionLabel(region) })
      : _("%(region)s is unlocked.", { region: regionLabel(region) }));
  }

  // ------------------------------------------------------------------ picking and painting
  function paint(code) {
    const target = $("paint-region").value;
    if (!target) { showError(_("Choose a paint region first.")); return false; }
    const real = realRows(code);
    if (real.length === 1 && real[0][0] === target) return false; // already there
    const edit = { op: "move", division: cfg.division, unit: code, to: target };
    const locked = lockedBy(edit);
    if (locked) {
      showStatus(_("%(unit)s was left alone: %(region)s is locked.", { unit: unitLabel(code), region: regionLabel(locked) }));
      return false;
    }
    addEdit(edit);
    return true;
  }
  function onUnitClick(code, options) {
    showError("");
    if (state.mode === "paint") { paint(code); return; }
    state.selected = code;
    redrawUnits();
    showPicker(code, options || {});
  }
  function zoomToUnits(codes) {
    let bounds = null;
    for (const c of codes) {
      const layer = state.layers[c];
      if (!layer) continue;
      bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
    }
    if (bounds) map.fitBounds(bounds, { maxZoom: 10, padding: [10, 10] });
  }

  // ------------------------------------------------------------------ picker
  function neighbourRegions(code) {
    const out = new Set();
    for (const n of state.neighbours[code] || []) {
      for (const [r] of realRows(n)) out.add(r);
    }
    return out;
  }
  function postcodeRegion(pc4) {
    let region = state.postcodes[pc4] ? state.postcodes[pc4].region : null;
    for (const e of state.edits) if (e.op === "move_postcode" && e.pc4 === pc4) region = e.to;
    return region;
  }
  function regionOptions(select, codes, first) {
    select.replaceChildren(el("option", { value: "", text: first }));
    for (const r of codes) select.append(el("option", { value: r, text: regionLabel(r) + (state.locked.has(r) ? " (" + _("locked") + ")" : "") }));
  }
  function showPicker(code, options) {
    const picker = $("picker");
    picker.replaceChildren();
    picker.hidden = false;
    state.returnFocus = options.returnFocus || state.returnFocus || $("search");
    const real = realRows(code);
    const jz = jeugdregioOf(code);
    picker.append(el("h2", { id: "picker-title", text: unitLabel(code) }));
    picker.append(el("p", { id: "picker-where", text: _("jeugdregio %(jeugdregio)s · province %(provincie)s", {
      jeugdregio: jeugdregioLabel(jz), provincie: provincieLabel(state.context.unit_provincie[code]) }) }));
    const now = el("ul", { id: "picker-now", class: "plain" });
    for (const [r, s] of real) {
      const pieces = piecesText(r);
      const share = real.length > 1 ? ` (${pct(s)})` : "";
      const where = pieces ? _("its jeugdregio's: %(pieces)s", { pieces }) : "";
      const locked = state.locked.has(r) ? _("locked") : "";
      const line = _("now in %(region)s%(share)s", { region: regionLabel(r), share });
      now.append(el("li", { text: [line, where, locked].filter(Boolean).join(" — ") }));
    }
    if (!real.length) now.append(el("li", { text: _("now in no region") }));
    picker.append(now);
    let from = null;
    if (real.length > 1) {
      const choice = el("fieldset", { class: "row", id: "picker-share" }, el("legend", { text: _("What moves") }));
      choice.append(el("label", {}, el("input", { type: "radio", name: "share", value: "", checked: true }), " " + _("the whole gemeente")));
      for (const [r, s] of real) {
        choice.append(el("label", {}, el("input", { type: "radio", name: "share", value: r }),
          " " + _("its share in %(region)s (%(share)s)", { region: r, share: pct(s) })));
      }
      picker.append(choice);
      from = () => (choice.querySelector("input:checked") || {}).value || null;
    }
    const here = new Set(real.map(([r]) => r));
    const near = [...neighbourRegions(code)].filter((r) => real.length > 1 || !here.has(r)).sort();
    const target = (to) => {
      const edit = { op: "move", division: cfg.division, unit: code, to };
      const f = from ? from() : null;
      if (f) {
        if (f === to) { showError(_("The share is in %(region)s already.", { region: to })); return; }
        edit.from = f;
      } else if (here.size === 1 && here.has(to)) {
        showError(_("%(unit)s is in %(region)s already.", { unit: unitLabel(code), region: to })); return;
      }
      const locked = lockedBy(edit);
      if (locked) { showError(_("%(region)s is locked: unlock it in the region table first.", { region: regionLabel(locked) })); return; }
      hidePicker();
      addEdit(edit);
    };
    picker.append(el("h3", { text: _("Move to a neighbouring region") }));
    const list = el("ul", { class: "targets plain" });
    for (const r of near) {
      const pieces = piecesText(r);
      const b = el("button", { type: "button", class: "rk-secondary", id: `target-${r}`, "aria-describedby": `pieces-${r}` },
        el("span", { class: "swatch", "aria-hidden": "true", style: `background:${colourOf(r)}` }), ` ${regionLabel(r)}`);
      if (state.locked.has(r)) b.append(" (" + _("locked") + ")");
      b.addEventListener("click", () => target(r));
      list.append(el("li", {}, b, el("span", { class: "pieces", id: `pieces-${r}`,
        text: pieces ? _("jeugdregio's: %(pieces)s", { pieces }) : "" })));
    }
    if (!near.length) list.append(el("li", { text: _("no neighbouring region") }));
    picker.append(list);
    const all = el("select", { id: "picker-all" });
    regionOptions(all, state.figures.regions.map((r) => r.code).filter((r) => !near.includes(r)), _("choose…"));
    const apply = el("button", { type: "button", id: "picker-all-apply" }, _("Move"));
    apply.addEventListener("click", () => { if (all.value) target(all.value); else showError(_("Choose a region first.")); });
    picker.append(el("div", { class: "row" }, el("label", { for: "picker-all", text: _("Other region") }), all, apply));
    const fresh = el("button", { type: "button", class: "rk-secondary", id: "target-new" }, _("New region"));
    fresh.addEventListener("click", () => newRegion(code, from ? from() : null));
    picker.append(el("div", { class: "row" }, fresh));
    picker.append(postcodePanel(code, real, near, options.pc4));
    const cancel = el("button", { type: "button", class: "rk-secondary", id: "picker-cancel" }, _("Close (Esc)"));
    cancel.addEventListener("click", () => hidePicker(true));
    picker.append(el("div", { class: "row" }, cancel));
    const first = picker.querySelector(options.pc4 ? `#pc4-${options.pc4}-to` : ".targets button, #picker-all");
    (first || picker).focus();
  }
  /* Per postcode (the Regeling's legal unit): each PC4 of the gemeente with the region it lies
   * in and a menu to move it (`move_postcode`); open for split gemeenten. */
  function postcodePanel(code, real, near, focusPc4) {
    const pcs = state.unitPostcodes[code] || [];
    const panel = el("details", { id: "picker-postcodes" },
      el("summary", { text: ngettext("Per postcode (%(num)s postcode)", "Per postcode (%(num)s postcodes)", pcs.length) }));
    if (real.length > 1 || focusPc4) panel.open = true;
    if (!pcs.length) { panel.append(el("p", { text: _("No postcodes known for this gemeente.") })); return panel; }
    const choices = [...new Set([...real.map(([r]) => r), ...near])].sort();
    const table = el("table", { class: "postcodes" },
      el("caption", { class: "visually-hidden", text: _("Postcodes of %(unit)s", { unit: unitLabel(code) }) }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: _("Postcode") }), el("th", { scope: "col", text: _("now in") }),
        el("th", { scope: "col", text: _("move to") }))));
    const tbody = el("tbody");
    for (const pc4 of pcs) {
      const info = state.postcodes[pc4];
      const now = postcodeRegion(pc4) || mainRegion(code);
      const select = el("select", { id: `pc4-${pc4}-to`, "aria-label": _("Move postcode %(pc4)s to", { pc4 }) });
      regionOptions(select, choices.filter((r) => r !== now), _("choose…"));
      const go = el("button", { type: "button", class: "rk-secondary", id: `pc4-${pc4}-move` }, _("Move"));
      go.addEventListener("click", () => {
        if (!select.value) { showError(_("Choose a region first.")); return; }
        const edit = { op: "move_postcode", division: cfg.division, pc4, to: select.value };
        if (!(state.postcodes[pc4] && state.postcodes[pc4].region)) edit.from = now;
        const locked = lockedBy(edit);
        if (locked) { showError(_("%(region)s is locked: unlock it in the region table first.", { region: regionLabel(locked) })); return; }
        hidePicker();
        addEdit(edit);
      });
      const tr = el("tr", { id: `pc4-${pc4}`, class: pc4 === focusPc4 ? "hit" : null },
        el("th", { scope: "row", text: `${pc4} ${info ? info.plaats : ""}` }), el("td", { text: regionLabel(now) }),
        el("td", {}, select, " ", go));
      tbody.append(tr);
    }
    table.append(tbody);
    panel.append(table);
    return panel;
  }
  function hidePicker(restoreFocus) {
    const wasOpen = !$("picker").hidden;
    $("picker").hidden = true;
    $("picker").replaceChildren();
    state.selected = null;
    redrawUnits();
    if (wasOpen && restoreFocus !== false) {
      const back = state.returnFocus && document.contains(state.returnFocus) ? state.returnFocus : $("search");
      back.focus();
    }
    state.returnFocus = null;
  }
  /* A new region: one `move` edit whose `to` is a fresh code (NIEUW1, NIEUW2, ... not used by
   * any region now or by an edit in the list) and whose `name` makes it a new region; for one
   * share of a split gemeente with `from`. Rename it with the rename action. */
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
    const [fresh] = freshRegion();
    const edit = { op: "move", division: cfg.division, unit: code, to: fresh, name: "" };  // named by the rule from its gemeenten (geo/names.py)
    if (fromRegion) edit.from = fromRegion;
    const locked = lockedBy(edit);
    if (locked) { showError(_("%(region)s is locked: unlock it in the region table first.", { region: regionLabel(locked) })); return; }
    hidePicker();
    addEdit(edit);
  }

  // ------------------------------------------------------------------ edits
  function addEdit(edit) {
    state.edits.push(edit);
    state.redo = [];
    showStatus(editText(edit));
    evaluate({ undoOnError: true });
  }
  function undo() {
    if (!state.edits.length) return;
    const edit = state.edits.pop();
    state.redo.push(edit);
    showStatus(_("Undone: %(edit)s", { edit: editText(edit) }));
    evaluate({});
  }
  function redo() {
    if (!state.redo.length) return;
    const edit = state.redo.pop();
    state.edits.push(edit);
    showStatus(_("Redone: %(edit)s", { edit: editText(edit) }));
    evaluate({ undoOnError: true });
  }
  function evaluateBody(edits) {
    return { division: cfg.division, against: cfg.against, weight: cfg.weight, edits, base_revision: cfg.revision };
  }
  async function evaluate(options) {
    const id = ++state.request;
    $("busy").textContent = _("updating…");
    $("figures").setAttribute("aria-busy", "true");
    try {
      const figures = await api("POST", `/api/scenarios/${cfg.scenario}/evaluate`, evaluateBody(state.edits));
      if (id !== state.request) return;
      render(figures);
    } catch (err) {
      if (id !== state.request) return;
      if (err.status === 409) { showConflict(err.message); }
      else {
        if (options.undoOnError && err.status === 422) state.edits.pop();
        showError(err.message);
      }
      renderEdits();
    } finally {
      if (id === state.request) { $("busy").textContent = ""; $("figures").removeAttribute("aria-busy"); }
    }
  }

  // ------------------------------------------------------------------ panel
  function render(figures) {
    const previous = state.figures;
    state.figures = figures;
    if (!figures.edits) state.base = figures;
    colourRegions(figures.regions.map((r) => r.code), figures.adjacency);
    redrawUnits();
    redrawBorders();
    renderHeadline(figures);
    renderTouched(figures);
    renderDisruption(figures.disruption);
    renderTravel(figures.travel);
    renderChecks(figures.checks);
    renderRegions(figures);
    renderChanged();
    renderEdits();
    renderFocusOptions();
    placeEdits();
    if (state.resultsFrom === "query" && state.results.length) refreshResults();
    if (previous) announce(summary(figures));
    state.evalCount += 1;
    state.lastRender = performance.now();
    body.dataset.evalCount = String(state.evalCount);
  }
  // ------------------------------------------------------------------ placement
  /* Where the edited division lies among the valid divisions (the server's space): asked for
   * while the panel is open, after each evaluation; the SVG histograms come from the server
   * (numbers only, every text escaped) and are parsed as SVG, never as HTML. */
  const PLACEMENT_FIGURES = ["disrupted", "travel_po_km", "travel_vo_km"];
  let placementRequest = 0;
  let placedEdits = null;
  async function placeEdits(force) {
    const panel = $("space-panel");
    if (!panel || !panel.open) return;
    const key = JSON.stringify(state.edits);
    if (!force && key === placedEdits) return;
    placedEdits = key;
    const id = ++placementRequest;
    const box = $("space-body");
    box.setAttribute("aria-busy", "true");
    box.replaceChildren(el("p", { class: "help", text: _("Placing the division among the valid divisions…") }));
    try {
      const data = await api("POST", `/api/scenarios/${cfg.scenario}/placement`, evaluateBody(state.edits));
      if (id === placementRequest) renderPlacement(data);
    } catch (err) {
      if (id === placementRequest) {
        placedEdits = null;
        box.replaceChildren(el("p", { class: "off", id: "space-error", text: err.message }));
      }
    } finally {
      if (id === placementRequest) box.removeAttribute("aria-busy");
    }
  }
  function renderPlacement(data) {
    const box = $("space-body");
    if (data.state === "none") {
      box.replaceChildren(el("p", { id: "space-none", text: data.text }), el("p", { class: "help", text: data.how }));
      return;
    }
    if (data.state !== "ok") {
      box.replaceChildren(el("p", { class: "off", id: "space-error", text: data.error || "" }));
      return;
    }
    const v = data.view;
    const nodes = [el("p", { id: "space-in", "data-in-space": String(v.in_space_jeugdregios),
      text: v.in_space_text + (v.outside_text ? " " + v.outside_text : "") })];
    for (const c of v.charts.filter((x) => PLACEMENT_FIGURES.includes(x.figure))) {
      const svg = new DOMParser().parseFromString(c.svg, "image/svg+xml").documentElement;
      const figure = el("figure", { class: "space-chart", id: `editor-space-chart-${c.figure}`, "data-percentile": String(c.percentile) });
      if (svg && svg.nodeName === "svg") figure.append(document.importNode(svg, true));
      figure.append(el("figcaption", {}, el("span", { id: c.text_id, text: c.text }), c.better ? el("span", { class: "help", text: ` (${c.better})` }) : ""));
      nodes.push(figure);
    }
    const rows = v.rows.filter((r) => r.sentence);
    if (rows.length) {
      const list = el("ul", { id: "space-sentences" }, ...rows.map((r) =>
        el("li", { "data-jeugdregio": r.code, text: `${r.sentence} (${r.in_space ? _("in the space") : _("outside the space")})` })));
      nodes.push(el("details", { id: "space-per-jeugdregio" },
        el("summary", { text: _("Per jeugdregio: how many valid divisions disrupt fewer pupils") }), list));
    }
    box.replaceChildren(...nodes);
  }
  function verdictWord(before, after, higherIsBetter) {
    if (before === null || after === null || before === undefined || after === undefined || before === after) return _("unchanged");
    return (after > before) === higherIsBetter ? _("better") : _("worse");
  }
  function summary(f) {
    const h = f.headline;
    const passed = f.checks.filter((c) => c.passed).length;
    const parts = [_("Congruence %(before)s → %(after)s (%(verdict)s).", {
      before: metric(h.before.congruence), after: metric(h.after.congruence),
      verdict: verdictWord(h.before.congruence, h.after.congruence, true) })];
    if (f.disruption) parts.push(_("Pupils whose SWV changes: %(after)s.", { after: num(f.disruption.after) }));
    if (f.checks.length) parts.push(_("%(passed)s of %(total)s checks pass.", { passed, total: f.checks.length }));
    return parts.join(" ");
  }
  function renderHeadline(f) {
    const rows = [["congruence", _("congruence"), true], ["nested_regions", _("nested regions"), true],
      ["regions", _("regions"), null], ["ari", "ARI", true], ["nmi", "NMI", true], ["vi", "VI", false]];
    const tbody = $("headline").querySelector("tbody");
    const picked = [...$("against").options].find((o) => o.value === f.against);  // its name, not its id
    const against = picked ? picked.textContent.trim() : f.against;
    tbody.replaceChildren(el("tr", {}, el("th", { scope: "col", text: _("against %(division)s", { division: against }) }),
      el("th", { scope: "col", text: _("before") }), el("th", { scope: "col", text: _("after") })));
    for (const [key, label, higher] of rows) {
      const a = f.headline.before[key], b = f.headline.after[key];
      const cell = el("td", { class: "v", id: `after-${key}`, "data-value": String(b) }, metric(b));
      if (higher !== null && a !== b && a !== null && b !== null) {
        const word = verdictWord(a, b, higher);
        const up = word === _("better");
        cell.className += up ? " up" : " down";
        cell.append(" ", el("span", { class: "verdict", text: `${up ? "▲" : "▼"} ${word}` }));
      }
      tbody.append(el("tr", {}, el("th", { scope: "row", text: label }),
        el("td", { class: "v", id: `before-${key}`, text: metric(a) }), cell));
    }
  }
  function renderTouched(f) {
    const box = $("touched");
    box.replaceChildren();
    if (!f.touched.length) return;
    box.append(el("p", { text: _("Containment of the regions you changed:") }));
    const ul = el("ul", { id: "touched-list" });
    for (const t of f.touched) {
      const word = verdictWord(t.before, t.after, true);
      ul.append(el("li", { "data-region": t.code, text: `${regionLabel(t.code, t.name)}: ${metric(t.before)} → ${metric(t.after)} (${word})` }));
    }
    box.append(ul);
  }
  function renderDisruption(d) {
    const box = $("disruption");
    box.replaceChildren();
    if (!d) return;
    const sign = d.delta > 0 ? "+" : "";
    box.append(el("p", { id: "disrupted", "data-value": String(d.after),
      text: _("Pupils whose SWV changes against huidig (%(levels)s): %(before)s → %(after)s (%(delta)s)", {
        levels: d.levels.join("+").toUpperCase(), before: num(d.before), after: num(d.after), delta: `${sign}${num(d.delta)}` }) }));
  }
  function renderTravel(t) {
    const box = $("travel");
    box.replaceChildren();
    if (!t) return;
    for (const level of t.levels) {
      const x = t[level];
      if (!x) continue;
      box.append(el("p", { id: `travel-${level}`,
        text: _("%(level)s distance to special education, %(n)s gemeenten concerned: %(before)s → %(after)s km (pupil-weighted)", {
          level: level.toUpperCase(), n: t.gemeenten_concerned, before: num(x.before_km, 2), after: num(x.after_km, 2) }) }));
      if (x.without_location_before || x.without_location_after) {
        box.append(el("p", { class: "off", id: `travel-${level}-without`,
          text: _("%(level)s: gemeenten without a location in their SWV (not in the mean): %(before)s → %(after)s", {
            level: level.toUpperCase(), before: num(x.without_location_before), after: num(x.without_location_after) }) }));
      }
    }
    const model = t.levels.map((l) => t[l] && t[l].model).find(Boolean);
    if (model) box.append(el("p", { class: "small", id: "travel-model", text: _("Travel model: %(model)s", { model }) }));
    if (t.changed.length) {
      const km = (g, l, when) => num(g[l + "_" + when + "_km"], 1);
      const list = t.changed.slice(0, 8).map((g) =>
        t.levels.map((l) => `${g.name} ${l.toUpperCase()} ${km(g, l, "before")}→${km(g, l, "after")} km`).join(", ")).join("; ");
      box.append(el("p", { class: "off", text: _("changed: %(list)s", { list }) }));
    }
  }
  function renderChecks(checks) {
    const ul = $("checks");
    ul.replaceChildren();
    for (const c of checks) {
      const li = el("li", { class: c.passed ? "pass" : "fail", id: `check-${c.name}`, "data-passed": String(c.passed) },
        el("span", { class: "mark", text: c.passed ? "✓ " + _("passes") : "✗ " + _("fails") }), ` ${CHECK_TITLES[c.name] || c.label}: ${c.text || c.detail}`);
      if (c.offenders.length) {
        const more = c.offenders.length > 12 ? ` … (${c.offenders.length})` : "";
        const list = c.offenders.slice(0, 12).map((o) => (state.names[o] ? unitLabel(o) : regionLabel(o))).join(", ") + more;
        li.append(el("div", { class: "off", text: _("offenders: %(list)s", { list }) }));
      }
      ul.append(li);
    }
  }
  function fillSelect(select, regions, keep) {
    const value = select.value;
    select.replaceChildren(...(keep ? [el("option", { value: "", text: keep })] : []),
      ...regions.map((r) => el("option", { value: r.code, text: regionLabel(r.code, r.name) + (state.locked.has(r.code) ? " (" + _("locked") + ")" : "") })));
    if ([...select.options].some((o) => o.value === value)) select.value = value;
  }
  function inFocus(region) {
    if (!state.focusUnits) return true;
    for (const u of state.focusUnits) if (realRows(u).some(([r]) => r === region)) return true;
    return false;
  }
  function renderRegions(f) {
    const touched = new Set(f.touched.map((t) => t.code));
    const tbody = $("regions").querySelector("tbody");
    tbody.replaceChildren();
    let shown = 0;
    for (const r of f.regions) {
      if (!inFocus(r.code)) continue;
      shown += 1;
      const lock = el("input", { type: "checkbox", id: `lock-${r.code}`, checked: state.locked.has(r.code),
        "aria-label": _("Lock %(region)s", { region: regionLabel(r.code, r.name) }) });
      lock.addEventListener("change", () => { setLocked(r.code, lock.checked); redrawUnits(); });
      const pieces = piecesText(r.code);
      const tr = el("tr", { id: `region-${r.code}`, class: touched.has(r.code) ? "touched" : null },
        el("th", { scope: "row" }, el("span", { class: "swatch", "aria-hidden": "true", style: `background:${colourOf(r.code)}` }),
          " " + regionLabel(r.code, r.name), el("span", { class: "pieces block", text: pieces ? _("jeugdregio's: %(pieces)s", { pieces }) : "" })),
        el("td", { class: "n", text: num(r.weight) }), el("td", { class: "n", text: metric(r.containment) }),
        el("td", { text: r.nested ? _("yes") : _("no") }), el("td", {}, lock));
      tr.addEventListener("click", (event) => {
        if (event.target === lock) return;
        $("paint-region").value = r.code; setMode("paint");
      });
      tbody.append(tr);
    }
    $("regions-filter").textContent = state.focus
      ? _("%(shown)s of %(total)s regions, those in %(focus)s.", { shown, total: f.regions.length, focus: focusLabel(state.focus) }) : "";
    fillSelect($("paint-region"), f.regions, _("paint region…"));
    fillSelect($("merge-a"), f.regions);
    fillSelect($("merge-b"), f.regions);
    fillSelect($("rename-region"), f.regions);
  }
  /* The text alternative of the map's changes: every gemeente whose regions differ from the
   * stored scenario's (the figures without edits). */
  function renderChanged() {
    const tbody = $("changed").querySelector("tbody");
    tbody.replaceChildren();
    if (!state.base || !state.figures) return;
    const text = (rows) => rows.map(([r, s]) => regionLabel(r) + (rows.length > 1 ? ` (${pct(s)})` : "")).join("; ") || _("no region");
    let n = 0;
    for (const code of Object.keys(state.figures.membership).sort((a, b) => (state.names[a] || a).localeCompare(state.names[b] || b))) {
      if (state.focusUnits && !state.focusUnits.has(code)) continue;
      const was = realRows(code, state.base), now = realRows(code);
      if (JSON.stringify(was.map(([r, s]) => [r, s.toFixed(6)])) === JSON.stringify(now.map(([r, s]) => [r, s.toFixed(6)]))) continue;
      n += 1;
      tbody.append(el("tr", { "data-code": code }, el("th", { scope: "row", text: unitLabel(code) }),
        el("td", { text: text(was) }), el("td", { text: text(now) })));
    }
    $("changed").hidden = n === 0;
    $("changed-none").hidden = n > 0;
  }
  function renderEdits() {
    const ol = $("edits");
    ol.replaceChildren(...state.edits.map((e) => el("li", { text: editText(e) })));
    const saved = $("saved-edits");
    saved.start = 1;
    saved.replaceChildren(...state.saved.map((e) => el("li", { text: _("%(edit)s (saved)", { edit: editText(e) }) })));
    ol.start = state.saved.length + 1;
    const had = document.activeElement;
    $("undo").disabled = !state.edits.length;
    $("redo").disabled = !state.redo.length;
    $("save").disabled = !state.edits.length || !cfg.canSave;
    $("save-as").disabled = !state.edits.length || !cfg.canSaveAs;
    // a button that is switched off while it has the focus hands it on (never to <body>)
    if (had && had.disabled) {
      const next = ["undo", "redo", "save-as", "save"].map($).find((b) => !b.disabled);
      (next || $("search")).focus();
    }
  }

  // ------------------------------------------------------------------ focus on an area
  function focusLabel(focus) {
    if (focus.kind === "jeugdregio") return _("jeugdregio %(name)s", { name: jeugdregioLabel(focus.code) });
    if (focus.kind === "provincie") return _("province %(name)s", { name: provincieLabel(focus.code) });
    return regionLabel(focus.code);
  }
  function unitsOf(focus) {
    const out = new Set();
    for (const code of Object.keys(state.names)) {
      if (focus.kind === "jeugdregio" && state.context.unit_jeugdregio[code] === focus.code) out.add(code);
      else if (focus.kind === "provincie" && state.context.unit_provincie[code] === focus.code) out.add(code);
      else if (focus.kind === "region" && realRows(code).some(([r]) => r === focus.code)) out.add(code);
    }
    return out;
  }
  /* Focus on a jeugdregio, province or region: zoom to it, dim the rest of the map, and filter
   * the region table and the changed gemeenten to it; `null` shows the whole country. */
  function setFocus(focus, options) {
    state.focus = focus;
    state.focusUnits = focus ? unitsOf(focus) : null;
    const value = focus ? `${focus.kind}:${focus.code}` : "";
    if ([...$("focus").options].some((o) => o.value === value)) $("focus").value = value;
    if (state.figures) { renderRegions(state.figures); renderChanged(); }
    redrawUnits();
    if (state.focusUnits) zoomToUnits(state.focusUnits); else if (unitLayer) map.fitBounds(unitLayer.getBounds());
    if (!options || options.announce !== false) {
      showStatus(focus ? _("Focus on %(focus)s: %(n)s gemeenten.", { focus: focusLabel(focus), n: state.focusUnits.size }) : _("Focus on the whole country."));
    }
  }
  function renderFocusOptions() {
    const select = $("focus");
    const value = select.value;
    const group = (label, entries) => el("optgroup", { label }, ...entries.map(([v, t]) => el("option", { value: v, text: t })));
    const jz = Object.keys(state.context.jeugdregio).sort((a, b) => state.context.jeugdregio[a].localeCompare(state.context.jeugdregio[b]));
    const pv = Object.keys(state.context.provincie).sort((a, b) => state.context.provincie[a].localeCompare(state.context.provincie[b]));
    const regions = state.figures ? state.figures.regions : [];
    select.replaceChildren(el("option", { value: "", text: _("the whole country") }),
      group(_("Jeugdregio's"), jz.map((c) => [`jeugdregio:${c}`, jeugdregioLabel(c)])),
      group(_("Provinces"), pv.map((c) => [`provincie:${c}`, provincieLabel(c)])),
      group(_("Regions of %(division)s", { division: cfg.division }), regions.map((r) => [`region:${r.code}`, regionLabel(r.code, r.name)])));
    if ([...select.options].some((o) => o.value === value)) select.value = value;
  }

  // ------------------------------------------------------------------ search
  /* One list of results for a query: gemeenten (name, code), regions of the edited division
   * (code, name), jeugdregio's, provinces, and postcodes (PC4 -> its gemeente). */
  function searchResults(raw) {
    const q = normalise(raw);
    if (q.length < 2) return [];
    const compact = q.replace(/ /g, "");
    const hit = (keys) => {
      let best = 0;
      for (const k of keys) {
        const n = normalise(k);
        if (n === q || n.replace(/ /g, "") === compact) best = Math.max(best, 3);
        else if (n.startsWith(q)) best = Math.max(best, 2);
        else if (n.includes(q) || n.replace(/ /g, "").includes(compact)) best = Math.max(best, 1);
      }
      return best;
    };
    const out = [];
    if (unitLayer) {
      unitLayer.eachLayer((layer) => {
        const code = layer.feature.id;
        const score = hit([...layer.feature.properties.search.split("|"), code]);
        if (score) out.push({ kind: "gemeente", code, score, rank: 0, text: _("%(unit)s — %(region)s · jeugdregio %(jeugdregio)s", {
          unit: unitLabel(code), region: regionLabel(mainRegion(code)), jeugdregio: jeugdregioLabel(jeugdregioOf(code)) }) });
      });
    }
    for (const r of (state.figures ? state.figures.regions : [])) {
      const score = hit([r.code, r.name]);
      if (score) out.push({ kind: "region", code: r.code, score, rank: 1, text: _("SWV %(region)s", { region: regionLabel(r.code, r.name) }) });
    }
    for (const [code, name] of Object.entries(state.context.jeugdregio)) {
      const score = hit([code, name]);
      if (score) out.push({ kind: "jeugdregio", code, score, rank: 2, text: _("jeugdregio %(name)s", { name: jeugdregioLabel(code) }) });
    }
    for (const [code, name] of Object.entries(state.context.provincie)) {
      const score = hit([name]);
      if (score) out.push({ kind: "provincie", code, score, rank: 3, text: _("province %(name)s", { name }) });
    }
    if (/^\d{2,4}$/.test(compact)) {
      for (const [pc4, info] of Object.entries(state.postcodes)) {
        if (!pc4.startsWith(compact)) continue;
        for (const unit of info.units) {
          out.push({ kind: "postcode", code: unit, pc4, score: pc4 === compact ? 3 : 2, rank: 4,
            text: _("postcode %(pc4)s %(plaats)s → %(unit)s", { pc4, plaats: info.plaats, unit: unitLabel(unit) }) });
        }
      }
    }
    out.sort((a, b) => b.score - a.score || a.rank - b.rank || a.text.localeCompare(b.text));
    return out.slice(0, 15);
  }
  /* The open search results again (their regions may have changed), the active one kept. */
  function refreshResults() {
    const active = state.active;
    showResults(searchResults($("search").value), "query", false);
    if (active >= 0 && active < state.results.length) setActive(active);
  }
  function showResults(results, from, speak) {
    state.results = results;
    state.resultsFrom = from || "query";
    state.active = -1;
    const ul = $("search-results");
    ul.replaceChildren();
    results.forEach((r, i) => {
      const li = el("li", { id: `result-${i}`, role: "option", "aria-selected": "false", "data-kind": r.kind,
        "data-code": r.kind === "gemeente" ? r.code : null, "data-pc4": r.pc4 || null, "data-region": r.kind === "gemeente" ? null : r.code, text: r.text });
      li.addEventListener("click", () => choose(i));
      ul.append(li);
    });
    $("search").setAttribute("aria-expanded", results.length ? "true" : "false");
    $("search").removeAttribute("aria-activedescendant");
    const q = $("search").value.trim();
    if (q.length >= 2 && speak !== false && state.resultsFrom === "query") showStatus(results.length ? ngettext("%(num)s result", "%(num)s results", results.length) : _("Nothing found for \"%(query)s\".", { query: q }));
  }
  function setActive(i) {
    const items = $("search-results").children;
    if (!items.length) return;
    state.active = (i + items.length) % items.length;
    [...items].forEach((li, k) => li.setAttribute("aria-selected", k === state.active ? "true" : "false"));
    $("search").setAttribute("aria-activedescendant", items[state.active].id);
    items[state.active].scrollIntoView({ block: "nearest" });
  }
  function choose(i) {
    const r = state.results[i];
    if (!r) return;
    if (r.kind === "gemeente" || r.kind === "postcode") {
      zoomToUnits([r.code]);
      onUnitClick(r.code, { pc4: r.pc4, returnFocus: $("search") });
      return;
    }
    setFocus({ kind: r.kind, code: r.code });
    // its gemeenten become the results: the keyboard path goes on from here
    const units = [...state.focusUnits].sort((a, b) => (state.names[a] || a).localeCompare(state.names[b] || b));
    showResults(units.map((code) => ({ kind: "gemeente", code, text: `${unitLabel(code)} — ${regionLabel(mainRegion(code))}` })), "focus");
    showStatus(_("%(focus)s: %(n)s gemeenten; arrow down to choose one.", { focus: focusLabel(state.focus), n: units.length }));
  }
  function onSearchKey(event) {
    if (event.key === "ArrowDown") { event.preventDefault(); setActive(state.active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); setActive(state.active - 1); }
    else if (event.key === "Enter") {
      event.preventDefault();
      if (state.results.length) choose(state.active >= 0 ? state.active : 0);
    } else if (event.key === "Escape") {
      if (state.results.length || $("search").value) { event.preventDefault(); event.stopPropagation(); $("search").value = ""; showResults([]); }
    }
  }

  // ------------------------------------------------------------------ save
  function saveError(err) {
    if (err.status === 401) return _("Not saved: sign in first (in another tab); your edits are kept.");
    if (err.status === 403) return _("Not saved: %(reason)s; your edits are kept (try save as).", { reason: err.message });
    return _("Not saved: %(reason)s; your edits are kept.", { reason: err.message });
  }
  /* Someone saved the scenario since this page started: offer to put the edits on top of the
   * newer revision (the edits that no longer apply are named and dropped) instead of stopping. */
  function showConflict(message) {
    const rebaseButton = el("button", { type: "button", id: "rebase" }, _("Put my edits on top of the newer revision"));
    rebaseButton.addEventListener("click", rebase);
    showError(_("Conflict: the scenario was saved by someone else since you started. Nothing was stored; your edits are kept."),
      el("p", { class: "detail", text: message }), rebaseButton);
    rebaseButton.focus();
  }
  async function rebase() {
    showError("");
    try {
      const stored = await api("GET", `/api/scenarios/${cfg.scenario}`);
      setVersion(stored.version, stored.revision);
      state.saved = stored.document.edits || [];
      const dropped = [];
      state.base = await api("POST", `/api/scenarios/${cfg.scenario}/evaluate`, evaluateBody([]));
      for (;;) {
        try {
          const figures = await api("POST", `/api/scenarios/${cfg.scenario}/evaluate`, evaluateBody(state.edits));
          render(figures);
          break;
        } catch (err) {
          const match = err.status === 422 && /edits\[(\d+)\]/.exec(err.message);
          if (!match) throw err;
          dropped.push(`${editText(state.edits[Number(match[1])])}: ${err.message}`);
          state.edits.splice(Number(match[1]), 1);
        }
      }
      showStatus(_("Your %(n)s edits now lie on top of version %(version)s: check them and save.", { n: state.edits.length, version: stored.version }));
      if (dropped.length) showError(_("These edits no longer apply and were left out:"), el("ul", {}, ...dropped.map((t) => el("li", { text: t }))));
      renderEdits();
      $("save").focus();
    } catch (err) {
      showError(err.message);
    }
  }
  async function save() {
    showError("");
    try {
      const out = await api("POST", `/api/scenarios/${cfg.scenario}/edits`,
        { base_revision: cfg.revision, edits: state.edits });
      state.saved = state.saved.concat(state.edits);
      state.edits = []; state.redo = [];
      setVersion(out.version, out.revision);
      showStatus(_("Saved: version %(version)s, %(n)s edits stored.", { version: out.version, n: out.edits }));
      evaluate({});
    } catch (err) {
      if (err.status === 409) showConflict(err.message); else showError(saveError(err));
      renderEdits();
    }
  }
  function saveAsStep(step) {
    $("save-as-step-1").hidden = step !== 1;
    $("save-as-step-2").hidden = step !== 2;
    (step === 1 ? $("save-name") : $("save-as-confirm")).focus();
  }
  function openSaveAs() {
    $("save-as-error").textContent = "";
    if (!$("save-description").value) {
      $("save-description").value = _("%(scenario)s with %(n)s edits made in the map editor", { scenario: cfg.scenario, n: state.edits.length });
    }
    $("save-as-dialog").showModal();
    saveAsStep(1);
  }
  function saveAsNext(event) {
    event.preventDefault();
    const name = $("save-name").value.trim();
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
      $("save-as-error").textContent = _("Give the new scenario a name: lower-case letters, digits, - and _ (starting with a letter or digit).");
      $("save-name").focus();
      return;
    }
    $("save-as-summary").textContent = _("Save %(n)s edits as the new scenario \"%(name)s\", based on %(scenario)s (version %(version)s)? You keep this view and go on editing the new scenario.", {
      n: state.edits.length, name, scenario: cfg.scenario, version: $("version").textContent });
    saveAsStep(2);
  }
  async function saveAsConfirm() {
    const name = $("save-name").value.trim();
    const description = $("save-description").value.trim();
    try {
      const wanted = { base_revision: cfg.revision, name, description: description || null, edits: state.edits };
      // through a share link: a scenario of your own, the link's token in the body (not the URL)
      const out = cfg.shareSave
        ? await api("POST", "/api/shared/save-as", Object.assign({ share: cfg.share }, wanted), false)
        : await api("POST", `/api/scenarios/${cfg.scenario}/save-as`, wanted);
      $("save-as-dialog").close();
      const from = cfg.scenario;
      cfg.scenario = out.id;
      cfg.revision = out.revision;
      cfg.canSave = true;
      body.dataset.canSave = "true";
      cfg.share = null; // the new scenario is the planner's own
      cfg.shareSave = false;
      body.dataset.scenario = out.id;
      state.saved = state.edits.slice();
      state.edits = []; state.redo = [];
      setVersion(out.version, out.revision);
      $("description").textContent = description;
      $("description").removeAttribute("lang"); // the planner's text, in the page's language
      $("title-scenario").textContent = out.id;
      document.title = document.title.replace(from, out.id);
      $("save-why").textContent = "";
      updateLinks();
      history.replaceState(null, "", `/edit/${out.id}?${viewQuery()}`);
      showStatus(_("Saved as %(name)s (version %(version)s). You are now editing %(name)s.", { name: out.id, version: out.version }));
      evaluate({});
      $("search").focus(); // the save-as button is off now (no unsaved edits)
    } catch (err) {
      saveAsStep(1);
      $("save-as-error").textContent = err.status === 409 ? _("Not saved: %(reason)s", { reason: err.message }) : saveError(err);
    }
  }
  /* The scenario's own version number (1, 2, 3 …, as on every page) is shown; the store-wide
   * revision is what a save names as its base (409 when the scenario moved on). */
  function setVersion(version, revision) {
    cfg.revision = revision;
    body.dataset.revision = String(revision);
    $("version").textContent = String(version);
  }
  function updateLinks() {
    $("map-link").href = `/maps/${cfg.scenario}?${viewQuery()}`;
    $("compare-link").href = withShare(`/maps/compare?${new URLSearchParams({ left: "huidig", right: cfg.scenario, division: cfg.division, against: cfg.against })}`);
  }

  // ------------------------------------------------------------------ view settings
  async function loadAgainst() {
    const against = await api("GET", `/api/divisions/${cfg.against}.geojson?scenario=${cfg.scenario}`);
    if (againstLayer) againstLayer.remove();
    againstLayer = L.geoJSON(against, {
      pane: "against", interactive: false,
      style: { color: "#d81b60", weight: 2, fill: false, opacity: 0.95, dashArray: "6 4" },
    }).addTo(map);
  }
  async function changeView(key, value) {
    cfg[key] = value;
    body.dataset[key] = value;
    history.replaceState(null, "", `/edit/${cfg.scenario}?${viewQuery()}`);
    updateLinks();
    $("legend-against").textContent = $("against").selectedOptions[0].textContent;
    if (key === "against") {
      try { await loadAgainst(); } catch (err) { showError(err.message); }
    }
    state.base = null;
    if (state.edits.length) {
      try { state.base = await api("POST", `/api/scenarios/${cfg.scenario}/evaluate`, evaluateBody([])); } catch (err) { showError(err.message); }
    }
    await evaluate({});
    showStatus(key === "weight" ? _("Weight: %(value)s", { value: $("weight").selectedOptions[0].textContent }) : _("Compared with %(value)s", { value }));
  }

  // ------------------------------------------------------------------ controls
  function setMode(mode) {
    state.mode = mode;
    $("mode-select").checked = mode === "select";
    $("mode-paint").checked = mode === "paint";
    if (mode === "paint") hidePicker(false);
  }
  function settled(action) {
    let timer = null;
    return () => { clearTimeout(timer); timer = setTimeout(action, 350); };
  }
  function typing(target) {
    const tag = (target.tagName || "").toLowerCase();
    return tag === "textarea" || tag === "select" || (tag === "input" && !["checkbox", "radio", "button"].includes(target.type));
  }
  /* Signing in from a shared editor comes back here (``next``) with the edits tried so far:
   * they wait in this tab's sessionStorage (never sent anywhere) and are put back on load. */
  const TRYOUT = "regiokompas.tryout";
  function keepTryout() {
    const link = $("sign-in-to-save");
    link.href = `/login?${new URLSearchParams({ next: window.location.pathname + window.location.search })}`;
    try {
      sessionStorage.setItem(TRYOUT, JSON.stringify({
        scenario: cfg.scenario, share: cfg.share, division: cfg.division, edits: state.edits,
      }));
    } catch (err) {
      // storage off: signing in still works, the edits are not kept
    }
  }
  function takeTryout() {
    let kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(TRYOUT) || "null");
      sessionStorage.removeItem(TRYOUT);
    } catch (err) {
      kept = null;
    }
    if (!kept || kept.scenario !== cfg.scenario || kept.share !== cfg.share || kept.division !== cfg.division) return;
    if (!Array.isArray(kept.edits) || !kept.edits.length) return;
    state.edits = kept.edits.filter((e) => e && typeof e === "object" && e.division === cfg.division);
    showStatus(ngettext("Your %(num)s tried edit is back: save it as a scenario of your own.",
      "Your %(num)s tried edits are back: save them as a scenario of your own.", state.edits.length));
  }
  function wire() {
    if ($("sign-in-to-save")) $("sign-in-to-save").addEventListener("click", keepTryout);
    $("mode-select").addEventListener("change", () => setMode("select"));
    $("mode-paint").addEventListener("change", () => setMode("paint"));
    $("undo").addEventListener("click", undo);
    $("space-panel").addEventListener("toggle", () => placeEdits(false));
    $("redo").addEventListener("click", redo);
    $("save").addEventListener("click", save);
    $("save-as").addEventListener("click", openSaveAs);
    $("save-as-form").addEventListener("submit", saveAsNext);
    $("save-as-cancel").addEventListener("click", () => $("save-as-dialog").close());
    $("save-as-back").addEventListener("click", () => saveAsStep(1));
    $("save-as-confirm").addEventListener("click", saveAsConfirm);
    $("save-as-dialog").addEventListener("close", () => { if (!$("save-as").disabled) $("save-as").focus(); });
    $("merge").addEventListener("click", () => {
      const a = $("merge-a").value, b = $("merge-b").value;
      if (!a || !b || a === b) { showError(_("Choose two different regions to merge.")); return; }
      const edit = { op: "merge", division: cfg.division, regions: [a, b], into: a };
      const locked = lockedBy(edit);
      if (locked) { showError(_("%(region)s is locked: unlock it in the region table first.", { region: regionLabel(locked) })); return; }
      addEdit(edit);
    });
    $("rename").addEventListener("click", () => {
      const region = $("rename-region").value, name = $("rename-name").value.trim();
      if (!region || !name) { showError(_("Choose a region and type its new name.")); return; }
      addEdit({ op: "rename", division: cfg.division, region, name });
    });
    // menus act a moment after the last change: arrow keys through a closed menu change its
    // value at every step, and each step should not recompute or move the map
    $("weight").addEventListener("change", settled(() => changeView("weight", $("weight").value)));
    $("against").addEventListener("change", settled(() => changeView("against", $("against").value)));
    $("focus").addEventListener("change", settled(() => {
      const [kind, code] = $("focus").value.split(":");
      setFocus(kind ? { kind, code } : null);
    }));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !$("picker").hidden && !$("save-as-dialog").open) {
        event.preventDefault(); hidePicker(true); showStatus(_("Closed.")); return;
      }
      if (!(event.ctrlKey || event.metaKey) || typing(event.target)) return;
      const key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) { event.preventDefault(); undo(); }
      else if (key === "y" || (key === "z" && event.shiftKey)) { event.preventDefault(); redo(); }
    });
    document.addEventListener("mouseup", () => { if (state.painting) { state.painting = false; map.dragging.enable(); } });
    window.addEventListener("beforeunload", (event) => {
      if (state.edits.length) { event.preventDefault(); event.returnValue = ""; }
    });
    $("search").addEventListener("input", () => showResults(searchResults($("search").value)));
    $("search").addEventListener("keydown", onSearchKey);
    if (window.matchMedia && window.matchMedia("(max-width: 768px)").matches) {
      for (const id of ["edits-panel", "changed-panel", "regions-panel"]) $(id).open = false;
    }
  }

  // ------------------------------------------------------------------ start
  async function start() {
    wire();
    try {
      const [gemeenten, borders, stored, context] = await Promise.all([
        api("GET", "/api/editor/gemeenten.geojson"),
        api("GET", "/api/editor/borders.geojson"),
        api("GET", `/api/scenarios/${cfg.scenario}`),
        api("GET", `/api/scenarios/${cfg.scenario}/editor-context?division=${cfg.division}`),
        loadAgainst(),
      ]);
      state.saved = (stored.document.edits || []);
      takeTryout();
      state.context = context;
      for (const [pc4, units, plaats, region] of context.postcodes) {
        state.postcodes[pc4] = { units, plaats, region };
        for (const u of units) (state.unitPostcodes[u] = state.unitPostcodes[u] || []).push(pc4);
      }
      for (const f of gemeenten.features) {
        state.names[f.id] = f.properties.name;
        state.neighbours[f.id] = f.properties.neighbours || [];
      }
      unitLayer = L.geoJSON(gemeenten, {
        style: unitStyle,
        onEachFeature: (feature, layer) => {
          state.layers[feature.id] = layer;
          // the gemeenten are reached with the search and the tables, not with 342 tab stops
          layer.on("add", () => { const path = layer.getElement(); if (path) path.setAttribute("tabindex", "-1"); });
          // a DOM node, never an HTML string: region names are user input (Leaflet would set a
          // string tooltip as innerHTML)
          layer.bindTooltip(() => el("span", { text: tooltipText(feature.id) }), { sticky: true });
          layer.on("click", () => { if (state.mode !== "paint") onUnitClick(feature.id, { returnFocus: document.activeElement }); });
          layer.on("mousedown", (event) => {
            if (state.mode !== "paint" || (event.originalEvent && event.originalEvent.button !== 0)) return;
            state.painting = true;
            map.dragging.disable();
            paint(feature.id);
          });
          layer.on("mouseover", () => { if (state.painting && state.mode === "paint") paint(feature.id); });
        },
      }).addTo(map);
      L.geoJSON(borders, {
        pane: "borders", interactive: false,
        style: { color: "#111", weight: 3.5, opacity: 0, lineCap: "round" },
        onEachFeature: (feature, layer) => { state.borders[feature.id] = layer; },
      }).addTo(map);
      map.fitBounds(unitLayer.getBounds());
      renderFocusOptions();
      await evaluate({});
      body.dataset.ready = "true";
    } catch (err) {
      showError(_("Could not load the editor: %(reason)s", { reason: err.message }));
    }
  }
  start();
})();
