"""`python -m bench.tickets`: seed, load, measure, report (see the package's docstring)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime

from sqlalchemy.engine import make_url

from bench.scratch import asyncpg_dsn, scratch_database
from bench.tickets.estates import seed_estates
from bench.tickets.load import load_tickets
from bench.tickets.measure import measure
from bench.tickets.report import report_data, report_plans, report_table

LOOPBACK = {"127.0.0.1", "localhost", "::1", None, ""}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tickets", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--tickets", type=int, default=1_000_000, help="tickets to load (default 1,000,000)"
    )
    parser.add_argument(
        "--estates", type=int, default=50, help="generated estates besides the demo (default 50)"
    )
    parser.add_argument(
        "--calls",
        type=int,
        default=500,
        help="measured calls per case (default 500, at least 500)",
    )
    parser.add_argument("--seed", type=int, default=20261122, help="random seed")
    parser.add_argument(
        "--database-url",
        default="postgresql+asyncpg://postgres@127.0.0.1/test",
        help="PostgreSQL server and admin database to create the scratch database from",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database (prints its name)"
    )
    args = parser.parse_args(argv)
    if not 1000 <= args.tickets <= 20_000_000:
        parser.error("--tickets must be between 1,000 and 20,000,000")
    if not 1 <= args.estates <= 500:
        parser.error("--estates must be between 1 and 500")
    if not 500 <= args.calls <= 100_000:
        parser.error("--calls must be between 500 and 100,000")
    url = make_url(args.database_url)
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "asyncpg":
        parser.error("--database-url must be postgresql+asyncpg://…")
    if url.host not in LOOPBACK:
        parser.error("--database-url must point at this machine (127.0.0.1, localhost, ::1)")
    return args


async def main_async(args: argparse.Namespace) -> None:
    import asyncpg

    from models.migrate import upgrade_async

    now = datetime.now(UTC).replace(microsecond=0)
    async with scratch_database(
        args.database_url, prefix="linli_bench_tickets", keep=args.keep
    ) as url:
        print(f"database {make_url(url).database}: migrating …", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        await upgrade_async(url)
        timings = {"migrate": time.perf_counter() - t0}
        print("seeding estates …", file=sys.stderr, flush=True)
        estates = await seed_estates(url, args, now)
        timings.update(estates.timings)
        print(f"loading {args.tickets:,} tickets …", file=sys.stderr, flush=True)
        stats, load_timings, notes = await load_tickets(url, estates, args.tickets, now, args.seed)
        timings.update(load_timings)
        busiest = max(stats.per_home.items(), key=lambda kv: kv[1])
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            server = "PostgreSQL " + str(await conn.fetchval("SHOW server_version"))
            server += f", shared_buffers {await conn.fetchval('SHOW shared_buffers')}"
        finally:
            await conn.close()
        print("measuring …", file=sys.stderr, flush=True)
        cases = await measure(url, estates, args, busiest=busiest)
        report_data(
            args=args, server=server, estates=estates, stats=stats, timings=timings, notes=notes
        )
        report_table(cases, tickets=args.tickets)
        report_plans(cases)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    asyncio.run(main_async(args))
    print(f"\n(bench ran {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
