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
        profile: 政府门户网站                  # optional: 政府门户网站 | 部门网站 | 乡镇（街道）网站 (default: --profile, else inferred from the name)
        region: 重庆市渝中区                   # optional: the site's region (default: --region, else inferred from the name)
        # what `govaudit schedule` uses (docs/SCHEDULE.md); schedule/probe_interval/misfire/notify
        # may also be given at file level as the default of every site
        schedule: "0 2 * * 1"                # cron (5 fields; 6 fields = with seconds first) or "every 30m"
        probe_interval: 1h                   # homepage availability probe: seconds, or 30s / 10m / 1h
        misfire: run_once                    # a run missed while the scheduler was down: run_once | skip
        max_pages: 3000                      # crawl bounds of this site
        delay: 1.0                           # seconds between two requests to one host
        waivers: waivers.yaml                # this site's approved exceptions
        exclude: ['/search', 'calendar\\?date=']   # URL regexes never followed (calendar traps, search results)
        notify: [...]                        # notice targets (docs/NOTIFY.md)

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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.net.urls import check_url
from crawler.ruleset.yamlfile import YamlFileError, line_of, load_yaml

SCHEMA = "govaudit.sites/1"
SCHEDULE_KEYS = ("schedule", "probe_interval", "misfire", "notify")  # also at file level (defaults)
FILE_KEYS = ("schema", "rules", "sites", *SCHEDULE_KEYS)
SITE_KEYS = ("name", "urls", "unit", "rules", "extra_hosts", "slug", "profile", "region", *SCHEDULE_KEYS,
             "max_pages", "delay", "waivers", "exclude")
