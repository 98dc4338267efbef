"""A Babel extractor for the shipped scenario library (``scenarios/*.yaml``): each scenario's
``title`` and ``description`` become msgids, so the nl catalog gives the Dutch text a page shows
for a library scenario (``{{ text|library_text(source) }}``) and the catalog test fails when a
shipped description changes without its translation.

>>> import io
>>> doc = io.BytesIO(b"name: x\\ndescription: >-\\n  two\\n  lines\\n")
>>> list(extract_scenario_yaml(doc, [], [], {}))
[(1, None, 'two lines', [])]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TEXT_FIELDS = ("title", "description")
"""The fields of a library scenario shown to people."""


def extract_scenario_yaml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method: ``(line, None, text, [])`` for each text field of one scenario
    file (the text exactly as the YAML loader reads it: that is what the store keeps)."""
    document = yaml.safe_load(fileobj.read().decode("utf-8")) or {}
    for name in TEXT_FIELDS:
        text = document.get(name)
        if isinstance(text, str) and text.strip():
            yield 1, None, text, []
