"""Bad input never ends in a traceback.

Property tests (hypothesis, modest example counts) over everything a user or a hostile
site feeds in: rule files (random text and random structures → only RuleFileError), the
sites file (its validation error only), dates (parse_date / date_from_url → None or an ISO
value, never an exception), and the notice extractor (random bytes as .txt/.docx/.pdf/.html
→ exit 2 with one line, or a draft). Then a few real CLI runs with bad input: exit code 2,
exactly one line on stderr, no "Traceback".
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.ruleset.loader import FILE_KEYS, RULE_KEYS, RuleFileError, load_rule_file
from crawler.text.dates import date_from_url, find_date, find_dates, parse_date
from tests.support import ROOT

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ISO_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}|--\d{2}-\d{2})$")


# --------------------------------------------------------------------------- strategies
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", "2021-12-31", "2021-02-30", "长期开展", "A>B>C", "视频/图片", "veto", "major",
                     "column_exists", "subcolumns", "content_published", "govaudit.rules/1", "~", "null",
                     "yes", "2021年6月底前", "0x1F", ".inf", "政务公开>政府信息公开目录"]),
)
keys = st.one_of(st.sampled_from(sorted(FILE_KEYS | RULE_KEYS | {"params", "keywords", "quote", "section"})),
                 st.text(max_size=12))
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=30,
)

VALID_RULE: dict[str, Any] = {
    "id": "fuzz-rule", "title": "测试规则", "check": "column_exists", "path": "政务公开>通知公告",
    "severity": "major", "source": {"section": "一", "quote": "原文"}, "deadline": "2021-12-31",
    "lead_units": ["区政府办"],
}


def _load(tmp: Path, text: str | bytes) -> None:
    p = tmp / "fuzz.yaml"
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_rule_file(p)
    except RuleFileError as e:
        assert str(e).strip() and "\n" not in str(e).strip().split("\n")[0]
    try:  # the linter's collecting mode, too
        load_rule_file(p, errors=[])
    except RuleFileError:
        pass


# --------------------------------------------------------------------------- rule loader
@FUZZ
@given(text=st.text(max_size=400))
def test_rule_loader_random_text(tmp_path: Path, text: str) -> None:
    _load(tmp_path, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("abc:- \n\t'\"[]{}>|&*!%@`#,?0129.\\中文")), max_size=300))
def test_rule_loader_yamlish_text(tmp_path: Path, text: str) -> None:
    _load(tmp_path, text)


@FUZZ
@given(data=st.binary(max_size=300))
def test_rule_loader_random_bytes(tmp_path: Path, data: bytes) -> None:
    _load(tmp_path, data)


@FUZZ
@given(doc=structures)
def test_rule_loader_random_structures(tmp_path: Path, doc: Any) -> None:
    _load(tmp_path, yaml.safe_dump(doc, allow_unicode=True))


@FUZZ
@given(doc=st.fixed_dictionaries(
    {"schema": st.just("govaudit.rules/1"), "document": st.text(max_size=20)},
    optional={"year": structures, "draft": structures, "file": structures},
), rules=st.lists(st.dictionaries(keys, structures, max_size=8), max_size=3))
def test_rule_loader_random_rules(tmp_path: Path, doc: dict[str, Any], rules: list[Any]) -> None:
    doc["rules"] = rules
    _load(tmp_path, yaml.safe_dump(doc, allow_unicode=True))


@FUZZ
@given(field=st.sampled_from(sorted(RULE_KEYS)), value=structures,
       check=st.sampled_from(["column_exists", "subcolumns", "column_order", "content_published",
                              "annual_report", "column_freshness", "update_cadence", "stale_columns",
                              "homepage_updated", "blank_columns", "category_coverage", "link_present",
                              "contact_published"]),
       params=st.dictionaries(st.sampled_from(["path", "children", "keywords", "year", "column", "min_items",
                                               "due", "max_days", "warn_ratio", "period", "periods",
                                               "categories", "min_share", "text", "url_contains", "kind",
                                               "threshold", "under", "classes", "warn_threshold",
                                               "warn_days"]), structures, max_size=4))
def test_rule_loader_mutated_valid_rule(tmp_path: Path, field: str, value: Any, check: str,
                                        params: dict[str, Any]) -> None:
    rule = dict(VALID_RULE, check=check, params=params)
    rule[field] = value
    doc = {"schema": "govaudit.rules/1", "document": "通知", "year": 2021, "rules": [rule]}
    _load(tmp_path, yaml.safe_dump(doc, allow_unicode=True))


def test_rule_loader_yaml_bombs(tmp_path: Path) -> None:
    """Anchors/aliases (billion laughs), deep nesting, tags: an error or a result, fast."""
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    ) + "rules: []\n"
    for text in [laughs, "[" * 5000 + "]" * 5000, "rules: !!python/object/apply:os.system ['true']\n",
                 "rules:\n  - !!binary aGVsbG8=\n", "? [a, b]\n: c\n", "rules: [{id: &x a, check: *x}]\n",
                 "\ufeffschema: govaudit.rules/1\nrules: []\n", "rules: []\nrules: []\n"]:
        _load(tmp_path, text)


# --------------------------------------------------------------------------- dates
date_texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(list("0123456789-/.年月日号 :[]【】（）〇零一二三四五六七八九十０１２３４５６７８９")),
            max_size=30),
    st.builds(lambda y, m, d, sep: f"{y}{sep}{m}{sep}{d}", st.integers(-50, 99999), st.integers(-5, 99),
              st.integers(-5, 99), st.sampled_from(["-", "/", ".", "年", ""])),
)


@settings(max_examples=100, deadline=None)
@given(text=date_texts)
def test_dates_never_raise(text: str) -> None:
    for fn in (parse_date, find_date):
        v = fn(text)
        assert v is None or ISO_RE.match(v), (fn.__name__, text, v)
    for v in find_dates(text):
        assert ISO_RE.match(v), (text, v)


@settings(max_examples=100, deadline=None)
@given(url=st.one_of(
    st.text(max_size=80),
    st.builds(lambda a, b: f"http://{a}/{b}", st.text(max_size=20), st.text(max_size=40)),
    st.builds(lambda y, m, d, n: f"http://x.gov.cn/col/{y}{m:02d}/t{y}{m:02d}{d:02d}_{n}.html",
              st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.integers(0, 10**9)),
    st.sampled_from(["http://[::1", "http://[zz]/", "//", "http://x/2021-13-45/", "\x00", "http://x/art/2021/2/30/a.html"]),
))
def test_date_from_url_never_raises(url: str) -> None:
    v = date_from_url(url)
    assert v is None or re.match(r"^\d{4}-\d{2}-\d{2}$", v), (url, v)


# --------------------------------------------------------------------------- notice extractor
def _main_extract() -> Any:
    from crawler.notice.draft import main_extract

    return main_extract


def _docx_like(data: bytes) -> bytes:
    """A ZIP that looks like a .docx but whose document.xml is `data`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", data)
    return buf.getvalue()


