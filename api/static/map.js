// Map pages: Leaflet's own controls in the reader's language, panels that collapse on small
// screens (the legend and the figures are <details>; the layer list gets a close button), and
// the gemeente tooltips on keyboard focus too. Strings come from the catalogs (i18n.js).
(function () {
  "use strict";
  const small = window.matchMedia("(max-width: 900px)").matches;
  for (const link of document.querySelectorAll(".leaflet-control-zoom-in")) {
    link.title = _("Zoom in");
    link.setAttribute("aria-label", _("Zoom in"));
  }
  for (const link of document.querySelectorAll(".leaflet-control-zoom-out")) {
    link.title = _("Zoom out");
    link.setAttribute("aria-label", _("Zoom out"));
  }
  for (const control of document.querySelectorAll(".leaflet-control-layers")) {
    const toggle = control.querySelector(".leaflet-control-layers-toggle");
    if (toggle) {
      toggle.title = _("Map layers");
      toggle.setAttribute("aria-label", _("Map layers"));
    }
    const list = control.querySelector(".leaflet-control-layers-list");
    if (list) {
      const close = document.createElement("button");
      close.type = "button";
      close.className = "rk-close rk-secondary";
      close.textContent = _("Close");
      close.addEventListener("click", () => {
        control.classList.remove("leaflet-control-layers-expanded");
        if (toggle) toggle.focus();
      });
      list.prepend(close);
      control.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && control.classList.contains("leaflet-control-layers-expanded")) {
          control.classList.remove("leaflet-control-layers-expanded");
          if (toggle) toggle.focus();
        }
      });
    }
    if (small) control.classList.remove("leaflet-control-layers-expanded");
  }
  if (small) {
    for (const panel of document.querySelectorAll(".rk-map details.rk-panel[open]")) {
      panel.open = false;
    }
  }
})();
