"""govaudit command line.

  govaudit demo --out demo-report
  govaudit audit https://www.example.gov.cn/ --rules rules/ --out out/ --as-of 2022-12-31
  govaudit evaluate --store out/crawl.db --rules rules/ --out out2/
  govaudit rules check rules/
  govaudit rules extract notice.docx -o draft.yaml

Exit codes: 0 nothing fails, 1 something fails, 2 bad input (a one-line error naming the
file, line or URL and the fix). Messages for users are Chinese.
"""
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


def _err(msg: str) -> None:
    print(f"govaudit: 错误：{msg}", file=sys.stderr)


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


def _load_rules(paths: list[str]) -> list[Any]:
    from crawler.ruleset.loader import RuleFileError, load_rules

    try:
        return load_rules(paths)
    except RuleFileError as e:
        raise InputError(f"{e}") from None


def _load_waivers(args: argparse.Namespace, rules: list[Any]) -> list[Any]:
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


def _probe_store_spec(args: argparse.Namespace) -> str | None:
    """--probe-store (availability probes written by `govaudit probe --store`), checked
    before anything is crawled; None: probes are read from the crawl store."""
    spec = getattr(args, "probe_store", None)
    if not spec:
        return None
    if "://" not in spec and not Path(spec).is_file():
        raise InputError(f"探测库 “{spec}” 不存在（请给出 govaudit probe --store 使用的文件，如 probes.db）")
    return str(spec)


def _open_probe_store(spec: str | None) -> Any:
    from crawler.store.crawls import CrawlStore

    return CrawlStore(spec) if spec else None


def _default_rules() -> list[str]:
    from rules import RULES_DIR

    return [str(RULES_DIR)]


def _print_summary(result: Any, out_dir: Path) -> None:
    s = result.document["summary"]
    site = result.document["site"]
    if not site["reachable"]:
        print(f"注意：站点无法访问（{site['unreachable_reason']}），相关检查结论为“无法判断”。")
    print(f"检查完成：通过 {s['pass']}，不通过 {s['fail']}，未到期 {s['pending']}，无法判断 {s['unknown']}。")
    if s.get("waived"):
        print(f"已豁免 {s['waived']} 项（见报告“豁免”一节）。")
    v = result.document.get("verdict")
    if v:
        score = f"，得分 {v['score']:g}" if v.get("score") is not None else ""
        print(f"结论：{v['verdict']}{score}。{v['reason']}")
    for name, path in result.outputs.items():
        print(f"  {name}: {path}")


# -- commands --------------------------------------------------------------------------------
def cmd_audit(args: argparse.Namespace) -> int:
    if getattr(args, "distributed", False) and not getattr(args, "sites", None):
        raise InputError("--distributed 需与 --sites 一起使用（如 govaudit audit --sites sites.yaml --distributed --store postgresql://…）")
    if getattr(args, "sites", None):
        from crawler.runner.sites import run_sites  # multi-site audits (issue: gap reports)

        return int(run_sites(args))
    if not args.urls:
        raise InputError("请给出要检查的网址（如 govaudit audit https://www.example.gov.cn/ --rules rules/ --out out/），或用 --sites sites.yaml")
    urls = [check_url(u) for u in args.urls]
    as_of = parse_as_of(args.as_of)
    rules = _load_rules(args.rules or _default_rules())
    out_dir = Path(args.out)
    store_spec = args.store or str(out_dir / "crawl.db")
    return run_audit(urls, rules, as_of, out_dir, store_spec, args)


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
    render = getattr(args, "render", None) or "off"
    if render != "off":
        from crawler.crawl.render import render_settings

        try:
            settings.update(render_settings(render, timeout=timeout or 30.0, start_urls=urls))
        except (RuntimeError, ValueError) as e:
            raise InputError(str(e)) from None
    return settings


