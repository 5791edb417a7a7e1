"""Run the simulator alone: `python -m simulator [--host H] [--port N] [--token T]`."""

from __future__ import annotations

import argparse
import os

from simulator.app import DEMO_TOKEN, serve
from simulator.limits import Limits


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=os.environ.get("LINLI_SIM_TOKEN", DEMO_TOKEN))
    parser.add_argument("--no-limits", action="store_true", help="turn rate limits off")
    args = parser.parse_args(argv)
    print(
        f"Telegram simulator: chat page http://{args.host}:{args.port}/ ; "
        f"Bot API base http://{args.host}:{args.port}"
    )
    serve(args.host, args.port, args.token, Limits(enabled=not args.no_limits))


if __name__ == "__main__":
    main()
