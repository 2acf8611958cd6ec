"""`govaudit runs`, `diff` and `recheck`: the recorded runs, what changed, and a 复查."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from crawler.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    InputError,
    crawl_overrides,
    parse_as_of,
    print_summary,
)

HISTORY_HELP = "结果库（SQLite 文件或 postgresql+psycopg:// 地址，默认 OUT/history.db）"


def _open(args: argparse.Namespace) -> Any:
    from crawler.runner.history import HISTORY_FILE, open_results

    spec = args.history or str(Path(args.out) / HISTORY_FILE)
    if "://" not in spec and not Path(spec).is_file():
        raise InputError(f"结果库 “{spec}” 不存在（请先运行 govaudit audit，或用 --history 指定结果库）")
    return open_results(spec)


def _fmt_score(v: float | None) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else "—"


def cmd_runs(args: argparse.Namespace) -> int:
    results = _open(args)
    try:
        rows = results.runs(args.site)
    finally:
        results.close()
    if args.site and not rows:
        raise InputError(f"结果库中没有网站 “{args.site}” 的运行记录（不带网站名运行 govaudit runs 查看全部）")
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("结果库中还没有运行记录。")
        return EXIT_OK
    print("编号  网站  类型  状态  检查日期  结论  得分  不通过  新增  已整改  反复")
    for r in rows:
        c = r.changes or {}
        extra = f"（复查运行 {r.base_run}）" if r.base_run else ""
        why = f"  原因：{r.reason}" if r.state == "failed" and r.reason else ""
        print(f"{r.id}  {r.site}  {r.kind_cn}{extra}  {r.state_cn}  {r.as_of}  {r.verdict or '—'}  "
              f"{_fmt_score(r.score)}  {r.summary.get('fail', '—')}  {c.get('new', 0)}  {c.get('fixed', 0)}  "
              f"{c.get('regressed', 0)}{why}")
    return EXIT_OK


def diff_text(d: dict[str, Any]) -> str:
    a, b = d["run_a"], d["run_b"]
    lines = [f"网站 {d['site']}：运行 {a['id']}（{a['as_of']}）→ 运行 {b['id']}（{b['as_of']}）",
             f"结论：{a['verdict'] or '—'} → {b['verdict'] or '—'}；得分：{_fmt_score(a['score'])} → {_fmt_score(b['score'])}"]
    labels = [("new", "新增"), ("fixed", "已整改"), ("regressed", "反复"), ("open", "仍未整改"),
              ("removed", "规则已不再检查")]
    c, ic = d["counts"], d["item_counts"]
    lines.append("，".join(f"{cn} {c[k]}" for k, cn in labels[:4]) +
                 (f"（错链等明细：新增 {ic['new']}，已整改 {ic['fixed']}，反复 {ic['regressed']}）"
                  if any(ic[k] for k in ("new", "fixed", "regressed")) else ""))
    for k, cn in labels:
        if not d[k]:
            continue
        lines.append(f"【{cn}】")
        for e in d[k]:
            since = f"（首次发现 {e['first_seen']}" + (f"，已连续 {e['open_runs']} 次" if k == "open" else "") + "）" \
                if e.get("first_seen") else ""
            what = f"  · 明细：{e['subject'].removeprefix('链接：')}（{e['title']}）" if e["item"] else \
                f"  · {e['title']}（{e['rule_id']}；{e['subject']}）"
            lines.append(what + since)
    return "\n".join(lines)


def cmd_diff(args: argparse.Namespace) -> int:
    results = _open(args)
    try:
        if args.run_a is not None and args.run_b is not None:
            ra, rb = args.run_a, args.run_b
        else:
            site = args.site
            if args.run_a is not None:  # one run: compare it with the run before it
                r = results.run(args.run_a)
                if r is None:
                    raise InputError(f"结果库中没有编号为 {args.run_a} 的运行（用 govaudit runs 查看）")
                prev = results.previous_run(r.id)
                if prev is None:
                    raise InputError(f"运行 {r.id} 之前没有 {r.site} 的已完成运行，无从比较")
                ra, rb = prev.id, r.id
            else:
                if site is None:
                    sites = results.sites()
                    if len(sites) != 1:
                        raise InputError(f"结果库含 {len(sites)} 个网站，请用 --site 指明（或给出两个运行编号）")
                    site = sites[0]
                done = results.runs(site, state="finished")
                if len(done) < 2:
                    raise InputError(f"网站 “{site}” 已完成的运行不足两次，无从比较")
                ra, rb = done[-2].id, done[-1].id
        for x in (ra, rb):
            if results.run(x) is None:
                raise InputError(f"结果库中没有编号为 {x} 的运行（用 govaudit runs 查看）")
        if results.run(ra).site != results.run(rb).site:  # type: ignore[union-attr]
            raise InputError(f"运行 {ra} 与 {rb} 不是同一网站，无法比较")
        d = results.diff(ra, rb)
    finally:
        results.close()
    text = diff_text(d)
    print(text)
    out = Path(args.write) if args.write else Path(args.out) / f"diff-{ra}-{rb}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(d, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    out.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
    print(f"已写入 {out} 和 {out.with_suffix('.txt')}")
    return EXIT_OK


def cmd_recheck(args: argparse.Namespace) -> int:
    from crawler.runner.recheck import run_recheck

    as_of = parse_as_of(args.as_of)
    results = _open(args)
    settings = crawl_overrides(args)
    try:
        doc, outputs, run_id = run_recheck(
            results, args.run, as_of=as_of, out_dir=Path(args.out) if args.out_given else None,
            rules_override=args.rules, verify_links=True, settings=settings or None,
            timeout=getattr(args, "timeout", None), store_spec=args.store)
    except KeyboardInterrupt:
        print("已中断：复查未完成，已记录为失败的运行。")
        return 130
    finally:
        results.close()
    rc = doc["recheck"]
    print(f"复查运行 {run_id}（复查运行 {rc['base_run']}）：重新抓取页面 {rc['refetched_total']} 个（实际请求 "
          f"{rc['pages_fetched']} 个），重新核验链接 {rc['links_verified']} 个，沿用已存页面 {rc['pages_kept']} 个。")
    for n in rc.get("notes") or []:
        print(f"注意：{n}")
    for f in doc.get("findings") or []:
        mark = {"fixed": "已整改", "open": "仍未整改"}.get(str(f.get("change")), {"pass": "已整改"}.get(
            str(f.get("status")), "仍未整改"))
        print(f"  {mark}：{f.get('title')}（{f.get('rule_id')}）")

    from types import SimpleNamespace

    print_summary(SimpleNamespace(document=doc, outputs=outputs), Path(args.out))
    return EXIT_FAIL if any(f.get("status") == "fail" for f in doc.get("findings") or []) else EXIT_OK


class _OutAction(argparse.Action):
    def __call__(self, parser: Any, ns: argparse.Namespace, values: Any, option: Any = None) -> None:
        ns.out = values
        ns.out_given = True


def register(sub: Any) -> None:
    p = sub.add_parser("runs", help="列出结果库中记录的检查运行")
    p.add_argument("site", nargs="?", help="只列出该网站（结果库中的网站名，如主机名或站点清单中的 slug）")
    p.add_argument("--history", help=HISTORY_HELP)
    p.add_argument("--out", default="out", help="输出目录（默认 out，结果库默认为其中的 history.db）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("diff", help="比较两次运行：新增、已整改、反复、仍未整改")
    p.add_argument("run_a", nargs="?", type=int, help="较早的运行编号（只给一个：与它的上一次运行比较）")
    p.add_argument("run_b", nargs="?", type=int, help="较晚的运行编号（默认：该网站最近两次运行）")
    p.add_argument("--site", help="网站名（不给运行编号时，比较该网站最近两次运行）")
    p.add_argument("--history", help=HISTORY_HELP)
    p.add_argument("--out", default="out", help="输出目录：写入 diff-A-B.json 与 .txt（默认 out）")
    p.add_argument("--write", help="比较结果写入的 JSON 文件（默认 OUT/diff-A-B.json）")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("recheck", help="复查：只重新抓取某次运行不通过事项所依赖的页面，逐项判定已整改或仍未整改")
    p.add_argument("run", type=int, help="要复查的运行编号（govaudit runs 查看）")
    p.add_argument("--history", help=HISTORY_HELP)
    p.add_argument("--out", default="out", action=_OutAction,
                   help="输出目录（默认与被复查运行同一网站目录；结果库默认为 OUT/history.db）")
    p.add_argument("--rules", action="append", help="规则文件或目录（默认：被复查运行所用的规则文件）")
    p.add_argument("--store", help="抓取库（默认：被复查运行所用的抓取库；地址含密码时须给出）")
    p.add_argument("--as-of", help="复查日期 YYYY-MM-DD（默认今天）")
    p.add_argument("--timeout", type=float, help="单个页面的下载超时秒数（默认 30）")
    p.add_argument("--delay", type=float, help="同一主机两次请求之间的最短间隔秒数")
    p.add_argument("--verbose", action="store_true", help="显示抓取日志")
    p.set_defaults(func=cmd_recheck, out_given=False)
