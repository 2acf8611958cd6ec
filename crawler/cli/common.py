"""What every command shares: exit codes, the one-line usage error, option parsing."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    u = url.strip()
    parts = urlsplit(u)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"网址 “{url}” 无效（应以 http:// 或 https:// 开头，如 https://www.example.gov.cn/）")
    if not parts.path:
        u += "/"
    return u


def load_rules(paths: list[str]) -> list[Any]:
    from crawler.ruleset.loader import RuleFileError, load_rules

    try:
        return load_rules(paths)
    except RuleFileError as e:
        raise InputError(f"{e}") from None


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
    from rules import RULES_DIR

    return [str(RULES_DIR)]


def print_summary(result: Any, out_dir: Path) -> None:
    s = result.document["summary"]
    site = result.document["site"]
    if not site["reachable"]:
        print(f"未能检查：站点无法访问（{site['unreachable_reason'] or '首页未能打开'}），不计分，相关检查结论为“无法判断”。")
    print(f"检查完成：通过 {s['pass']}，不通过 {s['fail']}，未到期 {s['pending']}，无法判断 {s['unknown']}。")
    if s.get("waived"):
        print(f"已豁免 {s['waived']} 项（见报告“豁免”一节）。")
    v = result.document.get("verdict")
    if v:
        score = f"，得分 {v['score']:g}" if v.get("score") is not None else ""
        print(f"结论：{v['verdict']}{score}。{v['reason']}")
    for name, path in result.outputs.items():
        print(f"  {name}: {path}")


def crawl_overrides(args: argparse.Namespace, urls: list[str] | None = None) -> dict[str, Any]:
    """Scrapy settings from the crawl options (--timeout, --delay, --render, --verbose)."""
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
    # link verification bounds, as settings too (verification may run inside the crawl)
    if getattr(args, "max_links", None) is not None:
        settings["GOVAUDIT_MAX_LINKS"] = args.max_links
    if getattr(args, "link_budget", None) is not None:
        settings["GOVAUDIT_LINK_BUDGET"] = args.link_budget
    render = getattr(args, "render", None) or "off"
    if render != "off":
        from crawler.crawl.render import render_settings

        try:
            settings.update(render_settings(render, timeout=timeout or 30.0, start_urls=urls))
        except (RuntimeError, ValueError) as e:
            raise InputError(str(e)) from None
    return settings



class Parser(argparse.ArgumentParser):
    """Usage errors as one line naming the fix, exit code 2 (argparse prints the whole usage)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        error(f"{message}（用 {self.prog} --help 查看用法）")
        raise SystemExit(EXIT_INPUT)
