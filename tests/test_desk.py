"""The evaluators' review desk (issue 19) through FastAPI's TestClient over a real SQLite store
holding the ingested samples: sessions and proxies, Chinese error pages, errors that keep the
input, the review queue, the source beside the text, paging."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests import test_web
from tests.test_web import logged_in, login, make_app, token, tree

# test_web's fixtures: the ingested samples with four accounts, and an app over a copy of them.
template_store = test_web.template_store
app = test_web.app

# --- 1. sessions and security ------------------------------------------------------------------


def test_copied_cookie_fails_after_logout(app):
    eva = logged_in(app, "eva")
    copy = TestClient(app, follow_redirects=False)
    copy.cookies.set("infocity_session", eva.cookies.get("infocity_session"))
    assert copy.get("/").status_code == 200
    assert eva.post("/logout", data={"csrf_token": token(eva, "/")}).status_code == 303
    assert copy.get("/").status_code == 303  # the copy died with the session
    again = logged_in(app, "eva")  # a new login works, and the old copy stays dead
    assert again.get("/").status_code == 200
    assert copy.get("/").status_code == 303


@pytest.mark.parametrize("change", ["password", "role", "deactivate"])
def test_account_changes_end_the_users_sessions(app, change):
    from corpus.accounts import activate, deactivate, set_password, set_role

    eve = logged_in(app, "eve")
    assert eve.get("/").status_code == 200
    engine = app.state.engine
    if change == "password":
        set_password(engine, "eve", "new-pass-123", by="admin")
    elif change == "role":
        set_role(engine, "eve", "viewer", by="admin")
    else:
        deactivate(engine, "eve", by="admin")
        activate(engine, "eve", by="admin")  # reactivated: the old cookie still must not work
    assert eve.get("/").status_code == 303


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(template_store, tmp_path):
    """The login limit counts the real client: a spoofed X-Forwarded-For from an untrusted peer
    changes nothing; behind a trusted proxy the forwarded address counts."""
    plain = make_app(template_store, tmp_path / "a")
    c = TestClient(plain, follow_redirects=False)
    for i in range(5):
        headers = {"X-Forwarded-For": f"203.0.113.{i}"}
        data = {"name": "eva", "password": "wrong-pass", "csrf_token": token(c)}
        assert c.post("/login", data=data, headers=headers).status_code == 401
    data = {"name": "eva", "password": "wrong-pass", "csrf_token": token(c)}
    assert (
        c.post("/login", data=data, headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429
    )

    proxied = make_app(template_store, tmp_path / "b", trusted_proxies="127.0.0.1")
    c = TestClient(proxied, follow_redirects=False, client=("127.0.0.1", 5000))
    for _ in range(5):
        data = {"name": "eva", "password": "wrong-pass", "csrf_token": token(c)}
        c.post("/login", data=data, headers={"X-Forwarded-For": "198.51.100.7"})
    data = {"name": "eva", "password": "wrong-pass", "csrf_token": token(c)}
    blocked = c.post("/login", data=data, headers={"X-Forwarded-For": "198.51.100.7"})
    assert blocked.status_code == 429
    other = c.post("/login", data=data, headers={"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 401  # another person behind the same proxy is not blocked


def test_trusted_proxies_setting_is_validated():
    from web.security import trusted_networks

    assert [str(n) for n in trusted_networks("127.0.0.1, 10.0.0.0/8")] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
    ]
    assert trusted_networks("") == []
    with pytest.raises(ValueError, match="INFOCITY_TRUSTED_PROXIES"):
        trusted_networks("proxy.example")


def test_cookie_is_secure_over_https(template_store, tmp_path):
    secure = make_app(template_store, tmp_path, https=True)
    c = TestClient(secure, base_url="https://testserver", follow_redirects=False)
    response = login(c, "eva")
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


def test_cookie_is_not_secure_by_default(app):
    c = TestClient(app, follow_redirects=False)
    assert "secure" not in login(c, "eva").headers["set-cookie"].lower()


def test_ids_out_of_range_are_404_pages(app):
    vic = logged_in(app, "vic")
    for url in (
        "/documents/99999999999999999999",
        "/passages/9223372036854775808",
        "/apps/-1",
        "/documents/abc",
        "/city/杭州市/99999999999/H1",
    ):
        response = vic.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert "没有这个页面" in tree(response).xpath("//p[@class='error']")[0].text_content()


def test_head_is_answered_where_get_is(app):
    vic = logged_in(app, "vic")
    for url in ("/", "/search", "/static/style.css", "/history"):
        head = vic.head(url)
        assert head.status_code == 200, url
        assert head.content == b""
    assert vic.head("/no/such/page").status_code == 404


# --- 2. Chinese everywhere ---------------------------------------------------------------------


def _json_free(response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert not response.text.lstrip().startswith("{")
    assert '"detail"' not in response.text


def test_validation_and_method_errors_are_chinese_pages(app):
    eva = logged_in(app, "eva")
    csrf = token(eva, "/")
    bad = eva.post("/passages/1/area", data={"csrf_token": csrf, "expected_version": "abc"})
    assert bad.status_code == 422
    _json_free(bad)
    message = tree(bad).xpath("//p[@class='error']")[0].text_content()
    assert "版本号：应为整数" in message
    wrong_method = eva.get("/logout")
    assert wrong_method.status_code == 405
    _json_free(wrong_method)
    assert "不支持这种请求方式" in wrong_method.text
    missing = eva.get("/no/such/page")
    assert missing.status_code == 404 and "没有这个页面" in missing.text
    _json_free(missing)


def test_stored_warnings_and_failures_are_shown_in_chinese(app):
    from sqlmodel import Session, select

    from models.tables import Document

    engine = app.state.engine
    with Session(engine) as session:
        doc = session.exec(select(Document).where(Document.status == "ok")).first()
        doc.warnings = [
            "city is unclear: title says 杭州市 (杭州市信息消费); filename says 宁波市 (宁波); "
            "using 杭州市",
            "page 3 has no text layer: needs OCR (OCR is off)",
            "2 image(s): text inside images is not extracted",
        ]
        session.add(doc)
        session.add(
            Document(
                sha256="f" * 64,
                name="坏文件.exe",
                status="failed",
                error_code="unsupported format",
                error="坏文件.exe: rejected: unsupported format (extension .exe)",
            )
        )
        session.commit()
        doc_id = doc.id
    eva = logged_in(app, "eva")
    page = eva.get(f"/documents/{doc_id}")
    notes = [p.text_content() for p in tree(page).xpath("//p[@class='warn-note']")]
    assert any("城市不确定：标题为 杭州市" in n and "暂按 杭州市" in n for n in notes), notes
    assert any("第 3 页没有文字层，需要文字识别（OCR 已关闭）" in n for n in notes), notes
    assert any("2 张图片" in n for n in notes), notes
    assert not any("unclear" in n or "needs OCR" in n for n in notes), notes
    home = eva.get("/")
    row = next(r for r in tree(home).xpath("//tr") if "坏文件.exe" in r.text_content())
    assert "不支持的文件格式" in row.text_content() and "扩展名 .exe" in row.text_content()
    assert "rejected" not in row.text_content()


def test_figures_export_names_indicators(app):
    import csv
    import io

    from classify import load_catalogue

    ids = set(load_catalogue().indicators)
    names = {i.name for i in load_catalogue().indicators.values()}
    vic = logged_in(app, "vic")
    response = vic.get("/export/figures.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    column = rows[0].index("指标")
    values = {r[column] for r in rows[1:] if r[column]}
    assert values, "the samples have figures with indicators"
    assert not values & ids and values <= names


def test_audit_names_the_user_with_chinese_roles(app):
    admin = logged_in(app, "admin")
    csrf = token(admin, "/admin/users")
    response = admin.post("/admin/users/eve/role", data={"csrf_token": csrf, "role": "viewer"})
    assert response.status_code == 303
    page = admin.get("/admin/users")
    text = page.text
    assert "用户 eve 的角色：评估员 → 只读用户" in text
    assert "evaluator" not in tree(page).xpath("string(//ul[@class='events'])")


def test_money_is_shown_in_wan_and_yi():
    from web.templating import number

    assert number(76_850_000_000, "元") == "768.5 亿元"
    assert number(560_000, "元") == "56 万元"
    assert number(12_000, "万元") == "1.2 亿元"
    assert number(980, "元") == "980 元"
    assert number(15, "%") == "15 %"


# --- 3. errors keep the input ------------------------------------------------------------------


def _figure(app, unit=None):
    from sqlmodel import Session, select

    from models.tables import Figure

    with Session(app.state.engine) as session:
        query = select(Figure)
        if unit:
            query = query.where(Figure.unit == unit)
        return session.exec(query.order_by(Figure.id)).first()


def _passage_ids(app, n=3):
    from sqlmodel import Session, select

    from models.tables import Document, Passage

    with Session(app.state.engine) as session:
        return session.exec(
            select(Passage.id)
            .join(Document, Document.id == Passage.document_id)
            .where(Document.is_current, Passage.area.is_not(None), Passage.page.is_not(None))
            .order_by(Passage.id)
            .limit(n)
        ).all()


def test_corrections_accept_chinese_numerals(app):
    from corpus.corrections import parse_correction

    assert parse_correction("56万", "元") == 560_000
    assert parse_correction("1.2亿", "万元") == 12_000
    assert parse_correction("1.2亿", "亿元") == 1.2
    assert parse_correction("百分之十五", "%") == 15
    assert parse_correction("１２，３４５", "户") == 12_345
    with pytest.raises(Exception, match="百分数"):
        parse_correction("15%", "户")
    figure = _figure(app)
    eva = logged_in(app, "eva")
    page = f"/passages/{figure.passage_id}"
    csrf = token(eva, page)
    data = {
        "csrf_token": csrf,
        "expected_version": figure.version,
        "action": "correct",
        "corrected_value": "56万",
        "next": page,
    }
    assert eva.post(f"/figures/{figure.id}/review", data=data).status_code == 303
    expected = 560_000 / (10_000 if (figure.unit or "").startswith("万") else 1)
    if (figure.unit or "").startswith("亿"):
        expected = 560_000 / 100_000_000
    assert _figure_row(app, figure.id).corrected_value == pytest.approx(expected)


def _figure_row(app, figure_id):
    from sqlmodel import Session

    from models.tables import Figure

    with Session(app.state.engine) as session:
        return session.get(Figure, figure_id)


def test_a_bad_correction_reshows_the_page_with_the_input_kept(app):
    figure = _figure(app)
    eva = logged_in(app, "eva")
    page = f"/passages/{figure.passage_id}"
    data = {
        "csrf_token": token(eva, page),
        "expected_version": figure.version,
        "action": "correct",
        "corrected_value": "大约很多",
        "next": page,
    }
    response = eva.post(f"/figures/{figure.id}/review", data=data)
    assert response.status_code == 303 and response.headers["location"] == page
    shown = tree(eva.get(page))
    form = shown.xpath(f"//div[@id='f{figure.id}']//form")[0]
    assert "无法识别的数值：大约很多" in form.xpath("string(.//p[@class='error'])")
    assert form.xpath(".//input[@name='corrected_value']/@value") == ["大约很多"]
    # shown once: the next view of the page is clean
    assert not tree(eva.get(page)).xpath("//div[@class='problem']")
    # the page's script asks for JSON and gets the message, no page
    data["csrf_token"] = token(eva, page)
    js = eva.post(f"/figures/{figure.id}/review", data=data, headers={"Accept": "application/json"})
    assert js.status_code == 400 and "无法识别的数值" in js.json()["error"]


def test_a_conflict_shows_theirs_and_yours_side_by_side(app):
    from corpus.review import get_passage

    pid = _passage_ids(app, 1)[0]
    version = get_passage(app.state.engine, pid).version
    eva, eve = logged_in(app, "eva"), logged_in(app, "eve")
    page = f"/passages/{pid}"
    first = {"csrf_token": token(eve, page), "expected_version": version, "area": "2", "next": page}
    assert eve.post(f"/passages/{pid}/area", data=first).status_code == 303
    mine = {"csrf_token": token(eva, page), "expected_version": version, "area": "5", "next": page}
    assert eva.post(f"/passages/{pid}/area", data=mine).status_code == 303
    shown = tree(eva.get(page))
    problem = shown.xpath("//div[@class='problem']")[0]
    sides = [s.text_content() for s in problem.xpath(".//div[@class='side']")]
    assert "2 " in sides[0] and "eve" in problem.text_content()
    assert "领域 5" in sides[1]
    assert shown.xpath("//form[contains(@class,'area-form')]//option[@selected]/@value") == ["5"]
    # choosing "mine": the form now carries the current version, so it overwrites
    version_now = shown.xpath(
        "//form[contains(@class,'area-form')]//input[@name='expected_version']/@value"
    )[0]
    mine.update(csrf_token=token(eva, page), expected_version=version_now)
    assert eva.post(f"/passages/{pid}/area", data=mine).status_code == 303
    assert get_passage(app.state.engine, pid).reviewed_area == 5


def test_a_bad_query_keeps_the_query_on_the_search_page(app):
    vic = logged_in(app, "vic")
    response = vic.get("/search?q=OR%20-")
    assert response.status_code == 400
    page = tree(response)
    assert page.xpath("//form[@class='search-form']//input[@name='q']/@value") == ["OR -"]
    assert page.xpath("//form[@class='search-form']/following::p[@class='error']")


# --- 4. the review queue -----------------------------------------------------------------------


def _mark_for_review(app, ids):
    from sqlalchemy import update
    from sqlmodel import Session

    from models.tables import Passage

    with Session(app.state.engine) as session:
        session.exec(
            update(Passage).where(Passage.id.in_(ids)).values(needs_review=True, reviewed_area=None)
        )
        session.commit()


def _queue_ids(page) -> list[int]:
    return [int(a.get("data-id")) for a in page.xpath("//article[contains(@class,'queue-item')]")]


def test_queue_lists_waiting_passages_oldest_first_with_counts_on_the_grid(app):
    from corpus.queue import queue_page

    ids = _passage_ids(app, 3)
    _mark_for_review(app, ids)
    vic = logged_in(app, "vic")
    page = tree(vic.get("/queue"))
    q = queue_page(app.state.engine)
    assert f"共 {q.total} 个段落等待复核" in page.xpath("string(//p[@id='queue-count'])")
    total = q.total + q.figures_total + q.tags_total  # the grid counts everything waiting
    listed = _queue_ids(page)
    assert set(ids) <= set(listed)
    assert not page.xpath("//form[@id='bulk-form']")  # a viewer reads, cannot act
    home = tree(vic.get("/"))
    pending = home.xpath("//table[@class='grid']//a[@class='pending']")
    assert pending and sum(int(a.text_content().split()[-1]) for a in pending) == total
    one = pending[0].get("href")
    assert one.startswith("/queue?city=")
    assert _queue_ids(tree(vic.get(one)))


def _waiting_figure_and_case(app):
    """Makes one indicator figure of a progress report wait (its date only assumed) and one
    case's tags wait (a model tag scored low, no evaluator tag)."""
    from sqlalchemy import delete, update
    from sqlmodel import Session, select

    from models.tables import Application, ApplicationTag, Document, Passage
    from models.tables import Figure as FigureRow

    with Session(app.state.engine) as session:
        figure_id, doc = session.exec(
            select(FigureRow.id, Document)
            .join(Passage, Passage.id == FigureRow.passage_id)
            .join(Document, Document.id == Passage.document_id)
            .where(Document.is_current, Document.kind == "progress")
            .where(FigureRow.indicator.is_not(None))
            .order_by(FigureRow.id)
        ).first()
        session.exec(
            update(FigureRow)
            .where(FigureRow.id == figure_id)
            .values(as_of_source="submission", review_status=None)
        )
        app_id = session.exec(
            select(Application.id)
            .join(Document, Document.id == Application.document_id)
            .where(Document.is_current)
            .order_by(Application.id)
        ).first()
        session.exec(delete(ApplicationTag).where(ApplicationTag.application_id == app_id))
        session.add(ApplicationTag(application_id=app_id, tag="smart-healthcare", score=0.9))
        session.add(ApplicationTag(application_id=app_id, tag="open-data", score=0.3))
        session.commit()
        return figure_id, app_id, (doc.city, doc.year, doc.period)


