"""Apply a scenario to the dataset: base first, then every edit in order.

Each edit is checked against the divisions as they are at that point (so an edit may use a
division or region that an earlier edit created); a problem raises
:class:`~geo.scenarios.errors.ScenarioError` naming the file, ``edits[i]`` and the field, and
nothing is returned.

>>> from geo.scenarios.model import ScenarioDoc
>>> doc = ScenarioDoc.model_validate({"name": "x", "description": "nothing", "edits": []})
>>> # apply_scenario(doc, dataset) -> the dataset's divisions, unchanged
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pandas as pd
from pydantic import BaseModel

from geo.division import Division
from geo.errors import DivisionError
from geo.names import name_unnamed, rule_names
from geo.scenarios import edits
from geo.scenarios.assignment_csv import AssignmentCsvError, read_assignment_csv
from geo.scenarios.budget import at, check_budget, check_result
from geo.scenarios.errors import EditError, ScenarioError
from geo.scenarios.library import display_path, read_scenario_file, resolve_scenario
from geo.scenarios.model import (
    OPS,
    AssignEdit,
    CopyEdit,
    DeriveSwvEdit,
    MergeEdit,
    MoveEdit,
    MovePostcodeEdit,
    RenameEdit,
    ScenarioDoc,
    SplitByEdit,
    op_of,
)
from geo.scenarios.postcodes import keep_weight_shares, move_postcode

if TYPE_CHECKING:
    from geo.dataset import Dataset

Handler = TypeVar("Handler", bound=Callable[..., None])


@dataclass
class _State:
    """The divisions while a scenario is being applied, plus what earlier merges removed."""

    divisions: dict[str, Division]
    units: pd.Index
    base_dir: Path
    merged_away: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)
    postcodes: pd.DataFrame | None = None
    """The PC4 layer (:attr:`geo.dataset.Dataset.postcodes`), for postcode moves."""
    unit_table: pd.DataFrame | None = None
    """The dataset's units (names, pupils): regions an edit leaves without a name a person
    reads get one from their gemeenten (:func:`geo.names.name_unnamed`)."""
    """division -> {region code merged away: (edit index, code it went into)}"""

    def division(self, name: str, field_name: str = "division") -> Division:
        try:
            return self.divisions[name]
        except KeyError:
            raise EditError(
                field_name,
                f"no division {name!r} at this point; divisions are "
                f"{', '.join(sorted(self.divisions))}",
            ) from None

    def check_regions(self, division: str, field_name: str, codes: list[str | None]) -> None:
        """A clearer message for codes that an earlier merge removed."""
        current = self.divisions[division].regions
        gone = self.merged_away.get(division, {})
        for code in codes:
            if code is not None and code not in current and code in gone:
                index, into = gone[code]
                raise EditError(
                    field_name,
                    f"region {code!r} no longer exists: edits[{index}] merged it into {into!r}",
                )

    def replace(self, name: str, division: Division) -> None:
        self.divisions[name] = division
        self.merged_away.pop(name, None)


HANDLERS: dict[str, Callable[[Any, _State, int], None]] = {}
"""op -> the function that applies an edit of that op (``handler(edit, state, index)``); filled
by :func:`handles` from the models of :data:`~geo.scenarios.model.EDIT_MODELS`."""


def handles(model: type[BaseModel]) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``model``'s op (one per op)."""

    def register(fn: Handler) -> Handler:
        op = op_of(model)
        if op in HANDLERS:
            raise RuntimeError(f"edit op {op!r} has two handlers")
        HANDLERS[op] = fn
        return fn

    return register


@handles(MoveEdit)
def _move(edit: MoveEdit, state: _State, index: int) -> None:
    division = state.division(edit.division)
    if edit.name is None:
        state.check_regions(edit.division, "to", [edit.to])
    state.check_regions(edit.division, "from", [edit.from_])
    state.divisions[edit.division] = edits.move(
        division, edit.unit, edit.to, from_=edit.from_, share=edit.share, name=edit.name
    )


