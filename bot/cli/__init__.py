"""The `linli` command: run the product, and the operator tasks around it.

Each module holds a group of subcommands and registers their arguments:
  serve   – run, demo, simulator, db upgrade
  records – import/export households and codes, staff, groups, API tokens, dead letters
  upkeep  – scheduler jobs run by hand, translation catalogues
"""

from __future__ import annotations

import argparse
import os

from bot.cli import records, serve, upkeep


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="linli", description="Linli (邻里): community service bot")
    p.add_argument(
        "--config",
        default=os.environ.get("LINLI_CONFIG"),
        help="configuration file (default: $LINLI_CONFIG or ./config.yaml)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    for group in (serve, records, upkeep):
        group.register(sub)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)