def run_audit(urls: list[str], rules: list[Any], as_of: date, out_dir: Path, store_spec: str,
              args: argparse.Namespace) -> int:
    from crawler.runner.audit import evaluate_store, post_crawl
    from crawler.crawl.run import run_crawl
    from crawler.store.crawls import CrawlStore

    waivers = _load_waivers(args, rules)
    probe_spec = _probe_store_spec(args)
    extra_hosts = [h.strip().lower() for h in (args.extra_host or []) if h.strip()]
    settings = crawl_overrides(args, urls)
    try:
        crawl_id = run_crawl(
            urls, store_spec, extra_hosts=extra_hosts, max_pages=args.max_pages, max_depth=args.max_depth,
            obey_robots=not args.ignore_robots, resume=not args.fresh,
            settings=settings or None,
        )
    except KeyboardInterrupt:
        print("已中断：已抓取的页面保存在抓取库中，重新运行同一命令将继续抓取。", file=sys.stderr)
        return 130
    store = CrawlStore(store_spec)
    probe_store = _open_probe_store(probe_spec)
    try:
        post_crawl(store, crawl_id, verify_links=not args.no_verify_links,
                   timeout=getattr(args, "timeout", None))
        result = evaluate_store(store, crawl_id, rules, as_of, out_dir, waivers=waivers,
                                probe_store=probe_store)
    finally:
        store.close()
        if probe_store is not None:
            probe_store.close()
    _print_summary(result, out_dir)
    return EXIT_FAIL if result.failed else EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from crawler.runner.audit import evaluate_store
    from crawler.store.crawls import CrawlStore

    as_of = parse_as_of(args.as_of)
    rules = _load_rules(args.rules or _default_rules())
    waivers = _load_waivers(args, rules)
    probe_spec = _probe_store_spec(args)
    spec = args.store
    if "://" not in spec and not Path(spec).is_file():
        raise InputError(f"抓取库 “{spec}” 不存在（请给出 govaudit audit 生成的 crawl.db 路径）")
    store = CrawlStore(spec)
    probe_store = _open_probe_store(probe_spec)
    try:
        info = store.crawl_info(args.crawl)
        if info is None:
            raise InputError(f"抓取库 “{spec}” 中没有{'编号 ' + str(args.crawl) + ' 的' if args.crawl else ''}抓取记录")
        result = evaluate_store(store, info.id, rules, as_of, Path(args.out), waivers=waivers,
                                probe_store=probe_store)
    finally:
        store.close()
        if probe_store is not None:
            probe_store.close()
    _print_summary(result, Path(args.out))
    return EXIT_FAIL if result.failed else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    import json

    from rules import RULES_DIR

    from crawler.demo.server import SITE_DIR, serve_sample_site

    manifest = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))
    as_of = parse_as_of(args.as_of or manifest.get("as_of"))
    names = ["yuzhong-2021.yaml", "national-disclosure-2019.yaml", "national-rubric-2019.yaml", "national-dates.yaml"]
    files = [str(RULES_DIR / n) for n in names if (RULES_DIR / n).is_file()]
    rules = _load_rules(args.rules or files)
    out_dir = Path(args.out)
    store_spec = str(out_dir / "crawl.db")
    if Path(store_spec).exists():
        Path(store_spec).unlink()  # the demo always crawls afresh
    with serve_sample_site() as server:
        print(f"示例网站已在 {server.url} 启动，正在检查（检查日期 {as_of}）…")
        args.fresh = True
        code = run_audit([server.url], rules, as_of, out_dir, store_spec, args)
    print(f"请用浏览器打开报告：{(out_dir / 'report.html').resolve()}")
    return EXIT_OK if code in (EXIT_OK, EXIT_FAIL) else code


def cmd_rules_check(args: argparse.Namespace) -> int:
    from crawler.ruleset.lint import check_rule_paths

    return int(check_rule_paths(args.paths, seeds=args.seeds))


def cmd_rules_extract(args: argparse.Namespace) -> int:
    from crawler.notice.draft import main_extract

    return int(main_extract(args.notice, args.output))


def cmd_probe(args: argparse.Namespace) -> int:
    from crawler.collect.probes import main_probe

    return int(main_probe(args))


# -- parser ----------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Usage errors as one line naming the fix, exit code 2 (argparse prints the whole usage)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _err(f"{message}（用 {self.prog} --help 查看用法）")
        raise SystemExit(EXIT_INPUT)

