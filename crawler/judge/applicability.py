"""Which rules apply to a site: the site's profile (kind and region) × a rule's `applies_to`.

A site's profile is given (`--profile` / `--region`, or `profile:` / `region:` in sites.yaml)
or inferred from the homepage's `SiteName` meta or `<title>`: "重庆市渝中区人民政府" is the
政府门户网站 of 重庆市渝中区, "…局/委/办" a 部门网站, "…镇/乡/街道…" a 乡镇（街道）网站 (of the
district around it).

A rule applies unless
- it is restricted to kinds and the site's kind is another (a rule restricted to kinds on
  a site whose kind is not known is not judged: its status is `unknown`, so the two 年报
  rules — departments 01-31, governments 03-31 — never both fire on one site);
- it binds a region (a local notice) and the site is of another region, or the site's
  region is not known — unless its file was named explicitly on the command line (then
  the user chose the notice for this site and it applies as given).
A rule that does not apply has status `not_applicable` (不适用) and is out of every count
and of the score.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from crawler.ruleset.loader import SITE_KINDS, AuditRule

PORTAL, DEPARTMENT, TOWNSHIP = SITE_KINDS
KIND_ALIASES = {
    "政府门户网站": PORTAL, "门户网站": PORTAL, "门户": PORTAL, "政府网站": PORTAL, "portal": PORTAL,
    "部门网站": DEPARTMENT, "部门": DEPARTMENT, "department": DEPARTMENT,
    "乡镇（街道）网站": TOWNSHIP, "乡镇(街道)网站": TOWNSHIP, "乡镇网站": TOWNSHIP, "街道网站": TOWNSHIP,
    "乡镇": TOWNSHIP, "街道": TOWNSHIP, "township": TOWNSHIP,
}
SOURCE_CN = {"option": "命令行指定", "sites": "站点清单指定", "inferred": "根据网站名称推断", "": "未确定"}

# one administrative level: a name and its suffix (省, 市, 区, 县, 自治州 …)
_LEVEL = re.compile(r"[\u4e00-\u9fff]{1,10}?(?:自治区|特别行政区|自治州|自治县|自治旗|省|市|州|盟|地区|区|县|旗)")
_CHAIN_START = re.compile(r"^(?:中华人民共和国|中国)")
_TOWNSHIP = re.compile(r"[\u4e00-\u9fff]{1,10}?(?:街道|镇|乡)(?:人民政府|办事处|政府)?")
_DEPT_WORDS = re.compile(r"(?:局|委员会|委|办公室|办|厅|署|中心|管委会|院|会|部|所|站|队)$")
_SEP = re.compile(r"\s*(?:[-_|｜—–·>]|--|：|:|\s)\s*")


class ProfileError(ValueError):
    """A --profile that names no site kind."""


def normalize_kind(value: str | None) -> str:
    """'部门' → 部门网站 …; '' → ''. Raises ProfileError naming the choices."""
    if not value or not str(value).strip():
        return ""
    v = str(value).strip()
    if v in KIND_ALIASES:
        return KIND_ALIASES[v]
    raise ProfileError(f"站点类型 “{v}” 无效（可用：{'、'.join(SITE_KINDS)}）")


def region_levels(region: str) -> list[str]:
    """'重庆市渝中区' → ['重庆市', '渝中区'] (the chain of administrative names)."""
    s = _CHAIN_START.sub("", (region or "").strip())
    out: list[str] = []
    pos = 0
    while pos < len(s):
        m = _LEVEL.match(s, pos)
        if not m:
            break
        out.append(m.group(0))
        pos = m.end()
    return out


def _split_name(name: str) -> tuple[str, str]:
    """'重庆市渝中区发展和改革委员会' → ('重庆市渝中区', '发展和改革委员会')."""
    s = _CHAIN_START.sub("", name.strip())
    levels = region_levels(s)
    chain = "".join(levels)
    # "市场监督管理局" after a chain: the chain stops before a level that is a department word
    return chain, s[len(chain):]


def infer_from_name(name: str) -> tuple[str, str]:
    """(kind, region) from a site's name; ('', '') when the name says nothing.

    The kind comes from what follows the region: 人民政府/政府 → 政府门户网站; a township
    (…镇/乡/街道…) → 乡镇（街道）网站; a bureau, commission or office → 部门网站."""
    best = ("", "")
    for part in [name, *_SEP.split(name or "")]:
        part = part.strip()
        portal_word = bool(re.search(r"(?:政府门户网站|政府网|门户网站|门户网)$", part))
        part = re.sub(r"(?:门户网站|门户网|网站|官网|首页|主页|欢迎您|欢迎你)+$", "", part)
        if not part:
            continue
        region, rest = _split_name(part)
        rest = rest.strip()
        kind = ""
        if not region and not rest:
            continue
        if _TOWNSHIP.fullmatch(rest) or (re.search(r"(?:街道|镇|乡)(?:人民政府|办事处|政府)?$", rest) and rest):
            kind = TOWNSHIP
        elif region and (rest in ("人民政府", "政府") or (not rest and portal_word)
                         or re.match(r"^(?:人民)?政府(?:信息公开|政务公开|门户)", rest)):
            kind = PORTAL
        elif rest and _DEPT_WORDS.search(rest):
            kind = DEPARTMENT
        if kind and region:
            return kind, region
        if kind and not best[0]:
            best = (kind, best[1])
        if region and not best[1] and (kind or rest):
            best = (best[0], region)
    return best


@dataclass
class SiteProfile:
    kind: str = ""  # one of SITE_KINDS, "" unknown
    region: str = ""  # e.g. 重庆市渝中区, "" unknown
    source: str = ""  # option | sites | inferred | ""
    basis: str = ""  # the name it was inferred from

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["source_cn"] = SOURCE_CN.get(self.source, self.source)
        return d


def fill_profile(entry: dict[str, Any], option: dict[str, str] | None) -> tuple[dict[str, str], str]:
    """A site's kind and region as given: a sites.yaml entry's own (`profile`, `region`) win,
    the command line's (`option`: {"kind", "region"} from --profile/--region) fill each gap.
    Returns ({"kind", "region"}, where they came from: "sites", "option" or "")."""
    given = {"kind": str(entry.get("profile") or ""), "region": str(entry.get("region") or "")}
    source = "sites" if (given["kind"] or given["region"]) else ""
    for key in ("kind", "region"):
        if not given[key] and (option or {}).get(key):
            given[key] = str((option or {})[key])
            source = source or "option"
    return given, source


def resolve_profile(kind: str = "", region: str = "", *, names: list[str] | None = None,
                    source: str = "option") -> SiteProfile:
    """The given kind/region, each completed from the first of `names` (SiteName meta,
    homepage title) that says it."""
    kind = normalize_kind(kind)
    region = (region or "").strip()
    prof = SiteProfile(kind=kind, region=region, source=source if (kind or region) else "")
    if kind and region:
        return prof
    for n in names or []:
        if not n:
            continue
        k, r = infer_from_name(str(n))
        if not (k or r):
            continue
        inferred = False
        if not prof.kind and k:
            prof.kind, inferred = k, True
        if not prof.region and r:
            prof.region, inferred = r, True
        if inferred:
            prof.basis = str(n)[:80]
            prof.source = prof.source if prof.source else "inferred"
        if prof.kind and prof.region:
            break
    return prof


def region_covers(rule_region: str, site_region: str) -> bool:
    """A notice of 重庆市 binds 重庆市渝中区; one of 重庆市渝中区 binds 渝中区 (a name given
    without its city) and 重庆市渝中区 itself, never 重庆市武隆区."""
    rule_l, site_l = region_levels(rule_region), region_levels(site_region)
    if not rule_l or not site_l:
        return rule_region.strip() == site_region.strip()
    return rule_l[-1] in site_l


def applicability(rule: AuditRule, profile: SiteProfile | None) -> tuple[str, str]:
    """('apply', '') | ('not_applicable', why) | ('unknown', why)."""
    p = profile or SiteProfile()
    if rule.kinds and set(rule.kinds) != set(SITE_KINDS):
        if not p.kind:
            return "unknown", (f"本条仅适用于{'、'.join(rule.kinds)}，本站类型未确定，无法判断是否适用"
                               f"（请用 --profile 指定：{'、'.join(SITE_KINDS)}）")
        if p.kind not in rule.kinds:
            return "not_applicable", f"本条适用于{'、'.join(rule.kinds)}，本站为{p.kind}"
    if rule.region and not rule.explicit:
        if not p.region:
            return "not_applicable", (f"本条为{rule.region}的工作要点，本站所属地区未确定"
                                      f"（请用 --region 指定，如 --region {rule.region}）")
        if not region_covers(rule.region, p.region):
            return "not_applicable", f"本条为{rule.region}的工作要点，本站属于{p.region}"
    return "apply", ""
