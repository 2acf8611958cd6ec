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
        profile: 政府门户网站                  # optional: 政府门户网站 | 部门网站 | 乡镇（街道）网站 (default: inferred from the name)
        region: 重庆市渝中区                   # optional: the site's region (default: inferred from the name)

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.net.urls import check_url
from crawler.ruleset.yamlfile import YamlFileError, line_of, load_yaml

SCHEMA = "govaudit.sites/1"
FILE_KEYS = ("schema", "rules", "sites")
SITE_KEYS = ("name", "urls", "unit", "rules", "extra_hosts", "slug", "profile", "region")
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
                raise SitesFileError(p, line_of(raw, "slug"), f"slug “{site.slug}” 重复（第 {slugs_seen[site.slug.lower()]} 项已使用）")
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
    line = line_of(raw) or 0

    def err(key: str | None, msg: str) -> SitesFileError:
        return SitesFileError(p, line_of(raw, key) if key else line, f"第 {index} 个网站：{msg}")

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
    from crawler.judge.applicability import ProfileError, normalize_kind, region_levels

    profile = raw.get("profile") or ""
    try:
        profile = normalize_kind(profile if isinstance(profile, str) else str(profile))
    except ProfileError as e:
        raise err("profile", str(e)) from None
    region = raw.get("region") or ""
    if not isinstance(region, str) or (region.strip() and not region_levels(region)):
        raise err("region", f"region “{region}” 无效（应为行政区划名称，如 重庆市渝中区）")
    return SiteSpec(name=name.strip(), urls=urls, slug=slug, unit=unit.strip(), rules=rules,
                    extra_hosts=hosts, line=line, profile=profile, region=region.strip())


# -- crawling ------------------------------------------------------------------------------
