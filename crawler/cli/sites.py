"""`govaudit audit --sites sites.yaml`: many sites, on one machine or over Celery workers."""
from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

from crawler.cli.common import (
    EXIT_FAIL,
    EXIT_INPUT,
    EXIT_OK,
    InputError,
    crawl_overrides,
    error,
    load_rules,
    load_waivers,
    parse_as_of,
    probe_store_spec,
    profile_option,
)
from crawler.ruleset.sites import SitesFileError, SiteSpec, load_sites
from crawler.runner.progress import make_progress
from crawler.runner.sites import (
    CrawlFunc,
    CrawlJob,
    bundled_rules,
    crawl_jobs,
    evaluate_sites,
    write_index,
)
from crawler.runner.stop import StopFlag
from crawler.store.lock import StoreError, store_lock


def _crawl_options(args: argparse.Namespace, urls: list[str], site: SiteSpec | None = None) -> dict[str, Any]:
    """The same crawl options as a one-site audit (--timeout, --delay, --render …); a site's
    own `max_pages`, `delay` and `exclude` (sites.yaml) take precedence."""
    from crawler.crawl import settings as D

    opts: dict[str, Any] = {
        "max_pages": getattr(args, "max_pages", D.CLOSESPIDER_PAGECOUNT),
        "max_depth": getattr(args, "max_depth", D.GOVAUDIT_MAX_DEPTH),
        "obey_robots": not getattr(args, "ignore_robots", False), "resume": not getattr(args, "fresh", False),
        "settings": crawl_overrides(args, urls) or None}
    if site is not None:
        settings = dict(opts["settings"] or {})
        if site.max_pages:
            opts["max_pages"] = site.max_pages
        if site.delay is not None:
            settings.update(DOWNLOAD_DELAY=site.delay, AUTOTHROTTLE_START_DELAY=site.delay)
        if site.exclude:
            settings["GOVAUDIT_EXCLUDE"] = list(site.exclude)
        opts["settings"] = settings or None
    return opts


# -- the run --------------------------------------------------------------------------------
def run_sites(args: argparse.Namespace, *, crawl: CrawlFunc | None = None) -> int:
    """`govaudit audit --sites FILE`: validate, crawl all, evaluate each, write the index.

    Bad input (sites file, rule files, waivers, --as-of) prints one line and returns 2
    before anything is crawled."""

    try:
        return _run_sites(args, crawl)
    except InputError as e:
        error(str(e))
        return EXIT_INPUT


def _run_sites(args: argparse.Namespace, crawl: CrawlFunc | None) -> int:

    try:
        sites, file_rules = load_sites(args.sites)
    except SitesFileError as e:
        raise InputError(str(e)) from None
    if getattr(args, "urls", None):
        raise InputError("--sites 与网址不能同时给出（网址请写在站点清单中）")
    as_of = parse_as_of(getattr(args, "as_of", None))
    profile = profile_option(args)  # for the sites whose entry sets no profile / region
    out_dir = Path(getattr(args, "out", "out"))
    default_rules = file_rules or list(getattr(args, "rules", None) or []) or bundled_rules()
    cache: dict[tuple[str, ...], list[Any]] = {}
    site_rules: dict[str, list[Any]] = {}
    for s in sites:
        key = tuple(s.rules or default_rules)
        if key not in cache:
            cache[key] = load_rules(list(key))
        site_rules[s.slug] = cache[key]
    all_rules = [r for rs in cache.values() for r in rs]
    waivers = load_waivers(args, all_rules)
    if any(s.waivers for s in sites):  # a site's own waivers file (its entries name their site)
        from crawler.ruleset.waivers import load_waivers as read_waivers

        waivers = [*waivers, *(w for s in sites if s.waivers for w in read_waivers(s.waivers))]
    probe_spec = probe_store_spec(args)
    if getattr(args, "distributed", False):  # one Celery task per site (crawler.distributed)
        rule_paths = {s.slug: list(s.rules or default_rules) for s in sites}
        return run_sites_distributed(args, sites, rule_paths, as_of, out_dir, probe_spec, site_rules=site_rules,
                                     profile=profile)

    jobs = [CrawlJob(slug=s.slug, urls=s.urls, store=str(out_dir / s.slug / "crawl.db"),
                     extra_hosts=s.extra_hosts, options=_crawl_options(args, s.urls, s)) for s in sites]
    with ExitStack() as held:
        try:  # one audit per store at a time (crawler.store.lock)
            for j in jobs:
                held.enter_context(store_lock(j.store, j.urls[0]))
        except StoreError as e:
            raise InputError(str(e)) from None
        progress = held.enter_context(closing(make_progress()))
        stop = StopFlag()
        stop.notice = progress.message
        held.callback(stop.uninstall)
        return _crawl_and_evaluate(args, sites, jobs, crawl, site_rules, waivers, as_of, out_dir, probe_spec,
                                   progress=progress, stop=stop, profile=profile)


