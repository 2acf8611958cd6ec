"""govaudit command line.

  govaudit demo --out demo-report
  govaudit audit https://www.example.gov.cn/ --rules rules/ --out out/ --as-of 2022-12-31
  govaudit evaluate --store out/crawl.db --rules rules/ --out out2/
  govaudit rules check rules/
  govaudit rules extract notice.docx -o draft.yaml
  govaudit runs [SITE]; govaudit diff [RUN_A RUN_B]; govaudit recheck RUN
  govaudit schedule sites.yaml; govaudit worker; govaudit status

Exit codes: 0 nothing fails, 1 something fails, 2 bad input (a one-line error naming the
file, line or URL and the fix). Messages for users are Chinese.
"""
from __future__ import annotations

import argparse
import sys

from crawler.cli import audit, history, probe, rules, schedule
from crawler.cli.common import EXIT_INPUT, InputError, Parser, error, missing_dependency

COMMANDS = (audit, rules, probe, history, schedule)  # each module adds its subcommands with register()


def build_parser() -> argparse.ArgumentParser:
    ap = Parser(prog="govaudit", description="政务公开网站检查工具")
    ap.add_argument("--version", action="version", version=f"govaudit {_version()}", help="显示版本号并退出")
    sub = ap.add_subparsers(dest="command", required=True, title="命令", metavar="命令")
    for module in COMMANDS:
        module.register(sub)
    return ap


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("govaudit")
    except PackageNotFoundError:
        return "（开发版）"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as e:
        error(str(e))
        return EXIT_INPUT
    except ImportError as e:  # an optional dependency (psycopg, celery, playwright) is missing
        msg = missing_dependency(e)
        if msg is None:
            raise
        error(msg)
        return EXIT_INPUT
    except KeyboardInterrupt:
        error("已中断")
        return 130


if __name__ == "__main__":
    sys.exit(main())
