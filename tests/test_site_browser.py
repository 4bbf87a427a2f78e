"""The runbook site in a real browser: headless Chromium against a server on 127.0.0.1.

The site is built into ``tmp_path`` and served by the standard library's HTTP
server; Chromium (Debian's ``/usr/bin/chromium``) loads the index with
``--dump-dom``, the test follows every link the rendered DOM contains to a page
of the site and checks each page's headings, and takes screenshots (copied to
``tests/artifacts/``, which git ignores). Chromium's host resolver maps every
name but 127.0.0.1 to nothing, so the test cannot reach the network. Without
Chromium the test is skipped and says why.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from diagnose.knowledge import load_knowledge
from diagnose.render.runbook import build_site
from tests.browser import png_size_and_colours, run_chromium

ARTIFACTS = Path(__file__).parent / "artifacts"
SECTIONS = ["Meaning", "Impact", "Diagnosis", "Mitigation", "Prevention", "Escalation", "References", "Related codes"]


class _Handler(SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:  # quiet, but remember what was asked for
        self.requested.append(self.path)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, list[str], Path]]:
    root = tmp_path / "site"
    root.mkdir()
    # The real thing: the site `diagnose runbook --all --out DIR` writes from the built-in knowledge.
    for name, content in build_site(load_knowledge().entries()).items():
        (root / name).write_text(content, encoding="utf-8")
    requested: list[str] = []
    handler = type("Handler", (_Handler,), {"requested": requested})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested, tmp_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.headings: dict[str, list[str]] = {}
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.extend(v for k, v in attrs if k == "href" and v)
        if tag in ("h1", "h2", "title"):
            self._in = tag
            self.headings.setdefault(tag, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.headings[self._in][-1] += data


def _dom(tmp_path: Path, url: str) -> _Dom:
    html = run_chromium(tmp_path, "--dump-dom", url)
    assert html.lstrip().lower().startswith("<!doctype html>") or "<html" in html[:200].lower(), html[:300]
    dom = _Dom()
    dom.feed(html)
    return dom


def _screenshot(tmp_path: Path, url: str, name: str) -> Path:
    shot = tmp_path / name
    run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", "--hide-scrollbars", url)
    assert shot.exists(), f"no screenshot written for {url}"
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1200, 900)
    assert shot.stat().st_size > 10_000 and colours > 20, "the screenshot looks blank"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / name)
    return shot


def test_site_in_headless_chromium(site: tuple[str, list[str], Path]) -> None:
    base, requested, tmp_path = site

    index = _dom(tmp_path, f"{base}/index.html")
    assert index.headings["title"] == ["Twilio error runbooks · diagnose"]
    assert index.headings["h1"] == ["Twilio error runbooks"]
    pages = [href for href in index.links if href.endswith(".html")]
    assert pages == [f"{code}.html" for code in load_knowledge().codes()]

    for href in pages:
        dom = _dom(tmp_path, f"{base}/{href}")
        code = href.removesuffix(".html")
        assert len(dom.headings["h1"]) == 1 and dom.headings["h1"][0].startswith(f"{code}:"), dom.headings
        assert dom.headings["h2"] == SECTIONS
        assert dom.headings["title"][0].startswith(f"{code}:")
        assert dom.links[0] == "index.html", "each page starts with a nav back to the index"
        related = [link for link in dom.links if link.endswith(".html") and link != "index.html"]
        assert related and all(link in pages for link in related)
        for link in dom.links:
            assert link.startswith(("#", "https://")) or link in pages or link == "index.html", link

    _screenshot(tmp_path, f"{base}/index.html", "index.png")
    _screenshot(tmp_path, f"{base}/21408.html", "21408.png")

    assert "/style.css" in requested, "the browser never loaded the stylesheet"
    assert all(not path.startswith("/..") for path in requested)
