"""The NL Design System stylesheets are vendored as documented and served to every page.

- every file in ``api/static/vendor/nl-design-system`` is listed in its README with the npm
  package, the version and its sha256 (checked here), under the EUPL-1.2 licence text;
- nothing but stylesheets and the two texts (no logos, fonts or scripts);
- every page loads them, in the documented order, before the site's own ``regiokompas.css``
  (which holds the theme: the ``--utrecht-*`` tokens), and the app serves exactly them.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.pages.templating import STATIC_DIR
from api.routers.pages import NL_DESIGN_SYSTEM
from fixtures.synthetic import synthetic_dataset

VENDOR = STATIC_DIR / "vendor" / "nl-design-system"
ROW = re.compile(
    r"^\| `([\w.-]+\.css)` \| `(@utrecht/[\w-]+)` \| ([\d.]+) \| [^|]+ \| `([0-9a-f]{64})` \|$"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    state = tmp_path_factory.mktemp("nlds")
    return TestClient(create_app(synthetic_dataset(4, 4), state, library_dir=None))


def test_vendored_files_match_the_readme_and_the_licence() -> None:
    rows = [ROW.match(line) for line in (VENDOR / "README.md").read_text().splitlines()]
    listed = {m[1]: (m[2], m[3], m[4]) for m in rows if m}
    files = sorted(p.name for p in VENDOR.iterdir())
    assert files == sorted([*listed, "LICENSE.md", "README.md"]), "nothing unlisted, no logos"
    assert sorted(listed) == sorted(f"{name}.css" for name in NL_DESIGN_SYSTEM)
    for name, (package, version, digest) in listed.items():
        data = (VENDOR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, (
            f"{name} differs from {package}@{version}"
        )
        assert data.startswith(b"/**\n * @license EUPL-1.2"), name
    assert "EUROPEAN UNION PUBLIC LICENCE v. 1.2" in (VENDOR / "LICENSE.md").read_text()


def test_every_page_loads_them_before_the_theme(client: TestClient) -> None:
    page = client.get("/begrippen").text
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)
    expected = [f"/static/nl-design-system/{name}.css" for name in NL_DESIGN_SYSTEM]
    assert sheets[: len(expected) + 1] == [*expected, "/static/regiokompas.css"]
    for href in expected:
        answer = client.get(href)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
    theme = client.get("/static/regiokompas.css").text
    for token in (
        "--utrecht-button-background-color",
        "--utrecht-form-control-border-color",
        "--utrecht-table-header-background-color",
        "--utrecht-heading-1-font-size",
    ):
        assert token in theme, f"the theme sets {token}"
    for bad in ("README.md", "LICENSE.md", "..%2Fregiokompas.css", "nope.css"):
        assert client.get(f"/static/nl-design-system/{bad}").status_code == 404


CONTROL = re.compile(
    r"(?:^|[\s>+~])(button|select|input|textarea|label|table|th|td|h[1-3])(?:[\[:.][^\s]*)?$"
)
LOOK = re.compile(r"^(background|border|color|padding|font(?!-variant)|min-block-size|min-height)")


def restyled_components(css: str) -> list[str]:
    """``selector { property }`` of the rules in ``css`` that restyle a component's element
    (a button, form field, label, table cell or heading as the selector's subject) by its
    look (background, border, colour, padding, font) instead of through its tokens."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        props = [d.split(":", 1)[0].strip() for d in body.split(";") if ":" in d]
        for selector in selectors.split(","):
            if CONTROL.search(selector.strip()):
                found += [f"{selector.strip()} {{ {p} }}" for p in props if LOOK.match(p)]
    return found


def test_restyled_components_are_found() -> None:
    assert restyled_components("#x button:hover { background: red; --a: 1 }") == [
        "#x button:hover { background }"
    ]
    assert restyled_components("dialog input, .a { width: 100%; }") == []
    assert restyled_components(".rk-box button { --utrecht-button-font-size: 1rem; }") == []
    assert restyled_components("h2 { font-size: 15px }") == ["h2 { font-size }"]


@pytest.mark.parametrize("sheet", ["editor/editor.css", "pages.css"])
def test_page_styles_set_tokens_not_the_components_look(sheet: str) -> None:
    """The editor's and the planner pages' style sheets leave buttons, form
    fields, labels, tables and headings to the NL Design System: denser or different only
    through the components' custom properties (``--utrecht-*``), as ``map.css`` does."""
    assert restyled_components((STATIC_DIR / sheet).read_text()) == []
