"""Reading scenario files and the scenario library in ``scenarios/``.

A scenario is named either by a file path (``my/plan.yaml``, ``.yml`` or ``.json``) or by the
name of a library scenario (``po_vo_samen`` -> ``scenarios/po_vo_samen.yaml``).

>>> sorted(library())[:2]
['huidig', 'jeugdregio_41']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from geo.config import SCENARIO_LIBRARY
from geo.scenarios.errors import ScenarioError
from geo.scenarios.model import ScenarioDoc
from geo.scenarios.parse import parse_scenario

SUFFIXES: tuple[str, ...] = (".yaml", ".yml", ".json")


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys (a silent overwrite hides typos)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_document(text: str, *, source: str, json_syntax: bool = False) -> Any:
    """Parse YAML (or JSON) text; syntax errors and duplicate keys name the line and column.

    >>> read_document("name: x\\nname: y\\n", source="a.yaml")
    Traceback (most recent call last):
    ...
    geo.errors.ScenarioError: a.yaml: line 2, column 1: duplicate key 'name'
    """
    if json_syntax:

        def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            keys = [k for k, _ in pairs]
            dup = next((k for k in keys if keys.count(k) > 1), None)
            if dup is not None:
                raise ScenarioError(source, None, dup, "duplicate key")
            return dict(pairs)

        try:
            return json.loads(text, object_pairs_hook=no_duplicates)
        except json.JSONDecodeError as exc:
            raise ScenarioError(
                source, f"line {exc.lineno}, column {exc.colno}", None, f"JSON syntax: {exc.msg}"
            ) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise ScenarioError(source, where, None, problem) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, None, None, f"YAML: {exc}") from None


def library_names() -> list[str]:
    """Names of the scenarios in the library directory, sorted."""
    if not SCENARIO_LIBRARY.is_dir():
        return []
    return sorted({p.stem for p in SCENARIO_LIBRARY.iterdir() if p.suffix in SUFFIXES})


def resolve_scenario(path_or_name: str | Path, *, relative_to: Path | None = None) -> Path:
    """The file of a scenario given as a path or a library name.

    Rule: an existing file wins (relative paths are taken from ``relative_to`` when given, else
    from the working directory); otherwise a library name resolves to
    ``scenarios/<name>.yaml`` (or ``.yml``/``.json``). Anything else raises
    :class:`ScenarioError` listing the library.
    """
    raw = Path(path_or_name)
    candidates = [relative_to / raw] if relative_to is not None and not raw.is_absolute() else []
    candidates.append(raw)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if raw.suffix not in SUFFIXES and raw.name == str(path_or_name):
        for suffix in SUFFIXES:
            candidate = SCENARIO_LIBRARY / f"{raw.name}{suffix}"
            if candidate.is_file():
                return candidate
    raise ScenarioError(
        str(path_or_name),
        None,
        None,
        "no such scenario file and no library scenario of that name; library: "
        + (", ".join(library_names()) or "(empty)"),
    )


def read_scenario_file(path: Path) -> ScenarioDoc:
    """Read and type-check one scenario file (no dataset needed): a scenario document, or the
    web app's JSON export of a stored scenario (``GET /api/scenarios/{id}``: ``id``, metadata
    and the document under ``document``)."""
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, None, None, f"cannot read the file ({exc})") from None
    data = read_document(text, source=source, json_syntax=path.suffix == ".json")
    if isinstance(data, dict) and isinstance(data.get("document"), dict) and "id" in data:
        data = data["document"]  # the web app's JSON export of a stored scenario
    return parse_scenario(data, source=source).with_source(source, path=path)


def load_scenario(path_or_name: str | Path) -> ScenarioDoc:
    """Load a scenario by file path or library name and check its types and structure.

    Checks against the data (codes, shares, merges) need the dataset: see
    :func:`geo.scenarios.validate_scenario` and :func:`geo.scenarios.apply_scenario`.

    >>> load_scenario("jeugdregio_41").edits[0].op
    'merge'
    """
    return read_scenario_file(resolve_scenario(path_or_name))


def library() -> dict[str, ScenarioDoc]:
    """All scenarios of the library, by name (the file name without suffix)."""
    return {name: load_scenario(name) for name in library_names()}
