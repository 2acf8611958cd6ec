"""`govaudit rules check` and `rules extract`: rule files and drafting from notices."""
from __future__ import annotations

import argparse
from typing import Any


def cmd_rules_check(args: argparse.Namespace) -> int:
    from crawler.ruleset.lint import check_rule_paths

    return int(check_rule_paths(args.paths, seeds=args.seeds))


def cmd_rules_extract(args: argparse.Namespace) -> int:
    from crawler.notice.draft import main_extract

    return int(main_extract(args.notice, args.output))



def register(sub: Any) -> None:
    rp = sub.add_parser("rules", help="规则文件工具").add_subparsers(dest="rules_command", required=True)
    p = rp.add_parser("check", help="检查规则文件（格式、重复 id、未知检查、日期、引文）")
    p.add_argument("paths", nargs="+")
    p.add_argument("--seeds", help="通知原文目录（默认 ../shared/seeds，如存在）")
    p.set_defaults(func=cmd_rules_check)
    p = rp.add_parser("extract", help="从新的任务分工通知起草规则文件")
    p.add_argument("notice")
    p.add_argument("-o", "--output", default="draft.yaml")
    p.set_defaults(func=cmd_rules_extract)
