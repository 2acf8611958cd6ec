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
    rp = sub.add_parser("rules", help="规则文件工具").add_subparsers(dest="rules_command", required=True,
                                                                   title="子命令", metavar="子命令")
    p = rp.add_parser("check", help="检查规则文件（格式、重复 id、未知检查、日期、引文）")
    p.add_argument("paths", nargs="+", metavar="路径", help="规则文件或目录")
    p.add_argument("--seeds", help="通知原文目录（默认 ../shared/seeds；国家规则的引文与其旁边的 law.md 核对）")
    p.set_defaults(func=cmd_rules_check)
    p = rp.add_parser("extract", help="从新的任务分工通知起草规则文件")
    p.add_argument("notice", metavar="通知文件", help="任务分工通知（.txt、.docx、.pdf 等）")
    p.add_argument("-o", "--output", default="draft.yaml", help="草稿规则文件的保存路径（默认 draft.yaml）")
    p.set_defaults(func=cmd_rules_extract)
