"""`govaudit audit`, `evaluate` and `demo`: crawl, judge and report."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from crawler.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    InputError,
    check_limits,
    check_store_driver,
    check_url,
    crawl_overrides,
    load_rules,
    load_waivers,
    open_probe_store,
    parse_as_of,
    print_summary,
    probe_store_spec,
    profile_option,
)


def cmd_audit(args: argparse.Namespace) -> int:
    check_limits(args)
    if getattr(args, "store", None):
        check_store_driver(args.store)
    if getattr(args, "distributed", False) and not getattr(args, "sites", None):
        raise InputError("--distributed 需与 --sites 一起使用（如 govaudit audit --sites sites.yaml --distributed --store postgresql://…）")
    if getattr(args, "sites", None):
        from crawler.cli.sites import run_sites  # multi-site audits

        return int(run_sites(args))
    if not args.urls:
        raise InputError("请给出要检查的网址（如 govaudit audit https://www.example.gov.cn/ --rules rules/ --out out/），或用 --sites sites.yaml")
    urls = [check_url(u) for u in args.urls]
    as_of = parse_as_of(args.as_of)
    profile_option(args)  # a bad --profile / --region stops before anything is crawled
    rules = load_rules(args.rules)
    out_dir = Path(args.out)
    store_spec = args.store or str(out_dir / "crawl.db")
    return run_audit(urls, rules, as_of, out_dir, store_spec, args)


def run_audit(urls: list[str], rules: list[Any], as_of: date, out_dir: Path, store_spec: str,
              args: argparse.Namespace) -> int:
    """Crawl, judge and report one site as a recorded run (OUT/history.db or --history):
    outputs go to OUT/<site>/<date>-<run>/ (OUT/<site>/latest → newest) and are copied to OUT.
    One audit per store at a time (crawler.store.lock); progress on a terminal; SIGINT/SIGTERM
    stop every phase promptly, keeping what was gathered (crawler.runner.stop)."""
    from crawler.runner.progress import make_progress
    from crawler.runner.stop import StopFlag
    from crawler.store.lock import StoreError, store_lock

    waivers = load_waivers(args, rules)
    probe_spec = probe_store_spec(args)
    settings = crawl_overrides(args, urls)
    progress = make_progress()
    stop = StopFlag()
    stop.notice = progress.message
    try:
        with store_lock(store_spec, urls[0]):
            return _run_recorded(urls, rules, as_of, out_dir, store_spec, args, waivers=waivers,
                                 probe_spec=probe_spec, settings=settings, progress=progress, stop=stop)
    except StoreError as e:
        raise InputError(str(e)) from None
    finally:
        stop.uninstall()
        progress.close()


def _run_recorded(urls: list[str], rules: list[Any], as_of: date, out_dir: Path, store_spec: str,
                  args: argparse.Namespace, **kw: Any) -> int:
    """The audit as a run of the results database (none with --no-history)."""
    from crawler.runner.history import begin_run, history_spec, open_results, site_key

    if getattr(args, "no_history", False):
        return _run_locked(urls, rules, as_of, out_dir, store_spec, args, results=None, site="", run_id=0, **kw)
    results = open_results(history_spec(args, out_dir))
    site = site_key(urls, getattr(args, "site", None))
    try:
        run_id = begin_run(results, site, urls, rules, as_of, crawl_store=store_spec,
                           run_id=getattr(args, "run_id", None))
    except BaseException:
        results.close()
        raise
    try:
        return _run_locked(urls, rules, as_of, out_dir, store_spec, args, results=results, site=site,
                           run_id=run_id, **kw)
    except BaseException as e:
        results.fail_run(run_id, "已中断" if isinstance(e, KeyboardInterrupt) else f"{type(e).__name__}: {e}")
        raise
    finally:
        results.close()


def resume_hint(store_spec: str) -> str:
    return (f"已取得的结果保存在抓取库 {safe_store(store_spec)} 中；重新运行同一命令将从中断处继续"
            "（加 --fresh 则重新开始）。")


def safe_store(spec: str) -> str:
    from crawler.runner.audit import safe_store_url

    return safe_store_url(spec) if "://" in spec else spec


def _run_locked(urls: list[str], rules: list[Any], as_of: date, out_dir: Path, store_spec: str,
                args: argparse.Namespace, *, results: Any, site: str, run_id: int, waivers: list[Any],
                probe_spec: str | None, settings: dict[str, Any], progress: Any, stop: Any) -> int:
    """The audit with its store locked: continue a stopped one or crawl, then verify links and
    evaluate, then write the outputs (and record the run unless `results` is None)."""
    from crawler.runner.stop import AuditStopped

    crawl_id = _stopped_crawl(urls, store_spec, args, progress)
    resumed = crawl_id is not None
    if crawl_id is None:
        try:
            crawl_id = _crawl(urls, store_spec, args, settings, progress)
        except KeyboardInterrupt:
            _stopped(progress, results, run_id, store_spec, "抓取")
            return 130
    if results is not None:
        results.update_run(run_id, crawl_id=crawl_id)
    stop.install()
    try:
        result = _verify_and_evaluate(crawl_id, urls, rules, as_of, store_spec, args, site=site, waivers=waivers,
                                      probe_spec=probe_spec, progress=progress, stop=stop, resumed=resumed,
                                      on_stop=lambda phase: _stopped(progress, results, run_id, store_spec, phase))
    except AuditStopped as e:
        return e.exit_code
    _write_outputs(result, results, run_id, rules, args, out_dir, site)
    progress.close()
    print_summary(result, out_dir)
    return EXIT_FAIL if result.failed else EXIT_OK


def _stopped(progress: Any, results: Any, run_id: int, store_spec: str, phase: str) -> None:
    progress.message(f"已停止（{phase}阶段）：{resume_hint(store_spec)}")
    if results is not None:
        results.fail_run(run_id, f"已停止（{phase}阶段）")


def _stopped_crawl(urls: list[str], store_spec: str, args: argparse.Namespace, progress: Any) -> int | None:
    """The finished crawl of these URLs whose audit was stopped after it (none with --fresh)."""
    from crawler.runner.audit import stopped_crawl
    from crawler.store.crawls import CrawlStore

    if args.fresh or not ("://" in store_spec or Path(store_spec).is_file()):
        return None
    store = CrawlStore(store_spec)
    try:
        crawl_id = stopped_crawl(store, urls)
    finally:
        store.close()
    if crawl_id is not None:
        progress.message(f"继续上次中断的检查（抓取编号 {crawl_id}，抓取已完成，从核验与评估继续）…")
    return crawl_id


def _crawl(urls: list[str], store_spec: str, args: argparse.Namespace, settings: dict[str, Any],
           progress: Any) -> int:
    from crawler.crawl.run import run_crawl
    from crawler.runner.progress import crawl_feed

    extra_hosts = [h.strip().lower() for h in (args.extra_host or []) if h.strip()]
    with crawl_feed(progress):
        return run_crawl(
            urls, store_spec, extra_hosts=extra_hosts, max_pages=args.max_pages,
            max_depth=args.max_depth, obey_robots=not args.ignore_robots, resume=not args.fresh,
            settings=settings or None, apart=True,
        )


def _verify_and_evaluate(crawl_id: int, urls: list[str], rules: list[Any], as_of: date, store_spec: str,
                         args: argparse.Namespace, *, site: str, waivers: list[Any], probe_spec: str | None,
                         progress: Any, stop: Any, resumed: bool, on_stop: Callable[[str], None]) -> Any:
    """Post-crawl collectors (link verification …) and the evaluation of the stored crawl.
    A stop (AuditStopped) marks the crawl stopped, calls `on_stop(phase)` and is raised again."""
    from crawler.runner.audit import clear_stopped, evaluate_store, mark_stopped, post_crawl
    from crawler.runner.progress import PHASE_EVAL
    from crawler.runner.stop import AuditStopped
    from crawler.store.crawls import CrawlStore

    store = CrawlStore(store_spec)
    probe_store = open_probe_store(probe_spec)
    try:
        info = {k: v for k, v in (("name", getattr(args, "site_name", None)), ("unit", getattr(args, "unit", None)))
                if v}
        if info:
            info.update(urls=list(urls), slug=site or "")
        try:
            post_crawl(store, crawl_id, verify_links=not args.no_verify_links,
                       timeout=getattr(args, "timeout", None), delay=getattr(args, "delay", None),
                       max_links=getattr(args, "max_links", None), budget=getattr(args, "link_budget", None),
                       stop=stop, progress=progress, resume=resumed)
            progress.phase(PHASE_EVAL, unit="项")
            clear_stopped(store, crawl_id)
            result = stop.run(PHASE_EVAL, evaluate_store, store, crawl_id, rules, as_of, None,
                              waivers=waivers, probe_store=probe_store, site_info=info or None,
                              profile=profile_option(args))
            progress.done()
        except AuditStopped as e:
            progress.done()
            mark_stopped(store, crawl_id, e.phase)
            on_stop(e.phase)
            raise
    finally:
        store.close()
        if probe_store is not None:
            probe_store.close()
    return result


def _write_outputs(result: Any, results: Any, run_id: int, rules: list[Any], args: argparse.Namespace,
                   out_dir: Path, site: str) -> None:
    """findings.json, the reports (…) in OUT; a recorded run also in its run folder."""
    if results is None:  # --no-history: OUT only, nothing recorded
        from crawler.runner.audit import write_outputs

        result.outputs = write_outputs(result.document, out_dir)
    else:
        from crawler.runner.history import finish_and_publish, site_slug

        runs_dir = Path(args.runs_dir) if getattr(args, "runs_dir", None) else out_dir / site_slug(site)
        result.outputs = finish_and_publish(results, run_id, result.document, rules, runs_dir, mirror=out_dir)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from crawler.runner.audit import evaluate_store
    from crawler.store.crawls import CrawlStore

    as_of = parse_as_of(args.as_of)
    profile = profile_option(args)
    rules = load_rules(args.rules)
    waivers = load_waivers(args, rules)
    probe_spec = probe_store_spec(args)
    spec = args.store
    check_store_driver(spec)
    if "://" not in spec and not Path(spec).is_file():
        raise InputError(f"抓取库 “{spec}” 不存在（请给出 govaudit audit 生成的 crawl.db 路径）")
    store = CrawlStore(spec)
    probe_store = open_probe_store(probe_spec)
    try:
        info = pick_crawl(store, spec, args.crawl, getattr(args, "site", None))
        print(f"评估抓取 #{info.id}（{info.site}，{info.started_at[:19].replace('T', ' ')} 开始，"
              f"{'已完成' if info.state == 'finished' else '未完成'}）")
        result = evaluate_store(store, info.id, rules, as_of, Path(args.out), waivers=waivers,
                                probe_store=probe_store, profile=profile)
    finally:
        store.close()
        if probe_store is not None:
            probe_store.close()
    print_summary(result, Path(args.out))
    return EXIT_FAIL if result.failed else EXIT_OK


def pick_crawl(store: Any, spec: str, crawl: int | None, site: str | None) -> Any:
    """The crawl `evaluate` uses: --crawl N; else the newest crawl of --site (its host or
    start URL); else the newest crawl when the store holds one site only. Several sites and
    neither option: refused (one line, exit 2) instead of silently taking any site's crawl."""
    from urllib.parse import urlsplit

    if crawl is not None:
        info = store.crawl_info(crawl)
        if info is None:
            raise InputError(f"抓取库 “{spec}” 中没有编号 {crawl} 的抓取记录（用 govaudit runs 或不带 --crawl 查看）")
        return info
    crawls = store.list_crawls()
    if not crawls:
        raise InputError(f"抓取库 “{spec}” 中没有抓取记录（请先运行 govaudit audit）")

    def host(u: str) -> str:
        return (urlsplit(u).netloc or u).lower()

    if site:
        want = site.strip().lower()
        mine = [c for c in crawls if want in (c.site.lower(), host(c.site)) or
                any(want in (u.lower(), host(u)) for u in c.start_urls)]
        if not mine:
            names = "、".join(sorted({host(c.site) for c in crawls}))
            raise InputError(f"抓取库 “{spec}” 中没有网站 “{site}” 的抓取（库中有：{names}）")
        return mine[-1]
    sites = sorted({host(c.site) for c in crawls})
    if len(sites) > 1:
        raise InputError(f"抓取库 “{spec}” 含 {len(sites)} 个网站的抓取（{'、'.join(sites[:5])}"
                         f"{'等' if len(sites) > 5 else ''}），请用 --site 或 --crawl 指明评估哪一个")
    return crawls[-1]


