"""`govaudit probe`: homepage availability probes for the 站点无法访问 indicator."""
from __future__ import annotations

import argparse
from typing import Any


def cmd_probe(args: argparse.Namespace) -> int:
    from crawler.collect.probes import main_probe

    return int(main_probe(args))



def register(sub: Any) -> None:
    p = sub.add_parser("probe", help="探测首页可用性并记录（用于计算无法访问比例）")
    p.add_argument("urls", nargs="+")
    p.add_argument("--store", default="probes.db")
    p.add_argument("--timeout", type=float, default=15.0)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.0)
    p.set_defaults(func=cmd_probe)
