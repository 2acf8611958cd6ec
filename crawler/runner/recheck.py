"""复查 (re-check): fetch again only what the failed findings of a run depend on, judge those
rules again, and record a run of kind "recheck" (each item 已整改 or 仍未整改).

What a failed finding depends on (`dependencies`):
  - every finding: the homepage (start URLs);
  - a rule about a column (`path`, `column`, `under`): the list pages (with pagination) of
    the deepest column found along that path and of every column below it, and of its
    ancestors (a missing column appears in its parent's menu); when no level of the path
    was found, the list pages of all columns;
  - a content rule without a column: the list pages of all columns;
  - broken links / media: each broken URL (verified again) and the pages it was found on.
New pages linked from what was fetched again (a report just published, the next
pagination page) are fetched too. Everything else comes from the stored crawl: a new
crawl is made of the stored pages minus those re-fetched, and the crawler continues it
(the same code path as resuming an interrupted crawl), so the evaluation is the same
as a full audit would make of the same pages.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from crawler.store.crawls import CrawlStore

PROPERTY_CHECKS = frozenset({"ipv6_enabled", "https_enabled", "mobile_friendly", "site_search",
                             "error_report_entry", "site_identifiers"})
LINK_CHECKS = frozenset({"broken_links", "media_playable"})


@dataclass
class Plan:
    rules: list[Any]  # the rules to judge again (those failed in the base run)
    pages: set[str] = field(default_factory=set)  # stored pages to fetch again
    links: set[str] = field(default_factory=set)  # link/media URLs to verify again
    measure: bool = False  # site properties measured again
    reasons: dict[str, list[str]] = field(default_factory=dict)  # url → rule ids


def _names(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(x.strip() for x in v.split(">") if x.strip())
    return tuple(str(x) for x in v)


def _column_pages(cols: list[Any]) -> set[str]:
    out: set[str] = set()
    for c in cols:
        out.update(p for p in (c.pages or [c.url]) if p)
    return out


def dependencies(site: Any, rules: list[Any], base_links: list[dict[str, Any]]) -> Plan:
    """What the failed `rules` depend on; `base_links`: the link results of the base crawl
    that were not ok (broken, transient, skipped: verified again)."""
    plan = Plan(rules=rules)
    all_cols = [c for c in site.columns if c.url or c.pages]
    home = [u for u in {site.homepage_url, site.site_url} if u]

    def add(urls: set[str] | list[str], rule_id: str) -> None:
        for u in urls:
            plan.pages.add(u)
            plan.reasons.setdefault(u, []).append(rule_id)

    for r in rules:
        add(home, r.id)
        p = asdict(r.params) if hasattr(r.params, "__dataclass_fields__") else {}
        paths = [x for x in (_names(p.get("path")), _names(p.get("column")), _names(p.get("under"))) if x]
        if r.check in LINK_CHECKS:
            for it in base_links:
                plan.links.add(it["url"])
                add([x.get("page", "") for x in it.get("found_on") or [] if isinstance(x, dict) and x.get("page")],
                    r.id)
            continue
        if r.check in PROPERTY_CHECKS:
            plan.measure = True
            continue
        if not paths:
            if p.get("keywords") or p.get("text") or p.get("classes") or p.get("threshold") is not None:
                add(_column_pages(all_cols), r.id)  # site-wide content: every list page
            continue
        for path in paths:
            add(_column_pages(_involved(site, path) or all_cols), r.id)
    return plan


def _involved(site: Any, path: tuple[str, ...]) -> list[Any]:
    """The deepest column matching a prefix of `path` (by name, any depth), its subtree and
    its ancestors; [] when not even the first level was found."""
    syn = site.synonyms

    def same(a: str, b: str) -> bool:
        try:
            return bool(a == b or syn.same(a, b))
        except AttributeError:
            return a == b

    best: Any = None
    best_n = 0
    for c in site.columns:
        # how many levels of `path` this column's path ends with (a suffix match of a prefix)
        for n in range(len(path), best_n, -1):
            pre = path[:n]
            if len(c.path) >= n and all(same(x, y) for x, y in zip(c.path[-n:], pre, strict=True)):
                best, best_n = c, n
                break
    if best is None:
        return []
    out = list(best.walk())
    out += [a for a in site.columns if a.path == best.path[:len(a.path)] and a is not best]
    return out


def _pagination_closure(store: CrawlStore, crawl_id: int, urls: set[str]) -> set[str]:
    """`urls` plus the pagination pages reachable from them in the stored crawl."""
    by_url: dict[str, list[str]] = {}
    for rec in store.iter_pages(crawl_id):
        by_url[rec.url] = list(rec.pagination)
        if rec.requested_url and rec.requested_url != rec.url:
            by_url.setdefault(rec.requested_url, list(rec.pagination))
    out = set(urls)
    todo = list(urls)
    while todo:
        u = todo.pop()
        for nxt in by_url.get(u, []):
            if nxt not in out:
                out.add(nxt)
                todo.append(nxt)
    return out


def prepare_crawl(store: CrawlStore, base_crawl: int, plan: Plan) -> tuple[int, int]:
    """A new crawl holding the base crawl's pages except those to fetch again, with its
    link results (except the URLs to verify again) and facts. Returns (crawl id, pages kept)."""
    info = store.crawl_info(base_crawl)
    if info is None:
        raise LookupError(f"抓取库中没有编号为 {base_crawl} 的抓取")
    refetch = _pagination_closure(store, base_crawl, plan.pages)
    plan.pages = refetch
    options = {**info.options, "recheck_of": base_crawl}
    new_id = store.start_crawl(info.start_urls, info.hosts, options, resume=False)
    kept = 0
    batch = []
    for rec in store.iter_pages(base_crawl):
        if rec.url in refetch or (rec.requested_url or rec.url) in refetch:
            continue
        batch.append(rec)
        if len(batch) >= 500:
            kept += store.add_pages(new_id, batch)
            batch = []
    kept += store.add_pages(new_id, batch)
    for k, v in store.get_facts(base_crawl).items():
        if k != "link_check":
            store.set_fact(new_id, k, v)
    return new_id, kept


def reusable_links(store: CrawlStore, base_crawl: int, plan: Plan) -> dict[str, dict[str, Any]]:
    """Link results of the base crawl that need no new request (all but the failed ones)."""
    return {r["url"]: r for r in store.iter_link_results(base_crawl)
            if r.get("url") and r["url"] not in plan.links and r.get("state") in ("ok", "blocked")}


def recheck_summary(plan: Plan, crawl_stats: dict[str, Any], link_stats: dict[str, Any], kept: int,
                    base_run: int) -> dict[str, Any]:
    fetched = int(crawl_stats.get("pages", 0) or crawl_stats.get("item_scraped_count", 0) or 0)
    return {"base_run": base_run, "rules": [r.id for r in plan.rules],
            "refetched": sorted(plan.pages)[:500], "refetched_total": len(plan.pages),
            "links_rechecked": sorted(plan.links)[:500], "links_rechecked_total": len(plan.links),
            "pages_kept": kept, "pages_fetched": fetched,
            "links_verified": int(link_stats.get("verified", 0) or 0), "measured": plan.measure}


def load_run_rules(run: Any, override: list[str] | None) -> tuple[list[Any], list[str]]:
    """The rules of a recorded run (its rule files), or `override`; with notes on files that
    changed since (their sha256 differs)."""
    import hashlib

    from crawler.cli.common import load_rules

    notes: list[str] = []
    if override:
        return load_rules(override), notes
    paths = [p for p, _ in run.rules]
    missing = [p for p in paths if not Path(p).is_file()]
    if not paths or missing:
        from crawler.cli.common import InputError

        raise InputError(f"运行 {run.id} 的规则文件已不存在（{'、'.join(missing) or '未记录'}），请用 --rules 指定")
    for p, sha in run.rules:
        if sha and hashlib.sha256(Path(p).read_bytes()).hexdigest() != sha:
            notes.append(f"规则文件 {p} 在运行 {run.id} 之后有改动，按现在的内容复查")
    return load_rules(paths), notes


def run_recheck(results: Any, run_id: int, *, as_of: date, out_dir: Path | None, rules_override: list[str] | None,
                verify_links: bool = True, settings: dict[str, Any] | None = None,
                timeout: float | None = None,
                store_spec: str | None = None) -> tuple[dict[str, Any], dict[str, Path], int]:
    """Re-check run `run_id` (crawl store: `store_spec`, else the run's): returns (document, outputs, new run id)."""
    from crawler.cli.common import InputError
    from crawler.collect.links import verify_crawl_links
    from crawler.crawl.run import run_crawl
    from crawler.runner.audit import evaluate_store, load_site
    from crawler.runner.history import finish_and_publish, site_slug
    from crawler.store.results import rules_fingerprint

    base = results.run(run_id)
    if base is None:
        raise InputError(f"结果库中没有编号为 {run_id} 的运行（用 govaudit runs 查看）")
    if base.state != "finished":
        raise InputError(f"运行 {run_id} 状态为“{base.state_cn}”，只能复查已完成的运行")
    crawl_store = store_spec or base.crawl_store
    if base.crawl_id is None or not crawl_store:
        raise InputError(f"运行 {run_id} 没有记录所用的抓取，无法复查")
    if "***" in crawl_store:
        raise InputError(f"运行 {run_id} 的抓取库地址含密码（结果库中已隐去），请用 --store 给出")
    if "://" not in crawl_store and not Path(crawl_store).is_file():
        raise InputError(f"运行 {run_id} 的抓取库 “{crawl_store}” 不存在，请用 --store 给出")
    failed = {f["rule_id"]: f for f in results.findings(run_id, items=False) if f["status"] == "fail"}
    rules, notes = load_run_rules(base, rules_override)
    rules = [r for r in rules if r.id in failed]
    if not rules:
        raise InputError(f"运行 {run_id} 没有不通过的事项，无需复查")
    store = CrawlStore(crawl_store)
    try:
        old_site = load_site(store, base.crawl_id, as_of)
        bad_links = [r for r in store.iter_link_results(base.crawl_id)
                     if r.get("url") and r.get("state") in ("broken", "transient", "skipped")]
        plan = dependencies(old_site, rules, bad_links)
        del old_site
        new_crawl, kept = prepare_crawl(store, base.crawl_id, plan)
        reuse = reusable_links(store, base.crawl_id, plan)
        info = store.crawl_info(new_crawl)
        assert info is not None
        opts = info.options
    finally:
        store.close()
    new_run = results.start_run(base.site, kind="recheck", rules=rules_fingerprint(rules), as_of=as_of,
                                crawl_store=crawl_store, crawl_id=new_crawl, urls=base.urls, base_run=run_id)
    try:
        run_crawl(info.start_urls, crawl_store, extra_hosts=[h for h in info.hosts],
                  max_pages=kept + max(200, 5 * len(plan.pages)), max_depth=int(opts.get("max_depth", 10) or 10),
                  obey_robots=bool(opts.get("obey_robots", True)), resume=True, settings=settings or None,
                  apart=True)
        store = CrawlStore(crawl_store)
        try:
            new_info = store.crawl_info(new_crawl)
            crawl_stats = new_info.stats if new_info else {}
            link_stats: dict[str, Any] = {}
            if verify_links and any(r.check in LINK_CHECKS for r in rules):
                link_stats = verify_crawl_links(store, new_crawl, reuse=reuse, timeout=timeout or 15.0)
            elif reuse or plan.links:
                store.add_link_results(new_crawl, list(reuse.values()))
            if plan.measure:
                from crawler.collect.properties import measure_site

                measure_site(store, new_crawl, **({"timeout": timeout} if timeout else {}))
            result = evaluate_store(store, new_crawl, rules, as_of, None)
        finally:
            store.close()
        doc = result.document
        doc["recheck"] = recheck_summary(plan, crawl_stats, link_stats, kept, run_id) | {"notes": notes}
        merge_verdict(doc, base, run_id)
        site_dir = Path(out_dir) / site_slug(base.site) if out_dir else (
            Path(base.out_dir).parent if base.out_dir else Path("out") / site_slug(base.site))
        outputs = finish_and_publish(results, new_run, doc, rules, site_dir, mirror=None)
    except BaseException as e:
        results.fail_run(new_run, f"{type(e).__name__}: {e}")
        raise
    return doc, outputs, new_run



def merge_verdict(doc: dict[str, Any], base: Any, run_id: int) -> None:
    """The verdict and summary after the 复查: the base run's findings with the re-checked ones
    replaced (from the base run's findings.json). The document's findings stay the re-checked
    ones; their own counts go to doc["recheck"]["summary"]."""
    import json

    doc["recheck"]["summary"] = dict(doc.get("summary") or {})
    src = Path(base.out_dir) / "findings.json" if base.out_dir else None
    try:
        base_doc = json.loads(src.read_text(encoding="utf-8")) if src and src.is_file() else None
    except ValueError:
        base_doc = None
    if not isinstance(base_doc, dict) or not isinstance(base_doc.get("findings"), list):
        note = f"复查：未找到运行 {run_id} 的 findings.json，结论只按复查的事项计算"
        doc.setdefault("verdict", {}).setdefault("notes", []).append(note)
        return
    from crawler.judge.verdict import compute_verdict

    new = {f.get("rule_id"): f for f in doc.get("findings") or []}
    rows = [new.get(f.get("rule_id"), f) for f in base_doc["findings"]]
    verdict = compute_verdict(rows).to_dict()
    verdict.setdefault("notes", []).append(
        f"复查：重新判定了运行 {run_id} 的 {len(new)} 项不通过事项，其余 {len(rows) - len(new)} 项沿用运行 {run_id} 的结论")
    doc["verdict"] = verdict
    summary = {"pass": 0, "fail": 0, "pending": 0, "unknown": 0}
    for f in rows:
        st = str(f.get("status"))
        summary[st] = summary.get(st, 0) + 1
    summary["warning"] = sum(1 for f in rows if f.get("warning"))
    doc["summary"] = summary