def _crawl_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="out", help="输出目录（findings.json、report.html、crawl.db）")
    p.add_argument("--as-of", help="检查日期 YYYY-MM-DD（时限与更新判断以此为准，默认今天）")
    p.add_argument("--rules", action="append", help="规则文件或目录，可多次给出（默认内置 rules/）")
    p.add_argument("--max-pages", type=int, default=5000, help="最多抓取页面数（默认 5000）")
    p.add_argument("--max-depth", type=int, default=10, help="最大链接深度（默认 10）")
    p.add_argument("--extra-host", action="append", help="同属本站、允许抓取的其他主机，如 xxgk.example.gov.cn")
    p.add_argument("--ignore-robots", action="store_true", help="不遵守 robots.txt（仅在获得授权时使用）")
    p.add_argument("--fresh", action="store_true", help="重新抓取，不续抓未完成的抓取")
    p.add_argument("--no-verify-links", action="store_true", help="不核验链接、图片、视频和附件")
    p.add_argument("--verbose", action="store_true", help="显示抓取日志")
    p.add_argument("--waivers", help="豁免清单 waivers.yaml（经批准的例外，到期失效）")
    p.add_argument("--probe-store", help="可用性探测库（govaudit probe --store 所用文件或地址，默认即抓取库）")
    p.add_argument("--timeout", type=float, help="单个页面的下载超时秒数（默认 30）")
    p.add_argument("--delay", type=float, help="同一主机两次请求之间的最短间隔秒数（默认 0.5，自动限速）")
    p.add_argument("--render", choices=["off", "auto"], default="off",
                   help="auto：菜单或列表由脚本生成的页面用浏览器（系统 Chromium）重新抓取（默认 off）")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="govaudit", description="政务公开网站检查工具")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("audit", help="抓取并检查网站，生成报告")
    p.add_argument("urls", nargs="*", help="起始网址")
    p.add_argument("--store", help="抓取库（SQLite 文件路径或 postgresql:// 地址，默认 OUT/crawl.db）")
    p.add_argument("--sites", help="多站点清单 sites.yaml")
    p.add_argument("--distributed", action="store_true",
                   help="与 --sites 一起使用：每个网站作为一个任务分发给 Celery worker（celery -A crawler.distributed worker），"
                        "抓取结果写入共享的 --store（如 postgresql://…）")
    p.add_argument("--wait", type=float, help="--distributed 时等待全部结果的最长秒数（默认 21600）")
    _crawl_options(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("evaluate", help="用规则重新评估已保存的抓取结果（不重新抓取）")
    p.add_argument("--store", required=True, help="抓取库")
    p.add_argument("--crawl", type=int, help="抓取编号（默认最新一次）")
    p.add_argument("--rules", action="append")
    p.add_argument("--out", default="out")
    p.add_argument("--as-of")
    p.add_argument("--waivers", help="豁免清单 waivers.yaml")
    p.add_argument("--probe-store", help="可用性探测库（govaudit probe --store 所用文件或地址，默认即抓取库）")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="启动内置示例网站并检查它")
    _crawl_options(p)
    p.set_defaults(out="demo-report", func=cmd_demo)

    rp = sub.add_parser("rules", help="规则文件工具").add_subparsers(dest="rules_command", required=True)
    p = rp.add_parser("check", help="检查规则文件（格式、重复 id、未知检查、日期、引文）")
    p.add_argument("paths", nargs="+")
    p.add_argument("--seeds", help="通知原文目录（默认 ../shared/seeds，如存在）")
    p.set_defaults(func=cmd_rules_check)
    p = rp.add_parser("extract", help="从新的任务分工通知起草规则文件")
    p.add_argument("notice")
    p.add_argument("-o", "--output", default="draft.yaml")
    p.set_defaults(func=cmd_rules_extract)

    p = sub.add_parser("probe", help="探测首页可用性并记录（用于计算无法访问比例）")
    p.add_argument("urls", nargs="+")
    p.add_argument("--store", default="probes.db")
    p.add_argument("--timeout", type=float, default=15.0)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.0)
    p.set_defaults(func=cmd_probe)
    return ap


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as e:
        _err(str(e))
        return EXIT_INPUT
    except KeyboardInterrupt:
        _err("已中断")
        return 130


if __name__ == "__main__":
    sys.exit(main())
