"""decode_body: BOM > HTTP charset > <meta> > strict UTF-8 > GB18030 > UTF-8 with replacement,
with declared charsets that fail (or prove nothing) falling through."""
from __future__ import annotations

import codecs

import pytest

from crawler.extract.decoding import declared_meta_charset, decode_body, normalize_charset

TEXT = "政务公开：关于开展2022年度政府信息公开工作考核的通知"
PAGE = f"<html><head><title>{TEXT}</title></head><body><p>{TEXT}</p></body></html>"


def gbk_page(meta: str = "") -> bytes:
    return f"<html><head>{meta}<title>{TEXT}</title></head><body>{TEXT}</body></html>".encode("gbk")


@pytest.mark.parametrize(
    ("bom", "codec", "expected"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    ],
)
def test_bom_wins_over_everything(bom: bytes, codec: str, expected: str) -> None:
    body = bom + PAGE.encode(codec)
    text, enc = decode_body(body, "text/html; charset=gbk")
    assert enc == expected
    assert TEXT in text
    assert not text.startswith("\ufeff")


def test_http_charset_gbk_is_read_as_gb18030() -> None:
    text, enc = decode_body(gbk_page(), "text/html; charset=GBK")
    assert (text.count(TEXT), enc) == (2, "gb18030")


def test_gb2312_declared_page_with_gbk_only_characters() -> None:
    # 镕 and 玥 are in GBK but not in GB2312: a strict gb2312 decoder would fail.
    body = "<html><head><meta charset=gb2312></head><body>朱镕基 玥</body></html>".encode("gbk")
    text, enc = decode_body(body, None)
    assert enc == "gb18030"
    assert "朱镕基 玥" in text


def test_wrong_http_charset_falls_through_to_meta() -> None:
    body = gbk_page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    text, enc = decode_body(body, "text/html; charset=utf-8")
    assert enc == "gb18030"
    assert TEXT in text


def test_wrong_http_charset_without_meta_falls_back_to_gb18030() -> None:
    text, enc = decode_body(gbk_page(), "text/html;charset=UTF-8")
    assert enc == "gb18030"
    assert TEXT in text


def test_gb_declaration_on_utf8_body_is_not_believed() -> None:
    # GB18030 decodes most UTF-8 Chinese without error (as mojibake): valid UTF-8 wins.
    body = f'<meta charset="gb2312">{PAGE}'.encode()
    text, enc = decode_body(body, "text/html; charset=gbk")
    assert enc == "utf-8"
    assert TEXT in text


def test_latin1_header_on_gbk_body_is_not_believed() -> None:
    text, enc = decode_body(gbk_page(), "text/html; charset=ISO-8859-1")
    assert enc == "gb18030"
    assert TEXT in text


def test_meta_charset_forms() -> None:
    for meta in ('<meta charset="gbk">', "<meta charset=GB2312>",
                 '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=gb2312">'):
        text, enc = decode_body(gbk_page(meta), "text/html")
        assert (enc, TEXT in text) == ("gb18030", True), meta


def test_xml_declaration() -> None:
    body = b'<?xml version="1.0" encoding="gb2312"?>\n' + gbk_page()
    assert decode_body(body, None)[1] == "gb18030"
    assert declared_meta_charset(body) == "gb2312"


def test_missing_charsets_utf8_and_gbk() -> None:
    assert decode_body(PAGE.encode(), None) == (PAGE, "utf-8")
    text, enc = decode_body(gbk_page(), "")
    assert (enc, TEXT in text) == ("gb18030", True)


def test_meta_that_lies_about_utf8() -> None:
    text, enc = decode_body(gbk_page('<meta charset="utf-8">'), None)
    assert enc == "gb18030" and TEXT in text


def test_undecodable_bytes_use_replacement() -> None:
    body = "标题".encode() + b"\xff\xfe\xff abc \x80"
    text, enc = decode_body(body, None)
    assert enc == "utf-8"
    assert text.startswith("标题") and "\ufffd" in text


def test_unknown_declared_charset_is_ignored() -> None:
    text, enc = decode_body(gbk_page('<meta charset="x-no-such-charset">'), "text/html; charset=bogus")
    assert enc == "gb18030" and TEXT in text


def test_ascii_and_empty() -> None:
    assert decode_body(b"", None) == ("", "utf-8")
    assert decode_body(b"<p>hello</p>", "text/html; charset=gbk") == ("<p>hello</p>", "gb18030")


def test_normalize_charset() -> None:
    for name in ("gbk", "GB2312", "gb_2312-80", "x-gbk", "cp936", "GB18030", "EUC-CN"):
        assert normalize_charset(name) == "gb18030", name
    assert normalize_charset("UTF8") == "utf-8"
    assert normalize_charset("'utf-8'") == "utf-8"
    assert normalize_charset("utf-16") is None  # without a BOM it means UTF-8 (HTML spec)
    assert normalize_charset("nonsense") is None
    assert normalize_charset("big5") == "big5hkscs"


def test_meta_only_looked_for_near_the_top() -> None:
    body = b"<html><head>" + b" " * 20000 + b'<meta charset="gbk"></head></html>'
    assert declared_meta_charset(body) is None