def cmd_demo(args: argparse.Namespace) -> int:
    import json

    check_limits(args)
    from crawler.demo.server import SITE_DIR, serve_sample_site
    from rules import RULES_DIR

    manifest = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))
    as_of = parse_as_of(args.as_of or manifest.get("as_of"))
    names = ["yuzhong-2021.yaml", "national-disclosure-2019.yaml", "national-rubric-2019.yaml", "national-dates.yaml"]
    files = [str(RULES_DIR / n) for n in names if (RULES_DIR / n).is_file()]
    rules = load_rules(args.rules or files)
    out_dir = Path(args.out)
    store_spec = str(out_dir / "crawl.db")
    if Path(store_spec).exists():
        Path(store_spec).unlink()  # the demo always crawls afresh
    with serve_sample_site() as server:
        print(f"示例网站已在 {server.url} 启动，正在检查（检查日期 {as_of}）…")
        args.fresh = True
        args.site = getattr(args, "site", None) or manifest.get("site_domain") or None  # one name for every demo run
        code = run_audit([server.url], rules, as_of, out_dir, store_spec, args)
    print(f"请用浏览器打开报告：{(out_dir / 'report.html').resolve()}")
    return EXIT_OK if code in (EXIT_OK, EXIT_FAIL) else code


def crawl_options(p: argparse.ArgumentParser) -> None:
    from crawler.crawl import settings as D  # the crawl's defaults (no Scrapy import)

    p.add_argument("--out", default="out", help="输出目录（findings.json、report.html、crawl.db）")
    p.add_argument("--as-of", help="检查日期 YYYY-MM-DD（时限与更新判断以此为准，默认今天）")
    p.add_argument("--rules", action="append",
                   help="规则文件或目录，可多次给出（默认只用国家层面基线规则）；直接给出的文件一律适用，目录中的规则按站点类型和地区筛选")
    p.add_argument("--max-pages", type=int, default=D.CLOSESPIDER_PAGECOUNT,
                   help=f"最多抓取页面数（默认 {D.CLOSESPIDER_PAGECOUNT}）")
    p.add_argument("--max-depth", type=int, default=D.GOVAUDIT_MAX_DEPTH, help=f"最大链接深度（默认 {D.GOVAUDIT_MAX_DEPTH}）")
    p.add_argument("--extra-host", action="append", help="同属本站、允许抓取的其他主机，如 xxgk.example.gov.cn")
    p.add_argument("--ignore-robots", action="store_true", help="不遵守 robots.txt（仅在获得授权时使用）")
    p.add_argument("--fresh", action="store_true", help="重新抓取，不续抓未完成的抓取")
    p.add_argument("--no-verify-links", action="store_true", help="不核验链接、图片、视频和附件")
    p.add_argument("--max-links", type=int, help=f"最多核验的链接数（抓取中与抓取后合计，默认 {D.GOVAUDIT_MAX_LINKS}，超出部分在报告中注明未核验）")
    p.add_argument("--link-budget", type=float,
                   help="链接核验的最长秒数（抓取中与抓取后合计；默认不限；到时未核验的链接在报告中注明）")
    p.add_argument("--verbose", action="store_true", help="显示抓取日志")
    p.add_argument("--waivers", help="豁免清单 waivers.yaml（经批准的例外，到期失效）")
    p.add_argument("--probe-store", help="可用性探测库（govaudit probe --store 所用文件或地址，默认即抓取库）")
    p.add_argument("--timeout", type=float, help=f"单个页面的下载超时秒数（默认 {D.DOWNLOAD_TIMEOUT}）")
    p.add_argument("--delay", type=float, help=f"同一主机两次请求之间的最短间隔秒数（默认 {D.DOWNLOAD_DELAY:g}，自动限速）")
    p.add_argument("--exclude", action="append", metavar="REGEX",
                   help="不抓取网址匹配此正则表达式的页面（日历、站内搜索结果等），可多次给出")
    p.add_argument("--history", help="结果库：记录每次检查并比较变化（SQLite 文件或 postgresql+psycopg:// 地址，默认 OUT/history.db）")
    p.add_argument("--no-history", action="store_true",
                   help="不记录到结果库、不保留运行目录，只把结果写入 OUT（分布式 worker 使用：由协调端记录）")
    p.add_argument("--runs-dir", help="运行目录的上级目录（默认 OUT/<网站>；每次运行写入其下的 <日期>-<编号>/，latest 指向最新）")
    p.add_argument("--run-id", type=int, help="使用结果库中已排队的运行记录（调度程序使用），不新建运行")
    p.add_argument("--site", help="网站在结果库中的名称（默认取起始网址的主机名；同一网站多次检查应使用同一名称）")
    p.add_argument("--site-name", help="网站名称（报告与通知中使用；默认取网页中的网站名称）")
    p.add_argument("--unit", help="网站主办单位（没有责任单位的事项交给它；通知“网站无法访问”也发给它）")
    p.add_argument("--render", choices=["off", "auto"], default="off",
                   help="auto：菜单或列表由脚本生成的页面用浏览器（系统 Chromium）重新抓取（默认 off）")
    profile_options(p)


