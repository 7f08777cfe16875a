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
