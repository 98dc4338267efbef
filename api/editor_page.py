"""The map editor page: rendering, and the words for why saving is not possible.

The page is Dutch by default with English selectable (docs/i18n.md); its script takes its
strings from the same catalogs (embedded in the page).
"""

from __future__ import annotations

from typing import Any

import jinja2
from fastapi import Request

from api.auth.principal import Principal
from api.records import StoredScenario

WEIGHT_LABELS: dict[str, str] = {
    "area": "area (km²)",
    "inhabitants": "inhabitants",
    "inhabitants_0_15": "inhabitants 0-15",
    "pupils_po": "pupils (primary)",
    "pupils_vo": "pupils (secondary)",
    "pupils_special": "pupils (special)",
    "pupils": "pupils (all)",
}
"""The weight menu's labels (English msgids; keys are :data:`geo.dataset.WEIGHTS`)."""

SIGN_IN_TO_SAVE = "Sign in to save your edits (your edits here are kept until you leave)."
LIBRARY_READ_ONLY = (
    "Save is off: this is a library scenario, only an admin may change it. Use save as."
)
NOT_YOURS = "Save is off: this scenario belongs to %(owner)s. Use save as."


def save_refusal(stored: StoredScenario, principal: Principal) -> str:
    """Why ``principal`` may not save into ``stored`` (English msgid, placeholders filled by
    the page's translation)."""
    if not principal.is_user:
        return SIGN_IN_TO_SAVE
    if stored.owner is None:
        return LIBRARY_READ_ONLY
    return NOT_YOURS


def render_editor(templates: jinja2.Environment, request: Request, **variables: Any) -> str:
    """The editor page for ``request`` with ``variables`` (see ``api/templates/editor.html``)."""

    def translate(text: str, **values: Any) -> str:
        return text % values if values else text

    return templates.get_template("editor.html").render(
        _=translate,
        locale="en",
        language_links=[],
        i18n_blob="",
        i18n_helper="",
        **variables,
    )
