"""Many sites at once: `govaudit audit --sites sites.yaml --out out/`.

sites.yaml::

    schema: govaudit.sites/1                 # optional
    rules: [national-rubric-2019.yaml]       # optional default for every site
    sites:
      - name: 重庆市渝中区人民政府
        urls: [https://www.cqyz.gov.cn/]     # start URLs (a single string is fine)
        unit: 渝中区人民政府办公室             # the unit that runs the site (gap items without a unit go here)
        rules: [national-rubric-2019.yaml, yuzhong-2021.yaml]   # files or folders
        extra_hosts: [xxgk.cqyz.gov.cn]      # other hosts that belong to the site
        slug: yuzhong                        # optional: the output folder name (default: the host)

Rule paths are read relative to the sites file first, then from the bundled rules/.
A site without `rules` uses the file's `rules`, else `--rules`, else all bundled rules.
Validation is strict (unknown keys, missing names or URLs, duplicate names or slugs,
missing rule files): `file:line: message`, exit 2, before anything is crawled.

Each site gets its own crawl store (out/<slug>/crawl.db) and report folder out/<slug>/;
the sites are crawled concurrently (each with the crawler's polite per-site settings),
then evaluated one by one; out/index.html ranks them, and out/findings.csv and
out/整改台账.xlsx hold every site's gap items. Exit 0 when nothing fails, 1 when a
finding fails or a site could not be audited, 2 on bad input.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.ruleset.loader import _line, _Loader

SCHEMA = "govaudit.sites/1"
FILE_KEYS = ("schema", "rules", "sites")
SITE_KEYS = ("name", "urls", "unit", "rules", "extra_hosts", "slug")
_SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class SitesFileError(ValueError):
    def __init__(self, file: str | Path, line: int | None, message: str) -> None:
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


@dataclass
class SiteSpec:
    name: str
    urls: list[str]
    slug: str
    unit: str = ""
    rules: list[str] = field(default_factory=list)  # resolved paths; [] = the default
    extra_hosts: list[str] = field(default_factory=list)
    line: int = 0

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, "slug": self.slug, "urls": list(self.urls)}


# -- loading -------------------------------------------------------------------------------
def _check_url(u: str) -> str:
    s = u.strip()
    parts = urlsplit(s)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"网址 “{u}” 无效（应以 http:// 或 https:// 开头）")
    return s if parts.path else s + "/"


def _str_list(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return list(v)
    raise ValueError("应为字符串或字符串列表")


def resolve_rule_path(entry: str, base: Path) -> Path | None:
    """A rule file or folder named in a sites file: relative to the file, then bundled."""
    from rules import RULES_DIR

    p = Path(entry)
    for cand in ([p] if p.is_absolute() else [base / p, RULES_DIR / p]):
        if cand.exists():
            return cand
    return None


def default_slug(url: str) -> str:
    host = (urlsplit(url).hostname or "site").lower()
    return re.sub(r"[^a-z0-9.-]", "-", host)


def load_sites(path: str | Path) -> tuple[list[SiteSpec], list[str]]:
    """Read and validate a sites file → (sites, file-level rule paths)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitesFileError(p, None, "文件不存在（请检查 --sites 路径）") from None
    except UnicodeDecodeError:
        raise SitesFileError(p, None, "不是 UTF-8 编码的文本（请另存为 UTF-8）") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SitesFileError(p, mark.line + 1 if mark else None,
                             f"YAML 语法错误：{e.problem or e.context}（检查缩进、冒号和引号）") from None
    except yaml.YAMLError as e:
        raise SitesFileError(p, None, f"YAML 语法错误：{e}") from None
    if isinstance(data, list):
        data_map: dict[str, Any] = {"sites": data}
        file_line = None
    elif isinstance(data, dict):
        data_map = data
        unknown = sorted(map(str, set(data) - set(FILE_KEYS)))
        if unknown:
            raise SitesFileError(p, _line(data, unknown[0]), f"未知的顶层键 “{unknown[0]}”（可用：{', '.join(FILE_KEYS)}）")
        if data.get("schema", SCHEMA) != SCHEMA:
            raise SitesFileError(p, _line(data, "schema"), f"不支持的 schema “{data.get('schema')}”（应为 {SCHEMA}）")
        file_line = _line(data, "sites")
    else:
        raise SitesFileError(p, 1, "站点清单应为映射，顶层需有 sites: 列表")
    base = p.resolve().parent
    file_rules: list[str] = []
    if data_map.get("rules") is not None:
        try:
            names = _str_list(data_map["rules"])
        except ValueError:
            raise SitesFileError(p, _line(data_map, "rules"), "rules 应为规则文件或目录的列表") from None
        for n in names:
            rp = resolve_rule_path(n, base)
            if rp is None:
                raise SitesFileError(p, _line(data_map, "rules"), f"规则文件 “{n}” 不存在（相对于站点清单所在目录或内置 rules/）")
            file_rules.append(str(rp))
    entries = data_map.get("sites")
    if not isinstance(entries, list) or not entries:
        raise SitesFileError(p, file_line, "缺少 sites: 列表（每个网站一项：name, urls, unit, rules）")
    sites: list[SiteSpec] = []
    names_seen: dict[str, int] = {}
    slugs_seen: dict[str, int] = {}
    for i, raw in enumerate(entries, 1):
        site = _load_site(p, raw, i, base)
        if site.name in names_seen:
            raise SitesFileError(p, site.line, f"网站名称 “{site.name}” 重复（第 {names_seen[site.name]} 项已使用）")
        names_seen[site.name] = i
        explicit = isinstance(raw, dict) and "slug" in raw
        if site.slug.lower() in slugs_seen:
            if explicit:
                raise SitesFileError(p, _line(raw, "slug"), f"slug “{site.slug}” 重复（第 {slugs_seen[site.slug.lower()]} 项已使用）")
            k = 2
            while f"{site.slug}-{k}".lower() in slugs_seen:
                k += 1
            site.slug = f"{site.slug}-{k}"
        slugs_seen[site.slug.lower()] = i
        sites.append(site)
    return sites, file_rules


