"""Versions inside one submission, reviews that follow a new version, the unconfirmed state, and
the repair of stores built by the old rule (same file name = new version). Reliability row 17.

Store tests run on SQLite and PostgreSQL; documents are real .docx files (tests/builders.py).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import lxml.html
import pytest
from docx import Document as WordDocument
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from tests.builders import build_sections_docx

SHARED_NAME = "2016全年总结_final(1).docx"
PARK = (
    "智慧停车诱导系统接入全市公共停车泊位320个，市民可通过手机应用实时查询空余泊位并在线支付"
    "停车费用，高峰时段寻找车位的时间平均缩短了五分钟。"
)
CLOUD = (
    "萧山区工业云平台已为1200家中小制造企业提供设计、仿真和生产管理云服务，企业上云后平均研发"
    "周期缩短了百分之二十以上。"
)
FIBRE = "全市光纤到户用户达到120万户，20M以上宽带用户占比达到78.5%。"


def _run(store, paths, user="评估员甲"):
    from corpus import ingest

    engine, data_dir, limits = store
    return ingest(
        [Path(p) for p in paths], engine=engine, data_dir=data_dir, limits=limits, user=user
    )


def _city_report(path: Path, city: str, stations: int = 1860) -> Path:
    """One city's full-year progress report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return build_sections_docx(
        path,
        title=f"{city}2016年信息消费示范城市建设全年进展情况",
        sections=[
            (
                "一、加快信息基础设施升级改造",
                [
                    f"{city}全市光纤到户用户持续增长，宽带提速成效明显。",
                    f"新建4G基站{stations}个。",
                ],
            )
        ],
        signature=(f"{city}经济和信息化委员会", "二〇一六年十一月二十五日"),
    )


