"""The review desk in a real headless Chromium (Debian's, driven by Playwright), over the
ingested samples: the queue by keyboard, confirming a page at once, the original page beside
the text, and a copied session cookie that dies at logout."""

from __future__ import annotations

import time

import pytest

from tests import test_web
from tests.conftest import require
from tests.test_e2e import CHROMIUM, serving

pytestmark = pytest.mark.slow
template_store = test_web.template_store  # the samples ingested, with four accounts
# Nothing leaves the machine: no proxy, no background or component traffic.
ARGS = [
    "--no-sandbox",
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def desk(template_store, tmp_path):
    """The app over a copy of the samples, three passages waiting for review, served by uvicorn
    on a free port."""
    from sqlalchemy import update
    from sqlmodel import Session, select

    from models.tables import Document, Passage

    app = test_web.make_app(template_store, tmp_path)
    with Session(app.state.engine) as session:
        ids = session.exec(
            select(Passage.id)
            .join(Document, Document.id == Passage.document_id)
            .where(Document.is_current, Passage.area.is_not(None))
            .order_by(Document.ingested_at, Document.id, Passage.order)
            .limit(5)
        ).all()
        session.exec(update(Passage).values(needs_review=False))
        session.exec(update(Passage).where(Passage.id.in_(ids)).values(needs_review=True))
        session.commit()
    with serving(app) as base:
        yield base, app, ids
    app.state.jobs.shutdown()
    app.state.engine.dispose()


def _browser(pw):
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def _login(page, base: str, name: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", test_web.PASSWORDS[name])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")


def _playwright():
    require(CHROMIUM.exists(), "Chromium (/usr/bin/chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    require(sync_api is not None, "Playwright (the test extra)")
    return sync_api


def test_queue_by_keyboard_and_bulk_confirm(desk):
    from corpus.review import get_passage

    base, app, ids = desk
    sync_api = _playwright()
    with sync_api.sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base, "eva")
            page.goto(base + "/queue")
            assert page.locator("article.queue-item").count() == 5
            page.keyboard.press("?")
            assert page.locator("#keys-help").is_visible()
            page.keyboard.press("Escape")
            assert not page.locator("#keys-help").is_visible()

            page.keyboard.press("j")  # the first item
            first = page.locator("article.queue-item").nth(0)
            assert "current" in first.get_attribute("class")
            page.keyboard.press("3")  # its area is 3, saved without a reload
            page.wait_for_selector(f"article#q{ids[0]}.done")
            assert "已保存" in first.locator(".save-note").inner_text()
            assert "已保存" in page.inner_text("#desk-status")
            second = page.locator("article.queue-item").nth(1)
            assert "current" in second.get_attribute("class")  # moved on by itself
            page.keyboard.press("Enter")  # confirm the model's area
            page.wait_for_selector(f"article#q{ids[1]}.done")
            page.keyboard.press("k")  # back from the third to the second
            assert "current" in second.get_attribute("class")

            page.click("#bulk-form button[type=submit]")  # the other three at once
            sync_api.expect(page.locator("article.queue-item.done")).to_have_count(5)
            assert "已确认 3 个段落" in page.inner_text("#desk-status")
            assert errors == []
        finally:
            browser.close()
    engine = app.state.engine
    assert get_passage(engine, ids[0]).reviewed_area == 3
    for pid in ids[1:]:
        p = get_passage(engine, pid)
        assert p.reviewed_area == p.predicted_area, pid


def test_page_image_beside_the_text(desk):
    from sqlmodel import Session, select

    from models.tables import Document, Passage

    base, app, _ = desk
    with Session(app.state.engine) as session:
        doc_id, page_no = session.exec(
            select(Document.id, Passage.page)
            .join(Passage, Passage.document_id == Document.id)
            .where(Document.format == "pdf", Passage.page.is_not(None))
            .order_by(Document.id, Passage.order)
        ).first()
    sync_api = _playwright()
    with sync_api.sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            _login(page, base, "vic")
            page.goto(f"{base}/documents/{doc_id}?page={page_no}#source")
            image = page.locator("#page-image")
            image.scroll_into_view_if_needed()
            deadline = time.monotonic() + 20
            width = 0
            while time.monotonic() < deadline and width <= 300:
                width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
                time.sleep(0.1)
            assert width > 300, "the page image did not load"
            texts = page.locator("section#source .page-text p.text")
            assert texts.count() > 0
            # each passage's box is drawn over the image; pointing at a passage highlights it
            assert page.locator(".passage-box").count() == texts.count()
            texts.first.hover()
            chosen = page.locator(".passage-box.on")
            sync_api.expect(chosen).to_have_count(1)
            assert chosen.get_attribute("data-box") == texts.first.get_attribute("data-passage")
            box, frame = chosen.bounding_box(), image.bounding_box()
            assert box["width"] > 5 and box["height"] > 3, (box, frame)
            assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
            assert (
                frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
            )
            screenshot = page.locator("section#source").screenshot()
            assert screenshot.startswith(b"\x89PNG")
        finally:
            browser.close()


def test_a_copied_cookie_fails_after_logout(desk):
    base, _, _ = desk
    sync_api = _playwright()
    with sync_api.sync_playwright() as pw:
        browser = _browser(pw)
        try:
            mine = browser.new_context()
            page = mine.new_page()
            page.set_default_timeout(20_000)
            _login(page, base, "eva")
            copied = browser.new_context()
            copied.add_cookies(mine.cookies())
            other = copied.new_page()
            other.goto(base + "/queue")
            assert other.url == base + "/queue"  # the copy works while the session lives
            page.click("header form[action='/logout'] button")
            page.wait_for_url("**/login")
            other.goto(base + "/queue")
            assert "/login" in other.url  # and dies with it
        finally:
            browser.close()


def test_tables_sort_in_the_page(desk):
    """Compare's matrix sorts by a column at a click on its header, again the other way."""
    base, _, _ = desk
    sync_api = _playwright()
    with sync_api.sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base, "vic")
            page.goto(base + "/compare")
            table = page.locator("#matrix-table")
            totals = lambda: [  # noqa: E731
                int(t) for t in table.locator("tbody tr td:last-child").all_inner_texts()
            ]
            header = table.locator("thead th").last
            assert len(totals()) >= 2
            header.locator("button.sort").click()
            assert header.get_attribute("aria-sort") == "ascending"
            assert totals() == sorted(totals())
            header.locator("button.sort").click()
            assert header.get_attribute("aria-sort") == "descending"
            assert totals() == sorted(totals(), reverse=True)
            assert errors == []
        finally:
            browser.close()