def _load_site(p: Path, raw: Any, index: int, base: Path) -> SiteSpec:
    if not isinstance(raw, dict):
        raise SitesFileError(p, None, f"第 {index} 个网站应为映射（name, urls, unit, rules, extra_hosts）")
    line = _line(raw) or 0

    def err(key: str | None, msg: str) -> SitesFileError:
        return SitesFileError(p, _line(raw, key) if key else line, f"第 {index} 个网站：{msg}")

    unknown = sorted(map(str, set(raw) - set(SITE_KEYS)))
    if unknown:
        import difflib

        m = difflib.get_close_matches(unknown[0], SITE_KEYS, n=1)
        hint = f"，是否应为 “{m[0]}”？" if m else ""
        raise err(unknown[0], f"未知的键 “{unknown[0]}”{hint}（可用：{', '.join(SITE_KEYS)}）")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise err("name" if "name" in raw else None, "缺少必填字段 “name”（网站名称）")
    if "urls" not in raw:
        raise err(None, "缺少必填字段 “urls”（起始网址列表）")
    try:
        urls = [_check_url(u) for u in _str_list(raw["urls"])]
    except ValueError as e:
        raise err("urls", f"urls：{e}") from None
    if not urls:
        raise err("urls", "urls 不能为空")
    unit = raw.get("unit", "")
    if unit is None:
        unit = ""
    if not isinstance(unit, str):
        raise err("unit", "unit 应为单位名称（字符串）")
    rules: list[str] = []
    if raw.get("rules") is not None:
        try:
            entries = _str_list(raw["rules"])
        except ValueError:
            raise err("rules", "rules 应为规则文件或目录的列表") from None
        for n in entries:
            rp = resolve_rule_path(n, base)
            if rp is None:
                raise err("rules", f"规则文件 “{n}” 不存在（相对于站点清单所在目录或内置 rules/）")
            rules.append(str(rp))
    hosts: list[str] = []
    if raw.get("extra_hosts") is not None:
        try:
            hosts = [h.strip().lower() for h in _str_list(raw["extra_hosts"]) if h.strip()]
        except ValueError:
            raise err("extra_hosts", "extra_hosts 应为主机名列表，如 [xxgk.example.gov.cn]") from None
        for h in hosts:
            if "/" in h or ":" in h.replace("::", "") or " " in h:
                raise err("extra_hosts", f"extra_hosts 中的 “{h}” 应为主机名（不带 http:// 和路径）")
    slug = raw.get("slug")
    if slug is not None:
        if not isinstance(slug, str) or not _SLUG_RE.match(slug) or slug in (".", ".."):
            raise err("slug", "slug 只能包含字母、数字、点、下划线和连字符（用作输出目录名）")
    else:
        slug = default_slug(urls[0])
    return SiteSpec(name=name.strip(), urls=urls, slug=slug, unit=unit.strip(), rules=rules,
                    extra_hosts=hosts, line=line)