def test_queue_lists_waiting_figures_and_tags_and_confirms_each_in_one_click(app):
    from urllib.parse import parse_qs, urlsplit

    from sqlmodel import Session, select

    from classify.tags import taxonomy
    from corpus.queue import queue_page
    from models.tables import ApplicationTag
    from models.tables import Figure as FigureRow

    known = taxonomy()
    assert {"smart-healthcare", "open-data"} <= set(known)
    figure_id, app_id, (city, year, period) = _waiting_figure_and_case(app)
    engine = app.state.engine
    q = queue_page(engine)
    assert figure_id in [f.id for f in q.figures] and app_id in [a["id"] for a in q.tags]
    eva = logged_in(app, "eva")
    page = tree(eva.get("/queue"))
    assert page.xpath(f"//div[@id='qf{figure_id}']//button[@value='accept']")
    assert f"（{q.figures_total}）" in page.xpath("string(//section[@id='queue-figures']/h2)")
    case = page.xpath(f"//div[@id='qa{app_id}']")[0]
    assert known["open-data"].name in case.text_content()
    # per submission too, and counted on the home grid
    one = tree(eva.get(f"/queue?city={city}&year={year}&period={period}"))
    assert one.xpath(f"//div[@id='qf{figure_id}']")
    mine = queue_page(engine, city=city, year=year, period=period)
    pending = tree(eva.get("/")).xpath("//table[@class='grid']//a[@class='pending']")
    wanted = {"city": [city], "year": [str(year)], "period": [period]}
    counted = [a for a in pending if parse_qs(urlsplit(a.get("href")).query) == wanted]
    waiting = mine.total + mine.figures_total + mine.tags_total
    assert counted and int(counted[0].text_content().split()[-1]) == waiting

    # one click each: the figure accepted as read, the model's tags made the evaluator's
    form = page.xpath(f"//div[@id='qf{figure_id}']//form")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert eva.post(form.get("action"), data={**data, "action": "accept"}).status_code == 303
    form = case.xpath(".//form")[0]
    fields: dict[str, list[str]] = {}
    for i in form.xpath(".//input"):
        fields.setdefault(i.get("name"), []).append(i.get("value"))
    assert eva.post(form.get("action"), data=fields).status_code == 303
    after = queue_page(engine)
    assert figure_id not in [f.id for f in after.figures]
    assert app_id not in [a["id"] for a in after.tags]
    assert after.figures_total == q.figures_total - 1 and after.tags_total == q.tags_total - 1
    with Session(engine) as session:
        assert session.get(FigureRow, figure_id).review_status == "accepted"
        tags = session.exec(
            select(ApplicationTag.tag, ApplicationTag.source).where(
                ApplicationTag.application_id == app_id
            )
        ).all()
    assert sorted(tags) == [("open-data", "evaluator"), ("smart-healthcare", "evaluator")]


