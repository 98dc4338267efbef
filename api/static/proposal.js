// Proposal progress: polls GET /api/proposals/{job} once a second while it runs, fills in the
// jeugdregio table, the bar and the estimate, and opens the result's page when it is done.
(function () {
  "use strict";
  const box = document.getElementById("proposal");
  if (!box) return;
  const job = box.dataset.job;
  const STATUS = { waiting: _("waiting"), running: _("running"), done: _("done") };
  const status = document.getElementById("proposal-status");
  const bar = document.getElementById("proposal-bar");
  const eta = document.getElementById("proposal-eta");
  const body = document.querySelector("#proposal-regions tbody");

  function showRegions(regions) {
    body.replaceChildren();
    for (const r of regions || []) {
      const tr = document.createElement("tr");
      tr.dataset.code = r.code;
      const name = document.createElement("td");
      name.textContent = `${r.name} ${r.code}`;
      const state = document.createElement("td");
      state.className = "status";
      state.textContent = STATUS[r.status] || r.status;
      const secs = document.createElement("td");
      secs.className = "num seconds";
      secs.textContent = r.seconds === null || r.seconds === undefined ? "" : rkI18n.number(r.seconds, 1);
      tr.append(name, state, secs);
      body.append(tr);
    }
  }

  async function poll() {
    let answer;
    try {
      const response = await fetch(`/api/proposals/${job}`, { headers: { Accept: "application/json" } });
      answer = await response.json();
      if (!response.ok) {
        status.textContent = _("Error %(status)s: %(detail)s", { status: response.status, detail: answer.detail });
        return;
      }
    } catch (error) {
      setTimeout(poll, 2000);
      return;
    }
    const p = answer.progress || {};
    if (p.total) {
      bar.max = p.total;
      bar.value = p.done || 0;
      let text = _("%(done)s of %(total)s jeugdregio's done", { done: p.done || 0, total: p.total });
      if (answer.status === "queued" || answer.status === "running") {
        text += "; " + _("about %(s)s seconds left", { s: Math.round(p.eta_seconds || 0) });
      }
      eta.textContent = text;
      showRegions(p.regions);
    }
    box.dataset.status = answer.status;
    if (answer.status === "queued") status.textContent = _("Waiting for a free place…");
    else if (answer.status === "running") status.textContent = _("Running…");
    else if (answer.status === "cancelled") status.textContent = _("Cancelled; nothing was stored.");
    else if (answer.status === "failed") status.textContent = _("Failed: %(error)s", { error: answer.error });
    if (answer.status === "done") {
      status.textContent = _("Done.");
      document.getElementById("cancel-form")?.remove();
      const result = document.getElementById("proposal-result");
      const link = document.getElementById("result-link");
      link.href = `/scenarios/${answer.scenario_id}`;
      result.hidden = false;
      link.focus();
      return;
    }
    if (answer.status === "queued" || answer.status === "running") setTimeout(poll, 1000);
    else document.getElementById("cancel-form")?.remove();
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") poll();
})();
