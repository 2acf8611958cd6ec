"""Runs on record: each audit is a run in the results database (crawler.store.results) and
gets its own output folder.

Layout of one site's outputs (SITE_DIR is OUT/<site> for `audit URL --out OUT`, and
OUT/<slug> for `audit --sites`):

  SITE_DIR/<as-of date>-<run id>/   findings.json, report.html, units/, findings.csv, 整改台账.xlsx
  SITE_DIR/latest                   symlink to the newest run folder
  SITE_DIR/latest.json              {"run": id, "dir": "<date>-<run>"} (also where symlinks fail)

and the newest run's files are copied to the "mirror" folder (OUT for a one-site audit,
OUT/<slug> for many sites), so OUT/findings.json stays the newest result.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.store.results import ResultsStore, annotate_subjects, rules_fingerprint

HISTORY_FILE = "history.db"


def site_key(urls: list[str], name: str | None = None) -> str:
    """The site's name in the results database: the given name (a sites.yaml slug, or
    `--site`), else the host (with a non-default port) of the first start URL."""
    if name:
        return name
    parts = urlsplit(urls[0])
    return (parts.netloc or urls[0]).lower()


def site_slug(site: str) -> str:
    """A folder name for a site key."""
    s = re.sub(r"[^\w.\-]+", "_", site, flags=re.UNICODE).strip("._")
    return s[:100] or "site"


def history_spec(args: Any, out_dir: Path) -> str:
    return str(getattr(args, "history", None) or (out_dir / HISTORY_FILE))


def open_results(spec: str) -> ResultsStore:
    from crawler.cli.common import InputError

    try:
        return ResultsStore(spec)
    except ImportError as e:
        raise InputError(f"结果库 “{spec}” 无法打开：缺少数据库驱动（{e.name}），PostgreSQL 请安装 pip install 'govaudit[postgres]'") from None
    except Exception as e:  # noqa: BLE001 - a bad URL or an unreachable server: one line, exit 2
        raise InputError(f"结果库 “{spec}” 无法打开（{type(e).__name__}: {str(e).splitlines()[0][:200]}）"
                         "，请检查 --history 的路径或地址") from None


def begin_run(results: ResultsStore, site: str, urls: list[str], rules: list[Any], as_of: Any, *,
              crawl_store: str, crawl_id: int | None = None, kind: str = "audit",
              base_run: int | None = None, run_id: int | None = None) -> int:
    """Record a run as running; with `run_id`, adopt that run (queued by a scheduler, or left
    "running" by a worker that died) instead of recording a new one."""
    if "://" not in crawl_store:  # a file: absolute, so `recheck` finds it from any directory
        crawl_store = str(Path(crawl_store).resolve())
    if run_id is not None:
        from crawler.cli.common import InputError

        run = results.run(run_id)
        if run is None:
            raise InputError(f"结果库中没有编号为 {run_id} 的运行（--run-id 应为排队中的运行编号）")
        if run.state not in ("queued", "running"):
            raise InputError(f"运行 {run_id} 状态为“{run.state_cn}”，不能再次使用（--run-id 应为排队中或运行中的运行）")
        if run.site != site:
            raise InputError(f"运行 {run_id} 属于网站 “{run.site}”，不是 “{site}”（请用 --site {run.site}）")
        results.update_run(run_id, crawl_store=crawl_store, urls=urls, rules=rules_fingerprint(rules), as_of=as_of)
        results.set_state(run_id, "running")
        return run_id
    return results.start_run(site, kind=kind, rules=rules_fingerprint(rules), as_of=as_of,
                             crawl_store=crawl_store, crawl_id=crawl_id, urls=urls, base_run=base_run)


def run_dir_name(doc: dict[str, Any], run_id: int) -> str:
    return f"{doc.get('as_of') or 'run'}-{run_id}"


def finish_and_publish(results: ResultsStore, run_id: int, doc: dict[str, Any], rules: list[Any],
                       site_dir: Path, *, mirror: Path | None) -> dict[str, Path]:
    """Record the run's findings (adds "history" and each finding's "change" to `doc`), write
    its folder under `site_dir`, point `latest` at it, and copy its files to `mirror`."""
    annotate_subjects(doc, rules)
    run_dir = site_dir / run_dir_name(doc, run_id)
    results.finish_run(run_id, doc, out_dir=str(run_dir.resolve()))
    return publish(doc, run_dir, mirror=mirror)


def publish(doc: dict[str, Any], run_dir: Path, *, mirror: Path | None) -> dict[str, Path]:
    from crawler.runner.audit import write_outputs

    outputs = write_outputs(doc, run_dir)
    point_latest(run_dir)
    if mirror is None:
        return outputs
    return {name: _mirror(path, run_dir, mirror) for name, path in outputs.items()} | _mirror_units(run_dir, mirror)


def _mirror(path: Path, run_dir: Path, mirror: Path) -> Path:
    target = mirror / path.relative_to(run_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)
    return target


def _mirror_units(run_dir: Path, mirror: Path) -> dict[str, Path]:
    units = mirror / "units"
    if units.is_dir():  # pages of an earlier run for units that no longer have gaps
        for old in units.glob("*.html"):
            old.unlink()
    for p in sorted((run_dir / "units").glob("*.html")):
        _mirror(p, run_dir, mirror)
    return {}


def point_latest(run_dir: Path) -> None:
    """SITE_DIR/latest → the run folder (a relative symlink) and SITE_DIR/latest.json."""
    site_dir = run_dir.parent
    run_no = run_dir.name.rsplit("-", 1)[-1]
    (site_dir / "latest.json").write_text(json.dumps(
        {"run": int(run_no) if run_no.isdigit() else None, "dir": run_dir.name}, ensure_ascii=False),
        encoding="utf-8")
    link = site_dir / "latest"
    try:
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():  # a copy made where symlinks failed
            shutil.rmtree(link)
        link.symlink_to(run_dir.name, target_is_directory=True)
    except OSError:  # no symlinks here (Windows without privilege): a copy
        shutil.copytree(run_dir, link, dirs_exist_ok=True)


def change_line(doc: dict[str, Any]) -> str:
    """较上次（2021-12-01）：新增 4，已整改 11，反复 1 — or "" for a first run."""
    h = doc.get("history") or {}
    prev = h.get("previous_run")
    if not prev:
        return ""
    c = h.get("changes") or {}
    if h.get("kind") == "recheck":
        line = (f"复查（对照运行 {h.get('base_run') or prev.get('id')}，{prev.get('date')}）：已整改 {c.get('fixed', 0)}，"
                f"仍未整改 {c.get('open', 0)}")
        if c.get("new") or c.get("regressed"):
            line += f"，新增 {c.get('new', 0)}，反复 {c.get('regressed', 0)}"
    else:
        line = (f"较上次（{prev.get('date')}）：新增 {c.get('new', 0)}，已整改 {c.get('fixed', 0)}，"
                f"反复 {c.get('regressed', 0)}，仍未整改 {c.get('open', 0)}")
    ic = h.get("item_changes") or {}
    if any(ic.get(k) for k in ("new", "fixed", "regressed")):
        line += f"（错链等明细：新增 {ic.get('new', 0)}，已整改 {ic.get('fixed', 0)}，反复 {ic.get('regressed', 0)}）"
    if h.get("verdict_changed"):
        line += f"；结论由“{prev.get('verdict') or '无'}”变为“{(doc.get('verdict') or {}).get('verdict', '')}”"
    return line
