"""A digest as e-mail (plain text + HTML) and as robot markdown within a byte limit.

Everything here comes from crawled pages and rule files, so it is hostile: the HTML is
rendered by jinja2 with autoescape, only http(s) URLs become links, and text put into
markdown loses the characters that would make links, images, headings or mentions.
"""
from __future__ import annotations

import re

import jinja2

from .digest import Digest, Item

EMAIL_ITEMS_MAX = 200  # items written out in one mail; the rest are counted and linked
FOOTER = "本通知由政务公开网站检查工具 govaudit 自动发送，请勿直接回复。"


def safe_href(url: str) -> str:
    s = str(url or "").strip()
    if re.search(r"[\x00-\x20\x7f]", s):
        return ""
    return s if s.lower().startswith(("http://", "https://")) else ""


def _intro(d: Digest) -> str:
    where = f"{d.site_name}（{d.site_url}）" if d.site_url else d.site_name
    when = f"{d.as_of} " if d.as_of else ""
    if d.down and not d.items:
        return f"{where}在{when}检查时无法访问：{d.down_reason or '原因未知'}。请尽快恢复网站访问。"
    if d.items:
        return f"{where}{when}政务公开检查发现贵单位有 {len(d.items)} 项问题需要整改。"
    return f"{where}{when}政务公开检查结果如下。"


# -- plain text --------------------------------------------------------------------------
def _text_item(n: int, i: Item) -> list[str]:
    head = f"{n}. " + (f"【{i.change_cn}】" if i.change_cn else "") + i.title
    if i.role == "lead":
        head += "（贵单位为牵头单位）"
    lines = [head, f"   问题：{i.message}"]
    if i.deadline:
        lines.append(f"   整改期限：{i.deadline}" + ("（已逾期）" if i.overdue else ""))
    for text, url in i.evidence:
        lines.append(f"   整改位置：{text} {safe_href(url) or url}".rstrip())
    if i.source:
        lines.append(f"   依据：{i.source}")
    return lines


def render_text(d: Digest) -> str:
    out = [f"{d.unit}：", "", _intro(d)]
    for line in (d.change_line, d.verdict_line):
        if line:
            out.append(line)
    if d.down and d.items:
        out.append(f"注意：本次检查时网站无法访问（{d.down_reason or '原因未知'}）。")
    sections = [("需要整改", d.items), ("未到期事项（期限未到，请按期完成）", d.pending), ("已整改", d.fixed)]
    numerals = "一二三"
    k = 0
    for title, items in sections:
        if not items:
            continue
        out += ["", f"{numerals[k]}、{title}（{len(items)} 项）"]
        k += 1
        for n, i in enumerate(items[:EMAIL_ITEMS_MAX], 1):
            if items is d.fixed:
                out.append(f"{n}. {i.title}")
            else:
                out += _text_item(n, i)
        if len(items) > EMAIL_ITEMS_MAX:
            out.append(f"其余 {len(items) - EMAIL_ITEMS_MAX} 项见报告。")
    out += ["", f"本单位整改清单：{d.link}", "", FOOTER]
    return "\n".join(out) + "\n"


