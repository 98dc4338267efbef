"""The map editor page: rendering, and the words for why saving is not possible.

The page is Dutch by default with English selectable (docs/i18n.md); its script takes its
strings from the same catalogs (embedded in the page).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.auth.principal import Principal
from api.records import StoredScenario
from api.templating import TEMPLATES, page_context
from maps.i18n import N_, gettext

WEIGHT_LABELS: dict[str, str] = {
    "area": N_("area (km²)"),
    "inhabitants": N_("inhabitants"),
    "inhabitants_0_15": N_("inhabitants 0-15"),
    "pupils_po": N_("pupils (primary)"),
    "pupils_vo": N_("pupils (secondary)"),
    "pupils_special": N_("pupils (special)"),
    "pupils": N_("pupils (all)"),
}
"""The weight menu's labels (English msgids; keys are :data:`geo.dataset.WEIGHTS`)."""

SIGN_IN_TO_SAVE = N_("Sign in to save your edits (your edits here are kept until you leave).")
LIBRARY_READ_ONLY = N_(
    "Save is off: this is a library scenario, only an admin may change it. Use save as."
)
NOT_YOURS = N_("Save is off: this scenario belongs to %(owner)s. Use save as.")


def save_refusal(stored: StoredScenario, principal: Principal) -> str:
    """Why ``principal`` may not save into ``stored`` (English msgid, placeholders filled by
    the page's translation)."""
    if not principal.is_user:
        return SIGN_IN_TO_SAVE
    if stored.owner is None:
        return LIBRARY_READ_ONLY
    return NOT_YOURS


def render_editor(request: Request, **variables: Any) -> str:
    """The editor page for ``request`` in its language, with ``variables`` (see
    ``api/templates/editor.html``); the script's strings are embedded from the catalogs."""
    context = page_context(request)
    _ = gettext(context["locale"])
    variables["weights"] = [{**w, "label": _(w["label"])} for w in variables.get("weights", [])]
    return TEMPLATES.get_template("editor.html").render(
        **context,
        i18n_blob=context["i18n_script"]("editor/editor.js"),
        i18n_helper="/static/i18n.js",
        **variables,
    )
