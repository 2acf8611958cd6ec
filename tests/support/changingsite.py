"""A small government site written to a directory, changed between audits (run history tests).

`ChangingSite(root)` writes the pages; its attributes say what the site has, `write()`
rewrites them. Tests serve it with `mockserver.serve_static(site.root)`, whose `requests`
lists every request it answered."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}_山水县人民政府</title>
<meta name="SiteName" content="山水县人民政府"></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/xwdt/">新闻动态</a></li></ul></div>
<div class="main">
<div class="position">当前位置：{crumbs}</div>
{body}
</div>
<div class="footer"><p>主办：山水县人民政府办公室 网站标识码：5001990001</p></div>
</body></html>
"""


@dataclass
class ChangingSite:
    root: Path
    columns: dict[str, str] = field(default_factory=lambda: {
        "tzgg": "通知公告", "nb": "政府信息公开年报", "ghxx": "", "zcjd": ""})  # "" = absent
    annual_2020: bool = False  # the 2020 annual report is published
    attachment: bool = True  # /files/guide.pdf exists (linked from a notice)
    notices: int = 14  # notices (two list pages)

    def __post_init__(self) -> None:
        self.write()

    def _crumbs(self, trail: list[tuple[str, str]]) -> str:
        return " &gt; ".join(f'<a href="{u}">{n}</a>' for n, u in [("首页", "/"), *trail])

    def _page(self, path: str, title: str, trail: list[tuple[str, str]], body: str) -> None:
        f = self.root / path.lstrip("/")
        if path.endswith("/"):
            f = f / "index.html"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(PAGE.format(title=title, crumbs=self._crumbs(trail), body=body), encoding="utf-8")

    def _list(self, path: str, name: str, items: list[tuple[str, str, str]], pager: str = "") -> None:
        lis = "".join(f'<li><a href="{u}" title="{t}">{t}</a><span class="date">{d}</span></li>' for t, u, d in items)
        self._page(path, name, [("政务公开", "/zwgk/"), (name, path.rsplit("/", 1)[0] + "/")],
                   f'<div class="right-tit"><span>{name}</span></div><ul class="list">{lis}</ul>{pager}')

    def write(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        cols = {k: v for k, v in self.columns.items() if v}
        tiles = "".join(f'<li><a href="/zwgk/{k}/"><span>{v}</span></a></li>' for k, v in cols.items())
        news = [(f"县政府召开第{i}次常务会议", f"/xwdt/zwyw/n{i}.html", f"2021-11-{10 + i:02d}") for i in range(1, 6)]
        home_list = "".join(f'<li><a href="{u}">{t}</a><span>{d}</span></li>' for t, u, d in news)
        self._page("/", "首页", [], f'<ul class="index_list">{home_list}</ul>'
                   f'<ul class="column-tiles"><li><a href="/zwgk/">政务公开</a></li>{tiles}</ul>')
        self._page("/zwgk/", "政务公开", [("政务公开", "/zwgk/")],
                   f'<div class="right-tit"><span>政务公开</span></div><ul class="column-tiles">{tiles}</ul>')
        self._page("/xwdt/", "新闻动态", [("新闻动态", "/xwdt/")],
                   '<ul class="column-tiles"><li><a href="/xwdt/zwyw/">政务要闻</a></li></ul>')
        lis = "".join(f'<li><a href="{u}">{t}</a><span class="date">{d}</span></li>' for t, u, d in news)
        self._page("/xwdt/zwyw/", "政务要闻", [("新闻动态", "/xwdt/"), ("政务要闻", "/xwdt/zwyw/")],
                   f'<ul class="list">{lis}</ul>')
        for t, u, d in news:
            self._article(u, t, d, [("新闻动态", "/xwdt/"), ("政务要闻", "/xwdt/zwyw/")])
        # notices: two list pages
        if "tzgg" in cols:
            notes = [(f"关于做好第{i}项工作的通知", f"/zwgk/tzgg/t{i}.html", f"2021-{1 + i % 11:02d}-{5 + i:02d}")
                     for i in range(1, self.notices + 1)]
            half = (len(notes) + 1) // 2
            self._list("/zwgk/tzgg/index.html", "通知公告", notes[:half],
                       '<div class="page"><a href="index_1.html">下一页</a> <span>共2页</span></div>')
            self._list("/zwgk/tzgg/index_1.html", "通知公告", notes[half:],
                       '<div class="page"><a href="index.html">上一页</a> <span>共2页</span></div>')
            for i, (t, u, d) in enumerate(notes):
                extra = '<p><a href="/files/guide.pdf">办事指南（PDF）</a></p>' if i == 0 else ""
                self._article(u, t, d, [("政务公开", "/zwgk/"), ("通知公告", "/zwgk/tzgg/")], extra)
        if "nb" in cols:
            reports = [("山水县2019年政府信息公开工作年度报告", "/zwgk/nb/r2019.html", "2020-01-20")]
            if self.annual_2020:
                reports.insert(0, ("山水县2020年政府信息公开工作年度报告", "/zwgk/nb/r2020.html", "2021-01-25"))
            self._list("/zwgk/nb/index.html", "政府信息公开年报", reports)
            for t, u, d in reports:
                self._article(u, t, d, [("政务公开", "/zwgk/"), ("政府信息公开年报", "/zwgk/nb/")])
        for key in ("ghxx", "zcjd"):
            if key in cols:
                items = [(f"{cols[key]}文件{i}", f"/zwgk/{key}/a{i}.html", f"2021-10-0{i}") for i in (1, 2)]
                self._list(f"/zwgk/{key}/index.html", cols[key], items)
                for t, u, d in items:
                    self._article(u, t, d, [("政务公开", "/zwgk/"), (cols[key], f"/zwgk/{key}/")])
        if self.attachment:
            (self.root / "files").mkdir(exist_ok=True)
            (self.root / "files" / "guide.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    def _article(self, path: str, title: str, day: str, trail: list[tuple[str, str]], extra: str = "") -> None:
        self._page(path, title, trail,
                   f'<div class="article"><h1 class="art-title">{title}</h1><div class="art-info">'
                   f'<span>发布日期：{day}</span></div><div class="art-con"><p>{title}。正文内容，'
                   f'请各单位认真贯彻落实，按时报送有关材料，确保各项工作取得实效。</p>{extra}</div></div>')
