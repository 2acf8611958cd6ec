"""Columns measured the way a person reads them, on re-hosted real government pages (issue 13).

For every site in benchmarks/realsites/notes.yaml: export its files from the local mirror of
the public repository (git archive of the noted commit), serve them on 127.0.0.1, run the
audit through the CLI with a generated rule file (one column_exists rule per noted column),
and compare findings.json with what a person sees:

- found: a required column found when present, reported missing when absent;
- newest: the column's newest date equals the one a person reads (null when none is shown);
- empty: the column is called empty exactly when a person finds nothing there.

Shares are printed for the sites used while writing the heuristics ("dev") and for those
held back ("held_back"), with every miss. A site whose mirror is missing is skipped with a
line saying which repository to fetch.

    PYTHONPATH=$PWD python benchmarks/model_accuracy.py [--split dev|held_back] [--only ID ...] [--keep DIR]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NOTES = HERE / "realsites" / "notes.yaml"
MIRRORS = Path(os.environ.get("GOVAUDIT_MIRRORS", "/work/.mirror"))
HTML_EXT = (".html", ".htm", ".shtml", ".jsp", ".asp", ".aspx", ".php", "")

# The homepage served in front of a single-page copy (invented text, not the site's).
WRAP_HOME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>某某县人民政府</title></head>
<body><div class="header">某某县人民政府</div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="{at}">{name}</a></li>
<li><a href="/gyxx/">关于本站</a></li></ul></div>
<div class="main"><p>某某县人民政府门户网站，发布本县政务信息。</p></div>
<div class="footer">主办：某某县人民政府办公室</div></body></html>"""
WRAP_ABOUT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于本站_某某县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a></div><div class="content"><p>本站由某某县人民政府办公室主办，
负责发布本县政务信息、政策文件和办事指南，欢迎公众监督。本站内容更新由各部门按职责分工负责，
信息发布前经过审核。如发现错误，请通过页面底部的联系方式告知我们，我们将及时更正。</p></div></body></html>"""


def mirror_git_dir(repo: str) -> Path | None:
    base = MIRRORS / repo.replace("/", "+") / "repo"
    for cand in (base / ".git", base):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
    return None


def export_site(site: dict[str, Any], dest: Path) -> str | None:
    """Files of the noted commit below `root` into dest; the reason when that cannot be done."""
    if site.get("mirror") == "unavailable":
        return f"no snapshot of {site['repo']} can be fetched here (studied through the file index only)"
    git = mirror_git_dir(site["repo"])
    if git is None:
        return f"mirror missing: fetch github:{site['repo']} first (expected under {MIRRORS})"
    root = (site.get("root") or "").strip("/")
    args = ["git", f"--git-dir={git}", "archive", "--format=tar", site["commit"]]
    if root:
        args.append(root)
    try:
        data = subprocess.run(args, check=True, capture_output=True).stdout
    except subprocess.CalledProcessError:
        data = b""  # a snapshot lacks its largest files (images): export the pages one by one
    if data:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for m in tar.getmembers():
                if not m.isfile():
                    continue
                rel = m.name[len(root) + 1:] if root else m.name
                out = dest / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                f = tar.extractfile(m)
                if f is not None:
                    out.write_bytes(f.read())
    else:
        ls = subprocess.run(["git", f"--git-dir={git}", "ls-tree", "-r", "-z", "--name-only", site["commit"],
                             *([root] if root else [])], capture_output=True, check=False).stdout
        names = [n.decode() for n in ls.split(b"\0") if n]
        pages = [n for n in names if Path(n).suffix.lower() in HTML_EXT[:-1]]
        if not pages:
            return f"nothing to export from {site['repo']}@{site['commit'][:10]}"
        for n in pages:
            blob = subprocess.run(["git", f"--git-dir={git}", "show", f"{site['commit']}:{n}"],
                                  capture_output=True, check=False)
            if blob.returncode:
                continue
            out = dest / (n[len(root) + 1:] if root else n)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(blob.stdout)
    wrap = site.get("wrap")
    if wrap:
        at = wrap["at"].strip("/")
        page = dest / (wrap.get("page") or "index.html")
        target = dest / at / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.replace(target)
        (dest / "index.html").write_text(WRAP_HOME.format(at=wrap["at"], name=wrap["name"]), encoding="utf-8")
        (dest / "gyxx").mkdir(exist_ok=True)
        (dest / "gyxx" / "index.html").write_text(WRAP_ABOUT, encoding="utf-8")
    return None


def make_handler(root: Path, routes: dict[str, str], rewrite: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path) or "/"
            rel = routes.get(path)
            file = root / rel if rel else root / path.lstrip("/")
            if file.is_dir():
                file = file / "index.html"
            try:
                file.resolve().relative_to(root.resolve())
                body = file.read_bytes() if file.is_file() else None
            except (ValueError, OSError):
                body = None
            if body is None:
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write("<html><body>404 页面不存在</body></html>".encode())
                return
            suffix = file.suffix.lower()
            html = suffix in HTML_EXT
            if html:
                for prefix in rewrite:
                    for p in (prefix, prefix.replace("http://", "https://")):
                        body = body.replace(p.encode() + b"/", b"/")
            ctype = "text/html" if html else {
                ".css": "text/css", ".js": "application/javascript", ".png": "image/png", ".jpg": "image/jpeg",
                ".gif": "image/gif", ".pdf": "application/pdf"}.get(suffix, "application/octet-stream")
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def rules_for(site: dict[str, Any]) -> str:
    rules = []
    for i, col in enumerate(site["columns"]):
        rules.append({"id": f"col-{i}", "title": f"栏目{i}", "check": "column_exists", "path": col["path"]})
    return yaml.safe_dump({"schema": "govaudit.rules/1", "document": f"真实站点栏目核对 {site['id']}",
                           "year": 2026, "rules": rules}, allow_unicode=True, sort_keys=False)


def run_audit(site: dict[str, Any], work: Path, as_of: str) -> dict[str, Any] | str:
    root = work / "site"
    root.mkdir()
    why = export_site(site, root)
    if why:
        return why
    rules = work / "rules.yaml"
    rules.write_text(rules_for(site), encoding="utf-8")
    handler = make_handler(root, dict(site.get("routes") or {}), list(site.get("rewrite") or []))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        out = work / "out"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        cmd = [sys.executable, "-m", "crawler.cli", "audit", url, "--out", str(out), "--rules", str(rules),
               "--ignore-robots", "--delay", "0", "--no-verify-links", "--as-of", as_of, "--max-pages", "300",
               "--timeout", "10", "--fresh"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
        doc_path = out / "findings.json"
        if not doc_path.is_file():
            return f"audit wrote no findings.json (exit {p.returncode}): {p.stderr.strip()[-300:]}"
        return json.loads(doc_path.read_text(encoding="utf-8"))
    finally:
        httpd.shutdown()
        httpd.server_close()


def score_site(site: dict[str, Any], doc: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """(measure, right, what went wrong) per measured column."""
    rows = doc.get("columns") or []
    by_path = {" > ".join(r["path"]): r for r in rows}
    findings = {f.get("rule_id") or f.get("id"): f for f in doc.get("findings") or []}
    out: list[tuple[str, bool, str]] = []
    for i, col in enumerate(site["columns"]):
        f = findings.get(f"col-{i}") or {}
        found = f.get("status") == "pass"
        name = col["path"]
        present = bool(col.get("present"))
        out.append(("found", found == present,
                    f"{name}: {'found' if found else 'missing'}, a person sees it {'present' if present else 'absent'}"))
        if not present or not found:
            continue
        fp = f.get("found") or (f.get("details") or {}).get("found")
        row = by_path.get(" > ".join(fp)) if isinstance(fp, list) else None
        if row is None and col.get("url"):
            row = next((r for r in rows if r.get("url") and urlsplit(r["url"]).path == col["url"]), None)
        if row is None:
            out.append(("newest", False, f"{name}: no column row"))
            out.append(("empty", False, f"{name}: no column row"))
            continue
        got = row.get("newest") or row.get("newest_below")
        if "note" not in col or col.get("newest") is not None:
            want = col.get("newest")
            out.append(("newest", got == want, f"{name}: newest {got}, a person reads {want}"))
        want_empty = bool(col.get("empty"))
        out.append(("empty", bool(row.get("empty")) == want_empty,
                    f"{name}: empty={row.get('empty')}, a person finds it {'empty' if want_empty else 'not empty'}"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="栏目识别准确率（真实站点副本）")
    ap.add_argument("--only", action="append", default=[], help="只评测这些站点 id")
    ap.add_argument("--keep", help="保留每个站点的审计输出到此目录")
    ap.add_argument("--split", choices=("dev", "held_back"), help="只评测这一组站点（调试启发式时只用 dev）")
    args = ap.parse_args(argv)
    notes = yaml.safe_load(NOTES.read_text(encoding="utf-8"))
    as_of = str(notes.get("as_of") or "2026-12-01")
    totals: dict[str, dict[str, list[int]]] = {}
    misses: dict[str, list[str]] = {}
    for site in notes["sites"]:
        split = site.get("split", "dev")
        if (args.only and site["id"] not in args.only) or (args.split and split != args.split):
            continue
        with tempfile.TemporaryDirectory(prefix="govaudit-realsite-") as tmp:
            res = run_audit(site, Path(tmp), as_of)
            if isinstance(res, str):
                print(f"SKIP {site['id']} ({split}): {res}")
                continue
            if args.keep:
                keep = Path(args.keep) / site["id"]
                keep.mkdir(parents=True, exist_ok=True)
                (keep / "findings.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
        scores = score_site(site, res)
        t = totals.setdefault(split, {})
        site_miss = [msg for _m, ok, msg in scores if not ok]
        for measure, ok, _msg in scores:
            cell = t.setdefault(measure, [0, 0])
            cell[0] += int(ok)
            cell[1] += 1
        misses.setdefault(split, []).extend(f"{site['id']}: {m}" for m in site_miss)
        print(f"{site['id']} ({split}): {sum(ok for _, ok, _ in scores)}/{len(scores)} right"
              + ("" if not site_miss else "  — " + "; ".join(site_miss)))
    print()
    for split in ("dev", "held_back"):
        t = totals.get(split)
        if not t:
            print(f"{split}: no site scored")
            continue
        parts = [f"{m} {t[m][0]}/{t[m][1]} = {100.0 * t[m][0] / t[m][1]:.1f}%" for m in ("found", "newest", "empty")
                 if m in t]
        print(f"{split}: " + ", ".join(parts))
        for m in misses.get(split, []):
            print(f"  miss {m}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
