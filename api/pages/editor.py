"""The map editor page: rendering, and the words for why saving is not possible.

The page is Dutch by default with English selectable (docs/i18n.md); its script takes its
strings from the same catalogs (embedded in the page).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from api.pages.templating import TEMPLATES, page_context
from api.records import StoredScenario
from api.safety.auth.accounts import User
from api.safety.auth.credentials import Credential
from api.safety.auth.principal import Principal, session_of
from maps.i18n import N_
from maps.i18n.labels import CHECK_TITLES, check_title, division_label, weight_label

SIGN_IN_TO_SAVE = N_("Sign in to save your edits (your edits here are kept until you leave).")
LIBRARY_READ_ONLY = N_(
    "Save is off: this is a library scenario, only an admin may change it. Use save as."
)
NOT_YOURS = N_("Save is off: this scenario belongs to %(owner)s. Use save as.")


SHARED_READ_ONLY = N_(
    "Save is off: this scenario is shared with you read-only. Use save as to keep your edits "
    "as a scenario of your own."
)


def editor_viewer(
    request: Request, principal: Principal
) -> tuple[Credential | None, User | None, str]:
    """``(session, viewer, login_url)`` of an editor page: the session (for its CSRF token) and
    the signed-in user, also behind a share link (who may keep tried edits as their own); for
    nobody signed in, the sign-in URL that comes back to this very editor (with the link)."""
    session = principal.credential if principal.via == "session" else None
    viewer = principal.user
    if principal.via == "share":
        found = session_of(request, request.app.state.regio.store)
        if found is not None:
            session, viewer = found
    if viewer is not None:
        return session, viewer, ""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return session, None, "/login?" + urlencode({"next": here})


def save_refusal(stored: StoredScenario, principal: Principal, viewer: User | None = None) -> str:
    """Why ``principal`` may not save into ``stored`` (English msgid, placeholders filled by
    the page's translation); ``viewer``: the signed-in user behind a share link, if any."""
    if principal.via == "share" and viewer is not None:
        return SHARED_READ_ONLY
    if not principal.is_user:
        return SIGN_IN_TO_SAVE
    if stored.owner is None:
        return LIBRARY_READ_ONLY
    return NOT_YOURS


def render_editor(request: Request, **variables: Any) -> str:
    """The editor page for ``request`` in its language, with ``variables`` (see
    ``api/templates/editor.html``); the script's strings are embedded from the catalogs."""
    context = page_context(request)
    locale = context["locale"]
    variables["weights"] = [
        {"value": w, "label": weight_label(w, locale)} for w in variables.pop("weight_names")
    ]
    variables["against_options"] = [
        {"value": d, "label": division_label(d, locale)} for d in variables["against_options"]
    ]
    titles = {name: check_title(name, name, locale) for name in CHECK_TITLES}
    return TEMPLATES.get_template("editor.html").render(
        **context,
        i18n_blob=context["i18n_script"]("editor/editor.js"),
        i18n_helper="/static/i18n.js",
        check_titles=json.dumps(titles, ensure_ascii=False),
        **variables,
    )
