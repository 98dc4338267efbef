"""``/compare``: any two scenarios side by side, each with a chosen division.

- ``GET /compare?left=huidig&left_division=swv_po&right=plan&right_division=swv``: pickers for
  both sides, the two verdicts as one scorecard (check by check), and the difference: the
  gemeenten whose region differs between the two divisions and the pupils concerned
  (:mod:`geo.overlap.difference`, the left side in the place of today's), with links to the
  difference map and to the synchronised side-by-side maps;
- ``GET /compare/map?...``: the difference map (:mod:`maps.difference_map`): gemeenten whose
  region differs, shaded by the pupils concerned.

A share link (``?share=``) may compare its scenario with the library and published scenarios;
every link of the page keeps it.
"""

from __future__ import annotations

import html
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ScenarioEvaluator, get_evaluator, get_store
from api.models import DIVISION_PATTERN, SCENARIO_PATTERN
from api.pages.locale import get_locale
from api.pages.map_pages import MapPage, map_parts, render_map_page
from api.pages.scenario_view import PAGE_DIVISIONS, with_token
from api.pages.templating import render_page
from api.routers.maps import ASSET_URL, cached_page, render_or_error, share_token
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.security import nonce_scripts
from api.storage.store import ScenarioStore
from geo.errors import RegiokompasError
from geo.overlap.difference import DivisionDifference, division_difference
from maps.difference_map import difference_map
from maps.division_map import page_parts
from maps.i18n import format_number, gettext

router = APIRouter(include_in_schema=False)

Side = Annotated[str, Query(pattern=SCENARIO_PATTERN)]
SideDivision = Annotated[str, Query(pattern=DIVISION_PATTERN)]
MAX_ROWS = 60


def _side(evaluator: ScenarioEvaluator, scenario: str, division: str) -> dict[str, Any]:
    """One side: its title, its divisions, the chosen one, its verdict (or why not)."""
    side: dict[str, Any] = {"id": scenario, "division": division, "error": None}
    try:
        stored = evaluator.stored(scenario)
        side["title"] = str(stored.document.get("title") or scenario)
        side["divisions"] = [d for d in PAGE_DIVISIONS if d in evaluator.divisions(scenario)]
        if division not in side["divisions"]:
            side["error"] = f"{scenario!r} has no division {division!r}"
        side["verdict"] = evaluator.verdict(scenario).to_dict()
    except (RegiokompasError, KeyError, ValueError) as exc:
        side.setdefault("title", scenario)
        side.setdefault("divisions", [])
        side["verdict"] = None
        side["error"] = side["error"] or str(exc)
    return side


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    left: Side = "huidig",
    right: Side = "huidig",
    left_division: SideDivision = "swv_po",
    right_division: SideDivision = "swv_po",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> HTMLResponse:
    """The compare page (module rules)."""
    share = share_token(request)
    sides = [_side(evaluator, left, left_division), _side(evaluator, right, right_division)]
    params = {"left": left, "left_division": left_division, "right": right}
    params["right_division"] = right_division
    diff: dict[str, Any] | None = None
    if not sides[0]["error"] and not sides[1]["error"]:
        before = evaluator.division(left, left_division)
        after = evaluator.division(right, right_division)
        d = division_difference(evaluator.dataset, before, after)
        rows = d.changed.head(MAX_ROWS)
        diff = {
            "gemeenten": len(d.changed),
            "pupils": d.pupils,
            "weights": list(d.weights),
            "rows": [
                {
                    "code": str(code),
                    **{k: getattr(r, k) for k in ("name", "before", "after")},
                    "pupils": float(r.pupils),
                }
                for code, r in zip(rows.index, rows.itertuples(), strict=True)
            ],  # fmt: skip
        }
    checks: list[dict[str, Any]] = []
    for i, side in enumerate(sides):
        for c in (side["verdict"] or {}).get("checks", []):
            row = next((r for r in checks if r["name"] == c["name"]), None)
            if row is None:
                row = {"name": c["name"], "title": c["title"], "sides": [None, None]}
                checks.append(row)
            row["sides"][i] = c
    choices = sorted(
        (s.id, str(s.document.get("title") or s.id)) for s in store.list() if principal.can_read(s)
    )
    page = render_page(
        request,
        "compare.html",
        sides=sides,
        checks=checks,
        diff=diff,
        choices=choices,
        divisions=PAGE_DIVISIONS,
        share=share,
        map_url=with_token(f"/compare/map?{urlencode(params)}", share),
        side_by_side=with_token(
            "/maps/compare?"
            + urlencode(
                {
                    "left": left,
                    "right": right,
                    "division": right_division,
                    "left_division": left_division,
                    "right_division": right_division,
                }
            ),
            share,
        ),  # fmt: skip
    )
    return HTMLResponse(nonce_scripts(page), headers={"Cache-Control": "no-store"})


def _difference_table(diff: DivisionDifference, labels: tuple[str, str], locale: str) -> str:
    """The text alternative of the difference map: its changed gemeenten as a table."""
    _ = gettext(locale)
    head = "".join(
        f"<th scope='col'>{html.escape(h)}</th>"
        for h in (_("Gemeente"), labels[0], labels[1], _("pupils"))
    )
    rows = "".join(
        f"<tr><td>{html.escape(r.name)} ({html.escape(str(code))})</td>"
        f"<td>{html.escape(r.before)}</td><td>{html.escape(r.after)}</td>"
        f"<td class='num'>{format_number(r.pupils, locale)}</td></tr>"
        for code, r in zip(diff.changed.index, diff.changed.itertuples(), strict=True)
    )
    return f"<table id='verschil-tabel'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


@router.get("/compare/map", response_class=HTMLResponse)
def compare_map_page(
    request: Request,
    left: Side = "huidig",
    right: Side = "huidig",
    left_division: SideDivision = "swv_po",
    right_division: SideDivision = "swv_po",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """The difference map (module rules), inside the site's frame with a text alternative."""
    locale = get_locale(request)

    def render() -> str:
        key = ("difference", evaluator.key(left), left_division, evaluator.key(right))
        key += (right_division, locale)

        def build() -> MapPage:
            _ = gettext(locale)
            before = evaluator.division(left, left_division)
            after = evaluator.division(right, right_division)
            diff = division_difference(evaluator.dataset, before, after)
            labels = (f"{left} ({left_division})", f"{right} ({right_division})")
            m = difference_map(
                evaluator.dataset, before, after, diff,
                title=f"{left} {left_division} → {right} {right_division}",
                labels=labels, assets=ASSET_URL, locale=locale,
            )  # fmt: skip
            heading = _("Difference map: %(left)s → %(right)s") % {
                "left": labels[0],
                "right": labels[1],
            }
            sentence = _("%(n)s gemeenten lie in another region; %(pupils)s pupils concerned.") % {
                "n": format_number(len(diff.changed), locale),
                "pupils": format_number(diff.pupils, locale),
            }
            return MapPage(
                title=f"{heading} · regiokompas",
                heading=heading,
                sentences=(sentence,),
                parts=map_parts(page_parts(m)),
                alternative=_difference_table(diff, labels, locale),
            )

        return render_map_page(request, cached_page(request, key, build), locale)

    return render_or_error(request, render)
