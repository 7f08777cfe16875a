"""Issue 14, item 5: Word files' hidden text, embedded documents and Strict OOXML; text files'
encodings. Generated files: no real file in ../shared/realdocs shows these (except the dangling
relationship, named below)."""

from __future__ import annotations

import pytest

from extract import Document, TypeMismatch, read_document
from tests import builders

TEXT = (
    "杭州市2016年上半年信息消费示范城市建设进展情况\n"
    "今年以来，我市按照《建设指南》要求，扎实推进各项工作，新增光纤用户12.6万户。\n"
)
BIG5_TEXT = (
    "臺北市2016年上半年資訊消費示範城市建設進展情況\n"
    "今年以來，本市依照《建設指南》要求，紮實推進各項工作，新增光纖用戶12.6萬戶。\n"
)


def texts(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks]


def test_hidden_text_excluded_and_altchunk_html_read(tmp_path):
    doc = read_document(builders.build_hidden_and_altchunk_docx(tmp_path / "alt.docx"))
    assert texts(doc) == [
        "本市新增光纤用户12.6万户。",
        "以下为嵌入的网页内容。",
        "附件：典型应用",
        "智慧医疗平台接入医院23家。",
        "指标\t数值\n4G基站\t1860个",
        "嵌入内容之后的段落。",
    ]
    assert "待核实" not in "".join(texts(doc))


def test_strict_ooxml_read(tmp_path):
    src = builders.build_hidden_and_altchunk_docx(tmp_path / "t.docx")
    strict = builders.strict_copy(src, tmp_path / "strict.docx")
    doc = read_document(strict)
    assert texts(doc)[:2] == ["本市新增光纤用户12.6万户。", "以下为嵌入的网页内容。"]


def test_dangling_image_relationship_read(realdoc):
    # simonjob 大纲1: not Strict OOXML; its document.xml.rels points an image at `../NULL`,
    # a part that does not exist, and python-docx refused the whole file ("parse error").
    doc = read_document(
        realdoc(
            "simonjob__大纲1：中央机关及其直属机构2022年度考试录用公务员公共科目笔试考试大纲.docx"
        )
    )
    assert texts(doc)[3] == "一、笔试内容"
    assert any(t.startswith("公共科目笔试全部采用闭卷考试的方式。") for t in texts(doc))


@pytest.mark.parametrize(
    ("encoding", "text", "warned"),
    [
        ("utf-16", TEXT, False),  # Windows Notepad "Unicode": UTF-16 LE with a BOM
        ("utf-16-le", TEXT, False),
        ("utf-16-be", TEXT, False),
        ("gbk", TEXT, False),
        ("gb18030", TEXT, False),
        ("utf-8", TEXT, False),
        ("big5", BIG5_TEXT, True),
    ],
)
def test_text_encodings(tmp_path, encoding, text, warned):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    doc = read_document(path)
    assert texts(doc) == text.strip().split("\n")
    assert any("guessed as big5" in w for w in doc.warnings) == warned


def test_binary_still_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(TypeMismatch):
        read_document(path)