# -- crawling ------------------------------------------------------------------------------
@dataclass
class CrawlJob:
    slug: str
    urls: list[str]
    store: str
    extra_hosts: list[str]
    options: dict[str, Any]


CrawlFunc = Callable[[list[CrawlJob]], dict[str, int | BaseException]]


def _crawl_options(args: argparse.Namespace, urls: list[str]) -> dict[str, Any]:
    """The same crawl options as a one-site audit (--timeout, --delay, --render …)."""
    from crawler.cli.main import crawl_overrides

    return {"max_pages": getattr(args, "max_pages", 5000), "max_depth": getattr(args, "max_depth", 10),
            "obey_robots": not getattr(args, "ignore_robots", False), "resume": not getattr(args, "fresh", False),
            "settings": crawl_overrides(args, urls) or None}


def crawl_jobs(jobs: list[CrawlJob]) -> dict[str, int | BaseException]:
    """Crawl every job; returns slug → crawl id, or the exception that stopped it.

    All sites share one Scrapy process (crawler.run.run_crawls; each site keeps its own
    polite per-host limits, so sites do not slow each other down). A Twisted reactor
    runs once per process: call this once per process (the CLI does)."""
    from crawler.crawl.run import run_crawls

    payload = [{"start_urls": j.urls, "store": j.store, "extra_hosts": j.extra_hosts, **j.options} for j in jobs]
    try:
        ids = run_crawls(payload)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - reported per site, exit 1
        return {j.slug: e for j in jobs}
    return {j.slug: int(i) for j, i in zip(jobs, ids, strict=True)}


# -- the run --------------------------------------------------------------------------------
def run_sites(args: argparse.Namespace, *, crawl: CrawlFunc | None = None) -> int:
    """`govaudit audit --sites FILE`: validate, crawl all, evaluate each, write the index.

    Bad input (sites file, rule files, waivers, --as-of) prints one line and returns 2
    before anything is crawled."""
    from crawler.cli.main import EXIT_INPUT, InputError, _err

    try:
        return _run_sites(args, crawl)
    except InputError as e:
        _err(str(e))
        return EXIT_INPUT


def _run_sites(args: argparse.Namespace, crawl: CrawlFunc | None) -> int:
    from crawler.cli.main import (
        EXIT_FAIL,
        EXIT_OK,
        InputError,
        _load_rules,
        _load_waivers,
        _probe_store_spec,
        parse_as_of,
    )

    try:
        sites, file_rules = load_sites(args.sites)
    except SitesFileError as e:
        raise InputError(str(e)) from None
    if getattr(args, "urls", None):
        raise InputError("--sites 与网址不能同时给出（网址请写在站点清单中）")
    as_of = parse_as_of(getattr(args, "as_of", None))
    out_dir = Path(getattr(args, "out", "out"))
    default_rules = file_rules or list(getattr(args, "rules", None) or []) or _bundled_rules()
    cache: dict[tuple[str, ...], list[Any]] = {}
    site_rules: dict[str, list[Any]] = {}
    for s in sites:
        key = tuple(s.rules or default_rules)
        if key not in cache:
            cache[key] = _load_rules(list(key))
        site_rules[s.slug] = cache[key]
    all_rules = [r for rs in cache.values() for r in rs]
    waivers = _load_waivers(args, all_rules)
    probe_spec = _probe_store_spec(args)
    if getattr(args, "distributed", False):  # one Celery task per site (crawler.distributed)
        rule_paths = {s.slug: list(s.rules or default_rules) for s in sites}
        return run_sites_distributed(args, sites, rule_paths, as_of, out_dir, probe_spec)

    jobs = [CrawlJob(slug=s.slug, urls=s.urls, store=str(out_dir / s.slug / "crawl.db"),
                     extra_hosts=s.extra_hosts, options=_crawl_options(args, s.urls)) for s in sites]
    for j in jobs:
        Path(j.store).parent.mkdir(parents=True, exist_ok=True)
        if getattr(args, "fresh", False) and Path(j.store).exists():
            Path(j.store).unlink()
    print(f"正在检查 {len(sites)} 个网站（检查日期 {as_of}）…")
    try:
        crawled = (crawl or crawl_jobs)(jobs)
    except KeyboardInterrupt:
        print("已中断：已抓取的页面保存在各网站的抓取库中，重新运行同一命令将继续抓取。", file=sys.stderr)
        return 130
    entries, failed = evaluate_sites(sites, jobs, crawled, site_rules, waivers, as_of, out_dir,
                                     verify_links=not getattr(args, "no_verify_links", False),
                                     probe_store=probe_spec, timeout=getattr(args, "timeout", None))
    index = write_index(entries, out_dir)
    print(f"汇总页：{index.resolve()}")
    return EXIT_FAIL if failed else EXIT_OK


