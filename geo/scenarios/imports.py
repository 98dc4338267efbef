"""Turn an uploaded assignment table into the rows of one ``assign`` edit, keeping the base.

Rule (what an import onto a base does, in the planner's words):

- Every gemeente of the table must exist: a code (``GM0363``) or a name (``Amsterdam``, any
  spelling :func:`geo.data.names.normalise_name` folds to the same key). An unknown one is
  refused naming its line: ``gemeente GM9944 bestaat niet``.
- A gemeente's shares must sum to 1.
- **Partial tables.** With a base, a table may list only some gemeenten: its rows replace
  those gemeenten's rows in the base's division, every other gemeente keeps the base's rows
  (and, through the ``assign`` edit, its postcode split). Without a base every gemeente must be
  listed; the message names the missing ones and says to choose a base.
- **Region codes.** A code the base's division does not have is refused, naming the code and
  the nearest existing codes (``PO31O1`` -> ``PO3101``), unless new regions are allowed. A
  division the base does not have at all takes any codes. The ``GEEN`` column (no region) is
  always allowed.

Every problem raises :class:`ImportRefused`, whose message is for the planner: English
msgids with placeholders (marked with :func:`N_`, extracted into the page catalogs by
``babel.cfg``), translated where they are shown (the API answers in the request's language:
``gemeente GM9944 bestaat niet``).

>>> import pandas as pd
>>> from geo.division import Division
>>> units = pd.DataFrame({"name": ["Een", "Twee"]}, index=pd.Index(["GM0001", "GM0002"]))
>>> base = Division.from_assignment("d", {"GM0001": "PO3101", "GM0002": "PO3102"})
>>> table = pd.DataFrame({"unit": ["Twee"], "region": ["PO3101"], "share": [1.0]})
>>> plan = plan_import(table, "d", base, units, has_base=True)
>>> plan.membership["region"].tolist(), plan.listed, plan.kept
(['PO3101', 'PO3101'], 1, 1)
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.data.names import normalise_name
from geo.division import NO_REGION, SHARE_TOLERANCE, Division
from geo.errors import RegiokompasError

MAX_LISTED = 5
"""How many missing gemeenten or suggestions a message lists."""


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the translation catalogs (translated where it is shown)."""
    return msgid


Part = tuple[str, dict[str, object]]
"""A sentence: an English msgid and its placeholder values (a value may be a Part itself)."""


class ImportRefused(RegiokompasError):
    """An uploaded table cannot become a scenario; the message says why, for a planner.

    ``parts`` are sentences (:data:`Part`); ``str()`` is the English text and
    :meth:`translated` the text in another language.

    >>> str(ImportRefused((N_("%(where)s: gemeente %(unit)s does not exist"),
    ...                    {"where": at("a.csv", 3), "unit": "GM9944"})))
    'a.csv, line 3: gemeente GM9944 does not exist'
    """

    def __init__(self, *parts: Part) -> None:
        self.parts = parts
        super().__init__(self.translated(lambda text: text))

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message with every sentence (and every place it names) translated."""
        return " ".join(_render(part, gettext) for part in self.parts)


def _render(part: Part, gettext: Callable[[str], str]) -> str:
    msgid, params = part
    values = {k: _render(v, gettext) if isinstance(v, tuple) else v for k, v in params.items()}  # type: ignore[arg-type]
    return gettext(msgid) % values


def at(source: str, line: int | None = None) -> Part:
    """The place of a problem: the file, and its line when known."""
    if line is None:
        return (N_("%(source)s"), {"source": source})
    return (N_("%(source)s, line %(line)s"), {"source": source, "line": line})


@dataclass
class ImportPlan:
    """The rows of the ``assign`` edit and what the table did."""

    membership: pd.DataFrame
    """``unit, region, share`` for every gemeente (the table's rows, the base's for the rest)."""
    listed: int
    """gemeenten the table lists"""
    kept: int
    """gemeenten that keep the base's rows (0 for a complete table)"""
    new_regions: list[str] = field(default_factory=list)
    """region codes the base's division did not have (only when allowed)"""


def nearest_codes(code: str, existing: list[str], n: int = 3) -> list[str]:
    """The existing codes most like ``code`` (letters O/I read as digits 0/1 first).

    >>> nearest_codes("PO31O1", ["PO3101", "PO3102", "VO3101", "PO2001"])
    ['PO3101', 'VO3101', 'PO3102']
    """
    folded = code.upper().replace("O", "0").replace("I", "1")
    fold = {c.upper().replace("O", "0").replace("I", "1"): c for c in existing}
    exact = [fold[folded]] if folded in fold and fold[folded] != code else []
    close = difflib.get_close_matches(code.upper(), existing, n=n, cutoff=0.5)
    return list(dict.fromkeys(exact + close))[:n]


def resolve_units(table: pd.DataFrame, units: pd.DataFrame, source: str) -> pd.Series:
    """The gemeente code of every row's ``unit`` (a code, or a gemeente name); raises
    :class:`ImportRefused` naming the first unknown one and its line (header = line 1)."""
    codes = table["unit"].astype(str)
    known = codes.isin(units.index)
    if known.all():
        return codes
    by_name = {normalise_name(n): c for c, n in units["name"].astype(str).items()}
    resolved = codes.where(known, codes.map(lambda v: by_name.get(normalise_name(v), "")))
    bad = resolved == ""
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        value = codes.iloc[i]
        hint = difflib.get_close_matches(value, list(units["name"].astype(str)), n=2, cutoff=0.75)
        place = {"where": at(source, i + 2), "unit": value}
        if hint:
            raise ImportRefused(
                (
                    N_("%(where)s: gemeente %(unit)s does not exist (did you mean %(hint)s?)"),
                    {**place, "hint": " / ".join(hint)},
                )
            )
        raise ImportRefused((N_("%(where)s: gemeente %(unit)s does not exist"), place))
    return resolved


