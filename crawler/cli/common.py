"""What every command shares: exit codes, the one-line usage error, option parsing."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from crawler.net import urls as net_urls

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad user input: printed as one line, exit code 2."""


def error(msg: str) -> None:
    print(f"govaudit: 错误：{msg}", file=sys.stderr)


# Optional dependencies: the module a feature imports → (pip extra, what needs it).
OPTIONAL_MODULES = {
    "psycopg": ("postgres", "PostgreSQL 抓取库（postgresql:// 地址）"),
    "psycopg2": ("postgres", "PostgreSQL 抓取库（postgresql:// 地址）"),
    "celery": ("distributed", "--distributed 分布式检查"),
    "kombu": ("distributed", "--distributed 分布式检查"),
    "redis": ("distributed", "--distributed 分布式检查"),
    "playwright": ("render", "--render auto 浏览器渲染"),
    "scrapy_playwright": ("render", "--render auto 浏览器渲染"),
}


def missing_dependency(e: ImportError) -> str | None:
    """One line naming the pip extra for a missing optional module, or None (a real bug)."""
    name = (getattr(e, "name", None) or "").split(".")[0]
    if name not in OPTIONAL_MODULES:
        return None
    extra, what = OPTIONAL_MODULES[name]
    return f"{what}需要未安装的 Python 包 {name}：请运行 pip install 'govaudit[{extra}]'"


def check_store_driver(spec: str) -> None:
    """Fail before crawling when the store's database driver is not installed."""
    if "://" not in spec:
        return
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError

    try:
        create_engine(spec).dispose()  # imports the DBAPI module, connects to nothing
    except ImportError as e:
        msg = missing_dependency(e)
        if msg is None:
            raise
        raise InputError(msg) from None
    except ArgumentError:
        raise InputError(f"抓取库地址 “{spec.split('@')[-1]}” 无效（应为 SQLite 文件路径或 postgresql://用户@主机/库名）") from None


def check_limits(args: argparse.Namespace) -> None:
    """--max-pages ≥ 1, --max-depth/--max-links ≥ 0, --link-budget > 0: else one line, exit 2."""
    checks = (("--max-pages", "max_pages", 1, "如 --max-pages 500"), ("--max-depth", "max_depth", 0, "如 --max-depth 5"),
              ("--max-links", "max_links", 0, "如 --max-links 5000"))
    for opt, attr, low, example in checks:
        v = getattr(args, attr, None)
        if v is not None and v < low:
            least = "正整数" if low == 1 else "不小于 0 的整数"
            raise InputError(f"{opt} {v} 无效（应为{least}，{example}）")
    budget = getattr(args, "link_budget", None)
    if budget is not None and not budget > 0:
        raise InputError(f"--link-budget {budget:g} 无效（应为大于 0 的秒数，如 --link-budget 600）")


