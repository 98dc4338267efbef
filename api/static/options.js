// The options page's own step of the job progress (/static/job.js follows the job): while it
// runs the status line names the stages; when it has ended the page reloads, and the server
// draws the trade-off chart and the options table.
(function () {
  "use strict";
  rkJob.follow({
    running: _("Running: the options, then the proposal for the chart…"),
    finish() {
      window.location.reload();
    },
  });
})();
