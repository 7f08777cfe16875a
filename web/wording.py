"""What ingest stored in English (failure messages, document warnings), said in Chinese for pages.

Ingest keeps its messages as they are (the CLI, the logs and the tests read them, and a reason
code is stable); the web translates at display. A message no pattern knows is shown with a
Chinese lead-in and its original text marked as technical detail, never silently dropped: an
evaluator must see that something was said, even when we cannot say it better.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.labels import PERIODS, REASONS, SOURCES

KEYS = {"city": "城市", "year": "年份", "period": "时段", "kind": "文件类型", "level": "级别"}


def _value(key: str, value: str) -> str:
    return PERIODS.get(value, value) if key == "period" else value


def _unclear(m: re.Match) -> str:
    key = m["key"]
    claims = []
    for part in m["listed"].split("; "):
        said = re.fullmatch(r"(\w+) says (.*?) \((.*)\)", part)
        if said:
            source, value, text = said.groups()
            claims.append(f"{SOURCES.get(source, source)}为 {_value(key, value)}（“{text}”）")
        else:
            claims.append(part)
    return (
        f"{KEYS.get(key, key)}不确定：{'；'.join(claims)}；暂按 {_value(key, m['using'])}，请核对"
    )


_PATTERNS: list[tuple[re.Pattern, object]] = [
    (
        re.compile(r"(?P<key>\w+) is unclear: (?P<listed>.*); using (?P<using>.*)"),
        _unclear,
    ),
    (
        re.compile(r"only the first (\d+) of (\d+) pages were read \(page limit\)"),
        lambda m: f"只读取了前 {m[1]} 页（共 {m[2]} 页，超过页数上限）",
    ),
    (
        re.compile(r"page (\d+) is an image: needs OCR \(OCR is off\)"),
        lambda m: f"第 {m[1]} 页是图片，需要文字识别（OCR 已关闭）",
    ),
    (
        re.compile(r"page (\d+) has no text layer: needs OCR( \(OCR is off\))?"),
        lambda m: f"第 {m[1]} 页没有文字层，需要文字识别" + ("（OCR 已关闭）" if m[2] else ""),
    ),
    (
        re.compile(r"page (\d+): the text layer is unreadable \(font encoding\); read by OCR"),
        lambda m: f"第 {m[1]} 页文字层乱码（字体编码问题），已改用文字识别读取",
    ),
    (
        re.compile(r"page (\d+): the text layer is unreadable \(font encoding\)"),
        lambda m: f"第 {m[1]} 页文字层乱码（字体编码问题），请对照原文",
    ),
    (
        re.compile(r"page (\d+) was read by OCR with low confidence \(([\d.]+)\).*"),
        lambda m: f"第 {m[1]} 页由文字识别读取，置信度较低（{m[2]}），请对照扫描件核对",
    ),
    (re.compile(r"page (\d+): OCR failed.*"), lambda m: f"第 {m[1]} 页文字识别失败"),
    (re.compile(r"page (\d+) could not be read.*"), lambda m: f"第 {m[1]} 页无法读取"),
    (
        re.compile(r"table detection failed, tables kept as text.*"),
        lambda m: "表格识别失败，表格内容按文字保留",
    ),
    (re.compile(r"no text was found"), lambda m: "文件中没有找到文字"),
    (
        re.compile(r"(\d+) text box\(es\) read after their anchor paragraph"),
        lambda m: f"{m[1]} 个文本框的内容排在其所在段落之后",
    ),
    (
        re.compile(r"(\d+) image\(s\): text inside images is not extracted"),
        lambda m: f"{m[1]} 张图片：图片中的文字没有提取",
    ),
    (re.compile(r"from the archive (.*)"), lambda m: f"来自压缩包 {m[1]}"),
]


def warning_text(warning: str) -> str:
    """One stored document warning in Chinese."""
    text = str(warning or "").strip()
    for pattern, say in _PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            return say(m)
    if not re.search(r"[A-Za-z]{3,}", text):
        return text  # already Chinese (or numbers only)
    return f"提取时的提示（原文）：{text}"


@dataclass(frozen=True)
class Failure:
    """A failed file as a page shows it: the reason in Chinese; the technical detail apart."""

    reason: str
    detail: str


_DETAILS = [
    (re.compile(r"extension (\S+)"), lambda m: f"扩展名 {m[1]}"),
    (re.compile(r"no page of the PDF could be loaded"), lambda m: "PDF 的所有页面都无法载入"),
]


def failure_text(code: str | None, message: str | None) -> Failure:
    """A failure's reason code and stored message (`name: rejected: code (detail)`) in Chinese."""
    reason = REASONS.get(code or "", "无法读取")
    detail = ""
    m = re.search(r"\((.*)\)\s*$", message or "")
    if m:
        raw = m[1]
        said = next((say(f) for p, say in _DETAILS if (f := p.search(raw))), None)
        # A detail we cannot say in Chinese is left out: the reason already says what failed.
        detail = said or ("" if re.search(r"[A-Za-z]{3,}", raw) else raw)
    return Failure(reason, detail)
