"""`linli run`, `linli demo`, `linli simulator`, `linli db upgrade`: the product and its database."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.cli.common import settings_of
from core.logging import setup_logging
from core.settings import DEMO_TOKEN
from models.migrate import upgrade


def cmd_run(args: argparse.Namespace) -> None:
    from bot.runtime import Runtime, run_forever

    settings = settings_of(args)
    setup_logging(settings.log_level)
    if settings.telegram.token is None:
        sys.exit(
            "linli: telegram.token is not set. Set LINLI_TELEGRAM__TOKEN, or try `linli demo`."
        )
    run_forever(Runtime(settings))


def cmd_demo(args: argparse.Namespace) -> None:
    from bot.runtime import Runtime, run_forever

    base = settings_of(args)
    folder = Path(tempfile.mkdtemp(prefix="linli-demo-"))
    host, port = base.web.host, args.port or base.web.port
    settings = settings_of(
        args,
        database={"url": f"sqlite+aiosqlite:///{folder / 'demo.sqlite3'}"},
        telegram={"token": DEMO_TOKEN, "api_base": f"http://{host}:{port}/sim", "mode": "polling"},
        web={"host": host, "port": port},
    )
    setup_logging(settings.log_level)
    print(
        f"\n  Linli demo — 金采小区\n"
        f"  Chat as a resident or staff member:  http://{host}:{port}/sim\n"
        f"  Health:                              http://{host}:{port}/health\n"
        f"  Database (temporary):                {folder / 'demo.sqlite3'}\n"
        f"  Stop with Ctrl-C.\n",
        flush=True,
    )
    run_forever(Runtime(settings, demo=True))


def cmd_simulator(args: argparse.Namespace) -> None:
    from simulator.app import serve

    settings = settings_of(args)
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else DEMO_TOKEN
    print(
        f"Telegram Bot API simulator: http://127.0.0.1:{args.port}/  (token {token.split(':')[0]}:…)"
    )
    serve(port=args.port, token=token)


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    upgrade(settings_of(args).database.url)
    print("database is at the latest revision")


def register(sub: Any) -> None:
    sub.add_parser("run", help="bot, delivery, scheduler and web app").set_defaults(func=cmd_run)
    demo = sub.add_parser(
        "demo", help="the same on a temporary SQLite file with the simulator and 金采小区"
    )
    demo.add_argument("--port", type=int)
    demo.set_defaults(func=cmd_demo)
    sim = sub.add_parser("simulator", help="the Telegram Bot API simulator alone")
    sim.add_argument("--port", type=int, default=8081)
    sim.set_defaults(func=cmd_simulator)

    db = sub.add_parser("db").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate to the latest revision").set_defaults(
        func=cmd_db_upgrade
    )
