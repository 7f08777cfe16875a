"""Files from the field (reliability rows 13-15, issue 15): archives, names, things that are not
regular files, and small files with huge content. Each must fail or be read alone, with a
reason, and every entry must be reported once."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import threading
import zipfile
from pathlib import Path

from sqlmodel import Session, select

from corpus import ingest
from extract import Document, Failure, Limits, extract_files
from models.tables import Document as Row
from tests import builders

CITY_TEXT = "宁波市2016年上半年信息消费示范城市建设进展情况\n全市新增光纤到户用户12.6万户。\n"


def _ingest(store, *paths):
    engine, data_dir, limits = store
    return ingest(list(paths), engine=engine, data_dir=data_dir, limits=limits, jobs=2)


def _by_name(summary) -> dict:
    return {r.name: r for r in summary.results}


def _rows(store) -> list[Row]:
    with Session(store[0]) as session:
        return list(session.exec(select(Row)).all())


def _patch(data: bytes, name: bytes, *, flag: int = 0, method: int | None = None) -> bytes:
    """Sets a flag bit and/or the compression method of member `name` in both its local header
    and its central directory entry (zipfile cannot write encrypted or Deflate64 members)."""
    out = bytearray(data)
    # signature, offset of the flags, of the name's length, of the name
    for sig, flag_at, len_at, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        pos = out.find(sig)
        while pos >= 0:
            n_len = struct.unpack("<H", out[pos + len_at : pos + len_at + 2])[0]
            if bytes(out[pos + name_at : pos + name_at + n_len]) == name:
                flags = struct.unpack("<H", out[pos + flag_at : pos + flag_at + 2])[0] | flag
                out[pos + flag_at : pos + flag_at + 2] = struct.pack("<H", flags)
                if method is not None:
                    out[pos + flag_at + 2 : pos + flag_at + 4] = struct.pack("<H", method)
            pos = out.find(sig, pos + 4)
    return bytes(out)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _renamed(data: bytes, placeholder: str, raw: bytes) -> bytes:
    """Replaces a member's ASCII placeholder name by raw bytes of the same length, written
    without the UTF-8 flag: how Windows (GBK) and Linux/macOS `zip` (UTF-8) write names."""
    assert len(placeholder.encode()) == len(raw)
    return data.replace(placeholder.encode(), raw)


# --- row 13: archives and names ------------------------------------------------------------


def test_bad_zip_members_fail_alone_and_nested_zips_are_read(store, tmp_path):
    """An encrypted member (RuntimeError), a corrupt one (zlib.error) and Deflate64
    (NotImplementedError) stopped the whole batch with a traceback."""
    good = CITY_TEXT.encode()
    data = _zip(
        {
            "加密.txt": b"secret " * 50,
            "损坏.txt": "损坏的内容".encode() * 400,
            "d64.txt": b"deflate64 " * 50,
            "好的.txt": good,
            "内层.zip": _zip({"内层报告.txt": good + b"inner", "更深.zip": _zip({"x.txt": b"x"})}),
        }
    )
    data = _patch(data, "加密.txt".encode(), flag=0x1)
    data = _patch(data, b"d64.txt", method=9)
    broken = bytearray(data)
    start = broken.find("损坏.txt".encode()) + len("损坏.txt".encode()) + 20
    broken[start : start + 40] = b"\xff" * 40  # inside the member's deflate stream
    (tmp_path / "材料.zip").write_bytes(bytes(broken))
    (tmp_path / "旁边.txt").write_text(CITY_TEXT + "旁边", "utf-8")
    summary = _ingest(store, tmp_path / "材料.zip", tmp_path / "旁边.txt")
    results = _by_name(summary)
    assert results["加密.txt"].code == "encrypted"
    assert "密码" in results["加密.txt"].message
    assert results["损坏.txt"].code == "parse error"
    assert "已损坏" in results["损坏.txt"].message
    assert results["d64.txt"].code == "unsupported format"
    assert "Deflate64" in results["d64.txt"].message
    assert results["好的.txt"].status == "added"
    assert results["旁边.txt"].status == "added"  # the batch went on
    assert results["内层报告.txt"].status == "added"  # a nested zip is read, not refused
    assert results["x.txt"].status == "added"  # three levels deep: within the limit
    assert len(summary.results) == len({r.name for r in summary.results}) == 7  # each once


def test_zips_nested_past_the_depth_limit_are_refused(store, tmp_path):
    inner = _zip({"最里面.txt": CITY_TEXT.encode()})
    for depth in range(4):
        inner = _zip({f"第{depth}层.zip": inner})
    (tmp_path / "套娃.zip").write_bytes(inner)
    results = _by_name(_ingest(store, tmp_path / "套娃.zip"))
    refused = [r for r in results.values() if r.status == "failed"]
    assert len(refused) == 1 and refused[0].code == "zip bomb" and "嵌套" in refused[0].message
    assert "最里面.txt" not in results


def test_zip_names_without_the_utf8_flag(store, tmp_path):
    """Linux/macOS `zip` writes UTF-8 names without the flag, Chinese Windows GBK: both were
    garbled or decoded as the wrong one."""
    utf8 = "宁波市2016年上半年进展.txt".encode()
    gbk = "杭州市2016年全年总结.txt".encode("gbk")
    data = _zip({"U" * len(utf8): CITY_TEXT.encode() + b"1", "G" * len(gbk): CITY_TEXT.encode()})
    data = _renamed(_renamed(data, "U" * len(utf8), utf8), "G" * len(gbk), gbk)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
    (tmp_path / "打包.zip").write_bytes(data)
    names = set(_by_name(_ingest(store, tmp_path / "打包.zip")))
    assert names == {"宁波市2016年上半年进展.txt", "杭州市2016年全年总结.txt"}


def test_gbk_file_names_on_disk_are_decoded(store, tmp_path):
    """A name in GBK bytes, as copied from a Windows share, crashed the ingest."""
    folder = tmp_path / "共享"
    folder.mkdir()
    raw = "宁波市2016年上半年信息消费示范城市建设进展情况.txt".encode("gbk")
    with open(os.path.join(os.fsencode(folder), raw), "wb") as fh:
        fh.write("全市新增光纤到户用户12.6万户。\n".encode())
    summary = _ingest(store, folder)
    [result] = summary.results
    assert result.status == "added", result.message
    assert result.name == "宁波市2016年上半年信息消费示范城市建设进展情况.txt"
    [row] = _rows(store)
    assert row.name == result.name
    assert row.city == "宁波市" and row.period == "H1"  # read from the decoded name
    assert any(repr(raw) in w for w in row.warnings)  # the original bytes, for display


def test_control_characters_in_names_are_escaped(store, tmp_path):
    folder = tmp_path / "名字"
    folder.mkdir()
    (folder / "报告\x1b[31m红\n第二行\u202etxt.txt").write_text(CITY_TEXT, "utf-8")
    [result] = _ingest(store, folder).results
    assert result.name == "报告\\x1b[31m红\\n第二行\\u202etxt.txt"
    assert not any(ord(c) < 32 for c in result.message)
    assert _rows(store)[0].name == result.name


def test_every_file_reported_once(store, tmp_path):
    """Twelve empty files of different types collapsed into one failed row; names starting
    with `.` were skipped without a word."""
    folder = tmp_path / "空"
    folder.mkdir()
    suffixes = [".pdf", ".docx", ".doc", ".wps", ".txt", ".md", ".jpg", ".png", ".tif", ".zip"]
    suffixes += [".xlsx", ".pptx"]
    for suffix in suffixes:
        (folder / f"空{suffix}").write_bytes(b"")
    (folder / ".隐藏的报告.txt").write_text(CITY_TEXT, "utf-8")
    (folder / "~$临时.docx").write_bytes(b"x")
    summary = _ingest(store, folder)
    results = _by_name(summary)
    assert len(summary.results) == 14
    for suffix in suffixes:
        assert results[f"空{suffix}"].status == "failed", results[f"空{suffix}"]
    assert results[".隐藏的报告.txt"].status == "skipped"
    assert "隐藏文件" in results[".隐藏的报告.txt"].message
    assert results["~$临时.docx"].status == "skipped"


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (MS-CFB v3) with the given streams (each >= 4096 bytes,
    so no mini stream): what Word writes for a password-protected .docx."""
    sector = 512
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    fat = [fat_sect, end]  # sector 0: the FAT, 1: the directory
    starts = []
    for data in streams.values():
        assert len(data) % sector == 0 and len(data) >= 4096
        first = len(fat)
        n = len(data) // sector
        fat += [*range(first + 1, first + n), end]
        starts.append(first)
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, 1, free, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else free  # shorter names sort first
        directory += entry(name, 2, free, right, starts[i], len(streams[name]))
    directory = directory.ljust(sector, b"\0")
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    return header + struct.pack("<128I", *fat) + directory + b"".join(streams.values())


