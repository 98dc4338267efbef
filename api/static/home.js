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
        ? _("Stored scenario %(id)s on base %(base)s: %(units)s gemeenten from the file, %(kept)s as in the base.", {
          id: body.id, base: body.base, units: rkI18n.number(body.units), kept: rkI18n.number(body.kept),
        })
        : _("Stored scenario %(id)s (%(units)s gemeenten, %(regions)s regions).", {
          id: body.id, units: rkI18n.number(body.units), regions: rkI18n.number(body.regions),
        });
      setTimeout(() => window.location.reload(), 800);
    } else {
      out.className = "rk-error";
      out.textContent = _("Error %(status)s: %(detail)s", { status: response.status, detail: body.detail });
    }
  } catch (error) {
    out.className = "rk-error";
    out.textContent = _("Upload failed: %(error)s", { error: String(error) });
  }
});