# -- HTML ----------------------------------------------------------------------------------
_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family:'Microsoft YaHei','PingFang SC',sans-serif;font-size:14px;color:#222;max-width:860px">
<p><strong>{{ d.unit }}</strong>：</p>
<p>{{ intro }}</p>
{% if d.change_line %}<p>{{ d.change_line }}</p>{% endif %}
{% if d.verdict_line %}<p><strong>{{ d.verdict_line }}</strong></p>{% endif %}
{% if d.down and d.items %}<p style="color:#b00">注意：本次检查时网站无法访问（{{ d.down_reason or '原因未知' }}）。</p>{% endif %}
{% for title, items, full in sections %}{% if items %}
<h3>{{ title }}（{{ items|length }} 项）</h3>
<ol>
{% for i in items[:max_items] %}<li style="margin-bottom:8px">
{% if i.change_cn %}<span style="color:{{ '#b00' if i.change in ('new', 'regressed') else '#555' }}">【{{ i.change_cn }}】</span>{% endif %}<strong>{{ i.title }}</strong>{% if i.role == 'lead' %}（贵单位为牵头单位）{% endif %}
{% if full %}<br>问题：{{ i.message }}
{% if i.deadline %}<br>整改期限：{{ i.deadline }}{% if i.overdue %} <span style="color:#b00">（已逾期）</span>{% endif %}{% endif %}
{% for text, url in i.evidence %}<br>整改位置：{% if href(url) %}<a href="{{ href(url) }}">{{ text or url }}</a>{% else %}{{ text }} {{ url }}{% endif %}{% endfor %}
{% if i.source %}<br><span style="color:#666">依据：{{ i.source }}</span>{% endif %}{% endif %}
</li>
{% endfor %}</ol>
{% if items|length > max_items %}<p>其余 {{ items|length - max_items }} 项见报告。</p>{% endif %}
{% endif %}{% endfor %}
<p>本单位整改清单：{% if href(d.link) %}<a href="{{ href(d.link) }}">{{ d.link }}</a>{% else %}{{ d.link }}{% endif %}</p>
<p style="color:#888;font-size:12px">{{ footer }}</p>
</body></html>
"""
_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_HTML_T = _ENV.from_string(_HTML)


def render_html(d: Digest) -> str:
    sections = [("需要整改", d.items, True), ("未到期事项", d.pending, True), ("已整改", d.fixed, False)]
    return _HTML_T.render(d=d, subject=d.subject, intro=_intro(d), sections=sections,
                          max_items=EMAIL_ITEMS_MAX, href=safe_href, footer=FOOTER)


# -- markdown (企业微信 / 钉钉 robots) --------------------------------------------------------
_MD_SUB = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "`": "'",
                         "*": "＊", "#": "＃", "!": "！", "|": "｜", "\\": "＼", "@": "＠", "_": "＿",
                         "~": "～", "&": "＆"})


def md_text(s: str) -> str:
    """Crawled text made inert in markdown: one line, no link/emphasis/heading/mention syntax."""
    return re.sub(r"\s+", " ", str(s)).strip().translate(_MD_SUB)


def md_link(text: str, url: str) -> str:
    href = safe_href(url)
    if not href:
        return md_text(text or url)
    href = href.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{md_text(text) or '链接'}]({href})"


def _md_item(n: int, i: Item) -> str:
    s = f"{n}. " + (f"【{i.change_cn}】" if i.change_cn else "") + f"**{md_text(i.title)}**"
    if i.role == "lead":
        s += "（牵头）"
    s += f"：{md_text(i.message)}"
    if i.deadline:
        s += f"；期限 {md_text(i.deadline)}" + ("（已逾期）" if i.overdue else "")
    if i.evidence:
        text, url = i.evidence[0]
        s += "；位置：" + md_link(text or "页面", url)
    return s


def render_markdown(d: Digest, limit: int, sep: str = "\n") -> tuple[str, int]:
    """Markdown of at most `limit` UTF-8 bytes → (text, items listed).

    Items that do not fit are counted in a last line "其余 N 项见报告" with the link.
    """
    head = [f"### {md_text(d.subject)}", f"**{md_text(d.unit)}**"]
    if d.down:
        head.append(f"> 网站无法访问：{md_text(d.down_reason or '原因未知')}")
    for line in (d.change_line, d.verdict_line):
        if line:
            head.append(md_text(line))
    tail_counts = []
    if d.pending:
        tail_counts.append(f"未到期 {len(d.pending)} 项")
    if d.fixed:
        tail_counts.append(f"已整改 {len(d.fixed)} 项")
    link = md_link("查看本单位整改清单", d.link) if safe_href(d.link) else f"报告：{md_text(d.link)}"

    def assemble(k: int) -> str:
        lines = head + [_md_item(n, i) for n, i in enumerate(d.items[:k], 1)]
        rest = len(d.items) - k
        extra = list(tail_counts)
        if rest:
            lines.append(f"其余 {rest} 项见报告：{link}" + (f"（另有{'，'.join(extra)}）" if extra else ""))
        else:
            if extra:
                lines.append("另有" + "，".join(extra) + "，详见报告")
            lines.append(link)
        return sep.join(lines)

    def fits(k: int) -> bool:
        return len(assemble(k).encode("utf-8")) <= limit

    k = len(d.items)
    if not fits(k):  # the largest k that fits (the size grows with k): binary search
        lo, hi = 0, k - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
        k = lo
    text = assemble(k)
    raw = text.encode("utf-8")
    if len(raw) > limit:  # only the header is too long (a huge site or unit name)
        text = raw[: limit - 3].decode("utf-8", errors="ignore") + "…"
    return text, k