MISFIRE_POLICIES = ("run_once", "skip")
DEFAULT_MISFIRE = "run_once"
_INTERVAL_RE = re.compile(r"^\s*(?:every\s+|每\s*)?(\d+(?:\.\d+)?)\s*(s|sec|秒|m|min|分钟?|h|小时|d|天)?\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "sec": 1, "秒": 1, "m": 60, "min": 60, "分": 60, "分钟": 60, "h": 3600, "小时": 3600, "d": 86400, "天": 86400}
_CRON_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class SitesFileError(YamlFileError):
    """A problem in a sites file, located: `str(e)` is `file:line: message`."""


@dataclass
class SiteSpec:
    name: str
    urls: list[str]
    slug: str
    unit: str = ""
    rules: list[str] = field(default_factory=list)  # resolved paths; [] = the default
    extra_hosts: list[str] = field(default_factory=list)
    line: int = 0
    profile: str = ""  # site kind (crawler.judge.applicability), "" inferred
    region: str = ""
    schedule: str = ""  # cron expression or interval (see parse_schedule); "" = not scheduled
    probe_interval: float | None = None  # seconds between homepage probes; None = no probes
    misfire: str = DEFAULT_MISFIRE
    max_pages: int | None = None
    delay: float | None = None
    waivers: str = ""  # resolved path of the site's waivers file
    exclude: list[str] = field(default_factory=list)  # URL regexes the crawl does not follow
    notify: list[Any] = field(default_factory=list)  # crawler.notify.NotifyTarget

    def info(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "unit": self.unit, "slug": self.slug, "urls": list(self.urls)}
        if self.profile:
            d["profile"] = self.profile
        if self.region:
            d["region"] = self.region
        return d


# -- loading -------------------------------------------------------------------------------
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


def interval_seconds(value: Any) -> float:
    """Seconds from 30, "30s", "10m", "1h", "every 2h", "1d" (ValueError otherwise)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = float(value)
    else:
        m = _INTERVAL_RE.match(str(value))
        if not m:
            raise ValueError(value)
        secs = float(m.group(1)) * _UNIT_S.get((m.group(2) or "s").lower(), 1)
    if not secs > 0:
        raise ValueError(value)
    return secs


def _cron_dow(field_: str) -> str:
    """A cron day-of-week field in cron's numbering (0 and 7 = Sunday) as APScheduler 3
    names (its numbers start at Monday): "1-5" → "mon-fri", "0" → "sun"."""
    return re.sub(r"(?<![/\w])([0-7])(?![\w])", lambda m: _CRON_DOW[int(m.group(1))], field_)


def parse_schedule(spec: Any, *, start_date: Any = None, timezone: Any = None) -> Any:
    """An APScheduler trigger for a `schedule:` value (ValueError with a Chinese reason):

    - 5 cron fields "minute hour day month day_of_week", e.g. "0 2 * * 1" (Mondays 02:00);
      day_of_week as in cron (0/7 = Sunday) or names (mon-fri);
    - 6 fields: seconds first, e.g. "*/20 * * * * *" (every 20 s: for tests);
    - an interval: "every 30m", "90s", "2h", "1d" (counted from `start_date`, default now).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("schedule 应为 cron 表达式（如 \"0 2 * * 1\"）或间隔（如 \"every 6h\"）")
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    text = spec.strip()
    parts = text.split()
    if len(parts) in (5, 6):
        if len(parts) == 5:
            parts = ["0", *parts]
        sec, minute, hour, day, month, dow = parts
        try:
            return CronTrigger(second=sec, minute=minute, hour=hour, day=day, month=month,
                               day_of_week=_cron_dow(dow), timezone=timezone)
        except ValueError as e:
            raise ValueError(f"schedule “{text}” 不是有效的 cron 表达式（{e}；5 个字段：分 时 日 月 星期，"
                             "如 \"0 2 * * 1\" 为每周一 2:00；6 个字段时第一个为秒）") from None
    try:
        secs = interval_seconds(text)
    except ValueError:
        raise ValueError(f"schedule “{text}” 无法识别（应为 5 或 6 个字段的 cron 表达式，如 \"0 2 * * 1\"，"
                         "或间隔，如 \"every 6h\"、\"30m\"、\"90s\"）") from None
    return IntervalTrigger(seconds=secs, start_date=start_date, timezone=timezone)


def default_slug(url: str) -> str:
    host = (urlsplit(url).hostname or "site").lower()
    return re.sub(r"[^a-z0-9.-]", "-", host)


def load_sites(path: str | Path) -> tuple[list[SiteSpec], list[str]]:
    """Read and validate a sites file → (sites, file-level rule paths)."""
    p = Path(path)
    data = load_yaml(p, SitesFileError, option="--sites")
    if isinstance(data, list):
        data_map: dict[str, Any] = {"sites": data}
        file_line = None
    elif isinstance(data, dict):
        data_map = data
        unknown = sorted(map(str, set(data) - set(FILE_KEYS)))
        if unknown:
            raise SitesFileError(p, line_of(data, unknown[0]), f"未知的顶层键 “{unknown[0]}”（可用：{', '.join(FILE_KEYS)}）")
        if data.get("schema", SCHEMA) != SCHEMA:
            raise SitesFileError(p, line_of(data, "schema"), f"不支持的 schema “{data.get('schema')}”（应为 {SCHEMA}）")
        file_line = line_of(data, "sites")
    else:
        raise SitesFileError(p, 1, "站点清单应为映射，顶层需有 sites: 列表")
    base = p.resolve().parent
    file_rules: list[str] = []
    if data_map.get("rules") is not None:
        try:
            names = _str_list(data_map["rules"])
        except ValueError:
            raise SitesFileError(p, line_of(data_map, "rules"), "rules 应为规则文件或目录的列表") from None
        for n in names:
            rp = resolve_rule_path(n, base)
            if rp is None:
                raise SitesFileError(p, line_of(data_map, "rules"), f"规则文件 “{n}” 不存在（相对于站点清单所在目录或内置 rules/）")
            file_rules.append(str(rp))
    entries = data_map.get("sites")
    if not isinstance(entries, list) or not entries:
        raise SitesFileError(p, file_line, "缺少 sites: 列表（每个网站一项：name, urls, unit, rules）")
    defaults = _schedule_fields(p, data_map, None, "")
    sites: list[SiteSpec] = []
    names_seen: dict[str, int] = {}
    slugs_seen: dict[str, int] = {}
    for i, raw in enumerate(entries, 1):
        site = _load_site(p, raw, i, base, defaults)
        if site.name in names_seen:
            raise SitesFileError(p, site.line, f"网站名称 “{site.name}” 重复（第 {names_seen[site.name]} 项已使用）")
        names_seen[site.name] = i
        explicit = isinstance(raw, dict) and "slug" in raw
        if site.slug.lower() in slugs_seen:
            if explicit:
                raise SitesFileError(p, line_of(raw, "slug"), f"slug “{site.slug}” 重复（第 {slugs_seen[site.slug.lower()]} 项已使用）")
            k = 2
            while f"{site.slug}-{k}".lower() in slugs_seen:
                k += 1
            site.slug = f"{site.slug}-{k}"
        slugs_seen[site.slug.lower()] = i
        sites.append(site)
    return sites, file_rules


def _located(message: str) -> SitesFileError:
    """A SitesFileError whose message already names file:line (from crawler.notify)."""
    e = SitesFileError("", None, message)
    e.args = (message,)
    return e


def _schedule_fields(p: Path, raw: Any, defaults: dict[str, Any] | None, prefix: str) -> dict[str, Any]:
    """schedule, probe_interval, misfire and notify of a site (or the file's defaults)."""
    from crawler.notify import NotifyConfigError, parse_notify_targets

    out: dict[str, Any] = dict(defaults or {"schedule": "", "probe_interval": None, "misfire": DEFAULT_MISFIRE,
                                            "notify": []})

    def err(key: str, msg: str) -> SitesFileError:
        return SitesFileError(p, line_of(raw, key), f"{prefix}{msg}")

    if raw.get("schedule") is not None:
        try:
            parse_schedule(raw["schedule"])
        except ValueError as e:
            raise err("schedule", str(e)) from None
        out["schedule"] = str(raw["schedule"]).strip()
    if raw.get("probe_interval") is not None:
        try:
            out["probe_interval"] = interval_seconds(raw["probe_interval"])
        except ValueError:
            raise err("probe_interval", f"probe_interval “{raw['probe_interval']}” 无效（应为秒数或 30s、10m、1h 之类的间隔）") from None
    if raw.get("misfire") is not None:
        if raw["misfire"] not in MISFIRE_POLICIES:
            raise err("misfire", f"misfire “{raw['misfire']}” 无效（应为 run_once：启动时补跑一次，或 skip：跳过）")
        out["misfire"] = raw["misfire"]
    if "notify" in raw:
        try:
            out["notify"] = parse_notify_targets(raw["notify"], f"{p}:{line_of(raw, 'notify') or 1}")
        except NotifyConfigError as e:
            raise _located(str(e)) from None
    return out


_Err = Callable[[str | None, str], SitesFileError]


def _load_site(p: Path, raw: Any, index: int, base: Path, defaults: dict[str, Any] | None = None) -> SiteSpec:
    if not isinstance(raw, dict):
        raise SitesFileError(p, None, f"第 {index} 个网站应为映射（name, urls, unit, rules, extra_hosts）")
    line = line_of(raw) or 0

    def err(key: str | None, msg: str) -> SitesFileError:
        return SitesFileError(p, line_of(raw, key) if key else line, f"第 {index} 个网站：{msg}")

    unknown = sorted(map(str, set(raw) - set(SITE_KEYS)))
    if unknown:
        import difflib

        m = difflib.get_close_matches(unknown[0], SITE_KEYS, n=1)
        hint = f"，是否应为 “{m[0]}”？" if m else ""
        raise err(unknown[0], f"未知的键 “{unknown[0]}”{hint}（可用：{', '.join(SITE_KEYS)}）")
    name, urls, unit = _site_identity(raw, err)
    slug = raw.get("slug")
    if slug is not None:
        if not isinstance(slug, str) or not _SLUG_RE.match(slug) or slug in (".", ".."):
            raise err("slug", "slug 只能包含字母、数字、点、下划线和连字符（用作输出目录名）")
    else:
        slug = default_slug(urls[0])
    profile, region = _site_profile(raw, err)
    sched = _schedule_fields(p, raw, defaults, f"第 {index} 个网站：")
    max_pages, delay, exclude = _site_crawl_limits(raw, err)
    return SiteSpec(name=name, urls=urls, slug=slug, unit=unit, rules=_site_rules(raw, err, base),
                    extra_hosts=_site_hosts(raw, err), line=line, profile=profile, region=region,
                    schedule=sched["schedule"], probe_interval=sched["probe_interval"], misfire=sched["misfire"],
                    notify=sched["notify"], max_pages=max_pages, delay=delay,
                    waivers=_site_waivers(raw, err, base), exclude=exclude)


def _site_identity(raw: dict[str, Any], err: _Err) -> tuple[str, list[str], str]:
    """name, start URLs and unit (required name and URLs)."""
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise err("name" if "name" in raw else None, "缺少必填字段 “name”（网站名称）")
    if "urls" not in raw:
        raise err(None, "缺少必填字段 “urls”（起始网址列表）")
    try:
        urls = [check_url(u) for u in _str_list(raw["urls"])]  # BadURL is a ValueError
    except ValueError as e:
        raise err("urls", f"urls：{e}") from None
    if not urls:
        raise err("urls", "urls 不能为空")
    unit = raw.get("unit", "")
    if unit is None:
        unit = ""
    if not isinstance(unit, str):
        raise err("unit", "unit 应为单位名称（字符串）")
    return name.strip(), urls, unit.strip()


def _site_rules(raw: dict[str, Any], err: _Err, base: Path) -> list[str]:
    rules: list[str] = []
    if raw.get("rules") is None:
        return rules
    try:
        entries = _str_list(raw["rules"])
    except ValueError:
        raise err("rules", "rules 应为规则文件或目录的列表") from None
    for n in entries:
        rp = resolve_rule_path(n, base)
        if rp is None:
            raise err("rules", f"规则文件 “{n}” 不存在（相对于站点清单所在目录或内置 rules/）")
        rules.append(str(rp))
    return rules


def _site_hosts(raw: dict[str, Any], err: _Err) -> list[str]:
    if raw.get("extra_hosts") is None:
        return []
    try:
        hosts = [h.strip().lower() for h in _str_list(raw["extra_hosts"]) if h.strip()]
    except ValueError:
        raise err("extra_hosts", "extra_hosts 应为主机名列表，如 [xxgk.example.gov.cn]") from None
    for h in hosts:
        if "/" in h or ":" in h.replace("::", "") or " " in h:
            raise err("extra_hosts", f"extra_hosts 中的 “{h}” 应为主机名（不带 http:// 和路径）")
    return hosts


def _site_profile(raw: dict[str, Any], err: _Err) -> tuple[str, str]:
    from crawler.judge.applicability import ProfileError, normalize_kind, region_levels

    profile = raw.get("profile") or ""
    try:
        profile = normalize_kind(profile if isinstance(profile, str) else str(profile))
    except ProfileError as e:
        raise err("profile", str(e)) from None
    region = raw.get("region") or ""
    if not isinstance(region, str) or (region.strip() and not region_levels(region)):
        raise err("region", f"region “{region}” 无效（应为行政区划名称，如 重庆市渝中区）")
    return profile, region.strip()


def _site_crawl_limits(raw: dict[str, Any], err: _Err) -> tuple[int | None, float | None, list[str]]:
    """The site's own max_pages, delay and exclude patterns."""
    max_pages = raw.get("max_pages")
    if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1):
        raise err("max_pages", f"max_pages “{max_pages}” 无效（应为正整数，如 3000）")
    delay = raw.get("delay")
    if delay is not None:
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise err("delay", f"delay “{delay}” 无效（应为不小于 0 的秒数，如 1.0）")
        delay = float(delay)
    exclude: list[str] = []
    if raw.get("exclude") is not None:
        try:
            exclude = _str_list(raw["exclude"])
        except ValueError:
            raise err("exclude", "exclude 应为网址正则表达式的列表，如 ['/search', 'calendar\\?']") from None
        for pat in exclude:
            try:
                re.compile(pat)
            except re.error as e:
                raise err("exclude", f"exclude 中的 “{pat}” 不是有效的正则表达式（{e}）") from None
    return max_pages, delay, exclude


def _site_waivers(raw: dict[str, Any], err: _Err, base: Path) -> str:
    if raw.get("waivers") is None:
        return ""
    if not isinstance(raw["waivers"], str):
        raise err("waivers", "waivers 应为豁免清单文件路径")
    wp = Path(raw["waivers"])
    wp = wp if wp.is_absolute() else base / wp
    if not wp.is_file():
        raise err("waivers", f"豁免清单 “{raw['waivers']}” 不存在（相对于站点清单所在目录）")
    from crawler.ruleset.waivers import WaiverFileError, load_waivers

    try:
        load_waivers(str(wp))
    except WaiverFileError as e:
        raise _located(str(e)) from None
    return str(wp)


# -- crawling ------------------------------------------------------------------------------
