"""Stage 1 of checking a scenario: types and structure (pydantic), errors naming the field.

Unknown fields, wrong types, an unknown ``op`` and missing fields raise
:class:`~geo.scenarios.errors.ScenarioError` naming the file, the position (``edits[2]``) and
the field. No dataset is needed (stage 2 is :func:`geo.scenarios.validate_scenario`).

>>> try:
...     parse_scenario({"name": "x", "description": "d", "edits": [{"op": "mvoe"}]},
...                    source="x.yaml")
... except ScenarioError as exc:
...     print(exc.source, exc.position, exc.field, exc.problem[:18])
x.yaml edits[0] op unknown op 'mvoe';
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from geo.scenarios.errors import ScenarioError
from geo.scenarios.model import OP_MODELS, OPS, ScenarioDoc


def _allowed_fields(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _locate(loc: tuple[Any, ...]) -> tuple[str | None, str | None, type[BaseModel]]:
    """Split a pydantic error location into (position, field, model at that place)."""
    parts = list(loc)
    model: type[BaseModel] = ScenarioDoc
    position: str | None = None
    if len(parts) >= 2 and parts[0] == "edits" and isinstance(parts[1], int):
        position = f"edits[{parts[1]}]"
        parts = parts[2:]
        if parts and parts[0] in OP_MODELS:
            model = OP_MODELS[parts.pop(0)]
    field = ""
    for part in parts:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return position, field or None, model


def _message(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "union_tag_invalid":
        return f"unknown op {error['ctx']['tag']!r}; choose one of {', '.join(OPS)}"
    if kind == "union_tag_not_found":
        return f"edit has no 'op'; choose one of {', '.join(OPS)}"
    if kind == "extra_forbidden":
        return f"unknown field; allowed fields are {', '.join(_allowed_fields(model))}"
    if kind == "missing":
        return "required field is missing"
    msg = str(error["msg"]).removeprefix("Value error, ")
    if value is None or isinstance(value, dict | list):
        return msg
    return f"{msg} (got {value!r})"


def parse_scenario(data: Any, *, source: str = "<inline>") -> ScenarioDoc:
    """Check types and structure of a parsed YAML/JSON document; return the typed document.

    Rule: the top level is a mapping with ``name``, ``description``, ``principles``, optional
    ``base`` and ``edits``; every edit has a known ``op`` and only the fields of that op, of the
    right types. All problems are listed, the first one in the error's attributes.
    """
    if not isinstance(data, dict):
        raise ScenarioError(
            source,
            None,
            None,
            "the document must be a mapping with name, description, principles and edits "
            f"(got {type(data).__name__})",
        )
    try:
        doc = ScenarioDoc.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            position, field, model = _locate(error["loc"])
            if error["type"] == "union_tag_invalid" or error["type"] == "union_tag_not_found":
                field = "op"
            problems.append((position, field, _message(error, model)))
        position, field, message = problems[0]
        if len(problems) > 1:
            more = "; ".join(
                ".".join(p for p in (pos, fld) if p) + f": {msg}" for pos, fld, msg in problems[1:6]
            )
            message += f" (and {len(problems) - 1} more: {more})"
        raise ScenarioError(source, position, field, message) from None
    return doc.with_source(source)