def _abs(spec: str) -> str:
    return spec if "://" in spec else str(Path(spec).resolve())


def run_sites_distributed(args: argparse.Namespace, sites: list[SiteSpec], rule_paths: dict[str, list[str]],
                          as_of: Any, out_dir: Path, probe_spec: str | None) -> int:
    """`--sites FILE --distributed`: one `audit_site` task per site on the Celery workers,
    crawling into the shared `--store`; then the same out/<slug>/ reports and index."""
    from reports.dashboard import SiteEntry

    from crawler.runner.audit import write_outputs
    from crawler.cli.main import EXIT_FAIL, EXIT_OK, InputError

    try:
        from crawler.runner import distributed as dist
    except ImportError:
        raise InputError("--distributed 需要 Celery 和 Redis 客户端：pip install 'govaudit[distributed]'") from None
    wait = float(getattr(args, "wait", None) or dist.TASK_TIME_LIMIT)
    if not wait > 0:
        raise InputError(f"--wait {wait:g} 无效（应为大于 0 的秒数）")
    store_url = getattr(args, "store", None) or ""
    options: dict[str, Any] = {
        "max_pages": getattr(args, "max_pages", None), "max_depth": getattr(args, "max_depth", None),
        "timeout": getattr(args, "timeout", None), "delay": getattr(args, "delay", None),
        "render": getattr(args, "render", None) if getattr(args, "render", "off") != "off" else None,
        "ignore_robots": getattr(args, "ignore_robots", False), "fresh": getattr(args, "fresh", False),
        "no_verify_links": getattr(args, "no_verify_links", False), "verbose": getattr(args, "verbose", False),
        "probe_store": _abs(probe_spec) if probe_spec else None,
        "waivers": _abs(args.waivers) if getattr(args, "waivers", None) else None,
        "task_timeout": wait,
    }
    options = {k: v for k, v in options.items() if v is not None and v is not False and v != ""}  # keep 0
    jobs = [{"site": {**s.info(), "extra_hosts": s.extra_hosts}, "rules": [_abs(r) for r in rule_paths[s.slug]],
             "as_of": as_of.isoformat(), "store_url": store_url,
             "out_dir": str((out_dir / s.slug).resolve()), "options": options} for s in sites]
    where = dist.redact_url(store_url) if store_url else "各 worker 本机的 OUT/<slug>/crawl.db"
    print(f"正在分发 {len(sites)} 个网站的检查任务（检查日期 {as_of}，队列 {dist.QUEUE}，"
          f"任务队列 {dist.redact_url(dist.BROKER)}，抓取库 {where}）…")
    online = dist.workers_online()
    if not online:
        print("注意：没有发现在线的 worker（请运行 celery -A crawler.distributed worker），任务已排队等待。",
              file=sys.stderr)
    names = {s.slug: s.name for s in sites}
    out_dir.mkdir(parents=True, exist_ok=True)

    def report(r: dict[str, Any]) -> None:
        name = names.get(r.get("slug", ""), r.get("slug", ""))
        if r.get("error"):
            print(f"  {name}：无法检查（{r['error']}）", file=sys.stderr)
            return
        v = r.get("verdict") or {}
        score = f"，得分 {v['score']:g}" if v.get("score") is not None else ""
        print(f"  {name}：{v.get('verdict', '')}{score}（worker {r.get('worker', '')}，抓取编号 {r.get('crawl_id')}）")

    try:
        results = dist.run_distributed(jobs, wait=wait, report=report)
    except KeyboardInterrupt:
        print("已中断：已分发的任务仍在 worker 上运行，结果保存在抓取库中。", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the broker is down or refuses us
        print(f"govaudit: 错误：无法分发任务（{dist.redact_url(dist.BROKER)}）：{type(e).__name__}: {e}",
              file=sys.stderr)
        return EXIT_FAIL
    entries: list[SiteEntry] = []
    failed = False
    for s in sites:
        r = results.get(s.slug) or {"error": "未返回结果"}
        doc = r.get("document")
        if r.get("error") or not isinstance(doc, dict):
            entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit,
                                     error=str(r.get("error") or "未返回结果")))
            failed = True
            continue
        local = out_dir / s.slug / "findings.json"  # a worker on another machine: render here
        try:
            same = local.is_file() and json.loads(local.read_text(encoding="utf-8")) == doc
        except ValueError:
            same = False
        if not same:
            write_outputs(doc, out_dir / s.slug)
        failed = failed or any(f.get("status") == "fail" for f in doc.get("findings") or [])
        entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, doc=doc))
    index = write_index(entries, out_dir)
    print(f"汇总页：{index.resolve()}")
    return EXIT_FAIL if failed else EXIT_OK


