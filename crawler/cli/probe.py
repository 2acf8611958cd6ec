"""`govaudit probe`: homepage availability probes for the 站点无法访问 indicator."""
from __future__ import annotations

import argparse
from typing import Any


def cmd_probe(args: argparse.Namespace) -> int:
    from crawler.collect.probes import main_probe

    return int(main_probe(args))



def register(sub: Any) -> None:
    p = sub.add_parser("probe", help="探测首页可用性并记录（用于计算无法访问比例）")
    p.add_argument("urls", nargs="+", metavar="网址", help="要探测的首页网址，可给出多个")
    p.add_argument("--store", default="probes.db", help="探测记录保存到的文件或 postgresql:// 地址（默认 probes.db）")
    p.add_argument("--timeout", type=float, default=15.0, help="首页在多少秒内未打开记为一次失败（默认 15，即检查指标的标准）")
    p.add_argument("--count", type=int, default=1, help="本次连续探测的次数（默认 1；检查指标要求一周内每天至少 20 次）")
    p.add_argument("--interval", type=float, default=0.0, help="连续探测时两次之间的间隔秒数（默认 0）")
    p.set_defaults(func=cmd_probe)
