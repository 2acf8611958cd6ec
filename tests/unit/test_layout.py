"""Layout rules of the crawler package that keep holding (issue 9, "One house"):

- no function longer than MAX_LINES lines (from its `def` to its last line, docstring
  included): a longer one is split into named steps that read top-down;
- no module imports another package's private name (`from crawler.a.x import _y` in
  crawler/b/…): a name one package needs from another gets a public home.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support import ROOT

PACKAGE = ROOT / "crawler"
MAX_LINES = 80


def long_functions(root: Path, max_lines: int = MAX_LINES) -> Iterator[str]:
    """`path:line name (N lines)` of every function or method over `max_lines` below `root`."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > max_lines:
                    yield f"{path.relative_to(root.parent).as_posix()}:{node.lineno} {node.name} ({n} lines)"


def private_imports(root: Path) -> Iterator[str]:
    """`path:line module._name` of every private name imported from another sub-package."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("").parts  # ("crawler", "collect", "links")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                continue
            parts = node.module.split(".")
            if parts[0] != rel[0] or parts[:2] == list(rel[:2]):
                continue  # outside the package, or within the same sub-package
            for alias in node.names:
                if alias.name.startswith("_"):
                    yield f"{path.relative_to(root.parent).as_posix()}:{node.lineno} {node.module}.{alias.name}"


def test_no_function_over_max_lines() -> None:
    found = list(long_functions(PACKAGE))
    assert not found, f"函数超过 {MAX_LINES} 行（请拆成几个有名字的步骤）: " + "; ".join(found)


def test_no_private_import_across_packages() -> None:
    found = list(private_imports(PACKAGE))
    assert not found, "跨子包导入了私有名称（请给它一个公开的位置）: " + "; ".join(found)


def test_the_walkers_find_what_they_look_for(tmp_path: Path) -> None:
    pkg = tmp_path / "crawler"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_LINES))
    (pkg / "a" / "long.py").write_text(
        f"def short():\n    return 1\n\n\nclass C:\n    async def long(self):\n{body}\n", encoding="utf-8")
    (pkg / "b" / "user.py").write_text(
        "from crawler.a.long import _hidden, short\nfrom crawler.b.other import _ok\n", encoding="utf-8")
    assert list(long_functions(pkg)) == [f"crawler/a/long.py:6 long ({MAX_LINES + 1} lines)"]
    assert list(private_imports(pkg)) == ["crawler/b/user.py:1 crawler.a.long._hidden"]
