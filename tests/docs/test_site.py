"""The built documentation site: internal links resolve, every public module has a reference
page, and the search box finds a layer in a real browser."""

from __future__ import annotations

import html.parser
import importlib
import pathlib
import re
import urllib.parse

from ..browser import chromium, static_server
from .conftest import DOCS


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key) and tag in ("a", "img", "link", "script"):
                self.hrefs.append(attrs[key])


def _parse(path: pathlib.Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_and_anchors_resolve(built_site):
    pages = {p: _parse(p) for p in built_site.rglob("*.html")}
    broken = []
    for page, links in pages.items():
        for href in links.hrefs:
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("mailto:"):
                continue
            target = (page.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path \
                else page
            if not target.exists():
                broken.append(f"{page.relative_to(built_site)}: {href}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(built_site)}: {href} (no such anchor)")
    assert len(pages) > 20
    assert not broken, "\n".join(broken)


# Modules that are implementation, not API: users reach what they hold through the documented
# packages above them.
INTERNAL = {
    "hybrid.ops": "the op registry; its ops are documented as nd/sym functions",
    "hybrid.graph": "the traced graph IR and its passes, behind hybridize()",
    "hybrid.class_registry": "the name registry behind optimizer/initializer create()",
    "hybrid.mxnet_format": "MXNet's .params reader behind load_parameters and nd.load",
    "hybrid.mxnet_graph": "MXNet's -symbol.json reader behind SymbolBlock.imports",
    "hybrid.serialization": "hybrid's parameter file format behind save/load",
}


def _public_modules() -> list[str]:
    """Every module a user imports: hybrid's non-underscore top-level modules, gluon's
    subpackages, hybrid.export and hybrid.runtime."""
    import pkgutil

    hybrid = importlib.import_module("hybrid")
    gluon = importlib.import_module("hybrid.gluon")
    names = [f"hybrid.{m.name}" for m in pkgutil.iter_modules(hybrid.__path__)
             if not m.name.startswith("_")]
    names += [f"hybrid.gluon.{m.name}" for m in pkgutil.iter_modules(gluon.__path__)
              if m.ispkg and not m.name.startswith("_")]
    return sorted(set(names) - set(INTERNAL))


def test_every_public_module_has_a_reference_page():
    documented = set()
    for source in (DOCS / "api").glob("*.rst"):
        documented.update(re.findall(r"^\.\. automodule:: (\S+)", source.read_text(), re.M))
    covered = {m for m in _public_modules()
               if any(d == m or d.startswith(m + ".") for d in documented)}
    missing = sorted(set(_public_modules()) - covered)
    assert not missing, f"modules without an automodule directive in docs/api: {missing}"


def test_search_finds_conv2d_in_a_browser(built_site, tmp_path, monkeypatch):
    from selenium.webdriver.support.ui import WebDriverWait

    with static_server(built_site) as url, chromium(tmp_path / "profile", monkeypatch) as driver:
        driver.get(f"{url}/index.html")
        box = driver.find_element("css selector", "input[name=q]")
        box.send_keys("Conv2D")
        box.submit()
        WebDriverWait(driver, 60).until(
            lambda d: d.find_elements("css selector", "#search-results ul.search li")
        )
        results = driver.find_elements("css selector", "#search-results ul.search li a")
        assert any("Conv2D" in r.text for r in results), [r.text for r in results]
        assert driver.current_url.startswith(f"{url}/search.html?q=Conv2D")