def _hangzhou_h1(
    path: Path, *, stations: int = 1860, cloud_title: str = "萧山区工业云平台"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return build_sections_docx(
        path,
        title="杭州市2016年上半年信息消费示范城市建设进展情况",
        sections=[
            (
                "一、加快信息基础设施升级改造",
                [FIBRE, f"新建4G基站{stations}个，地铁全线实现4G深度覆盖。"],
            ),
            (
                "二、信息消费典型应用",
                [("（一）智慧停车诱导系统", [PARK]), (f"（二）{cloud_title}", [CLOUD])],
            ),
        ],
        signature=("杭州市经济和信息化委员会", "二〇一六年七月二十八日"),
    )


def _docs(engine):
    from models.tables import Document

    with Session(engine) as session:
        return list(session.exec(select(Document).order_by(Document.id)).all())


# --- two cities, one file name -------------------------------------------------------------------


def test_two_cities_reports_under_one_file_name_all_stay_current(store, tmp_path):
    from corpus import search, store_status
    from corpus.compare import city_overview

    engine, _, _ = store
    cities = ["杭州市", "宁波市", "成都市"]
    for city in cities:  # one after the other, as the issue saw it
        path = _city_report(tmp_path / city / SHARED_NAME, city)
        result = _run(store, [path])
        assert result.results[0].status == "added", result.to_dict()
    docs = _docs(engine)
    assert [d.city for d in docs] == cities
    assert all(d.is_current and d.version == 1 and d.previous_id is None for d in docs)
    found = {h.city for h in search(engine, "光纤到户", limit=50)}
    assert found == set(cities)
    cells = {(c["city"], c["year"], c["period"]) for c in store_status(engine).cells}
    assert cells == {(c, 2016, "FY") for c in cities}
    for city in cities:
        overview = city_overview(engine, city, 2016, "FY")
        assert [d.name for d in overview.documents] == [SHARED_NAME]
    from models.tables import City

    with Session(engine) as session:
        issuers = {c.name: (c.level, c.province) for c in session.exec(select(City))}
    assert issuers["宁波市"] == ("city", "浙江省") and issuers["成都市"] == ("city", "四川省")


def test_version_names_ignore_noise_but_not_numbers():
    from corpus.versions import SIMILAR_NAMES, name_similarity

    assert name_similarity("2016全年总结_final(1).docx", "2016全年总结.doc") == 1.0
    assert name_similarity("杭州进展（修改稿）.docx", "杭州进展.docx") == 1.0
    assert name_similarity("附件1-典型应用.docx", "附件2-典型应用.docx") == 0.0
    assert name_similarity("杭州市上半年进展.docx", "统计公报.pdf") < SIMILAR_NAMES


# --- a real new version carries the reviews forward ----------------------------------------------


def test_changed_file_becomes_version_2_and_carries_the_reviews(store, tmp_path):
    from corpus import store_status
    from corpus.applications import AppFilters, list_apps
    from corpus.documents import set_document_metadata
    from corpus.review import (
        document_view,
        history,
        review_figure,
        set_app_tags,
        set_outstanding,
        set_passage_area,
    )

    engine, _, _ = store
    name = "杭州市2016年上半年进展情况.docx"
    first = _run(store, [_hangzhou_h1(tmp_path / "v1" / name)]).results[0]
    assert first.status == "added" and not first.needs_review
    v1 = document_view(engine, first.document_id)
    fibre = next(p for p in v1.passages if p.text == FIBRE)
    stations = next(p for p in v1.passages if "4G基站" in p.text)
    set_passage_area(engine, fibre.id, 1, user="甲", expected_version=fibre.version)
    set_passage_area(engine, stations.id, 1, user="甲", expected_version=stations.version)
    fig = next(f for f in v1.figures if f.passage_id == fibre.id and "120万户" in f.raw)
    review_figure(engine, fig.id, "accept", user="甲", expected_version=fig.version)
    fig2 = next(f for f in v1.figures if f.passage_id == stations.id)
    review_figure(
        engine, fig2.id, "correct", user="甲", expected_version=fig2.version, corrected_value=1900
    )
    apps = list_apps(engine, AppFilters(document_ids=[v1.id]))
    park = next(a for a in apps if "停车" in a.title)
    cloud = next(a for a in apps if "工业云" in a.title)
    set_app_tags(engine, park.id, ["smart-transport"], user="甲", expected_version=park.version)
    park_version = park.version + 1
    set_outstanding(engine, park.id, True, user="甲", expected_version=park_version)
    set_outstanding(engine, cloud.id, True, user="甲", expected_version=cloud.version)
    # The evaluator says the report is the full-year one: confirmed metadata follows v2 too.
    set_document_metadata(engine, v1.id, "杭州市", 2016, "FY", user="甲")

    changed = _hangzhou_h1(
        tmp_path / "v2" / name, stations=1900, cloud_title="萧山区工业云平台建设"
    )
    second = _run(store, [changed], user="乙").results[0]
    assert second.status == "version", second.message

    old, new = _docs(engine)
    assert (old.is_current, new.is_current, new.version, new.previous_id) == (
        False,
        True,
        2,
        old.id,
    )
    assert (new.city, new.year, new.period, new.kind) == ("杭州市", 2016, "FY", "progress")
    assert new.confirmed
    v2 = document_view(engine, new.id)
    fibre2 = next(p for p in v2.passages if p.text == FIBRE)
    assert fibre2.reviewed_area == 1
    stations2 = next(p for p in v2.passages if "4G基站" in p.text)
    assert stations2.reviewed_area is None  # its text changed
    fig_new = next(f for f in v2.figures if f.passage_id == fibre2.id and "120万户" in f.raw)
    assert fig_new.review_status == "accepted"
    apps2 = list_apps(engine, AppFilters(document_ids=[new.id]))
    park2 = next(a for a in apps2 if "停车" in a.title)
    assert [t["tag"] for t in park2.tags] == ["smart-transport"] and park2.outstanding
    assert {t["source"] for t in park2.tags} == {"evaluator"}
    cloud2 = next(a for a in apps2 if "工业云" in a.title)
    assert not cloud2.outstanding  # another title: listed, not guessed

    # What could not be matched is listed, naming what it was.
    missing = {item["entity"]: item for item in new.not_carried}
    assert set(missing) == {"passage", "figure", "application"}
    assert "1860" in missing["figure"]["what"] and "工业云" in missing["application"]["what"]
    assert second.not_carried == new.not_carried and "未能带到新版本" in second.message
    listed = store_status(engine).not_carried
    assert [d["id"] for d in listed] == [new.id] and len(listed[0]["items"]) == 3

    # Recorded in the audit under the ingesting user; the old version keeps its reviews.
    assert history(engine, "passage", fibre2.id)[0].action == "carried_forward"
    assert history(engine, "passage", fibre2.id)[0].user == "乙"
    assert history(engine, "figure", fig_new.id)[0].action == "carried_forward"
    assert history(engine, "application", park2.id)[0].after["outstanding"] is True
    doc_event = history(engine, "document", new.id)[0]
    assert doc_event.action == "carried_forward" and doc_event.after["period"] == "FY"
    assert "从上一版带入" in doc_event.summary
    again = document_view(engine, old.id)
    assert next(p for p in again.passages if p.text == FIBRE).reviewed_area == 1
    assert next(f for f in again.figures if f.id == fig2.id).corrected_value == 1900


# --- the unconfirmed state -----------------------------------------------------------------------


def _unsure_report(path: Path, stations: int = 300) -> Path:
    """A report whose issuer nothing names: extraction cannot know it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return build_sections_docx(
        path,
        title="2016年上半年信息消费示范城市建设进展情况",
        sections=[("一、总体情况", [f"全市新建4G基站{stations}个，光纤到户用户持续增长。"])],
    )


def test_unconfirmed_documents_never_become_versions(store, tmp_path):
    from corpus import store_status

    engine, _, _ = store
    first = _run(store, [_unsure_report(tmp_path / "a" / SHARED_NAME)]).results[0]
    second = _run(store, [_unsure_report(tmp_path / "b" / SHARED_NAME, 400)]).results[0]
    assert (first.status, second.status) == ("added", "added")
    assert "发文单位" in first.unconfirmed["city"]
    docs = _docs(engine)
    assert all(d.is_current and not d.confirmed and d.previous_id is None for d in docs)
    listed = store_status(engine).unconfirmed
    assert [d["id"] for d in listed] == [d.id for d in docs]
    assert listed[0]["reasons"]["city"] == first.unconfirmed["city"]


def test_unconfirmed_document_in_status_and_confirmed_with_kind_from_the_cli(
    store, tmp_path, monkeypatch, db_url
):
    from cli import app
    from corpus.review import history
    from corpus.settings import get_settings

    engine, data_dir, _ = store
    doc_id = _run(store, [_unsure_report(tmp_path / "x" / "进展.docx")]).results[0].document_id
    monkeypatch.setenv("INFOCITY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("INFOCITY_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()
    shown = runner.invoke(app, ["status"])
    assert shown.exit_code == 0, shown.output
    assert "待确认的文件（1）" in shown.output, shown.output
    assert "未写明发文单位" in shown.output, shown.output
    assert f"进展.docx（文档 {doc_id}）" in shown.output
    bad = runner.invoke(app, ["confirm", str(doc_id), "--kind", "gossip"])
    assert bad.exit_code == 1 and "未知文件类型" in bad.output
    done = runner.invoke(app, ["confirm", str(doc_id), "--city", "洪泽区", "--kind", "plan"])
    assert done.exit_code == 0, done.output
    assert "已确认" in done.output
    (doc,) = _docs(engine)
    assert (doc.city, doc.kind, doc.confirmed, doc.unconfirmed) == ("洪泽区", "plan", True, {})
    event = history(engine, "document", doc_id)[0]
    assert event.action == "set_metadata" and event.before["confirmed"] is False
    assert event.after["kind"] == "plan" and event.user.startswith("命令行")
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["unconfirmed"] == []


def test_kind_decides_what_the_scorecard_and_the_finder_read(store, tmp_path):
    from corpus.applications import AppFilters, list_apps
    from corpus.documents import set_document_metadata
    from corpus.figures import NoSubmission
    from corpus.scorecard import scorecard

    engine, _, _ = store
    doc_id = _run(store, [_hangzhou_h1(tmp_path / "杭州.docx")]).results[0].document_id
    assert any(line.figure for line in scorecard(engine, "杭州市", 2016, "H1").lines)
    assert list_apps(engine, AppFilters(document_ids=[doc_id]))
    set_document_metadata(engine, doc_id, "杭州市", 2016, "H1", kind="budget", user="甲")
    with pytest.raises(NoSubmission):
        scorecard(engine, "杭州市", 2016, "H1")
    assert list_apps(engine, AppFilters(document_ids=[doc_id])) == []


def test_unconfirmed_document_on_the_confirm_and_document_pages(tmp_path):
    """Uploaded through the web: the confirm page marks it 待确认 with its reason, and ticking
    确认无误 with a city confirms it (audited); a document page lists reviews not carried."""
    from fastapi.testclient import TestClient

    from corpus.accounts import add_user
    from corpus.review import history
    from corpus.settings import Settings
    from web import create_app

    web = create_app(Settings(data_dir=tmp_path / "data", database_url=None, jobs=1))
    try:
        add_user(web.state.engine, "eva", "eva-pass-12", "evaluator")
        client = TestClient(web, follow_redirects=False)

        def token(page: str) -> str:
            found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
            assert found
            return found.group(1)

        login = client.post(
            "/login",
            data={
                "name": "eva",
                "password": "eva-pass-12",
                "csrf_token": token("/login"),
                "next": "/",
            },
        )
        assert login.status_code == 303
        body = _unsure_report(tmp_path / "up" / "进展.docx").read_bytes()
        response = client.post(
            "/upload",
            data={"csrf_token": token("/upload")},
            files=[("files", ("进展.docx", body, "application/octet-stream"))],
        )
        assert response.status_code == 303, response.text
        job_id = response.headers["location"].rsplit("/", 1)[-1]
        job = web.state.jobs.wait(job_id, timeout=120)
        assert job.state == "done", job.error
        doc_id = job.document_ids[0]
        page = lxml.html.fromstring(client.get(f"/upload/{job_id}/confirm").text)
        row = page.xpath(f"//tr[@id='doc-{doc_id}']")[0]
        assert "unconfirmed" in row.get("class")
        assert "待确认" in row.text_content() and "未写明发文单位" in row.text_content()
        assert row.xpath(f".//input[@name='confirm-{doc_id}']")
        home = lxml.html.fromstring(client.get("/").text)
        assert home.xpath("//*[@id='unconfirmed-count']")[0].text_content() == "1"
        document = lxml.html.fromstring(client.get(f"/documents/{doc_id}").text)
        assert document.xpath("//*[contains(@class, 'unconfirmed')]")
        posted = client.post(
            f"/upload/{job_id}/confirm",
            data={
                "csrf_token": token(f"/upload/{job_id}/confirm"),
                f"city-{doc_id}": "郑州市",
                f"year-{doc_id}": "2016",
                f"period-{doc_id}": "H1",
                f"kind-{doc_id}": "progress",
                f"was_city-{doc_id}": "",
                f"was_year-{doc_id}": "2016",
                f"was_period-{doc_id}": "H1",
                f"was_kind-{doc_id}": "progress",
                f"confirm-{doc_id}": "1",
            },
        )
        assert posted.status_code == 303
        event = history(web.state.engine, "document", doc_id)[0]
        assert event.user == "eva" and event.after["city"] == "郑州市" and event.after["confirmed"]
        page = lxml.html.fromstring(client.get(f"/upload/{job_id}/confirm").text)
        assert "已确认" in page.xpath(f"//tr[@id='doc-{doc_id}']")[0].text_content()
        # The kind from the document page's form, audited.
        form = {"city": "郑州市", "year": "2016", "period": "H1", "kind": "work_report"}
        was = {"was_city": "郑州市", "was_year": "2016", "was_period": "H1", "was_kind": "progress"}
        posted = client.post(
            f"/documents/{doc_id}/metadata",
            data={"csrf_token": token(f"/documents/{doc_id}"), **form, **was},
        )
        assert posted.status_code == 303
        event = history(web.state.engine, "document", doc_id)[0]
        assert (event.before["kind"], event.after["kind"]) == ("progress", "work_report")
        stale = client.post(
            f"/documents/{doc_id}/metadata",
            data={"csrf_token": token(f"/documents/{doc_id}"), **form, **was, "kind": "budget"},
        )
        assert stale.status_code == 409 and "政府工作报告" in stale.text

        # A new version whose reviews could not all follow lists them on its page.
        from models.tables import Document

        with Session(web.state.engine) as session:
            doc = session.get(Document, doc_id)
            doc.not_carried = [
                {
                    "entity": "passage",
                    "id": 1,
                    "what": "段落“旧文字”的领域（1）",
                    "reason": "新版本中没有文字相同的段落",
                }
            ]
            session.add(doc)
            session.commit()
        document = lxml.html.fromstring(client.get(f"/documents/{doc_id}").text)
        listed = document.xpath("//section[@id='not-carried']")[0].text_content()
        assert "旧文字" in listed and "新版本中没有文字相同的段落" in listed
    finally:
        web.state.jobs.shutdown()
        web.state.engine.dispose()


# --- the repair of stores built by the old rule --------------------------------------------------


def _as_the_old_code_did(engine, ids: list[int]) -> None:
    """Rewrites the rows as the old ingest left them: each file under the same name became the
    next version of the previous one, and only the last stayed current."""
    with engine.begin() as conn:
        for n, doc_id in enumerate(ids):
            conn.execute(
                text(
                    "UPDATE document SET version = :v, previous_id = :p, is_current = :c "
                    "WHERE id = :id"
                ),
                {
                    "v": n + 1,
                    "p": ids[n - 1] if n else None,
                    "c": n == len(ids) - 1,
                    "id": doc_id,
                },
            )


def test_repair_versions_on_a_store_built_the_old_way(store, tmp_path, monkeypatch, db_url):
    from cli import app
    from corpus import search
    from corpus.review import history
    from corpus.settings import get_settings
    from corpus.versions import repair_versions

    engine, data_dir, _ = store
    for city in ("杭州市", "宁波市", "成都市"):
        _run(store, [_city_report(tmp_path / city / SHARED_NAME, city)])
    # Hangzhou's own second version of the same file, arriving last.
    _run(store, [_city_report(tmp_path / "杭州2" / SHARED_NAME, "杭州市", stations=2000)])
    hz1, nb, cd, hz2 = (d.id for d in _docs(engine))
    _as_the_old_code_did(engine, [hz1, nb, cd, hz2])
    assert {h.city for h in search(engine, "光纤到户", limit=50)} == {"杭州市"}
    with Session(engine) as session:
        passages_before = session.exec(text("SELECT COUNT(*) FROM passage")).one()[0]

    monkeypatch.setenv("INFOCITY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("INFOCITY_DATABASE_URL", db_url)
    get_settings.cache_clear()
    dry = CliRunner().invoke(app, ["repair-versions", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "发现 3 个错误的版本关系" in dry.output and "试运行" in dry.output
    assert f"文件 {nb}《{SHARED_NAME}》（宁波市" in dry.output
    assert [d.is_current for d in _docs(engine)] == [False, False, False, True]  # nothing written

    done = CliRunner().invoke(app, ["repair-versions"])
    assert done.exit_code == 0, done.output
    by_id = {d.id: d for d in _docs(engine)}
    assert (by_id[nb].is_current, by_id[nb].version, by_id[nb].previous_id) == (True, 1, None)
    assert (by_id[cd].is_current, by_id[cd].version, by_id[cd].previous_id) == (True, 1, None)
    assert (by_id[hz1].is_current, by_id[hz1].version) == (False, 1)
    assert (by_id[hz2].is_current, by_id[hz2].version, by_id[hz2].previous_id) == (True, 2, hz1)
    assert {h.city for h in search(engine, "光纤到户", limit=50)} == {"杭州市", "宁波市", "成都市"}
    with Session(engine) as session:
        assert session.exec(text("SELECT COUNT(*) FROM passage")).one()[0] == passages_before
    event = history(engine, "document", nb)[0]
    assert event.action == "repair_version" and event.before["previous_id"] == hz1
    assert event.after == {"previous_id": None, "version": 1, "is_current": True}
    assert repair_versions(engine).changes == []  # once is enough


def test_store_from_before_0004_keeps_its_unidentified_documents_unconfirmed(db_url):
    """A store made before migration 0004: documents waiting for a city start unconfirmed with a
    reason, the others confirmed; the data stays."""
    from alembic import command

    from corpus.status import store_status
    from models.db import alembic_config, make_engine, migrate

    engine = make_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), "0003")
        with engine.begin() as conn:
            for doc_id, name, review in ((1, "有城市.docx", "false"), (2, "无城市.docx", "true")):
                conn.execute(
                    text(
                        "INSERT INTO document (id, sha256, name, size, format, kind, status, "
                        "needs_review, truncated, n_passages, version, is_current, ingested_at, "
                        f"ingested_by) VALUES ({doc_id}, 'h{doc_id}', '{name}', 1, 'docx', "
                        f"'progress', 'ok', {review}, false, 0, 1, true, CURRENT_TIMESTAMP, '')"
                    )
                )
        migrate(engine)
        with Session(engine) as session:
            rows = session.exec(
                text("SELECT id, confirmed, revision FROM document ORDER BY id")
            ).all()
        assert [(r[0], bool(r[1]), r[2]) for r in rows] == [(1, True, 1), (2, False, 1)]
        listed = store_status(engine).unconfirmed
        assert [d["name"] for d in listed] == ["无城市.docx"]
        assert "未能识别" in listed[0]["reasons"]["city"]
    finally:
        engine.dispose()


def test_a_document_without_a_period_is_complete_and_its_issuer_recorded(store, tmp_path):
    """A bulletin or a budget has no half-year/full-year period: it is not unconfirmed for that,
    stays out of the submissions, and its issuer still gets its City row."""
    from corpus import store_status
    from models.tables import City

    engine, _, _ = store
    path = tmp_path / "部门预算.docx"
    build_sections_docx(
        path,
        title="宁波市2016年市级部门预算",
        sections=[("一、收支总体情况", ["全市一般公共预算收入安排1245.6亿元，比上年增长7.1%。"])],
    )
    result = _run(store, [path]).results[0]
    assert result.status == "added" and result.unconfirmed == {}, result.message
    (doc,) = _docs(engine)
    assert (doc.city, doc.year, doc.period, doc.confirmed) == ("宁波市", 2016, None, True)
    assert doc.submission_id is None
    status = store_status(engine)
    assert status.unconfirmed == [] and [d["name"] for d in status.unassigned] == ["部门预算.docx"]
    with Session(engine) as session:
        (issuer,) = session.exec(select(City)).all()
    assert (issuer.name, issuer.level, issuer.province) == ("宁波市", "city", "浙江省")


def test_figures_of_an_unconfirmed_document_are_marked_in_the_scorecard(store, tmp_path):
    """A report whose issuer only its folder names is filed under that unit as a suggestion:
    its figures reach the scorecard, marked 来源文件待确认 there and in the draft report, until an
    evaluator confirms the document."""
    from corpus.report import draft_report
    from corpus.scorecard import scorecard

    engine, _, _ = store
    path = tmp_path / "杭州市" / "进展.docx"
    path.parent.mkdir()
    build_sections_docx(
        path,
        title="2016年上半年信息消费示范城市建设进展情况",
        sections=[("一、信息基础设施", ["截至6月底，全市20M以上宽带用户比例达到60%。"])],
    )
    result = _run(store, [path.parent]).results[0]  # the folder: its name is evidence
    assert result.status == "added" and "city" in result.unconfirmed, result.message
    (doc,) = _docs(engine)
    assert (doc.city, doc.confirmed) == ("杭州市", False)
    line = next(ln for ln in scorecard(engine, "杭州市", 2016, "H1").lines if ln.figure is not None)
    assert not line.figure.confirmed and line.shown.endswith("（来源文件待确认）")
    drafted = draft_report(engine, "杭州市", 2016, "H1")
    cells = [
        c.text for t in WordDocument(io.BytesIO(drafted)).tables for r in t.rows for c in r.cells
    ]
    assert any("来源文件待确认" in c for c in cells)