def test_queue_and_history_sort_on_the_server(app):
    from corpus.review import get_passage, set_passage_area

    ids = _passage_ids(app, 6)
    _mark_for_review(app, ids)
    eva = logged_in(app, "eva")
    unsure = _queue_ids(tree(eva.get("/queue?sort=unsure")))
    confidences = [get_passage(app.state.engine, i).area_confidence or 0.0 for i in unsure]
    assert len(unsure) >= 6 and confidences == sorted(confidences)
    page = tree(eva.get("/queue?sort=unsure"))
    assert page.xpath("string(//p[@id='queue-sort']/b)") == "模型最没把握的在前"
    for who, pid in (("乙", ids[0]), ("甲", ids[1]), ("丙", ids[2])):
        version = get_passage(app.state.engine, pid).version
        set_passage_area(app.state.engine, pid, 2, user=who, expected_version=version)
    people = lambda url: [  # noqa: E731
        td.text_content()
        for td in tree(eva.get(url)).xpath("//table[@id='history-table']//tr/td[2]")
    ]
    assert people("/history")[:3] == ["丙", "甲", "乙"]  # newest first by default
    ascending = people("/history?sort=user")
    assert ascending == sorted(ascending) and ascending != people("/history")
    assert people("/history?sort=-user") == sorted(ascending, reverse=True)
    head = tree(eva.get("/history?sort=user")).xpath("//th[@aria-sort='ascending']/a")[0]
    assert head.get("href").endswith("sort=-user")  # the next click reverses it


