"""The `infocity` command, driven in-process with Typer's CliRunner on real files."""

from __future__ import annotations

import importlib
import json
import re
import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli import app
from corpus.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


def test_extract_text(samples):
    result = runner.invoke(
        app, ["extract", str(samples / "杭州市2016年上半年信息消费示范城市建设进展情况.docx")]
    )
    assert result.exit_code == 0, result.output
    assert "城市 杭州市（标题、落款、文件名、首页）" in result.output
    assert "# 一、总体进展情况" in result.output
    assert "共 1 个文件：成功 1，失败 0。" in result.output


def test_extract_json_lines(samples):
    result = runner.invoke(
        app, ["extract", "--format", "json", str(samples / "附件2-典型应用案例(宁波).pdf")]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["metadata"]["city"] == "宁波市" and doc["metadata"]["kind"] == "applications"
    assert doc["format"] == "pdf" and doc["pages"] == 5
    assert {b["kind"] for b in doc["blocks"]} >= {"title", "heading", "paragraph"}
    assert all(b["page"] for b in doc["blocks"])


def test_folder_with_bad_files_goes_on(tmp_path, samples):
    folder = tmp_path / "提交材料"
    (folder / "子目录").mkdir(parents=True)
    shutil.copy(samples / "成都市2016年上半年国家信息消费示范城市工作进展.docx", folder / "子目录")
    (folder / "空.pdf").write_bytes(b"")
    (folder / "进展情况.pdf.exe").write_bytes(b"MZ")
    (folder / "~$临时.docx").write_bytes(b"lock")  # Word's lock file: skipped, not an error
    result = runner.invoke(app, ["extract", str(folder)])
    assert result.exit_code == 1, result.output
    assert "2 个文件未能读取" in result.output
    assert "空.pdf: rejected: empty file (0 bytes) —— 空文件" in result.output
    assert "进展情况.pdf.exe: rejected: unsupported format" in result.output
    assert "共 3 个文件：成功 1，失败 2。" in result.output
    assert "Traceback" not in result.output


def test_json_failures_are_objects(tmp_path):
    bad = tmp_path / "坏.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    result = runner.invoke(app, ["extract", "-f", "json", str(bad), str(tmp_path / "无.pdf")])
    assert result.exit_code == 1
    objs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {o["error"]["code"] for o in objs} == {"parse error", "not found"}
    assert "无.pdf: failed: not found" in result.output


def test_demo_ingests_the_samples_and_searches():
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "新增 10，新版本 0，已存在 0，失败 0。" in result.output
    assert "库中共 10 个文档" in result.output
    for city in ("杭州市", "宁波市", "成都市", "郑州市"):
        assert city in result.output
    assert "光纤到户" in result.output.split("检索示例")[1]
    again = runner.invoke(app, ["demo"])
    assert "已存在 10" in again.output


def test_ingest_status_search(tmp_path, samples, monkeypatch):
    folder = tmp_path / "上报"
    folder.mkdir()
    shutil.copy(samples / "附件2-典型应用案例(宁波).pdf", folder)
    (folder / "空.docx").write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(folder), "--json", "--user", "评估员乙"])
    assert result.exit_code == 1, result.output  # one file failed
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["added"], summary["failed"]) == (1, 1)
    assert summary["files"][0]["status"] in ("added", "failed")

    status = runner.invoke(app, ["status", "--json"])
    data = json.loads(status.stdout)
    assert data["cells"] == [
        {
            "city": "宁波市",
            "year": 2016,
            "period": "FY",
            "documents": 1,
            "pages": 5,
            "passages": data["cells"][0]["passages"],
            "unconfirmed": 0,
        }
    ]
    assert data["failed"][0]["code"] == "empty file"

    found = runner.invoke(app, ["search", "智慧", "--city", "宁波", "--json"])
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)
    assert hits and all(h["city"] == "宁波市" for h in hits)
    like = runner.invoke(app, ["search", "--like", str(hits[0]["passage_id"]), "--json"])
    assert like.exit_code == 0 and json.loads(like.stdout) == []  # no other document yet
    text = runner.invoke(app, ["search", "智慧"])
    assert "附件2-典型应用案例(宁波).pdf" in text.output
    bad = runner.invoke(app, ["search", "！！"])
    assert bad.exit_code == 2 and "没有可检索的词语" in bad.output
    assert "注意" not in text.stderr
    common = runner.invoke(app, ["search", "平台", "--json"])
    assert len(json.loads(common.stdout)) > 3 and "注意" not in common.stderr
    monkeypatch.setattr(importlib.import_module("corpus.search"), "CANDIDATES", 2)
    bounded = runner.invoke(app, ["search", "平台", "--json"])  # the note goes to stderr
    assert bounded.exit_code == 0 and len(json.loads(bounded.stdout)) == 3, bounded.output
    assert "注意：匹配的段落很多，只在最新的约 2 段匹配中按相关度排序" in bounded.stderr


