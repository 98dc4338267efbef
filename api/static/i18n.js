// regiokompas page strings: the translations embedded by the server in
// <script type="application/json" id="rk-i18n"> (msgid -> text, or [one, many] for plurals),
// taken from the same gettext catalogs as the templates (docs/i18n.md). Load this before the
// page's own script. Missing msgids fall back to the English msgid.
(function () {
  "use strict";
  const blob = document.getElementById("rk-i18n");
  const strings = blob ? JSON.parse(blob.textContent) : {};
  const locale = document.documentElement.lang || "nl";
  function fill(text, vars) {
    if (!vars) return text;
    return text.replace(/%\((\w+)\)s/g, (match, name) =>
      Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : match);
  }
  function gettext(msgid, vars) {
    const found = strings[msgid];
    return fill(typeof found === "string" && found ? found : msgid, vars);
  }
  function ngettext(singular, plural, n, vars) {
    const found = strings[singular];
    const forms = Array.isArray(found) ? found : [singular, plural];
    return fill(n === 1 ? forms[0] : forms[1], Object.assign({ num: n }, vars || {}));
  }
  const formatters = new Map();
  function formatter(digits) {
    const key = digits === undefined ? "int" : String(digits);
    if (!formatters.has(key)) {
      const options = digits === undefined
        ? { maximumFractionDigits: 0 }
        : { minimumFractionDigits: digits, maximumFractionDigits: digits };
      formatters.set(key, new Intl.NumberFormat(locale === "nl" ? "nl-NL" : "en-GB", options));
    }
    return formatters.get(key);
  }
  // Same rules as maps/i18n/formats.py: metrics 3 decimals (whole from 1,000), counts whole.
  function number(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return formatter(digits).format(value);
  }
  function metric(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    if (typeof value === "boolean") return gettext(value ? "yes" : "no");
    if (Number.isInteger(value) || Math.abs(value) >= 1000) return number(value);
    return number(value, 3);
  }
  window.rkI18n = { locale, gettext, ngettext, number, metric };
  window._ = gettext;
  window.ngettext = ngettext;

  // Leaflet's own controls (zoom buttons, layer toggle) name themselves in English: name them
  // in the page's language, also on maps drawn later (the editor builds its map after loading).
  const LEAFLET = [
    [".leaflet-control-zoom-in", () => gettext("Zoom in")],
    [".leaflet-control-zoom-out", () => gettext("Zoom out")],
    [".leaflet-control-layers-toggle", () => gettext("Map layers")],
  ];
  function nameLeafletControls() {
    for (const [selector, label] of LEAFLET) {
      for (const el of document.querySelectorAll(selector)) {
        if (el.dataset.rkNamed) continue;
        el.title = label();
        el.setAttribute("aria-label", label());
        el.dataset.rkNamed = "1";
      }
    }
  }
  function watch() {
    nameLeafletControls();
    new MutationObserver(() => {
      if (document.querySelector(".leaflet-control-zoom-in:not([data-rk-named]), " +
          ".leaflet-control-layers-toggle:not([data-rk-named])")) nameLeafletControls();
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