def profile_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", metavar="类型",
                   help="站点类型：政府门户网站、部门网站 或 乡镇（街道）网站（默认按网站名称推断），决定适用哪些规则；"
                        "与 --sites 一起使用时用于清单中未写 profile 的网站（清单中写明的优先）")
    p.add_argument("--region", metavar="地区",
                   help="站点所属地区，如 重庆市渝中区（默认按网站名称推断）；其他地区通知中的规则记为不适用；"
                        "与 --sites 一起使用时用于清单中未写 region 的网站（清单中写明的优先）")




def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="抓取并检查网站，生成报告")
    p.add_argument("urls", nargs="*", metavar="网址", help="起始网址（网站首页），可给出多个")
    p.add_argument("--store", help="抓取库（SQLite 文件路径或 postgresql:// 地址，默认 OUT/crawl.db）")
    p.add_argument("--sites", help="多站点清单 sites.yaml")
    p.add_argument("--distributed", action="store_true",
                   help="与 --sites 一起使用：每个网站作为一个任务分发给 Celery worker（celery -A crawler.runner.distributed worker），"
                        "抓取结果写入共享的 --store（如 postgresql://…）")
    p.add_argument("--wait", type=float, help="--distributed 时等待全部结果的最长秒数（默认 21600）")
    crawl_options(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("evaluate", help="用规则重新评估已保存的抓取结果（不重新抓取）")
    p.add_argument("--store", required=True, help="抓取库（govaudit audit 生成的 crawl.db 或 postgresql:// 地址）")
    p.add_argument("--crawl", type=int, help="抓取编号（默认最新一次；库中有多个网站时须给出 --crawl 或 --site）")
    p.add_argument("--site", help="网站（主机名或起始网址）：评估该网站最新一次抓取")
    p.add_argument("--rules", action="append",
                   help="规则文件或目录，可多次给出（默认只用国家层面基线规则）；直接给出的文件一律适用，目录中的规则按站点类型和地区筛选")
    p.add_argument("--out", default="out", help="输出目录（findings.json、report.html 等，默认 out）")
    p.add_argument("--as-of", help="检查日期 YYYY-MM-DD（时限与更新判断以此为准，默认今天）")
    p.add_argument("--waivers", help="豁免清单 waivers.yaml（经批准的例外，到期失效）")
    p.add_argument("--probe-store", help="可用性探测库（govaudit probe --store 所用文件或地址，默认即抓取库）")
    profile_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="启动内置示例网站并检查它")
    crawl_options(p)
    p.set_defaults(out="demo-report", func=cmd_demo)
