"""End to end in a real headless Chromium (Debian's, driven by Playwright): log in, upload a
folder, wait for the ingest, open the city view, correct a passage's area, find it by search."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import require

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(app) -> Iterator[str]:
    """The app served by a real uvicorn in a thread on a free port; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def server(tmp_path):
    """The app on a free port, served by uvicorn in a thread, over an empty store with one
    evaluator."""
    from corpus.accounts import add_user
    from corpus.settings import Settings
    from web import create_app

    app = create_app(Settings(data_dir=tmp_path / "data", database_url=None, jobs=2))
    add_user(app.state.engine, "评估员甲", "e2e-password", "evaluator")
    with serving(app) as base:
        yield base
    app.state.engine.dispose()


def test_upload_review_and_search_in_a_real_browser(server, tmp_path, samples):
    require(CHROMIUM.exists(), "Chromium (/usr/bin/chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    require(sync_api is not None, "Playwright (the test extra)")
    folder = tmp_path / "报送材料"
    (folder / "杭州").mkdir(parents=True)
    shutil.copy(samples / "杭州市2016年上半年信息消费示范城市建设进展情况.docx", folder / "杭州")
    shutil.copy(samples / "附件2-典型应用案例(宁波).pdf", folder)

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            page.goto(server + "/")
            assert "/login" in page.url
            page.fill("input[name=name]", "评估员甲")
            page.fill("input[name=password]", "e2e-password")
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url(server + "/")

            page.goto(server + "/upload")
            page.set_input_files("#folder-input", str(folder))
            assert "2 个文件" in page.inner_text("#upload-summary")
            page.click("#upload-submit")
            page.wait_for_url("**/upload/*")
            page.wait_for_selector("#p-next:not([hidden])", timeout=60_000)  # polled by app.js
            assert page.inner_text("#p-added") == "2"
            assert page.inner_text("#p-failed") == "0"

            page.click("#p-next a")
            assert "杭州市" in page.input_value("input[name^='city-'] >> nth=0") + page.input_value(
                "input[name^='city-'] >> nth=1"
            )
            page.goto(server + "/")
            page.click(f"a[href='/city/{quote('杭州市', safe='')}/2016/H1']")
            page.wait_for_selector("section#document")
            assert "杭州市 · 2016年上半年" in page.inner_text("h1")

            article = page.locator("section#document article.passage:not([data-area='4'])").nth(5)
            passage_id = article.get_attribute("id")
            text = article.locator("p.text").inner_text()
            article.locator("select[name=area]").select_option("4")
            article.locator("button:has-text('保存领域')").click()
            corrected = page.locator(f"article#{passage_id}")
            corrected.locator(".save-note:has-text('已保存')").wait_for()  # no reload
            assert corrected.get_attribute("data-area") == "4"
            assert "已复核" in corrected.inner_text()

            page.goto(server + "/search")
            page.fill("input[name=q]", re.split(r"[，。；]", text)[0])
            page.select_option("select[name=area]", "4")
            page.click("form.search-form button[type=submit]")
            page.wait_for_selector("ol.hits")
            links = page.locator("li.hit .actions a").evaluate_all("els => els.map(e => e.href)")
            assert any(link.endswith(f"#{passage_id}") for link in links), links
            assert errors == []
        finally:
            browser.close()