@handles(MovePostcodeEdit)
def _move_postcode(edit: MovePostcodeEdit, state: _State, index: int) -> None:
    division = state.division(edit.division)
    state.check_regions(edit.division, "to", [edit.to])
    state.check_regions(edit.division, "from", [edit.from_])
    state.divisions[edit.division] = move_postcode(
        division, state.postcodes, edit.pc4, edit.to, from_=edit.from_
    )


@handles(MergeEdit)
def _merge(edit: MergeEdit, state: _State, index: int) -> None:
    division = state.division(edit.division)
    for code in edit.regions:
        state.check_regions(edit.division, "regions", [code])
    gone = state.merged_away.setdefault(edit.division, {})
    if edit.into not in division.regions and edit.into in gone:
        earlier, went_to = gone[edit.into]
        raise EditError(
            "into",
            f"cycle of merges: edits[{earlier}] merged {edit.into!r} into {went_to!r}, and this "
            f"edit merges back into {edit.into!r}",
        )
    result = edits.merge(division, edit.regions, edit.into, name=edit.name)
    if (
        edit.name is None
        and state.unit_table is not None
        and (
            edit.into not in division.regions
            or _named_by_rule(state, edit.division, division, edit.into)
        )
    ):  # named by the rule from the merged region's gemeenten (after this edit)
        result = result.with_region_names({**result.region_names, edit.into: ""})
    for code in set(edit.regions) | ({edit.into} & set(division.regions)):
        if code != edit.into:
            gone[code] = (index, edit.into)
    for code, (earlier, went_to) in list(gone.items()):  # chains: A -> B, then B -> C
        if went_to in edit.regions and went_to != edit.into:
            gone[code] = (earlier, edit.into)
    state.divisions[edit.division] = result


def _named_by_rule(state: _State, key: str, division: Division, code: str) -> bool:
    """Does region ``code`` carry the rule's name (not an official, CBS or planner's name)? A
    merge into it then names the merged region by the rule again."""
    if state.unit_table is None or code not in division.regions:
        return False
    name = division.region_names.get(code, code)
    return name == rule_names(division, state.unit_table, key, only=[code]).get(code)


@handles(RenameEdit)
def _rename(edit: RenameEdit, state: _State, index: int) -> None:
    division = state.division(edit.division)
    state.check_regions(edit.division, "region", [edit.region])
    state.divisions[edit.division] = edits.rename(
        division, edit.region, code=edit.code, name=edit.name
    )


@handles(AssignEdit)
def _assign(edit: AssignEdit, state: _State, index: int) -> None:
    if edit.assignment is not None:
        source_field = "assignment"
        membership = pd.DataFrame(
            {
                "unit": list(edit.assignment),
                "region": list(edit.assignment.values()),
                "share": 1.0,
            }
        )
    elif edit.membership is not None:
        source_field = "membership"
        membership = pd.DataFrame([row.model_dump() for row in edit.membership])
    else:
        source_field = "csv"
        path = Path(str(edit.csv))
        if not path.is_absolute():
            path = state.base_dir / path
        try:
            membership = read_assignment_csv(path, display_path(path))
        except AssignmentCsvError as exc:
            raise EditError("csv", str(exc)) from None
    result = edits.assign(
        edit.division, membership, state.units, region_names=edit.region_names, field=source_field
    )
    before = state.divisions.get(edit.division)
    if before is not None:  # gemeenten the table leaves as they were keep their postcode split
        result = keep_weight_shares(before, result)
    state.replace(edit.division, result)


@handles(DeriveSwvEdit)
def _derive_swv(edit: DeriveSwvEdit, state: _State, index: int) -> None:
    po = state.division(edit.po, "po")
    vo = state.division(edit.vo, "vo")
    state.replace(edit.division, edits.derive_swv(po, vo, rule=edit.rule, name=edit.division))


@handles(SplitByEdit)
def _split_by(edit: SplitByEdit, state: _State, index: int) -> None:
    division = state.division(edit.division)
    if edit.by == edit.division:
        raise EditError("by", f"cannot split division {edit.division!r} by itself")
    by = state.division(edit.by, "by")
    name = edit.into or edit.division
    state.replace(name, edits.split_by(division, by, name=name))