def _bundled_rules() -> list[str]:
    from rules import RULES_DIR

    return [str(RULES_DIR)]


def evaluate_sites(sites: list[SiteSpec], jobs: list[CrawlJob], crawled: dict[str, int | BaseException],
                   site_rules: dict[str, list[Any]], waivers: list[Any], as_of: Any, out_dir: Path,
                   *, verify_links: bool = True, probe_store: str | None = None,
                   timeout: float | None = None) -> tuple[list[Any], bool]:
    """Evaluate each crawled site into out/<slug>/; returns (dashboard entries, anything failed).
    `probe_store`: the store of the availability probes (default: each site's crawl store)."""
    from crawler.store.crawls import CrawlStore

    probes = CrawlStore(probe_store) if probe_store else None
    try:
        return _evaluate_each(sites, jobs, crawled, site_rules, waivers, as_of, out_dir,
                              verify_links=verify_links, probes=probes, timeout=timeout)
    finally:
        if probes is not None:
            probes.close()


def _evaluate_each(sites: list[SiteSpec], jobs: list[CrawlJob], crawled: dict[str, int | BaseException],
                   site_rules: dict[str, list[Any]], waivers: list[Any], as_of: Any, out_dir: Path,
                   *, verify_links: bool, probes: Any, timeout: float | None = None) -> tuple[list[Any], bool]:
    from reports.dashboard import SiteEntry

    from crawler.runner.audit import evaluate_store, post_crawl
    from crawler.store.crawls import CrawlStore

    entries: list[SiteEntry] = []
    failed = False
    for s, job in zip(sites, jobs, strict=True):
        res = crawled.get(s.slug)
        if not isinstance(res, int):
            msg = str(res) if res is not None else "未抓取"
            print(f"  {s.name}：无法检查（{msg}）", file=sys.stderr)
            entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, error=msg))
            failed = True
            continue
        store = CrawlStore(job.store)
        try:
            post_crawl(store, res, verify_links=verify_links, timeout=timeout)
            result = evaluate_store(store, res, site_rules[s.slug], as_of, out_dir / s.slug,
                                    waivers=waivers, site_info=s.info(), probe_store=probes)
        except Exception as e:  # noqa: BLE001 - one broken site must not lose the others
            msg = f"评估出错：{type(e).__name__}: {e}"
            print(f"  {s.name}：{msg}", file=sys.stderr)
            entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, error=msg))
            failed = True
            continue
        finally:
            store.close()
        v = result.document.get("verdict") or {}
        score = f"，得分 {v['score']:g}" if v.get("score") is not None else ""
        print(f"  {s.name}：{v.get('verdict', '')}{score} → {out_dir / s.slug / 'report.html'}")
        failed = failed or result.failed
        entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, doc=result.document))
    return entries, failed


def write_index(entries: list[Any], out_dir: Path) -> Path:
    from reports.dashboard import render_dashboard
    from reports.exports import write_combined_exports

    docs = [e.doc for e in entries if e.doc is not None]
    exports = write_combined_exports(docs, out_dir) if docs else {}
    (out_dir / "sites.json").write_text(json.dumps(
        [{"name": e.name, "slug": e.slug, "urls": e.urls, "unit": e.unit, "error": e.error,
          "verdict": (e.doc or {}).get("verdict", {}).get("verdict", "无法判断"),
          "score": (e.doc or {}).get("verdict", {}).get("score")} for e in entries],
        ensure_ascii=False, indent=2), encoding="utf-8")
    return render_dashboard(entries, out_dir, exports=exports)
