"""Ingest into a real SQLite file and a real PostgreSQL database (reliability rows 2 and 3)."""

from __future__ import annotations

import shutil
import unicodedata
import zipfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from corpus import Overrides, ingest, store_status
from corpus.storage import storage_path
from models.db import integrity_problems
from models.tables import City, Document, Passage, Submission

REPORT = "杭州市2016年上半年信息消费示范城市建设进展情况.docx"


def run(store, paths, **kw):
    engine, data_dir, limits = store
    return ingest(paths, engine=engine, data_dir=data_dir, limits=limits, jobs=2, **kw)


def docs(engine) -> list[Document]:
    with Session(engine) as session:
        return list(session.exec(select(Document).order_by(Document.id)))


def stored_files(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "files").rglob("*") if p.is_file()]


def test_samples_ingested_whole_and_idempotent(store, samples):
    engine, data_dir, _ = store
    first = run(store, [samples], user="评估员甲")
    assert (first.count("added"), first.count("failed")) == (10, 0)
    assert integrity_problems(engine) == []
    with Session(engine) as session:
        assert {c.name for c in session.exec(select(City))} == {
            "杭州市",
            "宁波市",
            "成都市",
            "郑州市",
        }
        assert len(session.exec(select(Submission)).all()) == 8
        doc = session.exec(select(Document).where(Document.name == REPORT)).one()
        assert (doc.city, doc.year, doc.period, doc.kind, doc.ingested_by) == (
            "杭州市",
            2016,
            "H1",
            "progress",
            "评估员甲",
        )
        passages = session.exec(
            select(Passage).where(Passage.document_id == doc.id).order_by(Passage.order)
        ).all()
        assert len(passages) == doc.n_passages > 20
        assert passages[5].heading_path and passages[5].words
    second = run(store, [samples])
    assert second.count("present") == 10 and second.count("added") == 0
    assert len(docs(engine)) == 10
    assert len(stored_files(data_dir)) == 10
    status = store_status(engine)
    assert {(c["city"], c["period"]) for c in status.cells} >= {("杭州市", "H1"), ("郑州市", "FY")}


def test_changed_file_becomes_new_version(store, samples, tmp_path):
    engine, _, _ = store
    folder = tmp_path / "v1"
    folder.mkdir()
    (folder / "进展.txt").write_text(
        "杭州市2016年上半年信息消费示范城市建设进展情况\n光纤到户用户达到100万户。", "utf-8"
    )
    run(store, [folder])
    (folder / "进展.txt").write_text(
        "杭州市2016年上半年信息消费示范城市建设进展情况\n光纤到户用户达到120万户。", "utf-8"
    )
    result = run(store, [folder])
    assert result.count("version") == 1
    old, new = docs(engine)
    assert (old.version, old.is_current, new.version, new.is_current) == (1, False, 2, True)
    assert new.previous_id == old.id and old.stored_path != new.stored_path  # both kept


def test_same_bytes_other_name_stored_once(store, samples, tmp_path):
    a = tmp_path / "a" / REPORT
    b = tmp_path / "b" / "副本.docx"
    for path in (a, b):
        path.parent.mkdir()
        shutil.copy(samples / REPORT, path)
    result = run(store, [a, b])
    assert (result.count("added"), result.count("present")) == (1, 1)