@handles(CopyEdit)
def _copy(edit: CopyEdit, state: _State, index: int) -> None:
    source = state.division(edit.from_, "from")
    state.replace(edit.division, edits.copy(source, edit.division))
    state.merged_away[edit.division] = dict(state.merged_away.get(edit.from_, {}))


_missing = set(OPS) - set(HANDLERS)
if _missing:  # pragma: no cover - a programming error, caught by every test run
    raise RuntimeError(f"edit op(s) {sorted(_missing)} have no handler in geo.scenarios.apply")


class BaseResolver(Protocol):
    """Finds the divisions a scenario's ``base`` names: ``resolver(base, doc)``.

    ``doc`` is the document whose ``base`` is asked (for relative paths and error messages).
    Errors raise :class:`ScenarioError` (or :class:`~geo.errors.RegiokompasError`) naming the
    broken link. :class:`FileBases` reads files and library names; the API resolves stored
    scenario ids (:class:`api.compute.evaluator.ScenarioEvaluator`).
    """

    def __call__(self, base: str, doc: ScenarioDoc) -> Mapping[str, Division]: ...


@dataclass(frozen=True)
class FileBases:
    """Bases given as scenario files or library names, applied recursively.

    Rule: ``base`` resolves relative to the document's own file (else the working directory),
    then as a library name (:func:`~geo.scenarios.library.resolve_scenario`); a base that leads
    back to a scenario already on the way is a cycle.
    """

    dataset: Dataset
    stack: tuple[Path, ...] = ()
    """The files applied on the way here (to detect cycles of bases)."""

    def __call__(self, base: str, doc: ScenarioDoc) -> Mapping[str, Division]:
        relative_to = doc.path.parent if doc.path is not None else None
        try:
            path = resolve_scenario(base, relative_to=relative_to).resolve()
        except ScenarioError as exc:
            raise ScenarioError(doc.source, None, "base", exc.problem) from None
        stack = self.stack or ((doc.path.resolve(),) if doc.path is not None else ())
        if path in stack:
            chain = " -> ".join(p.stem for p in (*stack, path))
            raise ScenarioError(doc.source, None, "base", f"cycle of bases: {chain}")
        return apply_scenario(
            read_scenario_file(path), self.dataset, bases=FileBases(self.dataset, (*stack, path))
        )


def _name_changed(state: _State, before: Mapping[str, Division]) -> None:
    """Name the regions of the divisions an edit changed whose names say nothing (a merge of
    SWVs, a new region, a derived PO/VO division): see :func:`geo.names.name_unnamed`."""
    if state.unit_table is None:
        return
    for key, division in state.divisions.items():
        if before.get(key) is not division:
            state.divisions[key] = name_unnamed(division, state.unit_table, key)


def apply_scenario(
    doc: ScenarioDoc, dataset: Dataset, *, bases: BaseResolver | None = None
) -> dict[str, Division]:
    """All divisions of the dataset with the scenario's base and edits applied.

    Rule: start from the base scenario (found by ``bases``, default :class:`FileBases`) or the
    dataset's divisions; apply the edits in order; each result keeps every unit, shares summing
    to 1 and the share in no region. The dataset itself is not changed.
    """
    if doc.base is None:
        divisions = dict(dataset.divisions)
    else:
        divisions = dict((bases or FileBases(dataset))(doc.base, doc))
    base_dir = doc.path.parent if doc.path is not None else Path.cwd()
    state = _State(
        divisions,
        pd.Index(dataset.units.index, dtype=str),
        base_dir,
        postcodes=getattr(dataset, "postcodes", None),
        unit_table=dataset.units,
    )
    for index, edit in enumerate(doc.edits):
        where = f"{doc.source} edits[{index}]"
        check_budget(where)
        before = dict(state.divisions)
        try:
            with at(where):
                HANDLERS[edit.op](edit, state, index)
                _name_changed(state, before)
        except EditError as exc:
            raise ScenarioError(doc.source, f"edits[{index}]", exc.field, exc.problem) from None
        except DivisionError as exc:
            raise ScenarioError(doc.source, f"edits[{index}]", None, str(exc)) from None
        check_result(where, state.divisions)
    return state.divisions