def test_submitting_the_model_default_confirms_it(app):
    from corpus.review import get_passage

    pid = _passage_ids(app, 1)[0]
    _mark_for_review(app, [pid])
    before = get_passage(app.state.engine, pid)
    eva = logged_in(app, "eva")
    form = tree(eva.get("/queue")).xpath(f"//article[@id='q{pid}']//form")[0]
    assert form.xpath(".//option[@selected]/@value") == ["confirm"]  # the default choice
    data = {
        "csrf_token": token(eva, "/queue"),
        "expected_version": before.version,
        "area": "confirm",
        "next": "/queue",
    }
    response = eva.post(f"/passages/{pid}/area", data=data, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json()["message"] == "已保存"
    after = get_passage(app.state.engine, pid)
    assert after.reviewed_area == before.predicted_area and after.version == before.version + 1
    assert pid not in _queue_ids(tree(eva.get("/queue")))


def test_bulk_confirm_saves_the_page_and_names_conflicts(app):
    from corpus.review import get_passage, set_passage_area

    ids = _passage_ids(app, 3)
    _mark_for_review(app, ids)
    eva = logged_in(app, "eva")
    page = tree(eva.get("/queue"))
    versions = {i.get("name"): i.get("value") for i in page.xpath("//form[@id='bulk-form']//input")}
    # someone else reviews one of them meanwhile
    stale = ids[0]
    set_passage_area(
        app.state.engine,
        stale,
        3,
        user="eve",
        expected_version=get_passage(app.state.engine, stale).version,
    )
    response = eva.post("/queue/confirm", data=versions)
    assert response.status_code == 303
    note = tree(eva.get("/queue")).xpath("string(//p[@class='saved-note'])")
    assert f"段落 {stale}" in note and "未保存" in note
    for pid in ids[1:]:
        p = get_passage(app.state.engine, pid)
        assert p.reviewed_area == p.predicted_area
    assert get_passage(app.state.engine, stale).reviewed_area == 3  # theirs, not overwritten


def test_undo_puts_back_ones_own_last_change_and_is_audited(app):
    from corpus.review import get_passage, history

    pid = _passage_ids(app, 1)[0]
    _mark_for_review(app, [pid])
    eva = logged_in(app, "eva")
    version = get_passage(app.state.engine, pid).version
    data = {"csrf_token": token(eva, "/queue"), "expected_version": version, "area": "6"}
    assert eva.post(f"/passages/{pid}/area", data=data).status_code == 303
    assert get_passage(app.state.engine, pid).reviewed_area == 6
    assert tree(eva.get("/queue")).xpath("//form[@id='undo-form']")
    undo = eva.post("/undo", data={"csrf_token": token(eva, "/queue"), "next": "/queue"})
    assert undo.status_code == 303
    assert get_passage(app.state.engine, pid).reviewed_area is None
    last = history(app.state.engine, "passage", pid)[0]
    assert last.action == "undo" and last.user == "eva" and "撤销" in last.summary
    # nothing more to undo: an undo is not undone again
    again = eva.post("/undo", data={"csrf_token": token(eva, "/queue"), "next": "/queue"})
    assert again.status_code == 400 and "没有可以撤销的修改" in again.text


def test_undo_is_refused_after_someone_else_changed_the_item(app):
    from corpus.queue import undo_last
    from corpus.review import InvalidValue, get_passage, set_passage_area

    engine = app.state.engine
    pid = _passage_ids(app, 1)[0]
    set_passage_area(engine, pid, 2, user="eva", expected_version=get_passage(engine, pid).version)
    set_passage_area(engine, pid, 4, user="eve", expected_version=get_passage(engine, pid).version)
    with pytest.raises(InvalidValue):
        undo_last(engine, user="eva")
    assert get_passage(engine, pid).reviewed_area == 4


# --- 5. the source beside the text -------------------------------------------------------------


def _pdf_document(app):
    from sqlmodel import Session, select

    from models.tables import Document

    with Session(app.state.engine) as session:
        return session.exec(
            select(Document).where(Document.format == "pdf", Document.status == "ok")
        ).first()


def test_original_download_and_page_image(app):
    doc = _pdf_document(app)
    assert doc is not None, "the samples hold a PDF"
    vic = logged_in(app, "vic")
    original = vic.get(f"/documents/{doc.id}/file")
    assert original.status_code == 200 and original.content.startswith(b"%PDF")
    assert "filename*=utf-8''" in original.headers["content-disposition"].lower()
    page = tree(vic.get(f"/documents/{doc.id}?page=1"))
    img = page.xpath("//section[@id='source']//img/@src")
    assert img == [f"/documents/{doc.id}/pages/1.png"]
    caption = page.xpath("string(//section[@id='source']//figcaption)")
    assert "框出的是各段落在原件上的位置" in caption or "没有提取出段落" in caption
    if "框出" in caption:  # the samples' PDF is read with positions: one box per passage
        boxes = page.xpath("//section[@id='source']//svg//rect[@data-box]")
        texts = page.xpath("//div[@class='page-text']/p[@data-passage]")
        assert len(boxes) == len(texts) > 0 and all(float(b.get("width")) > 0 for b in boxes)
    png = vic.get(img[0])
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    cached = list((app.state.settings.data_dir / "cache" / "pages").rglob("*.png"))
    assert len(cached) == 1
    assert vic.get(img[0]).content == png.content  # served from the cache
    assert vic.get(f"/documents/{doc.id}/pages/9999.png").status_code == 404


def test_retiring_a_document_takes_it_out_of_views_and_an_admin_restores_it(app):
    from corpus import Filters, search
    from corpus.review import history

    doc = _pdf_document(app)
    engine = app.state.engine
    eva, admin = logged_in(app, "eva"), logged_in(app, "admin")
    home_before = eva.get("/").text
    csrf = token(eva, f"/documents/{doc.id}")
    data = {"csrf_token": csrf, "comment": "误传"}
    assert eva.post(f"/documents/{doc.id}/retire", data=data).status_code == 303
    page = tree(eva.get(f"/documents/{doc.id}"))
    assert page.xpath("//p[@id='retired-note']")
    assert not page.xpath("//form[contains(@class,'area-form')]")  # no edits on a retired file
    assert not page.xpath("//form[@id='restore-form']")  # evaluators cannot restore
    hits = search(engine, "信息消费", Filters(), limit=500)
    assert all(h.document_id != doc.id for h in hits)
    assert eva.get("/").text != home_before
    event = history(engine, "document", doc.id)[0]
    assert event.action == "retire" and event.user == "eva" and event.comment == "误传"
    restored = admin.post(f"/documents/{doc.id}/restore", data={"csrf_token": token(admin, "/")})
    assert restored.status_code == 303
    assert not tree(admin.get(f"/documents/{doc.id}")).xpath("//p[@id='retired-note']")
    assert history(engine, "document", doc.id)[0].action == "restore"
    denied = eva.post(f"/documents/{doc.id}/restore", data={"csrf_token": token(eva, "/")})
    assert denied.status_code == 403


def test_retiring_an_upload_withdraws_its_documents_and_an_admin_restores_them(app, monkeypatch):
    """An upload sent by mistake is withdrawn as a whole from its progress page (each document
    audited, naming the upload), restored by an admin, and the same from the command line."""
    import io
    import zipfile

    from typer.testing import CliRunner

    from cli import app as cli_app
    from corpus.review import history
    from tests.test_web import HOSTILE_TEXT, finished, upload

    engine = app.state.engine
    eva, admin = logged_in(app, "eva"), logged_in(app, "admin")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("杭州市2017年上半年进展.txt", HOSTILE_TEXT)
        zf.writestr(
            "宁波市2017年上半年进展.txt", HOSTILE_TEXT.replace("杭州", "宁波") + "另有说明。"
        )
    done = finished(app, upload(eva, [("报告.zip", archive.getvalue(), "application/zip")]))
    ids = app.state.jobs.get(done["id"]).document_ids
    assert len(ids) == 2
    page = tree(eva.get(f"/upload/{done['id']}"))
    assert page.xpath("//form[@id='retire-upload-form']")
    assert not page.xpath("//form[@id='restore-upload-form']")  # only admins restore
    data = {"csrf_token": token(eva, f"/upload/{done['id']}"), "comment": "传错了"}
    assert eva.post(f"/upload/{done['id']}/retire", data=data).status_code == 303
    for doc_id in ids:
        assert tree(eva.get(f"/documents/{doc_id}")).xpath("//p[@id='retired-note']")
        event = history(engine, "document", doc_id)[0]
        assert (event.action, event.user) == ("retire", "eva")
        assert done["id"] in event.comment and "传错了" in event.comment
    again = eva.post(f"/upload/{done['id']}/retire", data=data)
    assert again.status_code in (303, 400, 422) and "没有可撤回的文件" in eva.get("/").text + (
        again.text
    )
    denied = eva.post(f"/upload/{done['id']}/restore", data={"csrf_token": token(eva, "/")})
    assert denied.status_code == 403
    restored = admin.post(f"/upload/{done['id']}/restore", data={"csrf_token": token(admin, "/")})
    assert restored.status_code == 303
    for doc_id in ids:
        assert not tree(admin.get(f"/documents/{doc_id}")).xpath("//p[@id='retired-note']")
        assert history(engine, "document", doc_id)[0].action == "restore"
    assert eva.post("/upload/nope/retire", data=data).status_code == 404

    monkeypatch.setenv("INFOCITY_DATA_DIR", str(app.state.settings.data_dir))
    monkeypatch.delenv("INFOCITY_DATABASE_URL", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli_app, ["retire-upload", done["id"], "--comment", "重复"])
    assert result.exit_code == 0, result.output
    assert "已撤回 2 个文件" in result.output
    assert all(history(engine, "document", i)[0].action == "retire" for i in ids)
    result = runner.invoke(cli_app, ["retire-upload", done["id"], "--restore"])
    assert result.exit_code == 0 and "已恢复 2 个文件" in result.output
    result = runner.invoke(cli_app, ["retire-upload", "nope"])
    assert result.exit_code == 1 and "没有编号为 nope 的上传" in result.output


def test_versions_are_linked_both_ways(app):
    from sqlmodel import Session

    from models.tables import Document

    doc = _pdf_document(app)
    with Session(app.state.engine) as session:
        newer = Document(
            sha256="e" * 64,
            name=doc.name,
            format="pdf",
            version=2,
            previous_id=doc.id,
            city=doc.city,
            year=doc.year,
            period=doc.period,
        )
        session.add(newer)
        old = session.get(Document, doc.id)
        old.is_current = False
        session.add(old)
        session.commit()
        newer_id = newer.id
    vic = logged_in(app, "vic")
    old_page = tree(vic.get(f"/documents/{doc.id}"))
    assert old_page.xpath(f"//span[@class='versions']//a[@href='/documents/{newer_id}']")
    assert old_page.xpath("//p[@id='superseded-note']")
    new_page = tree(vic.get(f"/documents/{newer_id}"))
    assert new_page.xpath(f"//span[@class='versions']//a[@href='/documents/{doc.id}']")


# --- 6, 7. paging, sorting, fast pages ---------------------------------------------------------


def test_search_states_its_total_and_pages(app):
    from corpus import Filters
    from corpus.search import count_matches

    total = count_matches(app.state.engine, "信息消费", Filters())
    assert total > 20, "the samples mention 信息消费 often"
    vic = logged_in(app, "vic")
    first = tree(vic.get("/search?q=信息消费"))
    assert f"共 {total} 条结果" in first.xpath("string(//p[@id='search-total'])")
    assert len(first.xpath("//li[@class='hit']")) == 20
    nxt = first.xpath("//nav[@class='pager']//a[@rel='next']/@href")[0]
    second = tree(vic.get(nxt))
    ids = lambda page: [li.get("id") for li in page.xpath("//li[@class='hit']")]  # noqa: E731
    assert ids(second) and not set(ids(first)) & set(ids(second))
    assert second.xpath("//ol[@class='hits']/@start") == ["21"]
    # the header's search box is on every page
    assert tree(vic.get("/history")).xpath("//header//form[@action='/search']//input[@name='q']")


def test_history_filters_and_pages(app):
    from corpus.review import add_comment

    for i in range(60):
        add_comment(app.state.engine, "passage", 1, f"评语 {i}", user="eva" if i % 2 else "eve")
    vic = logged_in(app, "vic")
    page = tree(vic.get("/history?user=eva"))
    rows = page.xpath("//table[@class='list']/tbody/tr")
    assert len(rows) == 25 and all(r.xpath("string(td[2])") == "eva" for r in rows)
    assert "共 30 条" in page.xpath("string(//p[@id='history-count'])")
    second = tree(vic.get(page.xpath("//nav[@class='pager']//a[@rel='next']/@href")[0]))
    assert len(second.xpath("//table[@class='list']/tbody/tr")) == 5


def test_compare_opens_on_the_period_with_most_cities(app):
    from corpus.compare import busiest_period, cities, periods

    engine = app.state.engine
    chosen = busiest_period(engine)
    most = max(len(cities(engine, y, p)) for y, p in periods(engine))
    assert len(cities(engine, *chosen)) == most
    page = logged_in(app, "vic").get("/compare").text
    assert f"{chosen[0]}年" in page


def test_pages_follow_the_store_after_a_change(app):
    """The compare and city caches are per store version: an evaluator's change shows at once."""
    from corpus.review import get_passage

    eva = logged_in(app, "eva")
    url = "/city/杭州市/2016/H1"
    before = eva.get(url).text
    pid = _passage_ids(app, 1)[0]
    _mark_for_review(app, [pid])  # written behind the app's back: no audit event…
    p = get_passage(app.state.engine, pid)
    data = {"csrf_token": token(eva, "/"), "expected_version": p.version, "area": "confirm"}
    eva.post(f"/passages/{pid}/area", data=data)  # …but this one is, and the page follows
    assert eva.get(url).text != before


def test_exported_workbook_has_formats_widths_and_a_filter(app):
    import io

    from openpyxl import load_workbook

    vic = logged_in(app, "vic")
    book = load_workbook(io.BytesIO(vic.get("/export/figures.xlsx").content))
    ws = book.active
    headers = [c.value for c in ws[1]]
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws.freeze_panes == "A2"
    value = ws.cell(row=2, column=headers.index("数值") + 1)
    assert value.number_format in ("#,##0", "#,##0.00")
    assert ws.cell(row=2, column=headers.index("编号") + 1).number_format == "General"
    assert ws.column_dimensions["E"].width > 8


def test_upload_control_is_chinese_with_a_drop_zone(app):
    eva = logged_in(app, "eva")
    page = tree(eva.get("/upload"))
    zone = page.xpath("//fieldset[@id='drop-zone']")[0]
    labels = [label.text_content() for label in zone.xpath(".//label[@class='button']")]
    assert labels == ["选择文件夹", "选择文件或 .zip 压缩包"]
    for label in zone.xpath(".//label[@class='button']"):  # each button opens its file input
        assert zone.xpath(f".//input[@type='file'][@id='{label.get('for')}']")
    assert zone.xpath(".//progress[@id='upload-transfer']")
    css = eva.get("/static/style.css").text
    assert ".drop-zone input[type=file]" in css and "opacity: 0" in css


def test_a_real_pdf_passage_box_holds_its_words_and_is_highlighted(realdoc, tmp_path):
    """A passage's stored box (PDF points) holds the words pdfplumber finds for its text and no
    word of the paragraphs around it, and the document page draws it over the page image."""
    import pdfplumber
    from sqlmodel import Session, select

    from corpus import ingest, open_store
    from corpus.accounts import add_user
    from corpus.settings import Settings
    from models.tables import Passage
    from web import create_app

    path = realdoc("llmcookbook__2024年北京市政府工作报告.pdf")
    settings = Settings(data_dir=tmp_path / "data", database_url=None, jobs=1)
    engine = open_store(settings)
    summary = ingest(
        [path], engine=engine, data_dir=settings.data_dir, limits=settings.limits(), jobs=1
    )
    assert summary.count("added") == 1, summary.to_dict()
    add_user(engine, "vic", "vic-password-1", "viewer")
    with Session(engine) as session:
        rows = session.exec(select(Passage).order_by(Passage.order)).all()
    assert rows and all(p.box for p in rows if p.page)
    target = next(p for p in rows if p.text == "一年来，主要做了以下工作。")
    x0, top, x1, bottom = target.box
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[target.page - 1]
        width, height = float(page.width), float(page.height)
        words = page.extract_words()

    def inside(w, pad=0.0):
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return x0 - pad <= cx <= x1 + pad and top - pad <= cy <= bottom + pad

    mine = [w for w in words if w["text"] == target.text]
    assert len(mine) == 1
    assert inside(mine[0])
    # pdfium's boxes are the glyphs' ink, pdfplumber's the font's advance: the edges agree to
    # 2 pt, except the right one, where the closing 。 is ink in its em's lower-left corner
    em = mine[0]["bottom"] - mine[0]["top"]
    assert abs(mine[0]["x0"] - x0) < 2 and 0 <= mine[0]["x1"] - x1 < em
    assert abs(mine[0]["top"] - top) < 2 and abs(mine[0]["bottom"] - bottom) < 2
    assert [w["text"] for w in words if inside(w, 2) and w is not mine[0]] == []
    # a paragraph of several lines: its box holds each of its lines' words
    long = next(p for p in rows if p.page == target.page and p.text.startswith("一是深入落实"))
    lx0, ltop, lx1, lbottom = long.box
    held = [
        w
        for w in words
        if lx0 - 2 <= w["x0"] and w["x1"] <= lx1 + 2 and ltop - 2 <= w["top"]
        if w["bottom"] <= lbottom + 2
    ]
    assert len(held) >= 10 and "一是深入落实" in held[0]["text"]
    assert not inside(held[0])

    app = create_app(settings)
    try:
        client = TestClient(app, follow_redirects=False)
        login(client, "vic", "vic-password-1")
        doc_page = client.get(f"/documents/{target.document_id}?passage={target.id}")
        page_tree = tree(doc_page)
        svg = page_tree.xpath("//section[@id='source']//svg[@class='page-boxes']")[0]
        _, _, px_width, px_height = (
            float(v) for v in svg.get("viewbox").split()
        )  # lxml: lower case
        assert abs(px_width / width - 1.5) < 0.01 and abs(px_height / height - 1.5) < 0.01
        boxes = svg.xpath(".//rect")
        assert len(boxes) == len([p for p in rows if p.page == target.page])
        on = [b for b in boxes if "on" in b.get("class").split()]
        assert [b.get("data-box") for b in on] == [str(target.id)]
        rect = [float(on[0].get(k)) for k in ("x", "y", "width", "height")]
        # the same place on the image as in the PDF, to a pixel
        assert (
            abs(rect[0] / px_width * width - x0) < 1 and abs(rect[1] / px_height * height - top) < 1
        )
        assert abs(rect[2] / px_width * width - (x1 - x0)) < 1
        assert abs(rect[3] / px_height * height - (bottom - top)) < 1
        chosen = page_tree.xpath("//div[@class='page-text']/p[contains(@class,'on')]/@data-passage")
        assert chosen == [str(target.id)]
        assert "框出的是各段落在原件上的位置" in doc_page.text
        # the passage in the document's text links to its page with its box marked
        text_link = f"/documents/{target.document_id}?page={target.page}&passage={target.id}#source"
        assert page_tree.xpath(f"//article[@id='p{target.id}']//a[@href='{text_link}']")
    finally:
        app.state.jobs.shutdown()
        app.state.engine.dispose()
        engine.dispose()


def test_compare_after_an_edit_redoes_only_that_city_and_matches_a_full_build(app):
    """After an evaluator's edit the compare page recomputes only the cities the new audit
    events touch, and shows exactly what a page built from nothing shows."""
    import re

    from sqlalchemy import func
    from sqlmodel import Session, select

    from corpus.accounts import set_role
    from corpus.compare import cities_changed
    from corpus.review import get_passage, review_figure, set_passage_area
    from models.tables import Document, Passage, ReviewEvent
    from models.tables import Figure as FigureRow

    engine = app.state.engine
    eva = logged_in(app, "eva")

    def page() -> str:
        return re.sub(r'name="csrf_token" value="[^"]*"', "", eva.get("/compare").text)

    def last_event() -> int | None:
        with Session(engine) as session:
            return session.exec(select(func.max(ReviewEvent.id))).one()

    def city_of_figure(fid: int) -> str:
        with Session(engine) as session:
            return session.exec(
                select(Document.city)
                .join(Passage, Passage.document_id == Document.id)
                .join(FigureRow, FigureRow.passage_id == Passage.id)
                .where(FigureRow.id == fid)
            ).one()

    first = page()
    links = tree(eva.get("/compare")).xpath(
        "//table[contains(@class,'indicators')]//a[starts-with(@href,'/passages/')]/@href"
    )
    assert links, "the samples' period has headline figures"
    fid = int(links[0].split("#f")[1])
    with Session(engine) as session:
        version = session.get(FigureRow, fid).version
    start = last_event()
    review_figure(engine, fid, "reject", user="eva", expected_version=version)
    assert cities_changed(engine, start, last_event()) == {city_of_figure(fid)}
    after_figure = page()
    assert after_figure != first and f"#f{fid}" not in after_figure
    # a passage's area: the matrix row of its city changes
    pid = _passage_ids(app, 1)[0]
    p = get_passage(engine, pid)
    start = last_event()
    set_passage_area(engine, pid, (p.area + 1) % 7, user="eva", expected_version=p.version)
    assert cities_changed(engine, start, last_event()) == {p.city}
    after_area = page()
    # account events touch no city
    start = last_event()
    set_role(engine, "vic", "evaluator", by="admin")
    assert cities_changed(engine, start, last_event()) == set()
    assert cities_changed(engine, None, last_event()) is None  # nothing to start from
    assert page() == after_area
    app.state.page_cache.clear()  # from nothing: the same page
    assert page() == after_area
