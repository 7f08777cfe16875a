"""Typical applications end to end: the tag taxonomy and model, cases found in real generated
.docx attachments at ingest, listing, similar cases across cities and recycled cases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import numpy as np
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from classify.tags import (
    DEFAULT_MODEL,
    TagModel,
    data_hash,
    decide,
    load_cases,
    load_model,
    micro_f1,
    taxonomy,
    train,
)
from cli import app
from corpus import ingest
from corpus.applications import AppFilters, UnknownApp, list_apps, recycled, similar
from models.tables import Application, ApplicationTag

runner = CliRunner()
DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "domain.md"

HEALTH = (
    "“健康宁波”互联网医院平台由宁波市卫生和计划生育委员会牵头建设，宁波云医院有限公司运营。平台接入全市"
    "42家二级以上医院，提供预约挂号、在线复诊、电子处方和检验报告查询服务，患者在手机上即可完成诊间结算。"
    "截至2016年10月，平台注册用户达到120万人，累计服务患者680万人次，平均就诊时间缩短40分钟。"
)
PARKING = (
    "宁波市智慧停车诱导系统由宁波市交通运输委员会组织建设，宁波城市停车管理有限公司负责运营。系统接入"
    "中心城区286个停车场的实时泊位数据，通过路侧诱导屏和手机应用发布空余车位信息，支持无感支付。"
    "系统运行以来，主城区寻找车位的平均时间由12分钟缩短到5分钟，停车场利用率提高了18%。"
)
CLOUD = (
    "宁波工业云平台由宁波市经济和信息化委员会支持，宁波智造云科技有限公司建设运营，面向中小制造企业"
    "提供研发设计软件、设备上云、远程运维和供需对接服务。平台已汇聚工业软件工具180余种，接入工业设备"
    "1.2万台，服务企业3600家，帮助企业平均降低研发成本20%。"
)


def attachment(path: Path, title: str, cases: list[tuple[str, str]]) -> Path:
    document = docx.Document()
    document.add_heading(title, level=0)
    document.add_paragraph("按照工业和信息化部要求，现将我市信息消费典型应用案例报送如下。")
    for heading, body in cases:
        document.add_heading(heading, level=1)
        document.add_heading("一、项目概况", level=2)
        document.add_paragraph(body)
    document.save(path)
    return path


@pytest.fixture
def submissions(tmp_path) -> Path:
    folder = tmp_path / "apps"
    folder.mkdir()
    attachment(
        folder / "附件2-宁波市2016年信息消费典型应用案例.docx",
        "宁波市2016年信息消费典型应用案例",
        [
            ("案例一：“健康宁波”互联网医院平台", HEALTH),
            ("案例二：智慧停车诱导系统", PARKING),
            ("案例三：宁波工业云平台", CLOUD),
        ],
    )
    # Another city sends Ningbo's hospital case again, names changed, one sentence added.
    recycled_health = (
        HEALTH.replace("宁波", "台州").replace("42家", "35家")
        + "下一步将向县级医院推广，实现区域内检查结果互认。"
    )
    attachment(
        folder / "台州市2016年信息消费典型应用案例.docx",
        "台州市2016年信息消费典型应用案例",
        [
            ("（一）“健康台州”互联网医院平台", recycled_health),
            (
                "（二）台州跨境电商综合服务平台",
                "台州跨境电商综合服务平台由台州市商务局建设，为外贸企业提供通关、物流、结汇和退税一站式服务。"
                "平台已服务跨境电子商务企业860家，2016年跨境电商交易额达到35亿元，同比增长62%。",
            ),
        ],
    )
    return folder


def test_taxonomy_matches_domain_md():
    ids = list(taxonomy())
    assert len(ids) == 25 and len(set(ids)) == 25
    if DOMAIN.exists():
        table = DOMAIN.read_text(encoding="utf-8").split("Typical-application tags")[1]
        listed = re.findall(r"^\| ([a-z][a-z-]+) \|", table.split("## Targets")[0], re.M)
        assert [t for t in listed if t != "id"] == ids
    assert all(tag.words and 1 <= tag.area <= 6 for tag in taxonomy().values())


def test_bad_taxonomy_entry_named(tmp_path):
    bad = tmp_path / "tags.toml"
    bad.write_text('[[tag]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"tags\.toml: 第 1 个标签"):
        taxonomy.__wrapped__(bad)


def test_training_cases_cover_every_tag_15_times():
    cases = load_cases()
    counts = {tag: sum(tag in c.tags for c in cases) for tag in taxonomy()}
    assert min(counts.values()) >= 15, counts


def test_shipped_tag_model_is_current_and_tags_clear_cases():
    model = load_model()
    assert model.meta["data_hash"] == data_hash(load_cases())
    tags = model.predict(
        [HEALTH, PARKING, CLOUD], ["互联网医院平台", "智慧停车诱导系统", "工业云平台"]
    )
    assert tags[0][0].tag == "smart-healthcare"
    assert "smart-transport" in {t.tag for t in tags[1]}
    assert "industrial-internet" in {t.tag for t in tags[2]}
    assert all(t.score >= model.threshold for row in tags for t in row)


def test_tag_model_trains_saves_and_loads(tmp_path):
    cases = load_cases()[::3]
    model, oof = train(cases, folds=3)
    assert oof.shape == (len(cases), 25)
    y = np.array([[t in c.tags for t in model.tags] for c in cases], dtype=int)
    assert micro_f1(y, decide(oof, model.threshold)) > 0.5
    model.save(tmp_path / "t.npz")
    loaded = TagModel.load(tmp_path / "t.npz")
    assert np.allclose(loaded.probabilities([HEALTH]), model.probabilities([HEALTH]))
    assert DEFAULT_MODEL.exists()


def test_micro_f1_and_decide():
    y = np.array([[1, 0, 1], [0, 1, 0]])
    probs = np.array([[0.9, 0.1, 0.2], [0.3, 0.2, 0.1]])
    predicted = decide(probs, 0.5)
    assert predicted.tolist() == [[1, 0, 0], [1, 0, 0]]  # the best tag always, others by threshold
    assert micro_f1(y, predicted) == pytest.approx(2 * 1 / (2 * 1 + 1 + 2))


def test_decide_caps_tags_and_drops_weak_company():
    """Over-tagging: a tag far below the best one, or beyond the cap, is not kept."""
    probs = np.array([[0.9, 0.5, 0.45, 0.4], [0.3, 0.29, 0.1, 0.05]])
    assert decide(probs, 0.35).tolist() == [[1, 1, 1, 1], [1, 0, 0, 0]]
    assert decide(probs, 0.35, ratio=0.55).tolist() == [[1, 1, 0, 0], [1, 0, 0, 0]]
    assert decide(probs, 0.35, max_tags=2).tolist() == [[1, 1, 0, 0], [1, 0, 0, 0]]
    assert decide(probs, 0.2, max_tags=1).tolist() == [[1, 0, 0, 0], [1, 0, 0, 0]]


def test_shipped_tag_model_rule_was_chosen_on_cross_validation():
    model = load_model()
    assert 0.2 <= model.threshold <= 0.8 and 0 <= model.ratio < 1 and model.max_tags >= 0
    loaded = TagModel.load(DEFAULT_MODEL)
    assert (loaded.ratio, loaded.max_tags) == (model.ratio, model.max_tags)


def test_ingest_finds_tags_and_links_applications(store, submissions):
    engine, data_dir, limits = store
    summary = ingest([submissions], engine=engine, data_dir=data_dir, limits=limits, jobs=2)
    assert summary.count("added") == 2, summary.to_dict()
    with Session(engine) as session:
        rows = session.exec(select(Application).order_by(Application.id)).all()
        tags = session.exec(select(ApplicationTag)).all()
    assert [a.title for a in rows if a.city == "宁波市"] == [
        "案例一：“健康宁波”互联网医院平台",
        "案例二：智慧停车诱导系统",
        "案例三：宁波工业云平台",
    ]
    ningbo = {a.title: a for a in rows}
    health = ningbo["案例一：“健康宁波”互联网医院平台"]
    assert (health.year, health.period, health.area) == (2016, "FY", 3)
    assert "宁波市卫生和计划生育委员会" in health.organisations
    assert any(f["value"] == 1200000 and f["unit"] == "人" for f in health.figures)
    assert {t.tag for t in tags if t.application_id == health.id} >= {"smart-healthcare"}
    assert all(t.source == "model" and 0 < t.score <= 1 for t in tags)

    by_tag = list_apps(engine, AppFilters(tag="smart-healthcare"))
    assert {a.city for a in by_tag} == {"宁波市", "台州市"}
    assert [a.city for a in list_apps(engine, AppFilters(city="台州市"))] == ["台州市", "台州市"]

    found = similar(engine, health.id)
    assert found[0].app.city == "台州市" and "互联网医院" in found[0].app.title
    assert all(s.app.city != "宁波市" for s in found)  # same city and year are not "other"
    with pytest.raises(UnknownApp):
        similar(engine, 99_999)

    (pair,) = recycled(engine)
    assert {pair.earlier.city, pair.later.city} == {"宁波市", "台州市"}
    assert pair.overlap >= 0.6 and pair.shared and "预约挂号" in "".join(pair.shared)


def test_cli_apps_similar_recycled_and_classify_tags(submissions):
    assert runner.invoke(app, ["ingest", str(submissions)]).exit_code == 0
    listed = runner.invoke(app, ["apps", "--city", "宁波", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 3 and all(r["tags"] for r in rows)
    text = runner.invoke(app, ["apps", "--tag", "e-commerce"])
    assert "跨境电商综合服务平台" in text.stdout
    first = rows[0]["id"]
    sim = runner.invoke(app, ["similar", str(first), "--json"])
    assert sim.exit_code == 0 and json.loads(sim.stdout)[0]["city"] == "台州市"
    assert runner.invoke(app, ["similar", "424242"]).exit_code == 1
    rec = runner.invoke(app, ["apps", "--recycled"])
    assert rec.exit_code == 0 and "重复率" in rec.stdout and "重复内容" in rec.stdout
    out = runner.invoke(
        app,
        ["classify", "-"],
        input=json.dumps(
            {"id": "c", "title": "智慧停车诱导系统", "text": PARKING}, ensure_ascii=False
        ),
    )
    assert out.exit_code == 0, out.output
    assert "smart-transport" in json.loads(out.stdout)["tags"]