def _crawl_and_evaluate(args: argparse.Namespace, sites: list[SiteSpec], jobs: list[CrawlJob],
                        crawl: CrawlFunc | None, site_rules: dict[str, list[Any]], waivers: list[Any],
                        as_of: Any, out_dir: Path, probe_spec: str | None, *, progress: Any, stop: Any,
                        profile: dict[str, str] | None = None) -> int:
    from crawler.runner.audit import stopped_crawl
    from crawler.runner.progress import crawl_feed
    from crawler.runner.stop import AuditStopped
    from crawler.store.crawls import CrawlStore

    fresh = getattr(args, "fresh", False)
    resumed: dict[str, int] = {}
    for j in jobs:
        Path(j.store).parent.mkdir(parents=True, exist_ok=True)
        if fresh and Path(j.store).exists():
            Path(j.store).unlink()
        elif Path(j.store).exists():  # an audit stopped after its crawl: continue with verification
            store = CrawlStore(j.store)
            try:
                found = stopped_crawl(store, j.urls)
            finally:
                store.close()
            if found is not None:
                resumed[j.slug] = found
                progress.message(f"{j.slug}：继续上次中断的检查（抓取编号 {found}，抓取已完成，从核验与评估继续）…")
    print(f"正在检查 {len(sites)} 个网站（检查日期 {as_of}）…")
    to_crawl = [j for j in jobs if j.slug not in resumed]
    try:
        with crawl_feed(progress):
            crawled: dict[str, int | BaseException] = dict((crawl or crawl_jobs)(to_crawl)) if to_crawl else {}
    except KeyboardInterrupt:
        progress.message("已停止（抓取阶段）：已抓取的页面保存在各网站的抓取库中；重新运行同一命令将从中断处继续"
                         "（加 --fresh 则重新开始）。")
        return 130
    crawled.update(resumed)
    stop.install()
    link_options = {"delay": getattr(args, "delay", None), "max_links": getattr(args, "max_links", None),
                    "budget": getattr(args, "link_budget", None)}
    try:
        entries, failed = evaluate_sites(sites, jobs, crawled, site_rules, waivers, as_of, out_dir,
                                         verify_links=not getattr(args, "no_verify_links", False),
                                         probe_store=probe_spec, timeout=getattr(args, "timeout", None),
                                         stop=stop, progress=progress, link_options=link_options,
                                         resumed=set(resumed), history=getattr(args, "history", None),
                                         profile=profile)
    except AuditStopped as e:
        progress.message(f"已停止（{e.phase}阶段）：已取得的结果保存在各网站的抓取库（{out_dir}/<站点>/crawl.db）中；"
                         "重新运行同一命令将从中断处继续（加 --fresh 则重新开始）。")
        return e.exit_code
    progress.close()
    index = write_index(entries, out_dir)
    print(f"汇总页：{index.resolve()}")
    return EXIT_FAIL if failed else EXIT_OK


def _with_profile(info: dict[str, Any], profile: dict[str, str] | None) -> dict[str, Any]:
    """A site entry's profile and region, each from the command line where the entry sets none."""
    from crawler.judge.applicability import fill_profile

    given, _ = fill_profile(info, profile)
    return {**info, **{k: v for k, v in (("profile", given["kind"]), ("region", given["region"])) if v}}


def _abs(spec: str) -> str:
    return spec if "://" in spec else str(Path(spec).resolve())