def test_encrypted_docx_reported_as_encrypted(tmp_path):
    """It was reported as a type mismatch."""
    path = tmp_path / "加密的进展报告.docx"
    path.write_bytes(_cfb({"EncryptionInfo": b"\1" * 4096, "EncryptedPackage": b"\2" * 4096}))
    [outcome] = extract_files([path])
    assert isinstance(outcome, Failure) and outcome.code == "encrypted", outcome


def test_docm_renamed_docx_without_the_absolute_path(tmp_path, report_docx):
    """A .docm renamed .docx was called damaged, with the server's absolute path in the
    message."""
    path = tmp_path / "宏文档.docx"
    with zipfile.ZipFile(report_docx) as src:
        types = src.read("[Content_Types].xml").replace(
            b"officedocument.wordprocessingml.document.main+xml",
            b"ms-word.document.macroEnabled.main+xml",
        )
    builders.zip_with(path, {"[Content_Types].xml": types}, base=report_docx)
    [outcome] = extract_files([path])
    assert isinstance(outcome, Failure) and outcome.code == "type mismatch", outcome
    assert "(.docm)" in outcome.message
    assert str(tmp_path) not in outcome.message


# --- row 14: not a regular file --------------------------------------------------------------


def test_fifo_links_and_loops_are_reported_not_opened(store, tmp_path):
    """A FIFO or a symlink to /dev/zero hung the ingest forever; a symlink to /etc/passwd was
    followed and its content stored and searchable."""
    folder = tmp_path / "危险"
    (folder / "子目录").mkdir(parents=True)
    os.mkfifo(folder / "管道.txt")
    (folder / "零.txt").symlink_to("/dev/zero")
    (folder / "密码.txt").symlink_to("/etc/passwd")
    (folder / "子目录" / "回到上层").symlink_to(folder)
    (folder / "好的.txt").write_text(CITY_TEXT, "utf-8")
    loop = folder / "子目录" / "挂载环"
    loop.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(["mount", "--bind", str(folder), str(loop)], capture_output=True).returncode
        == 0
    )
    try:
        box: dict = {}
        thread = threading.Thread(target=lambda: box.update(s=_ingest(store, folder)), daemon=True)
        thread.start()
        thread.join(120)
        assert not thread.is_alive(), "the ingest hung"
    finally:
        if mounted:
            subprocess.run(["umount", str(loop)], check=True)
    results = _by_name(box["s"])
    assert results["管道.txt"].code == "not a regular file"
    assert results["零.txt"].code == "symbolic link"
    assert results["密码.txt"].code == "symbolic link"
    assert results["回到上层"].code == "symbolic link"
    if mounted:
        assert results["挂载环"].code == "directory loop"
    assert results["好的.txt"].status == "added"
    assert all(r.status == "skipped" for n, r in results.items() if n != "好的.txt")
    assert len(_rows(store)) == 1


