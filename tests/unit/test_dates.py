"""Dates as government sites write them → ISO (or --MM-DD when the year is implied)."""
from __future__ import annotations

import pytest

from crawler.text.dates import date_from_url, find_date, find_dates, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-06-29", "2022-06-29"),
        ("2022/6/29", "2022-06-29"),
        ("2022.06.29", "2022-06-29"),
        ("2022年06月29日", "2022-06-29"),
        ("2022年6月29日", "2022-06-29"),
        ("2022 年 6 月 29 日", "2022-06-29"),
        ("二〇二二年六月二十九日", "2022-06-29"),
        ("二〇二一年十二月三十一日", "2021-12-31"),
        ("２０２２－０６－２９", "2022-06-29"),
        ("2022-06-29 10:20:30", "2022-06-29"),
        ("(2022-06-29)", "2022-06-29"),
        ("[2022-06-29]", "2022-06-29"),
        ("20220629", "2022-06-29"),
        ("[06-29]", "--06-29"),
        ("06-29", "--06-29"),
        ("06/29", "--06-29"),
        ("06月29日", "--06-29"),
        ("6月9日", "--06-09"),
        ("【06-29】", "--06-29"),
        ("06.29", "--06-29"),  # a whole cell value only (elsewhere a decimal)
        ("02-29", "--02-29"),  # valid in a leap year: the year is unknown
    ],
)
def test_parse_date(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2022-02-30", "2022-13-01", "2021年2月29日", "13-01", "06-31", "二〇二二年十三月一日", "", "   ",
     "abc", "发布时间：2022-06-29", "第1-2页", "1850-01-01", "13.25"],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text) is None


def test_find_date_in_longer_text() -> None:
    assert find_date("发布时间：2022-06-29 来源：区政府办") == "2022-06-29"
    assert find_date("发布日期：2022年6月29日") == "2022-06-29"
    assert find_date("关于印发《…》的通知 [06-29]") == "--06-29"
    # a full date is preferred to an earlier month-day
    assert find_date("[06-30] 2022-06-29") == "2022-06-29"
    assert find_date("电话：023-63899021") is None
    assert find_date("增长10.25%") is None
    assert find_date("时间 10:25-11:30") is None
    assert find_date("2022-02-30") is None


def test_find_dates_order_and_no_double_count() -> None:
    assert find_dates("成文日期：2022年06月20日 发布日期：2022-06-29 [07-01]") == [
        "2022-06-20", "2022-06-29", "--07-01"]
    assert find_dates("2022年6月29日") == ["2022-06-29"]
    assert find_dates("") == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.cq.gov.cn/zwgk/202006/t20200623_123.html", "2020-06-23"),
        ("http://x.gov.cn/zcjd/202006/t20200623_7654321_1.html", "2020-06-23"),
        ("http://www.xinhuanet.com/politics/2020-06/23/c_1126151234.htm", "2020-06-23"),
        ("http://x.gov.cn/art/2020/6/23/art_1229_123.html", "2020-06-23"),
        ("http://x.gov.cn/news/202006/23/content_1.html", "2020-06-23"),
        ("http://x.gov.cn/xwzx/20200623/index.html", "2020-06-23"),
        ("http://x.gov.cn/a/t20200231_1.html", None),  # impossible date
        ("http://x.gov.cn/index.html?date=20200623", None),  # only the path counts
        ("http://x.gov.cn/zwgk/zcjd/index_2.html", None),
        ("http://x.gov.cn/1980/01/01/a.html", None),  # before the web
        ("", None),
        ("http://[broken", None),
    ],
)
def test_date_from_url(url: str, expected: str | None) -> None:
    assert date_from_url(url) == expected


def test_never_raises_on_junk() -> None:
    for junk in ["年月日", "二〇年", "十十十年十月十日", "9999-99-99", "0000年00月00日", "-" * 500, "年" * 300,
                 "2022年十三月", "\x00\uffff", "１２３４５６７８"]:
        parse_date(junk)
        find_date(junk)
        find_dates(junk)
        date_from_url("http://x/" + junk)
