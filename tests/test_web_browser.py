"""The glossary pages in a real headless browser (Debian's Chromium, driven by Playwright), as people use them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.slack_harness import SlackHarness

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)", allow_module_level=True)

OUTPUT = ROOT / "tests" / "output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CAC = "/glossary/customer-acquisition-cost-cac"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watched:
    """A page that records console errors, page errors and every request it makes."""

    def __init__(self, browser: Any, width: int = 1280, height: int = 800):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any, slack: SlackHarness) -> Iterator[Watched]:
    tab = Watched(browser)
    yield tab
    tab.close()
    assert tab.errors == []
    assert tab.requests and all(url.startswith(slack.url + "/") for url in tab.requests), tab.requests


def visible_terms(page: Any) -> list[str]:
    return page.locator("ul.terms li:visible a").all_inner_texts()


def test_index_loads_with_every_term_and_a_search_box(watched: Watched, slack: SlackHarness) -> None:
    page = watched.page
    page.goto(slack.url + "/glossary/")
    assert page.title() == "Glossary"
    assert len(visible_terms(page)) == 12
    assert page.get_by_label("Find a term").is_visible()  # shown only once the script runs


def test_typing_in_search_narrows_the_list(watched: Watched, slack: SlackHarness) -> None:
    page = watched.page
    page.goto(slack.url + "/glossary/")
    box = page.get_by_label("Find a term")
    box.press_sequentially("cust")
    assert visible_terms(page) == ["Customer acquisition cost (CAC)", "Customer lifetime value (LTV)"]
    assert page.locator("#count").inner_text() == "2 terms match"
    box.press_sequentially("omer acq")
    assert visible_terms(page) == ["Customer acquisition cost (CAC)"]
    assert page.locator("section.letter:visible h2").all_inner_texts() == ["C"]
    box.fill("")
    box.dispatch_event("input")
    assert len(visible_terms(page)) == 12


def test_following_a_worked_example_link_scrolls_to_the_table(watched: Watched, slack: SlackHarness) -> None:
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 500})
    page.goto(slack.url + "/glossary/")
    page.get_by_role("link", name="Customer acquisition cost (CAC)").click()
    page.wait_for_url("**" + CAC)
    page.goto(slack.url + CAC + "#worked-example")  # as from an answer's link
    page.wait_for_function("window.scrollY > 200")
    assert page.get_by_role("heading", name="Worked example").is_visible()
    table = page.locator("#worked-example table").bounding_box()
    assert table is not None and 0 <= table["y"] < 500
    page.goto(slack.url + CAC)
    page.get_by_role("navigation", name="On this page").get_by_role("link", name="Worked example").click()
    page.wait_for_function("window.scrollY > 200")
    assert page.url.endswith("#worked-example")


def test_unknown_term_shows_the_404_page(watched: Watched, slack: SlackHarness) -> None:
    page = watched.page
    response = page.goto(slack.url + "/glossary/no-such-term")
    assert response is not None and response.status == 404
    watched.errors.clear()  # Chromium logs the 404 status itself as a console error
    page.get_by_role("link", name="every term, A–Z").click()
    assert len(visible_terms(page)) == 12


@pytest.mark.parametrize(("name", "width"), [("phone", 390), ("desktop", 1280)])
def test_term_page_screenshots_at_phone_and_desktop_widths(browser: Any, slack: SlackHarness, name: str,
                                                          width: int) -> None:
    tab = Watched(browser, width=width, height=900)
    try:
        tab.page.goto(slack.url + CAC)
        # Readable on a phone: nothing wider than the screen but the table, which scrolls in its own box.
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= width
        OUTPUT.mkdir(exist_ok=True)
        path: Path = OUTPUT / f"term-page-{name}.png"
        tab.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        assert tab.errors == []
    finally:
        tab.close()


def test_search_narrows_an_index_of_10000_terms(browser: Any) -> None:
    from bot.content import Glossary, Slug, Term
    from bot.web.routes import serve_pages_in_background

    glossary = Glossary.of([Term(Slug(f"term-{i}"), f"Term {i:05d}", "A definition.", aliases=(f"alias{i}",))
                            for i in range(10_000)])
    port = serve_pages_in_background(lambda: glossary, 0)
    tab = Watched(browser)
    try:
        tab.page.goto(f"http://127.0.0.1:{port}/glossary/")
        assert tab.page.locator("ul.terms li").count() == 10_000
        tab.page.get_by_label("Find a term").fill("alias1234")  # other names are searched too
        assert visible_terms(tab.page) == ["Term 01234"]
        assert tab.page.locator("#count").inner_text() == "1 term matches"
        assert tab.errors == []
    finally:
        tab.close()
