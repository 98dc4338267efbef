// Options progress: polls GET /api/options/{job} once a second while the job runs, fills in
// the bar and the count of jeugdregio's, and reloads the page when it has finished (the chart
// and the options are drawn by the server).
(function () {
  "use strict";
  const box = document.getElementById("options-job");
  if (!box) return;
  const job = box.dataset.job;
  const status = document.getElementById("options-status");
  const bar = document.getElementById("options-bar");
  const eta = document.getElementById("options-eta");

  async function poll() {
    let answer;
    try {
      const response = await fetch(`/api/options/${job}`, { headers: { Accept: "application/json" } });
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
    if (p.total && bar) {
      bar.max = p.total;
      bar.value = p.done || 0;
      eta.textContent = _("%(done)s of %(total)s jeugdregio's done", { done: p.done || 0, total: p.total });
    }
    if (answer.status === "queued" || answer.status === "running") {
      setTimeout(poll, 1000);
      return;
    }
    window.location.reload();
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") poll();
})();
