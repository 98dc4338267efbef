// The progress of a background job, one script for every job page (proposal, options): the
// page's job box (templates/job_progress.html: data-job-api, the job's JSON; data-status;
// data-prefix, the ids of its status line, bar and estimate; data-seconds-left) is polled once a
// second while the job is queued or running. The bar and the count of jeugdregio's done (with
// the time left where the page asks for it) follow the job; the status line (role=status,
// aria-live) changes only when the status does, so a screen reader hears each step once. Every
// answer goes to the page's own render step, and its finish step runs once the job has ended
// (the cancel form is gone by then). The page's script calls
//   rkJob.follow({ running: text, render(answer) {...}, finish(answer) {...} })
(function () {
  "use strict";

  function statusText(answer, running) {
    switch (answer.status) {
      case "queued": return _("Waiting for a free place…");
      case "running": return running || _("Running…");
      case "done": return _("Done.");
      case "cancelled": return _("Cancelled; nothing was stored.");
      default: return _("Failed: %(error)s", { error: answer.error });
    }
  }

  function follow(steps) {
    const box = document.querySelector("[data-job-api]");
    if (!box) return;
    const prefix = box.dataset.prefix;
    const status = document.getElementById(`${prefix}-status`);
    const bar = document.getElementById(`${prefix}-bar`);
    const eta = document.getElementById(`${prefix}-eta`);
    const active = (s) => s === "queued" || s === "running";

    function showProgress(answer) {
      const p = answer.progress || {};
      if (!p.total || !bar) return;
      bar.max = p.total;
      bar.value = p.done || 0;
      let text = _("%(done)s of %(total)s jeugdregio's done", { done: p.done || 0, total: p.total });
      if (box.dataset.secondsLeft && active(answer.status)) {
        text += "; " + _("about %(s)s seconds left", { s: Math.round(p.eta_seconds || 0) });
      }
      eta.textContent = text;
    }

    async function poll() {
      let answer;
      try {
        const response = await fetch(box.dataset.jobApi, { headers: { Accept: "application/json" } });
        answer = await response.json();
        if (!response.ok) {
          status.textContent = _("Error %(status)s: %(detail)s", { status: response.status, detail: answer.detail });
          return;
        }
      } catch (error) {
        setTimeout(poll, 2000);
        return;
      }
      showProgress(answer);
      if (answer.status !== box.dataset.status) status.textContent = statusText(answer, steps.running);
      box.dataset.status = answer.status;
      if (steps.render) steps.render(answer);
      if (active(answer.status)) {
        setTimeout(poll, 1000);
        return;
      }
      document.getElementById("cancel-form")?.remove();
      if (steps.finish) steps.finish(answer);
    }

    if (active(box.dataset.status)) poll();
  }

  window.rkJob = { follow };
})();
