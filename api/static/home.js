// Home page: the upload form answers inline (progressive enhancement: without JavaScript the
// form posts normally and shows the JSON answer). Strings come from the catalogs (i18n.js).
// No inline event handlers (the Content-Security-Policy forbids them).
document.getElementById("upload")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const out = document.getElementById("upload-result");
  out.className = "";
  out.textContent = _("Uploading…");
  try {
    const response = await fetch(form.action, { method: "POST", body: new FormData(form) });
    const body = await response.json();
    if (response.ok) {
      out.className = "rk-good";
      out.textContent = body.kept
        ? _("Stored scenario %(id)s on base %(base)s. Gemeenten from the file: %(units)s; as in the base: %(kept)s.", {
          id: body.id, base: body.base, units: rkI18n.number(body.units), kept: rkI18n.number(body.kept),
        })
        : _("Stored scenario %(id)s (%(units)s gemeenten, %(regions)s regions).", {
          id: body.id, units: rkI18n.number(body.units), regions: rkI18n.number(body.regions),
        });
      setTimeout(() => { window.location.href = `/scenarios/${body.id}`; }, 800);
    } else {
      out.className = "rk-error";
      out.textContent = _("Error %(status)s: %(detail)s", { status: response.status, detail: body.detail });
    }
  } catch (error) {
    out.className = "rk-error";
    out.textContent = _("Upload failed: %(error)s", { error: String(error) });
  }
});

// Search: show only the scenarios whose title, id, owner or description hold every word typed.
(function () {
  "use strict";
  const search = document.getElementById("scenario-search");
  if (!search) return;
  search.addEventListener("input", () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const group of document.querySelectorAll("section.rk-group")) {
      let inGroup = 0;
      for (const row of group.querySelectorAll("tr[id^='scenario-'], li.rk-shared")) {
        const text = row.textContent.toLowerCase();
        const match = words.every((word) => text.includes(word));
        row.hidden = !match;
        if (match) inGroup += 1;
      }
      if (group.id !== "group-shared" || group.querySelector("li")) group.hidden = inGroup === 0;
      shown += inGroup;
    }
    document.getElementById("search-empty").hidden = shown > 0;
  });
})();

// Shared with me, signed out: the share links opened in this browser (kept in this browser
// only). Signed in, the server lists them (api/storage/shared.py).
(function () {
  "use strict";
  const list = document.getElementById("shared-list");
  if (!list || list.dataset.server) return; // signed in: the server keeps the list
  let known = [];
  try {
    known = JSON.parse(localStorage.getItem("regiokompas.shared") || "[]");
  } catch (error) {
    known = [];
  }
  for (const entry of known) {
    if (!entry || typeof entry.token !== "string") continue;
    const item = document.createElement("li");
    item.className = "rk-shared";
    const link = document.createElement("a");
    link.href = `/share/${encodeURIComponent(entry.token)}`;
    link.textContent = entry.title || entry.id || _("shared scenario");
    item.append(link);
    list.append(item);
  }
  if (list.children.length) document.getElementById("group-shared").hidden = false;
})();