def test_ingest_override_period(tmp_path):
    note = tmp_path / "情况.txt"
    note.write_text("关于信息消费工作的情况汇报\n新增4G基站1200个。", "utf-8")
    result = runner.invoke(
        app, ["ingest", str(note), "--city", "温州", "--year", "2016", "--period", "FY"]
    )
    assert result.exit_code == 0, result.output
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["cells"][0]["city"] == "温州市" and status["unassigned"] == []


def test_unusable_data_dir_is_one_line(monkeypatch, tmp_path):
    from corpus.settings import get_settings

    blocker = tmp_path / "文件"
    blocker.write_text("a file where the data directory should be")
    monkeypatch.setenv("INFOCITY_DATA_DIR", str(blocker / "infocity"))
    get_settings.cache_clear()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "数据目录无法创建" in result.output and "Traceback" not in result.output


def test_unreachable_database_is_one_line(monkeypatch):
    from corpus.settings import get_settings

    monkeypatch.setenv("INFOCITY_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "数据库无法打开（postgresql://…@127.0.0.1:1/none）" in result.output
    assert "Traceback" not in result.output


def test_every_command_has_help_and_is_in_readme():
    readme = README.read_text("utf-8")
    commands = typer.main.get_command(app).commands
    assert commands
    for name, command in commands.items():
        assert command.help, name
        assert f"infocity {name}" in readme, f"`infocity {name}` is not documented in README.md"
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0


def test_every_setting_documented():
    readme = README.read_text("utf-8")
    assert len(Settings.model_fields) >= 10
    for name in Settings.model_fields:
        assert f"INFOCITY_{name.upper()}" in readme, name


def test_settings_reach_the_limits(monkeypatch):
    monkeypatch.setenv("INFOCITY_MAX_FILE_MB", "1")
    monkeypatch.setenv("INFOCITY_MAX_PAGES", "3")
    limits = Settings().limits()
    assert limits.max_file_bytes == 1024 * 1024 and limits.max_pages == 3


def test_no_traceback_on_usage_error():
    result = runner.invoke(app, ["extract"])
    assert result.exit_code == 2
    assert not re.search(r"Traceback", result.output)


def test_backup_while_ingest_writes(tmp_path, samples):
    import sqlite3
    import threading

    from corpus import get_settings, ingest, open_store

    runner.invoke(app, ["ingest", str(samples / "附件2-典型应用案例(宁波).pdf")])
    settings = get_settings()
    engine = open_store(settings)
    writer = threading.Thread(
        target=ingest,
        args=([samples],),
        kwargs={"engine": engine, "data_dir": settings.data_dir, "limits": settings.limits()},
    )
    writer.start()
    target = tmp_path / "备份" / "infocity-backup.db"
    result = runner.invoke(app, ["backup", str(target)])
    writer.join()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM document").fetchone()[0] >= 1
    again = runner.invoke(app, ["backup", str(target)])
    assert again.exit_code == 1 and "不会覆盖" in again.output