def _run_extract(main_extract: Any, path: Path, out: Path) -> tuple[int, str, str]:
    so, se = io.StringIO(), io.StringIO()
    with redirect_stdout(so), redirect_stderr(se):
        try:
            code = int(main_extract(str(path), str(out)))
        except SystemExit as e:  # argparse-style exits count as answers too
            code = int(e.code or 0)
    return code, so.getvalue(), se.getvalue()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=500).map(lambda b: b"%PDF-1.4\n" + b),
    st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=500).map(_docx_like),
    st.text(max_size=300).map(lambda s: f"<html><body><table><tr><td>{s}</td></tr></table>".encode("utf-8", "replace")),
), ext=st.sampled_from([".txt", ".docx", ".pdf", ".html", ".doc", ".htm", ""]))
def test_notice_extract_random_bytes(tmp_path: Path, data: bytes, ext: str) -> None:
    main_extract = _main_extract()
    src = tmp_path / f"notice{ext}"
    src.write_bytes(data)
    out = tmp_path / "draft.yaml"
    code, _stdout, stderr = _run_extract(main_extract, src, out)
    assert "Traceback" not in stderr
    assert code in (0, 1, 2), code
    if code == 2:
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, stderr
    if code == 0 and out.exists():  # a draft that was written must load or fail cleanly
        try:
            load_rule_file(out, errors=[])
        except RuleFileError:
            pass


