// Map pages: panels that collapse on small
// screens (the legend and the figures are <details>; the layer list gets a close button), and
// the gemeente tooltips on keyboard focus too. Strings come from the catalogs (i18n.js).
(function () {
  "use strict";
  const small = window.matchMedia("(max-width: 900px)").matches;
  // (the zoom buttons and the layer toggle are named by i18n.js)
  for (const control of document.querySelectorAll(".leaflet-control-layers")) {
    const toggle = control.querySelector(".leaflet-control-layers-toggle");
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
