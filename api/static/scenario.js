// The scenario page: copy a new share link; remember share links opened in this browser so the
// home page can list them under "shared with me" (kept in this browser only, never sent).
(function () {
  "use strict";
  const copy = document.getElementById("copy-share");
  if (copy) {
    copy.addEventListener("click", async () => {
      const field = document.getElementById("new-share-url");
      const status = document.getElementById("copy-status");
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = _("Copied.");
      } catch (error) {
        status.textContent = _("Select the link and copy it (Ctrl+C).");
      }
    });
  }
  const info = document.getElementById("share-info");
  if (info) {
    try {
      const key = "regiokompas.shared";
      const known = JSON.parse(localStorage.getItem(key) || "[]").filter(
        (entry) => entry.token !== info.dataset.token
      );
      known.unshift({ token: info.dataset.token, title: info.dataset.title, id: info.dataset.id });
      localStorage.setItem(key, JSON.stringify(known.slice(0, 50)));
    } catch (error) {
      // storage may be off: the list on the home page is a convenience only
    }
  }
})();