# --- row 15: small file, huge content -------------------------------------------------------


def _many_paragraphs_docx(path: Path, base: Path, n: int) -> Path:
    paras = "".join(
        f"<w:p><w:r><w:t>第{i}段：全市新增光纤到户用户{i}户，新建4G基站{i % 97}个。</w:t></w:r></w:p>"
        for i in range(n)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paras}</w:body></w:document>"
    ).encode()
    builders.zip_with(path, {"word/document.xml": xml}, base=base)
    return path


def test_small_files_with_huge_content_are_too_large(tmp_path, report_docx):
    """A 3.2 MB .docx within every limit produced 150,000 passages: 1.9 GB in the ingest
    process and an 856 MB database."""
    docx_path = _many_paragraphs_docx(tmp_path / "十五万段.docx", report_docx, 150_000)
    assert docx_path.stat().st_size < 4 * 2**20
    txt_path = tmp_path / "一行.txt"
    with txt_path.open("wb") as fh:
        chunk = ("全市新增光纤到户用户十二万户" * 1000).encode()
        while fh.tell() < 40 * 2**20:
            fh.write(chunk)
    outcomes = {Path(o.path).name: o for o in extract_files([docx_path, txt_path], jobs=2)}
    for name in ("十五万段.docx", "一行.txt"):
        outcome = outcomes[name]
        assert isinstance(outcome, Failure) and outcome.code == "too large", outcome
        assert "内容过多" in outcome.message