# --------------------------------------------------------------------------- sites file
def _sites_validator() -> Any:
    from crawler.ruleset.sites import SitesFileError, load_sites

    return load_sites, SitesFileError


@FUZZ
@given(doc=st.one_of(
    structures,
    st.lists(st.dictionaries(st.sampled_from(["url", "urls", "name", "unit", "slug", "rules", "extra_hosts",
                                              "as_of", "max_pages", "waivers"]), structures,
                             max_size=5), max_size=4).map(lambda s: {"sites": s}),
    st.text(max_size=200),
))
def test_sites_file_random(tmp_path: Path, doc: Any) -> None:
    load, error_cls = _sites_validator()
    p = tmp_path / "sites.yaml"
    p.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    expected: tuple[type[BaseException], ...] = (error_cls,) if error_cls else (ValueError,)
    try:
        load(p)
    except expected:
        pass


# --------------------------------------------------------------------------- CLI, bad input
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=90, env=_env())


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    return env


def _bad_inputs(tmp: Path) -> list[list[str]]:
    (tmp / "bad.yaml").write_text("rules:\n  - id: x\n    check: [unclosed\n", encoding="utf-8")
    (tmp / "gbk.yaml").write_bytes("规则".encode("gbk"))
    (tmp / "unknown.yaml").write_text(
        "schema: govaudit.rules/1\nrules:\n  - id: a\n    title: t\n    check: colum_exists\n", encoding="utf-8")
    (tmp / "notice.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp / "empty_dir").mkdir(exist_ok=True)
    (tmp / "sites.yaml").write_text("sites: [{url: 'ftp://x'}]\n: :\n", encoding="utf-8")
    out = str(tmp / "out")
    return [
        ["audit", "not a url", "--out", out],
        ["audit", "ftp://example.gov.cn/", "--out", out],
        ["audit", "http://127.0.0.1:9/", "--as-of", "2021-02-30", "--out", out],
        ["audit", "http://127.0.0.1:9/", "--rules", str(tmp / "missing.yaml"), "--out", out],
        ["audit", "http://127.0.0.1:9/", "--rules", str(tmp / "bad.yaml"), "--out", out],
        ["audit", "http://127.0.0.1:9/", "--rules", str(tmp / "gbk.yaml"), "--out", out],
        ["audit", "http://127.0.0.1:9/", "--rules", str(tmp / "unknown.yaml"), "--out", out],
        ["audit", "http://127.0.0.1:9/", "--rules", str(tmp / "empty_dir"), "--out", out],
        ["audit", "--out", out],
        ["evaluate", "--store", str(tmp / "nope.db"), "--out", out],
        ["rules", "check", str(tmp / "missing.yaml")],
        ["rules", "extract", str(tmp / "missing.docx"), "-o", str(tmp / "d.yaml")],
        ["rules", "extract", str(tmp / "notice.pdf"), "-o", str(tmp / "d.yaml")],
        ["audit", "--sites", str(tmp / "sites.yaml"), "--out", out],
        ["audit", "http://127.0.0.1:9/", "--timeout", "0", "--out", out],
        ["audit", "http://127.0.0.1:9/", "--delay", "-1", "--out", out],
        ["audit", "http://127.0.0.1:9/", "--timeout", "nan", "--out", out],
    ]


@pytest.mark.parametrize("case", range(17))
def test_cli_bad_input_one_line(tmp_path: Path, case: int) -> None:
    args = _bad_inputs(tmp_path)[case]
    r = _cli(*args, cwd=tmp_path)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    if args[:2] == ["rules", "check"]:  # the linter lists problems, one per line
        assert lines, r.stderr
        return
    assert len(lines) == 1, (args, r.stderr)
    assert not (tmp_path / "out" / "report.html").exists()
