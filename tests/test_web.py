"""The web app through FastAPI's TestClient, over a real SQLite store holding the ingested samples.

Pages are checked with element selectors (lxml XPath), not snapshots. Rows 1–3 and 11 of
../shared/reliability.md: type gate and hostile names on upload, size and count limits, anonymous
requests, a viewer posting, a POST without its CSRF token, <script> in report text and queries,
two evaluators editing one passage.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from corpus.settings import Settings

PASSWORDS = {
    "admin": "admin-pass-1",
    "eva": "eva-pass-12",
    "eve": "eve-pass-12",
    "vic": "vic-pass-12",
}
ROLES = {"admin": "admin", "eva": "evaluator", "eve": "evaluator", "vic": "viewer"}
HOSTILE_TEXT = (
    "杭州市2017年上半年信息消费示范城市建设进展情况\n\n一、总体情况\n\n"
    "全市光纤到户用户达到500万户，<script>alert('xss')</script>宽带提速成效明显。"
    '<img src=x onerror="alert(2)">\n'
)


@pytest.fixture(scope="session")
def template_store(tmp_path_factory, samples) -> Path:
    """A data directory with the samples ingested and four accounts; each test copies it."""
    from corpus import ingest, open_store
    from corpus.accounts import add_user

    data = tmp_path_factory.mktemp("web-template") / "data"
    settings = Settings(data_dir=data, database_url=None)
    engine = open_store(settings)
    summary = ingest(
        [samples], engine=engine, data_dir=data, limits=settings.limits(), jobs=2, user="test"
    )
    assert summary.count("added") == 10, summary.to_dict()
    for name, password in PASSWORDS.items():
        add_user(engine, name, password, ROLES[name])
    engine.dispose()
    return data


def make_app(template_store: Path, tmp_path: Path, **overrides):
    from web import create_app

    data = tmp_path / "data"
    shutil.copytree(template_store, data)
    settings = Settings(data_dir=data, database_url=None, jobs=1, **overrides)
    return create_app(settings)


@pytest.fixture
def app(template_store, tmp_path):
    application = make_app(template_store, tmp_path)
    yield application
    application.state.jobs.shutdown()
    application.state.engine.dispose()


@pytest.fixture
def client(app):
    return TestClient(app, follow_redirects=False)


def tree(response):
    return lxml.html.fromstring(response.text)


def token(client: TestClient, page: str = "/login") -> str:
    response = client.get(page)
    if response.status_code in (302, 303):
        response = client.get(response.headers["location"])
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


def login(client: TestClient, name: str, password: str | None = None):
    return client.post(
        "/login",
        data={
            "name": name,
            "password": password or PASSWORDS[name],
            "csrf_token": token(client),
            "next": "/",
        },
    )


def logged_in(app, name: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    response = login(c, name)
    assert response.status_code == 303, response.text
    return c


def first_passage(app, city="杭州市", year=2016, period="H1"):
    from corpus.compare import city_overview
    from corpus.review import document_view

    overview = city_overview(app.state.engine, city, year, period)
    return document_view(app.state.engine, overview.documents[0].id).passages[3]


# --- accounts, sessions, roles, CSRF -----------------------------------------------------------


def test_anonymous_requests_go_to_login(client):
    response = client.get("/city/杭州市/2016/H1")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert client.get("/upload/nope/progress.json").status_code == 401
    assert client.post("/passages/1/area", data={"expected_version": 1}).status_code == 403
    assert client.get("/export/matrix.csv").status_code == 303


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(client):
    response = login(client, "eva")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert tree(home).xpath("//header//span")[0].text_content().startswith("eva")
    logout = client.post("/logout", data={"csrf_token": token(client, "/")})
    assert logout.status_code == 303
    assert client.get("/").status_code == 303


def test_wrong_password_is_refused_in_chinese(client):
    response = login(client, "eva", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in tree(response).xpath("//p[@role='alert']")[0].text_content()
    assert login(client, "nobody", "whatever-1").status_code == 401


def test_login_next_stays_on_this_site(client):
    response = client.post(
        "/login",
        data={
            "name": "eva",
            "password": PASSWORDS["eva"],
            "csrf_token": token(client),
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/"


def test_failed_logins_are_rate_limited(client):
    for _ in range(5):
        assert login(client, "eva", "wrong-password").status_code == 401
    limited = login(client, "eva")  # even the right password, while limited
    assert limited.status_code == 429
    assert "登录失败次数过多" in limited.text
    assert login(client, "eve").status_code == 303  # another name is not affected


def test_rate_limit_window_passes(app):
    from web.security import LoginLimiter

    now = [0.0]
    limiter = LoginLimiter(app.state.engine, limit=2, window=300, clock=lambda: now[0])
    limiter.failed("Eva", "1.2.3.4")
    limiter.failed("eva", "1.2.3.4")
    with pytest.raises(Exception, match="登录失败次数过多"):
        limiter.check("eva", "1.2.3.4")
    limiter.check("eva", "5.6.7.8")
    now[0] = 301
    limiter.check("eva", "1.2.3.4")


def test_every_route_names_its_role_and_every_post_checks_csrf(app):
    from web.security import RequireRole, require_csrf

    public = {"/login", "/logout"}
    routes = list(_api_routes(app.routes))
    assert len(routes) > 20  # FastAPI ≥ 0.16x keeps included routers whole: walk into them
    for route in routes:
        deps = _dependencies(route.dependant)
        if route.path not in public:
            assert any(isinstance(d, RequireRole) for d in deps), route.path
        if "POST" in route.methods and route.path != "/upload":
            assert require_csrf in deps, route.path


def _api_routes(routes):
    """Every APIRoute, inside included routers too (fastapi's _IncludedRouter holds the router)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (router := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(router.routes)


def _dependencies(dependant) -> list:
    out = []
    for d in dependant.dependencies:
        out.append(d.call)
        out.extend(_dependencies(d))
    return out


def test_viewer_reads_but_cannot_change_anything(app):
    viewer = logged_in(app, "vic")
    passage = first_passage(app)
    assert viewer.get(f"/documents/{passage.document_id}").status_code == 200
    page = tree(viewer.get(f"/documents/{passage.document_id}"))
    assert not page.xpath("//form[contains(@action, '/area')]")  # no edit forms shown
    response = viewer.post(
        f"/passages/{passage.id}/area",
        data={"area": "3", "expected_version": passage.version, "csrf_token": token(viewer, "/")},
    )
    assert response.status_code == 403
    assert "无权" in response.text
    assert viewer.get("/upload").status_code == 403
    assert viewer.get("/admin/users").status_code == 403
    from corpus.review import get_passage, history

    assert get_passage(app.state.engine, passage.id).reviewed_area is None
    assert history(app.state.engine, "passage", passage.id) == []


def test_post_without_csrf_token_is_refused(app):
    eva = logged_in(app, "eva")
    passage = first_passage(app)
    for data in ({}, {"csrf_token": "forged"}):
        response = eva.post(
            f"/passages/{passage.id}/area",
            data={"area": "3", "expected_version": passage.version, **data},
        )
        assert response.status_code == 403
        assert "CSRF" in response.text
    from corpus.review import get_passage

    assert get_passage(app.state.engine, passage.id).reviewed_area is None


def test_only_admins_manage_users(app):
    assert logged_in(app, "eva").get("/admin/users").status_code == 403
    admin = logged_in(app, "admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200
    names = [td.text_content() for td in tree(page).xpath("//table//tr/td[1]")]
    assert set(PASSWORDS) <= set(names)
    response = admin.post(
        "/admin/users",
        data={
            "name": "新评估员",
            "password": "a-long-pass",
            "role": "evaluator",
            "csrf_token": token(admin, "/admin/users"),
        },
    )
    assert response.status_code == 303
    fresh = TestClient(app, follow_redirects=False)
    assert login(fresh, "新评估员", "a-long-pass").status_code == 303
    weak = admin.post(
        "/admin/users",
        data={
            "name": "x",
            "password": "short",
            "role": "viewer",
            "csrf_token": token(admin, "/admin/users"),
        },
    )
    assert weak.status_code == 400 and "密码太短" in weak.text


def test_deactivated_user_loses_the_session_at_once(app):
    from corpus.accounts import deactivate

    eve = logged_in(app, "eve")
    assert eve.get("/").status_code == 200
    deactivate(app.state.engine, "eve")
    assert eve.get("/").status_code == 303


# --- upload and background ingest --------------------------------------------------------------


def upload(client, files, **fields):
    return client.post(
        "/upload",
        data={"csrf_token": token(client, "/upload"), **fields},
        files=[("files", f) for f in files],
    )


def finished(app, response) -> dict:
    assert response.status_code == 303, response.text
    job_id = response.headers["location"].rsplit("/", 1)[-1]
    job = app.state.jobs.wait(job_id, timeout=120)
    assert job.state == "done", job.error
    return {"id": job_id, "job": job}


def test_upload_a_zip_then_progress_then_documents(app, samples):
    eva = logged_in(app, "eva")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("杭州市2017年上半年进展.txt", HOSTILE_TEXT)
        zf.writestr("说明.exe", b"MZ")
    response = upload(eva, [("报告.zip", archive.getvalue(), "application/zip")])
    done = finished(app, response)
    progress = eva.get(f"/upload/{done['id']}/progress.json").json()
    assert progress["state"] == "done"
    assert progress["added"] == 1 and progress["failed"] == 1
    assert progress["failures"][0]["name"] == "说明.exe"
    assert progress["failures"][0]["reason"] == "不支持的文件格式"
    page = tree(eva.get(f"/upload/{done['id']}"))
    assert page.xpath("//*[@id='p-added']")[0].text_content() == "1"
    confirm = tree(eva.get(f"/upload/{done['id']}/confirm"))
    names = [a.text_content() for a in confirm.xpath("//table//td[1]/a")]
    assert names == ["杭州市2017年上半年进展.txt"]
    assert confirm.xpath("//input[starts-with(@name, 'city-')]")[0].get("value") == "杭州市"
    assert not (Path(app.state.settings.data_dir) / "uploads" / done["id"]).exists()


def test_upload_a_folder_with_hostile_names(app, samples):
    eva = logged_in(app, "eva")
    pdf = (samples / "附件2-典型应用案例(宁波).pdf").read_bytes()
    files = [
        ("提交材料/宁波/附件2-典型应用案例(宁波).pdf", pdf, "application/pdf"),
        ("提交材料/../../etc/passwd.pdf", b"%PDF-1.4 broken", "application/pdf"),
        ("提交材料\\..\\..\\x.docx", b"%PDF-1.7 not a docx", "application/msword"),
        ("/abs.pdf", b"", "application/pdf"),
        ("提交材料/" + "长" * 300 + ".txt", HOSTILE_TEXT.encode(), "text/plain"),
        ("提交材料/.DS_Store", b"junk", "application/octet-stream"),
        ("提交材料/~$临时.docx", b"lock", "application/octet-stream"),
    ]
    done = finished(app, upload(eva, files))
    job = done["job"]
    assert job.files == 5 and len(job.skipped) == 2
    by_name = {r.name: r for r in job.results}
    assert by_name["附件2-典型应用案例(宁波).pdf"].status == "present"  # same bytes as a sample
    assert by_name["passwd.pdf"].status == "failed"
    assert by_name["x.docx"].code == "type mismatch"
    assert by_name["abs.pdf"].code == "empty file"
    long_name = next(n for n in by_name if n.startswith("长"))
    assert by_name[long_name].status == "added" and len(long_name.encode()) <= 180
    root = Path(app.state.settings.data_dir).parent
    assert not (root / "etc").exists() and not Path("/abs.pdf").exists()


def test_upload_overrides_and_confirmation_are_recorded(app):
    from corpus.review import history

    eva = logged_in(app, "eva")
    files = [("未命名报告.txt", "一、总体情况\n\n全市新建5G基站300个。\n".encode(), "text/plain")]
    done = finished(app, upload(eva, files, city="郑州", year="2017", period=""))
    doc_id = done["job"].document_ids[0]
    confirm = tree(eva.get(f"/upload/{done['id']}/confirm"))
    assert confirm.xpath(f"//input[@name='city-{doc_id}']")[0].get("value") == "郑州市"
    response = eva.post(
        f"/upload/{done['id']}/confirm",
        data={
            "csrf_token": token(eva, f"/upload/{done['id']}/confirm"),
            f"city-{doc_id}": "郑州市",
            f"year-{doc_id}": "2017",
            f"period-{doc_id}": "FY",
            f"was_city-{doc_id}": "郑州市",
            f"was_year-{doc_id}": "2017",
            f"was_period-{doc_id}": "",
        },
    )
    assert response.status_code == 303
    events = history(app.state.engine, "document", doc_id)
    assert events[0].user == "eva" and events[0].after["period"] == "FY"
    city = eva.get("/city/郑州市/2017/FY")
    assert city.status_code == 200
    assert "未命名报告.txt" in city.text
    page = eva.get(f"/documents/{doc_id}")
    assert "郑州市 2017 全年" in tree(page).xpath("//ul[@class='events']")[0].text_content()


def test_upload_limits_answer_413_and_keep_nothing(template_store, tmp_path):
    app = make_app(template_store, tmp_path, max_file_mb=0.01, max_upload_files=2)
    eva = logged_in(app, "eva")
    big = upload(eva, [("大文件.pdf", b"%PDF-" + b"0" * 20_000, "application/pdf")])
    assert big.status_code == 413
    assert "大文件.pdf" in big.text and "超过了大小上限" in big.text
    many = upload(eva, [(f"{i}.txt", b"x", "text/plain") for i in range(3)])
    assert many.status_code == 413 and "一次最多上传 2 个文件" in many.text
    uploads = Path(app.state.settings.data_dir) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    app.state.jobs.shutdown()


def test_upload_needs_the_csrf_token_before_any_file(app):
    eva = logged_in(app, "eva")
    response = eva.post("/upload", files=[("files", ("a.txt", b"x", "text/plain"))])
    assert response.status_code == 403
    uploads = Path(app.state.settings.data_dir) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_safe_name():
    from web.upload import safe_name

    assert safe_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert safe_name("..\\..\\x.docx") == "x.docx"
    assert safe_name("/abs.pdf") == "abs.pdf"
    assert safe_name("a\x00b.pdf") == "ab.pdf"
    assert safe_name("..") == "未命名"
    nfd = "附件2-典型应用案例(宁波).pdf".replace("典", "典")
    assert safe_name(nfd) == "附件2-典型应用案例(宁波).pdf"
    long = safe_name("长" * 300 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 180


# --- reading ------------------------------------------------------------------------------------


def test_home_lists_the_submissions(app):
    page = tree(logged_in(app, "vic").get("/"))
    cities = [th.text_content() for th in page.xpath("//table[@class='grid']/tbody/tr/th")]
    assert cities == ["宁波市", "成都市", "杭州市", "郑州市"]
    links = page.xpath("//table[@class='grid']//a/@href")
    assert f"/city/{quote('杭州市', safe='')}/2016/H1" in links


def test_city_view(app):
    page = tree(logged_in(app, "vic").get("/city/宁波市/2016/FY"))
    sections = [s.get("id") for s in page.xpath("//section")]
    assert sections == ["queue", "areas", "checks", "scorecard", "apps", "document"]
    area_rows = page.xpath("//section[@id='areas']//tbody/tr/th/a")
    assert [a.text_content() for a in area_rows][:6] == [
        "1 信息基础设施",
        "2 高端供给",
        "3 公共服务",
        "4 新兴文化",
        "5 新需求",
        "6 双创",
    ]
    assert page.xpath("//section[@id='scorecard']//tbody/tr")
    trend = page.xpath("//section[@id='scorecard']//svg[contains(@class, 'bars')]//a")
    assert [a.xpath("string(./*[local-name()='text'][1])") for a in trend] == [
        "2016上半年",
        "2016全年",
    ]
    apps = page.xpath("//section[@id='apps']//article")
    assert apps and apps[0].xpath(".//span[contains(@class, 'tag')]")
    passages = page.xpath("//section[@id='document']//article[contains(@class, 'passage')]")
    assert passages and all(p.xpath(".//span[contains(@class, 'area')]") for p in passages)


def test_city_view_marks_a_missing_area_and_filters_by_area(app):
    eva = logged_in(app, "eva")
    finished(
        app, upload(eva, [("杭州市2017年上半年进展.txt", HOSTILE_TEXT.encode(), "text/plain")])
    )
    page = tree(eva.get("/city/杭州市/2017/H1"))
    missing = page.xpath("//section[@id='areas']//tr[contains(@class, 'missing-row')]")
    assert len(missing) >= 4
    assert "未涉及" in missing[0].text_content()
    filtered = tree(eva.get("/city/宁波市/2016/FY?area=1"))
    areas = filtered.xpath("//section[@id='document']//article/@data-area")
    assert areas and set(areas) == {"1"}


def test_review_queue_comes_first(app):
    from corpus.compare import city_overview

    engine = app.state.engine
    for city, year, period in (
        ("杭州市", 2016, "FY"),
        ("宁波市", 2016, "FY"),
        ("郑州市", 2016, "H1"),
    ):
        overview = city_overview(engine, city, year, period)
        if overview.queue:
            break
    else:
        pytest.fail(
            "no passage of the samples is marked for review: the test cannot check the queue"
        )
    page = tree(logged_in(app, "vic").get(f"/city/{city}/{year}/{period}"))
    queue = page.xpath("//section[@id='queue']//article")
    assert len(queue) == len(overview.queue)
    assert queue[0].get("id") == f"q{overview.queue[0].id}"


# --- review -------------------------------------------------------------------------------------


def test_area_change_is_recorded_and_a_stale_version_conflicts(app):
    from corpus.review import get_passage

    eva, eve = logged_in(app, "eva"), logged_in(app, "eve")
    passage = first_passage(app)
    new_area = 6 if passage.area != 6 else 5
    form = {"area": str(new_area), "expected_version": str(passage.version)}
    first = eva.post(
        f"/passages/{passage.id}/area",
        data={**form, "csrf_token": token(eva, "/"), "next": f"/passages/{passage.id}"},
    )
    assert first.status_code == 303 and first.headers["location"] == f"/passages/{passage.id}"
    page = tree(eva.get(f"/passages/{passage.id}"))
    event = page.xpath("//ul[@class='events']/li")[0].text_content()
    assert "eva" in event and "领域" in event
    # eve loaded the page before eva saved: her version is stale
    second = eve.post(
        f"/passages/{passage.id}/area",
        data={"area": "0", "expected_version": str(passage.version), "csrf_token": token(eve, "/")},
    )
    # the same page again, the message at the form, theirs beside hers (issue 19)
    assert second.status_code == 303 and second.headers["location"] == f"/passages/{passage.id}"
    conflict = tree(eve.get(second.headers["location"]))
    problem = conflict.xpath("//div[@class='problem']")[0]
    assert "您的修改没有保存" in problem.xpath("string(.//p[@class='error'])")
    assert "eva" in problem.xpath("string(.//p[@class='error'])")
    current = problem.xpath(".//div[@class='side']")[0].text_content()
    assert f"{new_area} " in current
    assert get_passage(app.state.engine, passage.id).reviewed_area == new_area


def test_figure_review_tags_outstanding_and_comment(app):
    from corpus.applications import AppFilters, list_apps
    from corpus.figures import FigureFilters, list_figures
    from corpus.review import history

    engine = app.state.engine
    eva = logged_in(app, "eva")
    figure = list_figures(engine, FigureFilters(city="杭州市", year=2016, period="H1"), 1)[0]
    response = eva.post(
        f"/figures/{figure.id}/review",
        data={
            "action": "correct",
            "corrected_value": "1,234",
            "expected_version": figure.version,
            "csrf_token": token(eva, "/"),
            "next": f"/passages/{figure.passage_id}",
        },
    )
    assert response.status_code == 303, response.text
    assert history(engine, "figure", figure.id)[0].after["corrected_value"] == 1234
    case = list_apps(engine, AppFilters(city="宁波市"), 1)[0]
    page = tree(eva.get(f"/apps/{case.id}"))
    version = page.xpath("//form[contains(@action, '/tags')]//input[@name='expected_version']")
    response = eva.post(
        f"/apps/{case.id}/tags",
        data={
            "tags": ["smart-healthcare", "e-government"],
            "expected_version": version[0].get("value"),
            "csrf_token": token(eva, "/"),
        },
    )
    assert response.status_code == 303
    response = eva.post(
        f"/apps/{case.id}/outstanding",
        data={"value": "1", "expected_version": case.version + 1, "csrf_token": token(eva, "/")},
    )
    assert response.status_code == 303
    response = eva.post(
        "/comments",
        data={
            "entity": "application",
            "entity_id": case.id,
            "text": "<b>值得推广</b>",
            "csrf_token": token(eva, "/"),
        },
    )
    assert response.status_code == 303
    page = eva.get(f"/apps/{case.id}")
    assert "&lt;b&gt;值得推广&lt;/b&gt;" in page.text
    tags = [
        s.text_content() for s in tree(page).xpath("//h2[.='标签']/following-sibling::p[1]/span")
    ]
    assert sorted(tags) == ["智慧医疗", "电子政务"]
    assert "优秀应用" in tree(page).xpath("//h1")[0].text_content()
    assert [e.action for e in history(engine, "application", case.id)] == [
        "comment",
        "set_outstanding",
        "set_tags",
    ]


# --- search, compare, export, errors -----------------------------------------------------------


def test_search_escapes_report_text_and_queries(app):
    eva = logged_in(app, "eva")
    finished(
        app,
        upload(eva, [("<img src=x onerror=alert(1)>.txt", HOSTILE_TEXT.encode(), "text/plain")]),
    )
    response = eva.get("/search", params={"q": "宽带提速 <script>"})
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    page = tree(response)
    assert page.xpath("//script/@src") == ["/static/app.js"]  # the only script element
    assert not page.xpath("//img")
    hits = page.xpath("//li[@class='hit']")
    snippet = hits[0].xpath(".//p[@class='snippet']")[0]
    assert "<script>alert('xss')</script>宽带提速" in snippet.text_content()  # shown as text
    assert [m.text for m in snippet.xpath("mark")] == ["script", "script", "宽带提速"]
    assert page.xpath("//input[@name='q']")[0].get("value") == "宽带提速 <script>"
    assert "<img src=x onerror=alert(1)>.txt" in hits[0].text_content()
    link = hits[0].xpath(".//div[@class='actions']/a")[0].get("href")
    assert re.fullmatch(r"/documents/\d+#p\d+", link)
    doc = eva.get(link.split("#")[0])
    assert "<script>alert" not in doc.text and "&lt;script&gt;" in doc.text


def test_search_filters_and_more_like_this(app):
    vic = logged_in(app, "vic")
    page = tree(vic.get("/search", params={"q": "光纤到户", "city": "杭州", "period": "H1"}))
    hits = page.xpath("//li[@class='hit']")
    assert hits and all("杭州市" in h.text_content() for h in hits)
    like = hits[0].xpath(".//a[.='更多类似内容']")[0].get("href")
    similar = tree(vic.get(like))
    assert similar.xpath("//div[@class='source']") and similar.xpath("//li[@class='hit']")


def test_search_page_says_when_only_the_newest_matches_were_ranked(app, monkeypatch):
    import importlib

    search_module = importlib.import_module("corpus.search")  # corpus.search is also a function
    vic = logged_in(app, "vic")
    assert not tree(vic.get("/search", params={"q": "光纤"})).xpath("//*[@id='search-bound']")
    monkeypatch.setattr(search_module, "CANDIDATES", 2)  # the store is SQLite
    page = tree(vic.get("/search", params={"q": "光纤"}))
    (note,) = page.xpath("//*[@id='search-bound']")
    assert "只在最新的约 2 段匹配中按相关度排序" in note.text_content()
    assert page.xpath("//li[@class='hit']")
    like = page.xpath("//li[@class='hit']//a[.='更多类似内容']")[0].get("href")
    similar = tree(vic.get(like))  # "more like this" ranks through the same bound, and says so
    assert similar.xpath("//div[@class='source']")
    assert similar.xpath("//*[@id='search-bound']")


def test_highlight_escapes_each_piece():
    from web.templating import highlight

    assert str(highlight("a<b>光纤c", [(4, 6)])) == "a&lt;b&gt;<mark>光纤</mark>c"
    assert str(highlight("<script>", [(0, 8)])) == "<mark>&lt;script&gt;</mark>"


def test_compare_page_draws_the_heat_map_and_bars(app):
    page = tree(logged_in(app, "vic").get("/compare?year=2016&period=FY"))
    svg = page.xpath("//svg[contains(@class, 'heatmap')]")[0]
    links = svg.xpath(".//a/@href")
    assert len(links) == 4 * 7
    assert f"/city/{quote('杭州市', safe='')}/2016/FY/area/1" in links
    assert page.xpath("//table[contains(@class, 'indicators')]//tbody/tr")
    bars = page.xpath("//svg[contains(@class, 'bars')]//rect")
    assert bars


def test_cell_opens_the_passages_of_that_area(app):
    page = tree(logged_in(app, "vic").get("/city/杭州市/2016/FY/area/1"))
    passages = page.xpath("//article[contains(@class, 'passage')]")
    assert passages and {p.get("data-area") for p in passages} == {"1"}


def test_export_downloads(app):
    vic = logged_in(app, "vic")
    xlsx = vic.get("/export/matrix.xlsx?year=2016&period=FY")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]
    csv = vic.get("/export/figures.csv?city=杭州市")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert "杭州市" in csv.content.decode("utf-8-sig")
    bad = vic.get("/export/secrets.csv")
    assert bad.status_code == 400 and "未知导出内容" in bad.text


def test_errors_are_pages_with_chinese_messages(app):
    vic = logged_in(app, "vic")
    assert "没有编号为 999999 的段落" in vic.get("/passages/999999").text
    assert vic.get("/passages/999999").status_code == 404
    query = vic.get("/search?q=！！！")
    assert query.status_code == 400 and "没有可检索的词语" in query.text
    assert vic.get("/no/such/page").status_code == 404
    assert vic.get("/search?year=abc").status_code == 400
    city = vic.get("/city/拉萨市/2016/H1")
    assert city.status_code == 404 and "拉萨市" in city.text


def test_pages_load_nothing_from_elsewhere(app):
    vic = logged_in(app, "vic")
    for url in ("/", "/search?q=宽带", "/compare", "/city/杭州市/2016/H1"):
        response = vic.get(url)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page = tree(response)
        for attr in page.xpath("//script/@src | //link/@href | //img/@src"):
            assert attr.startswith("/static/"), attr
    assert vic.get("/static/app.js").status_code == 200
    assert vic.get("/static/style.css").status_code == 200


def test_secret_key_is_kept_in_the_data_dir(tmp_path):
    from web.security import secret_key

    settings = Settings(data_dir=tmp_path)
    key = secret_key(settings)
    assert key == secret_key(settings) and len(key) > 40
    assert (tmp_path / "web-secret.key").stat().st_mode & 0o077 == 0
    assert secret_key(Settings(data_dir=tmp_path, secret_key="given")) == "given"


# --- what the evaluators hand in (issue 21) ----------------------------------------------------


def test_city_view_drafts_the_report_and_links_the_diff(app):
    from docx import Document as WordDocument

    vic = logged_in(app, "vic")
    page = tree(vic.get("/city/宁波市/2016/FY"))
    report = page.xpath("//a[contains(@href, '/report.docx')]/@href")
    diff = page.xpath("//a[contains(@href, '/diff?')]/@href")
    assert report and diff == [f"/city/{quote('宁波市', safe='')}/diff?before=2016H1&after=2016FY"]
    response = vic.get(report[0])
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    first = WordDocument(io.BytesIO(response.content)).paragraphs[0].text
    assert first == "宁波市2016年全年信息消费示范城市建设评估报告"

    page = tree(vic.get(diff[0]))
    assert page.xpath("//h1")[0].text_content() == "宁波市 · 2016年上半年 → 2016年全年"
    assert page.xpath("//section[@id='figures']//tbody/tr")
    assert page.xpath("//section[@id='sections']//article")
    bad = vic.get(f"/city/{quote('宁波市', safe='')}/diff?before=上半年&after=2016FY")
    assert bad.status_code == 400 and "2016H1 或 2016FY" in bad.text
    alone = vic.get(f"/city/{quote('温州市', safe='')}/diff")
    assert alone.status_code == 400 and "无法比较" in alone.text


def test_summary_page_and_its_exports(app):
    from openpyxl import load_workbook

    vic = logged_in(app, "vic")
    page = tree(vic.get("/summary?year=2016&period=FY"))
    units = [th.text_content() for th in page.xpath("//section[@id='matrix']//tbody/tr/th")]
    assert units == ["宁波市", "成都市", "杭州市", "郑州市"]
    links = page.xpath("//p[@class='exports']/a/@href")
    assert links == ["/summary/2016/FY.xlsx", "/summary/2016/FY.docx"]
    book = load_workbook(io.BytesIO(vic.get(links[0]).content))
    assert len(book.sheetnames) == 4
    assert vic.get(links[1]).status_code == 200
    assert vic.get("/summary/2016/FY.pdf").status_code == 400
    assert vic.get("/summary/2015/FY.xlsx").status_code == 404


def test_figures_in_time_search_scorecard_dates_checks_and_headline_choice(app):
    """Issue 13 in the browser: search by number, the date beside each scorecard value, the
    passed-over figures with a button to choose one, and the consistency-check section."""
    c = logged_in(app, "eva")
    found = c.get(
        "/figures",
        params={"indicator": "broadband_20m_share", "role": "current", "min": "50", "max": "100"},
    )
    assert found.status_code == 200, found.text
    rows = tree(found).xpath("//table[contains(@class, 'figures-list')]//tbody/tr")
    assert rows
    for row in rows:
        value = float(row.xpath("./td[4]")[0].text_content().strip().rstrip("%"))
        assert 50 <= value <= 100
        assert row.xpath("./td[6]")[0].text_content().strip().startswith("当期值")
    assert c.get("/figures", params={"min": "abc"}).status_code == 400
    page = c.get("/city/成都市/2016/FY")
    assert page.status_code == 200
    doc = tree(page)
    assert doc.xpath("//section[@id='checks']")
    headline_cells = doc.xpath("//section[@id='scorecard']//td[@class='headline']")
    assert any("2016年10月底" in cell.text_content() for cell in headline_cells), (
        "the table's 10月底 column is the headline of a full-year report"
    )
    form = doc.xpath("//details[@class='passed-over']//form[contains(@class, 'headline-form')]")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    response = c.post(form.get("action"), data=data)
    assert response.status_code == 303, response.text
    after = tree(c.get("/city/成都市/2016/FY"))
    assert "评估人员 eva 选定" in after.xpath("string(//section[@id='scorecard'])")