def test_output_bound_counts_what_the_worker_produced(tmp_path, report_docx):
    """The bound holds for what a reader produced, whatever the format."""
    path = _many_paragraphs_docx(tmp_path / "三百段.docx", report_docx, 300)
    [outcome] = extract_files([path], Limits(max_blocks=250))
    assert isinstance(outcome, Failure) and outcome.code == "too large"
    [outcome] = extract_files([path], Limits(max_chars=5_000))
    assert isinstance(outcome, Failure) and "字符" in outcome.message
    [outcome] = extract_files([path])
    assert isinstance(outcome, Document) and len(outcome.blocks) >= 300


def test_content_limits_are_settings(tmp_path, report_docx):
    """The bounds on what one document may produce, and the zip depth, were constants: lowered
    through INFOCITY_* they refuse what the defaults accept, with the Chinese reason."""
    import json
    import sys

    from tests.test_crash import REPO, env_for

    folder = tmp_path / "限额"
    folder.mkdir()
    _many_paragraphs_docx(folder / "三百段.docx", report_docx, 300)
    (folder / "长文.txt").write_text(CITY_TEXT + "全市新增光纤到户用户十二万户。" * 2_000, "utf-8")
    (folder / "套娃.zip").write_bytes(_zip({"内层.zip": _zip({"最里面.txt": b"x" * 100})}))
    (folder / "宁波市2016年上半年进展.txt").write_text(CITY_TEXT, "utf-8")
    env = env_for(tmp_path / "data")
    env |= {
        "INFOCITY_MAX_PARAGRAPHS": "250",
        "INFOCITY_MAX_CHARS": "20000",
        "INFOCITY_MAX_ZIP_DEPTH": "1",
    }
    run = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", str(folder), "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    results = {r["name"]: r for r in json.loads(run.stdout)["files"]}
    assert results["宁波市2016年上半年进展.txt"]["status"] == "added"  # the batch went on
    paragraphs, chars = results["三百段.docx"], results["长文.txt"]
    for result in (paragraphs, chars):
        assert result["status"] == "failed" and result["code"] == "too large", result
        assert "内容过多" in result["message"]
    assert "250" in paragraphs["message"] and "20,000" in chars["message"]
    assert (
        results["内层.zip"]["code"] == "zip bomb"
        and "嵌套超过 1 层" in results["内层.zip"]["message"]
    )
    assert "最里面.txt" not in results
    # With the defaults the same files are accepted: the settings made the difference.
    default = {r.name: r for r in extract_files([folder / "三百段.docx", folder / "长文.txt"])}
    assert all(isinstance(o, Document) for o in default.values())