def test_failures_recorded_once_and_batch_goes_on(store, samples, tmp_path):
    engine, _, _ = store
    tmp_path = tmp_path / "提交"
    tmp_path.mkdir()
    (tmp_path / "坏.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / "伪装.pdf").write_bytes((samples / "成都市信息消费典型应用(3个).docx").read_bytes())
    shutil.copy(samples / REPORT, tmp_path)
    result = run(store, [tmp_path])
    assert {r.name: r.status for r in result.results} == {
        "坏.pdf": "failed",
        "伪装.pdf": "failed",
        REPORT: "added",
    }
    assert "伪装.pdf: rejected: type mismatch" in next(
        r.message for r in result.failed if r.name == "伪装.pdf"
    )
    run(store, [tmp_path])
    failed = [d for d in docs(engine) if d.status == "failed"]
    assert sorted(d.error_code for d in failed) == ["parse error", "type mismatch"]
    assert integrity_problems(engine) == []


def test_unknown_city_stored_and_flagged(store, tmp_path):
    engine, _, _ = store
    path = tmp_path / "工作情况.txt"
    path.write_text("关于信息消费工作的情况汇报\n全市新增4G基站1200个。", "utf-8")
    result = run(store, [path])
    assert result.count("added") == 1 and "请评估人员确认" in result.results[0].message
    (doc,) = docs(engine)
    assert doc.needs_review and doc.submission_id is None
    assert store_status(engine).unconfirmed[0]["name"] == "工作情况.txt"


def test_overrides_win(store, tmp_path):
    engine, _, _ = store
    path = tmp_path / "工作情况.txt"
    path.write_text("关于信息消费工作的情况汇报\n全市新增4G基站1200个。", "utf-8")
    run(store, [path], overrides=Overrides(city="嘉兴", year=2016, period="H1"))
    (doc,) = docs(engine)
    assert (doc.city, doc.year, doc.period, doc.needs_review) == ("嘉兴市", 2016, "H1", False)
    assert doc.metadata_evidence["city"][0]["source"] == "option"


def test_zip_with_hostile_member_names(store, samples, tmp_path):
    engine, data_dir, _ = store
    archive = tmp_path / "提交材料.zip"
    long_name = "进" * 290 + ".txt"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(samples / REPORT, "../../etc/passwd.docx")
        zf.writestr("..\\..\\x.txt", "宁波市2016年上半年进展\n宁波内容。")
        zf.writestr("/abs.txt", "郑州市2016年上半年进展\n郑州内容。")
        zf.writestr(long_name, "成都市2016年上半年进展\n成都内容。")
        zf.writestr(
            unicodedata.normalize("NFD", "Café报告.txt"), "杭州市2016年全年进展\n杭州内容。"
        )
        zf.writestr("~$锁文件.docx", b"lock")
    result = run(store, [archive])
    assert result.count("added") == 5, [r.message for r in result.results]
    names = {d.name for d in docs(engine)}
    assert names == {"passwd.docx", "x.txt", "abs.txt", long_name, "Café报告.txt"}
    for path in stored_files(data_dir):
        assert path.resolve().is_relative_to(data_dir.resolve())
        assert len(path.name) == 64 + len(path.suffix)
    assert not Path("/etc/passwd.docx").exists()
    assert not list((data_dir / "tmp").iterdir())  # unpacked members cleaned up


def test_too_large_reported(store, tmp_path):
    engine, data_dir, limits = store
    from dataclasses import replace

    big = tmp_path / "大.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * 2_000_000)
    result = ingest(
        [big], engine=engine, data_dir=data_dir, limits=replace(limits, max_file_bytes=1_000_000)
    )
    assert result.results[0].code == "too large"


def test_orphan_files_swept(store, samples):
    _engine, data_dir, _ = store
    orphan = storage_path(data_dir, "ab" * 32, ".pdf")
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a crash before commit")
    result = run(store, [samples / REPORT])
    assert result.swept == 1 and not orphan.exists()


@given(st.text(min_size=64, max_size=64, alphabet="0123456789abcdef"), st.text(max_size=300))
def test_storage_path_stays_under_root(sha, suffix):
    root = Path("/data/root")
    path = storage_path(root, sha, suffix)
    assert path.is_relative_to(root / "files") and ".." not in path.parts
    assert path.name.startswith(sha)


def test_search_sees_only_current_versions_even_when_old_ones_rank_first(store, tmp_path):
    """The candidate window of unfiltered search must widen past old versions."""
    from corpus import Filters, search

    engine, _, _ = store
    folder = tmp_path / "版本"
    folder.mkdir()
    for i in range(7):
        # Old versions say 光纤 more often, so they rank above the current one.
        (folder / "进展.txt").write_text(
            "杭州市2016年上半年进展情况\n" + "光纤" * (20 - i) + f"第{i}稿。", "utf-8"
        )
        run(store, [folder])
    hits = search(engine, "光纤", limit=1)
    assert [h.text.endswith("第6稿。") for h in hits] == [True]
    assert len(search(engine, "光纤", Filters(all_versions=True), limit=20)) == 7


def test_zip_members_over_the_limit_and_two_archives_alike(store, tmp_path):
    from dataclasses import replace

    engine, data_dir, limits = store
    for n in (1, 2):
        with zipfile.ZipFile(tmp_path / f"第{n}批.zip", "w") as zf:
            # Same member names in both archives, different contents: nothing may collide.
            zf.writestr("进展.txt", f"宁波市2016年上半年进展\n第{n}批的内容。")
            zf.writestr("大文件.txt", "大" * 400_000)
    result = ingest(
        [tmp_path / "第1批.zip", tmp_path / "第2批.zip"],
        engine=engine,
        data_dir=data_dir,
        limits=replace(limits, max_file_bytes=1_000_000),
    )
    too_large = [r for r in result.results if r.code == "too large"]
    assert [r.message for r in too_large] == [
        "大文件.txt: rejected: too large (in 第1批.zip)",
        "大文件.txt: rejected: too large (in 第2批.zip)",
    ]
    texts = {d.structure[-1]["text"] for d in docs(engine) if d.status == "ok"}
    assert texts == {"第1批的内容。", "第2批的内容。"}
