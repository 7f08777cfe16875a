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
