// The proposal page's own step of the job progress (/static/job.js follows the job): the
// table of jeugdregio's (status and seconds of each), and once the proposal is done the link
// to its result, focused.
(function () {
  "use strict";
  const STATUS = { waiting: _("waiting"), running: _("running"), done: _("done") };
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

  rkJob.follow({
    render(answer) {
      if ((answer.progress || {}).total) showRegions(answer.progress.regions);
    },
    finish(answer) {
      if (answer.status !== "done") return;
      const link = document.getElementById("result-link");
      link.href = `/scenarios/${answer.scenario_id}`;
      document.getElementById("proposal-result").hidden = false;
      link.focus();
    },
  });
})();