def plan_import(
    table: pd.DataFrame,
    division: str,
    base: Division | None,
    units: pd.DataFrame,
    *,
    has_base: bool,
    allow_new_regions: bool = False,
    base_name: str | None = None,
    source: str = "upload",
    lines: bool = True,
) -> ImportPlan:
    """The complete ``unit, region, share`` rows for an ``assign`` of ``division`` (rule in
    the module docstring). ``base`` is the base's division of that name (None when the base
    has none); ``has_base`` says whether the planner chose a base (a partial table needs one);
    ``units`` is indexed by gemeente code with a ``name`` column; ``base_name`` is the chosen
    base's id (for messages); ``lines`` says whether the table's rows are lines of a file
    (messages then name the line)."""
    base_label: Part = (
        (N_("base %(base)s"), {"base": base_name}) if base_name else (N_("today's data"), {})
    )
    rows = table[["unit", "region", "share"]].copy().reset_index(drop=True)
    rows["unit"] = resolve_units(rows, units, source).to_numpy()
    rows["region"] = rows["region"].astype(str)
    sums = rows.groupby("unit", sort=False)["share"].sum()
    off = sums[(sums - 1.0).abs() > SHARE_TOLERANCE * 1e3]
    if len(off):
        unit = str(off.index[0])
        raise ImportRefused(
            (
                N_(
                    "%(where)s: the shares of gemeente %(unit)s (%(name)s) add up to %(total)s, "
                    "not 1"
                ),
                {
                    "where": at(source),
                    "unit": unit,
                    "name": str(units.loc[unit, "name"]),
                    "total": f"{off.iloc[0]:.4g}",
                },
            )
        )
    listed = set(rows["unit"])
    missing = [u for u in units.index.astype(str) if u not in listed]
    if missing and (not has_base or base is None):
        examples = ", ".join(f"{u} ({units.loc[u, 'name']})" for u in missing[:MAX_LISTED])
        counts = {
            "where": at(source),
            "missing": len(missing),
            "total": len(units),
            "examples": examples,
        }
        first: Part = (
            N_("%(where)s: %(missing)s of the %(total)s gemeenten are missing, e.g. %(examples)s."),
            counts,
        )
        if not has_base:
            raise ImportRefused(
                first,
                (
                    N_(
                        "Choose a base scenario to import only the gemeenten that change, or "
                        "list every gemeente."
                    ),
                    {},
                ),
            )
        raise ImportRefused(
            first,
            (
                N_(
                    "%(base)s has no division %(division)s to fill them in from: list every "
                    "gemeente."
                ),
                {"base": base_label, "division": division},
            ),
        )
    new_regions: list[str] = []
    if base is not None:
        existing = [str(c) for c in base.regions]
        unknown = rows.loc[~rows["region"].isin([*existing, NO_REGION]), "region"]
        new_regions = list(dict.fromkeys(unknown))
        if new_regions and not allow_new_regions:
            code = new_regions[0]
            line = int(unknown.index[0]) + 2 if lines else None
            parts: list[Part] = [
                (
                    N_("%(where)s: %(code)s is not a region of %(division)s in %(base)s."),
                    {
                        "where": at(source, line),
                        "code": code,
                        "division": division,
                        "base": base_label,
                    },
                )
            ]
            near = nearest_codes(code, existing)
            if near:
                parts.append((N_("Did you mean %(codes)s?"), {"codes": " / ".join(near)}))
            if len(new_regions) > 1:
                parts.append((N_("%(n)s more codes are new as well."), {"n": len(new_regions) - 1}))
            parts.append((N_("Choose 'allow new regions' if you mean a new region."), {}))
            raise ImportRefused(*parts)
    kept = pd.DataFrame(columns=["unit", "region", "share"])
    if missing and base is not None:
        kept = base.membership
        kept = kept[kept["unit"].isin(missing)]
    membership = pd.concat([kept, rows], ignore_index=True)
    membership["share"] = membership["share"].astype(float)
    order = pd.Index(units.index.astype(str))
    membership = membership.iloc[
        np.lexsort((-membership["share"].to_numpy(), order.get_indexer(membership["unit"])))
    ].reset_index(drop=True)
    return ImportPlan(membership, len(listed), len(missing), new_regions)


def export_base(scenario: str, document_base: str | None, edited: set[str], division: str) -> str:
    """The base to record in a division's CSV export of ``scenario``: the scenario's own base
    when its edits change only ``division`` (the CSV then says everything the scenario adds),
    else the scenario itself (its other divisions come with it); '' for today's data.

    >>> export_base("limburg", "jeugdregio_41", {"swv_po"}, "swv_po")
    'jeugdregio_41'
    >>> export_base("jeugdregio_41", None, {"jeugdregio"}, "swv_po")
    'jeugdregio_41'
    >>> export_base("huidig", None, set(), "swv_po")
    ''
    """
    if edited <= {division}:
        return document_base or ""
    return scenario


__all__ = ["ImportPlan", "ImportRefused", "export_base", "nearest_codes", "plan_import"]