def run_sites_distributed(args: argparse.Namespace, sites: list[SiteSpec], rule_paths: dict[str, list[str]],
                          as_of: Any, out_dir: Path, probe_spec: str | None,
                          site_rules: dict[str, list[Any]] | None = None,
                          profile: dict[str, str] | None = None) -> int:
    """`--sites FILE --distributed`: one `audit_site` task per site on the Celery workers,
    crawling into the shared `--store`; then the same out/<slug>/ reports and index.
    `profile` (--profile/--region) applies where a site's entry sets none."""
    try:
        from crawler.runner import distributed as dist
    except ImportError:
        raise InputError("--distributed 需要 Celery 和 Redis 客户端：pip install 'govaudit[distributed]'") from None
    wait = float(getattr(args, "wait", None) or dist.TASK_TIME_LIMIT)
    if not wait > 0:
        raise InputError(f"--wait {wait:g} 无效（应为大于 0 的秒数）")
    store_url = getattr(args, "store", None) or ""
    options = _task_options(args, probe_spec, wait)
    jobs = [{"site": {**_with_profile(s.info(), profile), "extra_hosts": s.extra_hosts}, "rules": [_abs(r) for r in rule_paths[s.slug]],
             "as_of": as_of.isoformat(), "store_url": store_url,
             "out_dir": str((out_dir / s.slug).resolve()), "options": options} for s in sites]
    where = dist.redact_url(store_url) if store_url else "各 worker 本机的 OUT/<slug>/crawl.db"
    print(f"正在分发 {len(sites)} 个网站的检查任务（检查日期 {as_of}，队列 {dist.QUEUE}，"
          f"任务队列 {dist.redact_url(dist.BROKER)}，抓取库 {where}）…")
    online = dist.workers_online()
    if not online:
        print("注意：没有发现在线的 worker（请运行 celery -A crawler.runner.distributed worker），任务已排队等待。",
              file=sys.stderr)
    names = {s.slug: s.name for s in sites}
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        results = dist.run_distributed(jobs, wait=wait, report=lambda r: _print_task_result(r, names))
    except KeyboardInterrupt:
        print("已中断：已分发的任务仍在 worker 上运行，结果保存在抓取库中。", file=sys.stderr)
        return 130
    except Exception as e:
        print(f"govaudit: 错误：无法分发任务（{dist.redact_url(dist.BROKER)}）：{type(e).__name__}: {e}",
              file=sys.stderr)
        return EXIT_FAIL
    failed = _record_task_results(args, sites, results, as_of, out_dir, store_url, site_rules or {})
    return EXIT_FAIL if failed else EXIT_OK


def _task_options(args: argparse.Namespace, probe_spec: str | None, wait: float) -> dict[str, Any]:
    """The audit options a worker's `audit_site` task takes (only those given; 0 is kept)."""
    options: dict[str, Any] = {
        "max_pages": getattr(args, "max_pages", None), "max_depth": getattr(args, "max_depth", None),
        "timeout": getattr(args, "timeout", None), "delay": getattr(args, "delay", None),
        "max_links": getattr(args, "max_links", None), "link_budget": getattr(args, "link_budget", None),
        "render": getattr(args, "render", None) if getattr(args, "render", "off") != "off" else None,
        "ignore_robots": getattr(args, "ignore_robots", False), "fresh": getattr(args, "fresh", False),
        "no_verify_links": getattr(args, "no_verify_links", False), "verbose": getattr(args, "verbose", False),
        "probe_store": _abs(probe_spec) if probe_spec else None,
        "waivers": _abs(args.waivers) if getattr(args, "waivers", None) else None,
        "task_timeout": wait,
    }
    return {k: v for k, v in options.items() if v is not None and v is not False and v != ""}


def _print_task_result(r: dict[str, Any], names: dict[str, str]) -> None:
    """One line as a site's task ends: its verdict and score, or why it could not be checked."""
    name = names.get(r.get("slug", ""), r.get("slug", ""))
    if r.get("error"):
        print(f"  {name}：无法检查（{r['error']}）", file=sys.stderr)
        return
    v = r.get("verdict") or {}
    score = f"，得分 {v['score']:g}" if v.get("score") is not None else ""
    print(f"  {name}：{v.get('verdict', '')}{score}（worker {r.get('worker', '')}，抓取编号 {r.get('crawl_id')}）")


def _record_task_results(args: argparse.Namespace, sites: list[SiteSpec], results: dict[str, dict[str, Any]],
                         as_of: Any, out_dir: Path, store_url: str, site_rules: dict[str, list[Any]]) -> bool:
    """Each site's findings recorded once, here, in the results database; its run folder,
    out/<slug>/ and the index rendered here. Whether any site failed or was not checked."""
    from crawler.runner.history import begin_run, finish_and_publish, history_spec, open_results
    from reports.dashboard import SiteEntry

    entries: list[SiteEntry] = []
    failed = False
    hist = open_results(history_spec(args, out_dir))
    for s in sites:
        r = results.get(s.slug) or {"error": "未返回结果"}
        doc = r.get("document")
        if r.get("error") or not isinstance(doc, dict):
            entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit,
                                     error=str(r.get("error") or "未返回结果")))
            failed = True
            continue
        srules = site_rules.get(s.slug, [])
        run_id = begin_run(hist, s.slug, s.urls, srules, as_of, crawl_store=store_url or "",
                           crawl_id=r.get("crawl_id") if isinstance(r.get("crawl_id"), int) else None)
        finish_and_publish(hist, run_id, doc, srules, out_dir / s.slug, mirror=out_dir / s.slug)
        failed = failed or not (doc.get("site") or {}).get("reachable", True) \
            or any(f.get("status") == "fail" for f in doc.get("findings") or [])
        entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, doc=doc))
    hist.close()
    index = write_index(entries, out_dir)
    print(f"汇总页：{index.resolve()}")
    return failed


