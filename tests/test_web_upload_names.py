"""Names in the web app (reliability row 13, issue 15): control characters escaped, every file
reported once.

Uploaded names had their control characters silently removed, so the page showed a name the
evaluator had never seen and that differed from what `infocity ingest` printed for the same file;
the job page named neither the hidden files it left out nor what the ingest skipped; and two
files with one name failing the same way were reported as one. A hostile client sends the raw
bytes (a browser would write a newline as `%0A`), so the multipart body is built by hand here.
"""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
import zipfile

from sqlalchemy import text

from extract.files import escape_controls
from models.db import make_engine
from tests.test_crash import REPO, env_for
from tests.test_field_files import _patch, _zip
from tests.test_web import app, logged_in, template_store, token, tree  # noqa: F401

REPORT = "宁波市2016年上半年信息消费示范城市建设进展情况\n全市新增光纤到户用户12.6万户。\n"

# (the name as a hostile client sends it, its bytes)
HOSTILE = [
    ("报告\x1b[31m红\n第二行.exe", b"MZ"),  # unsupported format: a failure
    ("宁波市\x07进展\u202etxt.txt", REPORT.encode()),  # read and stored
    ("甲/空.pdf", b""),  # two files of one name failing the same way: both reported
    ("乙/空.pdf", b""),
    ("材料/.隐藏\x1b.txt", b"hidden"),  # left out by the upload: named on the page
]


def _zip_with_hidden_member() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(".DS\x1b_Store", b"junk")
        zf.writestr("说明\r.exe", b"MZ")
    return buf.getvalue()


def _zip_with_encrypted_member() -> bytes:
    """One bad member ended the whole upload's job as 内部错误 with an empty failure list."""
    data = _zip({"加密.txt": b"secret " * 50, "另一个\x1b.exe": b"MZ-other"})
    return _patch(data, "加密.txt".encode(), flag=0x1)


def _multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body with the file names' raw UTF-8 bytes, as a hostile client sends them."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for filename, data in files:
        out.write(f"--{boundary}\r\n".encode())
        out.write(b'Content-Disposition: form-data; name="files"; filename="')
        out.write(filename.encode() + b'"\r\n')
        out.write(b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 32 and c not in "\n\t\r") or c in "\x7f\u202e"]


def test_upload_names_are_escaped_like_the_terminal_and_each_reported_once(app, tmp_path):  # noqa: F811
    eva = logged_in(app, "eva")
    files = [
        *HOSTILE,
        ("打包.zip", _zip_with_hidden_member()),
        ("加密.zip", _zip_with_encrypted_member()),
    ]
    body, content_type = _multipart({"csrf_token": token(eva, "/upload")}, files)
    response = eva.post("/upload", content=body, headers={"content-type": content_type})
    assert response.status_code == 303, response.text
    job_id = response.headers["location"].rsplit("/", 1)[-1]
    job = app.state.jobs.wait(job_id, timeout=120)
    assert job.state == "done", job.error

    shown = {raw: escape_controls(raw.rsplit("/", 1)[-1]) for raw, _ in HOSTILE}
    assert shown["报告\x1b[31m红\n第二行.exe"] == "报告\\x1b[31m红\\n第二行.exe"
    progress = eva.get(f"/upload/{job_id}/progress.json").json()
    failures = [f["name"] for f in progress["failures"]]
    assert sorted(failures) == sorted(
        [
            shown["报告\x1b[31m红\n第二行.exe"],
            "空.pdf",
            "空.pdf",
            "说明\\r.exe",
            "加密.txt",
            "另一个\\x1b.exe",
        ]
    )
    member = next(f for f in progress["failures"] if f["name"] == "说明\\r.exe")
    assert "extension .exe" in member["message"]  # not the unpacked copy's generated `.bin`
    encrypted = next(f for f in progress["failures"] if f["name"] == "加密.txt")
    assert encrypted["code"] == "encrypted" and encrypted["reason"]
    skipped = [f["name"] for f in progress["skipped_list"]]
    assert sorted(skipped) == [".DS\\x1b_Store", ".隐藏\\x1b.txt"]
    assert progress["added"] == 1
    stored = next(r for r in job.results if r.status == "added")
    assert stored.name == "宁波市\\x07进展\\u202etxt.txt"
    # Every file once: the five loose files (the hidden one left out) and the zips' members.
    assert len(job.results) + len(job.skipped) == len(HOSTILE) + 2 + 2

    page = eva.get(f"/upload/{job_id}")
    assert not _raw_controls(page.text)
    doc = tree(page)
    listed = [li.xpath("string(b)") for li in doc.xpath("//ul[@id='p-failures']/li")]
    assert sorted(listed) == sorted(failures)
    listed = [li.xpath("string(b)") for li in doc.xpath("//ul[@id='p-skipped']/li")]
    assert sorted(listed) == sorted(skipped)
    confirm = eva.get(f"/upload/{job_id}/confirm")
    assert stored.name in tree(confirm).text_content() and not _raw_controls(confirm.text)

    # The terminal shows the same names, from the same function, for the same files on disk.
    folder = tmp_path / "同名"
    for raw, data in HOSTILE:
        path = folder / raw
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    run = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", str(folder)],
        env=env_for(tmp_path / "cli-data"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in run.stderr
    terminal = run.stdout + run.stderr
    assert not _raw_controls(terminal)
    for raw, _ in HOSTILE:  # the terminal names each file that failed or was skipped
        if raw.startswith("宁波市"):
            continue
        assert shown[raw] in terminal, (shown[raw], terminal)
    assert terminal.count("✗ 空.pdf") == 2  # both files of that name
    engine = make_engine(f"sqlite:///{tmp_path / 'cli-data' / 'infocity.db'}")
    try:  # and the stored one has the name the web gave it
        with engine.connect() as conn:
            assert conn.execute(
                text("SELECT name FROM document WHERE status = 'ok'")
            ).scalars().all() == [stored.name]
    finally:
        engine.dispose()
