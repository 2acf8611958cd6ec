"""Resident ID numbers (GB 11643 checksum) and mobile numbers: found, masked, never leaked."""
from __future__ import annotations

from datetime import date

from crawler.text import pii
from tests.support.linksite import INVALID_ID, VALID_ID, make_id


def test_checksum_and_birth_date():
    assert pii.id_checksum_ok(VALID_ID) and pii.is_resident_id(VALID_ID)
    assert not pii.id_checksum_ok(INVALID_ID) and not pii.is_resident_id(INVALID_ID)
    x_id = next(make_id(f"11010519900101{i:03d}") for i in range(1000)
                if make_id(f"11010519900101{i:03d}").endswith("X"))
    assert pii.is_resident_id(x_id) and pii.is_resident_id(x_id.lower())
    # right check character but impossible birth date (Feb 30) or a future one
    assert not pii.is_resident_id(make_id("50010119900230123"))
    assert not pii.is_resident_id(make_id(f"500101{date.today().year + 1}0101123"))


def test_random_digits_are_not_ids():
    # 18-digit serials: wrong check character, or digits around them
    text = "订单号 123456789012345678，流水 9" + VALID_ID + "，编号 " + VALID_ID + "7"
    assert pii.find_id_numbers(text) == []
    assert pii.scan_text(text) == []
    # most random 18-digit numbers fail: at most 1 in 11 has the right check character
    import random

    rng = random.Random(7)
    hits = sum(1 for _ in range(2000) if pii.is_resident_id("".join(rng.choice("0123456789") for _ in range(18))))
    assert hits < 20


def test_masks():
    assert pii.mask_id(VALID_ID) == VALID_ID[:6] + "********" + VALID_ID[-4:]
    assert pii.mask_id("500101198503151234") == "500101********1234"
    assert pii.mask_mobile("13812345678") == "138****5678"
    assert pii.mask_mobile("+86 138-1234-5678") == "138****5678"


def test_scan_text_finds_masked_only():
    text = f"身份证：{VALID_ID}；无效：{INVALID_ID}；电话 13812345678、138 1234 5678；座机 023-88888888"
    found = pii.scan_text(text)
    assert found == [{"kind": "id", "masked": pii.mask_id(VALID_ID)}, {"kind": "mobile", "masked": "138****5678"}]
    assert VALID_ID not in repr(found) and "13812345678" not in repr(found)
    assert pii.scan_text(text, kinds=("mobile",)) == [{"kind": "mobile", "masked": "138****5678"}]


def test_full_width_digits():
    fw = VALID_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert pii.scan_text(f"证件号{fw}") == [{"kind": "id", "masked": pii.mask_id(VALID_ID)}]
    assert fw not in pii.redact(f"证件号{fw}")


def test_redact_everything():
    s = f"张三 {VALID_ID} 13912345678 页面 http://x.gov.cn/t20220629_123456.html?id={VALID_ID}"
    r = pii.redact(s)
    assert VALID_ID not in r and "13912345678" not in r and "t20220629_123456" in r
    assert pii.redact_ids(s).count(pii.mask_id(VALID_ID)) == 2 and "13912345678" in pii.redact_ids(s)
    doc = {"a": [s, {"b": (s,)}], "n": 3, "short": "x"}
    out = pii.redact_deep(doc)
    assert VALID_ID not in repr(out) and out["n"] == 3 and out["short"] == "x"


def test_extractor_stores_no_unmasked_number():
    from crawler.extract.page import extract_page

    body = (f"<html><head><title>名单{VALID_ID}</title></head><body><div class='position'>首页 &gt; 公示{VALID_ID}</div>"
            f"<a href='/p?id=1'>{VALID_ID} 13912345678</a><p>{VALID_ID} 电话 13912345678</p></body></html>").encode()
    rec = extract_page("http://x.gov.cn/", 200, {"content-type": "text/html; charset=utf-8"}, body)
    stored = repr(rec.to_dict())
    assert VALID_ID not in stored and "13912345678" not in stored
    assert rec.text_facts["pii"][0] == {"kind": "id", "masked": pii.mask_id(VALID_ID)}


def test_deep_redaction_keeps_urls_usable():
    doc = {"msg": "联系人 13912345678", "url": "http://x.gov.cn/content_13912345678.html",
           "ev": [f"http://x.gov.cn/p?id={VALID_ID}"]}
    out = pii.redact_deep(doc, mobiles=True)
    assert out["msg"] == "联系人 139****5678" and out["url"] == doc["url"]
    assert VALID_ID not in out["ev"][0]