def parse_as_of(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of “{value}” 不是有效日期（应为 YYYY-MM-DD，如 2022-12-31）") from None


def check_url(url: str) -> str:
    """A site address from the command line (crawler.net.urls.check_url) or InputError."""
    try:
        return net_urls.check_url(url)
    except net_urls.BadURL as e:
        raise InputError(str(e)) from None


def load_rules(paths: list[str] | None) -> list[Any]:
    """--rules (files apply as given, folders are filtered by the site's profile); none:
    the national baselines only, with one line on how to add a notice."""
    from crawler.ruleset.loader import RuleFileError, load_rules

    try:
        if paths:
            return load_rules(paths)
        rules = load_rules(default_rules(), explicit_files=False)
    except RuleFileError as e:
        raise InputError(f"{e}") from None
    print("提示：未指定 --rules，只检查国家层面基线规则；如需检查本地政务公开工作要点，"
          "请加 --rules 通知规则文件.yaml（或 --rules rules/ 按站点地区自动选用内置通知）。")
    return rules


def profile_option(args: argparse.Namespace) -> dict[str, str]:
    """--profile / --region → {"kind", "region"} (a kind that is not one of the three → exit 2)."""
    from crawler.judge.applicability import ProfileError, normalize_kind

    try:
        kind = normalize_kind(getattr(args, "profile", None))
    except ProfileError as e:
        raise InputError(f"--profile：{e}") from None
    region = (getattr(args, "region", None) or "").strip()
    if region:
        from crawler.judge.applicability import region_levels

        if not region_levels(region):
            raise InputError(f"--region “{region}” 无效（应为行政区划名称，如 重庆市渝中区）")
    return {"kind": kind, "region": region}


def load_waivers(args: argparse.Namespace, rules: list[Any]) -> list[Any]:
    """--waivers FILE → validated waivers (file:line errors → exit 2); none → []."""
    path = getattr(args, "waivers", None)
    if not path:
        return []
    from crawler.ruleset.waivers import WaiverFileError, check_rule_ids, load_waivers

    try:
        waivers = load_waivers(path)
        check_rule_ids(waivers, {r.id for r in rules})
    except WaiverFileError as e:
        raise InputError(str(e)) from None
    return waivers


def probe_store_spec(args: argparse.Namespace) -> str | None:
    """--probe-store (availability probes written by `govaudit probe --store`), checked
    before anything is crawled; None: probes are read from the crawl store."""
    spec = getattr(args, "probe_store", None)
    if not spec:
        return None
    if "://" not in spec and not Path(spec).is_file():
        raise InputError(f"探测库 “{spec}” 不存在（请给出 govaudit probe --store 使用的文件，如 probes.db）")
    return str(spec)


def open_probe_store(spec: str | None) -> Any:
    from crawler.store.crawls import CrawlStore

    return CrawlStore(spec) if spec else None


def default_rules() -> list[str]:
    """The national baselines (rules/national-*.yaml)."""
    from rules import RULES_DIR

    return [str(p) for p in sorted(RULES_DIR.glob("national-*.yaml"))]


def print_summary(result: Any, out_dir: Path) -> None:
    """The two scores as the report shows them, then the counts; the last line says why
    the exit code is what it is."""
    doc = result.document
    s = doc["summary"]
    site = doc["site"]
    if not site["reachable"]:  # one line says it all: no score, no completion, no counts
        print(f"未能检查：站点无法访问（{site['unreachable_reason'] or '首页未能打开'}），不计分，不统计完成情况；"
              "请确认网址和网络后重新检查。")
        _print_run_and_outputs(result)
        print("未能检查该网站，退出码为 1。")
        return
    prof = site.get("profile") or {}
    if prof:
        print(f"站点类型：{prof.get('kind') or '未确定'}；所属地区：{prof.get('region') or '未确定'}"
              f"（{prof.get('source_cn') or '未确定'}；可用 --profile / --region 指定）。")
    v = doc.get("verdict")
    if v:
        score = f"，得分 {v['score']:g}" if v.get("score") is not None else ""
        print(f"国家检查指标：{v['verdict']}{score}。{v['reason']}")
    for c in doc.get("completion") or []:
        standing = int(c.get("not_done") or 0) - int(c.get("overdue") or 0)
        label = "法定要求落实" if c.get("kind") == "national" else "工作要点落实"
        print(f"{label}（{c['document']}）：已完成 {c['done']} / 应完成 {c['due']}，"
              f"逾期 {c['overdue']}，未到期 {c['pending']}"
              + (f"；另有长期任务未完成 {standing}" if standing > 0 else "") + "。")
    na = s.get("not_applicable", 0)
    print(f"检查完成：通过 {s['pass']}，不通过 {s['fail']}，未到期 {s['pending']}，无法判断 {s['unknown']}"
          + (f"；不适用 {na} 项（不计入）" if na else "") + "。")
    if s.get("waived"):
        print(f"已豁免 {s['waived']} 项（见报告“豁免”一节）。")
    for w in (doc.get("waivers") or {}).get("unmatched") or []:
        print(f"注意：豁免（{w.get('rule_id')}，网站 {w.get('site')}）未匹配任何检查结果：{w.get('why')}。")
    _print_run_and_outputs(result)
    if s["fail"]:
        print(f"有 {s['fail']} 项不通过（国家检查指标与工作要点合计），详见报告。")


def _print_run_and_outputs(result: Any) -> None:
    h = result.document.get("history")
    if h:
        from crawler.runner.history import change_line

        line = change_line(result.document)
        print(f"运行编号 {h['run_id']}（{'复查' if h.get('kind') == 'recheck' else '检查'}）。" + (line or "本网站的第一次检查记录。"))
    for name, path in result.outputs.items():
        print(f"  {OUTPUT_CN.get(name, name)}：{path}")


OUTPUT_CN = {"findings": "检查结果数据", "report": "检查报告", "csv": "问题清单 CSV", "xlsx": "整改台账"}


def crawl_overrides(args: argparse.Namespace, urls: list[str] | None = None) -> dict[str, Any]:
    """Scrapy settings from the crawl options (--timeout, --delay, --render, --verbose,
    --no-verify-links)."""
    settings: dict[str, Any] = {}
    if getattr(args, "verbose", False):
        settings["LOG_LEVEL"] = "INFO"
    timeout = getattr(args, "timeout", None)
    if timeout is not None:
        if not timeout > 0:
            raise InputError(f"--timeout {timeout:g} 无效（应为大于 0 的秒数，如 --timeout 15）")
        settings["DOWNLOAD_TIMEOUT"] = timeout
        settings["DNS_TIMEOUT"] = min(timeout, 20)
    delay = getattr(args, "delay", None)
    if delay is not None:
        if not delay >= 0:
            raise InputError(f"--delay {delay:g} 无效（应为不小于 0 的秒数，如 --delay 0.5）")
        settings["DOWNLOAD_DELAY"] = delay
        settings["AUTOTHROTTLE_START_DELAY"] = max(delay, 0.0)
    exclude = [x for x in (getattr(args, "exclude", None) or []) if x]
    if exclude:
        import re

        for pat in exclude:
            try:
                re.compile(pat)
            except re.error as e:
                raise InputError(f"--exclude “{pat}” 不是有效的正则表达式（{e}）") from None
        settings["GOVAUDIT_EXCLUDE"] = exclude
    # link verification bounds, as settings too (verification may run inside the crawl)
    if getattr(args, "max_links", None) is not None:
        settings["GOVAUDIT_MAX_LINKS"] = args.max_links
    if getattr(args, "link_budget", None) is not None:
        settings["GOVAUDIT_LINK_BUDGET"] = args.link_budget
    if hasattr(args, "no_verify_links") and not args.no_verify_links:
        settings["GOVAUDIT_VERIFY_LINKS"] = True  # links verified as the crawl finds them
    render = getattr(args, "render", None) or "off"
    if render != "off":
        from crawler.crawl.render import render_settings

        try:
            settings.update(render_settings(render, timeout=timeout or 30.0, start_urls=urls))
        except (RuntimeError, ValueError) as e:
            raise InputError(str(e)) from None
    return settings



_ARGPARSE_CN = [
    (r"the following arguments are required: (.+)", r"缺少必填参数：\1"),
    (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
    (r"argument (\S+): invalid choice: (\S+) \(choose from (.+)\)", r"参数 \1 的取值 \2 无效（可选：\3）"),
    (r"argument (\S+): invalid (\w+) value: (\S+)", r"参数 \1 的值 \3 无效（应为\2）"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 至少需要一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"ambiguous option: (\S+) could match (.+)", r"选项 \1 有歧义，可能是：\2"),
]
_HELP_CN = [("usage: ", "用法："), ("positional arguments:", "位置参数："), ("options:", "选项："),
            ("optional arguments:", "选项："), ("\n子命令:\n  子命令\n", "\n子命令：\n"),
            ("\n命令:\n  命令\n", "\n命令：\n")]


def argparse_message_cn(message: str) -> str:
    """argparse's own English messages in Chinese."""
    import re

    for pat, rep in _ARGPARSE_CN:
        new = re.sub(pat, rep, message)
        if new != message:
            return new.replace("int）", "整数）").replace("float）", "数字）")
    return message


class Parser(argparse.ArgumentParser):
    """Usage errors as one line naming the fix, exit code 2 (argparse prints the whole usage);
    argparse's own words (usage, options, help) in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def format_usage(self) -> str:
        return _cn_help(super().format_usage())

    def format_help(self) -> str:
        return _cn_help(super().format_help())

    def error(self, message: str) -> None:  # type: ignore[override]
        error(f"{argparse_message_cn(message)}（用 {self.prog} --help 查看用法）")
        raise SystemExit(EXIT_INPUT)


def _cn_help(text: str) -> str:
    for en, cn in _HELP_CN:
        text = text.replace(en, cn)
    return text
