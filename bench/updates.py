"""Updates per second and reply latency: a bare aiogram echo bot versus the whole Linli stack.

    .venv/bin/python -m bench.updates [--residents N] [--rate R] [--seconds S] [--rounds N]
                                      [--database-url URL]

Two processes, as in production, where Telegram is a remote server:
  * this one runs the bot under test (bench/contenders.py), and nothing else while it is
    measured: one bot at a time, each started afresh for each of its sessions;
  * `bench/simserver.py`, started afresh with each bot as a subprocess, is "Telegram": the
    Bot API simulator (rate limits off: we measure our stack, not Telegram's limits) and the
    load generator, which acts as the residents inside the simulator's event loop and stamps,
    on one clock, when each user message was stored and when the bot's reply to it was
    stored.

Phases, for each bot:
  1. warm-up: a second of closed-loop traffic (connection pools, caches, compiled SQL);
  2. open loop: `/help` from a random idle resident at a fixed rate for S seconds. Each
     resident has at most one message in flight; when every resident is busy the generator
     sheds that send (counted). Latency: user message stored → bot reply stored;
  3. closed loop, in rounds: K residents each send, wait for the reply and send again, for a
     few seconds: the most updates per second this bot manages on this machine. The bots take
     turns round by round (echo, full; then full, echo; …), each round a new session of each
     (warm-up, closed loop), and each round's pair gives a ratio: this machine's speed drifts
     by tens of per cent over minutes, and one pair is a poor sample of it. The verdict is
     on the median round.
The two bots never run side by side in this process: aiogram keeps its per-method response
models only weakly (bot/app.py KeepResponseTypes), and a full stack alive beside the echo
bot would keep them for the echo bot too, making it faster than bare aiogram.
The simulator process answers each phase with its figures in one call; this process adds
its own CPU time over the phase ("bot CPU ms/update": the process, its threads included, per
answered update) and the garbage collector's pauses. Each session sets the garbage collector as
`linli run` does (core/heap.py), the echo bot's too.

The figures, the table and the verdicts are bench/update_results.py.
It prints figures only; it never fails on them (exit status 0 unless the bench itself broke).
`--only` runs one bot; `--cprofile echo|full` profiles one bot's measured phases in this
process; py-spy gives truer figures: the bot's pid is printed when it is ready, e.g.
`.venv/bin/py-spy record --pid PID --duration 15 -o /tmp/prof.svg`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.contenders import Contender, Simulator, echo_bot, full_stack
from bench.update_results import BotResult, ClosedLoop, OpenLoop, report
from core import heap

log = logging.getLogger("bench.updates")

WARMUP_SECONDS = 1.0
SETTLE_SECONDS = 0.5


# --- load ---------------------------------------------------------------------------------------


async def closed_loop(sim: Simulator, workers: int, seconds: float) -> ClosedLoop:
    cpu0 = time.process_time()
    out = await sim.run(mode="closed", workers=workers, seconds=seconds)
    result = ClosedLoop(
        workers=workers,
        answered=out["answered"],
        lost=out["lost"],
        errors=out["errors"],
        seconds=out["seconds"],
        latencies_ms=out["latencies_ms"],
        cpu_seconds=time.process_time() - cpu0,
        sim_cpu_seconds=out["cpu_seconds"],
    )
    return result


async def open_loop(sim: Simulator, rate: float, seconds: float) -> OpenLoop:
    cpu0 = time.process_time()
    out = await sim.run(mode="open", rate=rate, seconds=seconds, seed=1234)
    return OpenLoop(
        offered=rate,
        planned=out["planned"],
        sent=out["sent"],
        shed=out["shed"],
        answered=out["answered"],
        lost=out["lost"],
        errors=out["errors"],
        latencies_ms=out["latencies_ms"],
        span=out["span"],
        cpu_seconds=time.process_time() - cpu0,
        sim_cpu_seconds=out["cpu_seconds"],
    )


@contextlib.contextmanager
def measuring(result: BotResult, profile: cProfile.Profile | None) -> Iterator[None]:
    """One of a bot's measured phases: its GC pauses recorded, profiled when asked."""
    with result.gc:
        if profile is not None:
            profile.enable()
        try:
            yield
        finally:
            if profile is not None:
                profile.disable()


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def open_phase(
    bot: Contender, result: BotResult, args: argparse.Namespace, profile: cProfile.Profile | None
) -> None:
    await closed_loop(bot.sim, workers(args), WARMUP_SECONDS)
    with measuring(result, profile):
        say(f"  {bot.name}: open loop, {args.rate:g} updates/s for {args.seconds:g} s …")
        result.open = await open_loop(bot.sim, args.rate, args.seconds)
        await asyncio.sleep(SETTLE_SECONDS)  # let the sender and the scheduler finish what is left


async def closed_phase(
    bot: Contender,
    result: BotResult,
    args: argparse.Namespace,
    profile: cProfile.Profile | None,
    round_no: int,
) -> None:
    with measuring(result, profile):
        say(
            f"  {bot.name}: closed loop {round_no}/{args.rounds}, {workers(args)} residents "
            f"for {args.closed_seconds:g} s …"
        )
        result.rounds.append(await closed_loop(bot.sim, workers(args), args.closed_seconds))


def workers(args: argparse.Namespace) -> int:
    return int(min(args.concurrency, args.residents))


# --- profiling (optional) -----------------------------------------------------------------------


def profile_for(args: argparse.Namespace, name: str) -> cProfile.Profile | None:
    """A profile of this bot's measured phases when asked (--cprofile echo|full)."""
    return cProfile.Profile() if args.cprofile and name.startswith(args.cprofile) else None


def dump_profile(profile: cProfile.Profile, args: argparse.Namespace, name: str) -> None:
    path = Path(args.cprofile_out)
    profile.dump_stats(path)
    stats = pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative")
    print(f"\n--- cProfile of {name} (saved to {path}) ---", file=sys.stderr)
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(40)


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.updates", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--residents", type=int, default=200, help="simulated residents (default 200)"
    )
    parser.add_argument(
        "--rate", type=float, default=100.0, help="open-loop updates per second (default 100)"
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="open-loop duration (default 20)"
    )
    parser.add_argument(
        "--closed-seconds", type=float, default=5.0, help="closed-loop duration (default 5)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="closed-loop residents K (default 32)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="closed-loop rounds per bot, in turns (default 5)"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql+asyncpg://… server to create a scratch database on (default: SQLite)",
    )
    parser.add_argument("--only", choices=("echo", "full"), default=None, help="run one bot only")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds to wait after the warm-up (to attach py-spy to the printed pid)",
    )
    parser.add_argument(
        "--cprofile",
        choices=("echo", "full"),
        default=None,
        help="cProfile one bot's measured phases (slows it down)",
    )
    parser.add_argument(
        "--cprofile-out", default="bench-updates.prof", help="where --cprofile saves its stats"
    )
    args = parser.parse_args(argv)
    if (
        args.residents < 1
        or args.rate <= 0
        or args.seconds <= 0
        or args.closed_seconds <= 0
        or args.concurrency < 1
        or args.rounds < 1
        or args.pause < 0
    ):
        parser.error(
            "--residents, --rate, --seconds, --closed-seconds, --concurrency and --rounds "
            "must be positive"
        )
    args.residents = min(args.residents, 100_000)
    args.seconds = min(args.seconds, 600.0)
    args.closed_seconds = min(args.closed_seconds, 120.0)
    args.rounds = min(args.rounds, 50)
    return args


async def main_async(args: argparse.Namespace) -> list[BotResult]:
    makers = []
    if args.only in (None, "echo"):
        makers.append(echo_bot)
    if args.only in (None, "full"):
        makers.append(full_stack)
    results: dict[str, BotResult] = {}
    profiles: dict[str, cProfile.Profile | None] = {}
    for round_no in range(1, args.rounds + 1):
        # Turns alternate (A B, B A, …) so neither bot always runs on the later machine.
        for make in makers if round_no % 2 else makers[::-1]:
            await session(make, round_no, results, profiles, args)
    for name, profile in profiles.items():
        if profile is not None:
            dump_profile(profile, args, name)
    return list(results.values())


async def session(
    make: Callable[[argparse.Namespace], contextlib.AbstractAsyncContextManager[Contender]],
    round_no: int,
    results: dict[str, BotResult],
    profiles: dict[str, cProfile.Profile | None],
    args: argparse.Namespace,
) -> None:
    """One bot alone in this process, from start to stop: its first session measures the open
    loop too, every session one closed-loop round."""
    async with make(args) as bot:
        with heap.settled():  # the collector as `linli run` sets it
            result = results.get(bot.name)
            if result is None:
                result = results[bot.name] = BotResult(bot.name, note=bot.note)
                profiles[bot.name] = profile_for(args, bot.name)
                say(f"  {bot.name}: bot process pid {os.getpid()}")
                if args.pause:
                    say(f"  {bot.name}: waiting {args.pause:g} s (attach a profiler now)")
                    await asyncio.sleep(args.pause)
                await open_phase(bot, result, args, profiles[bot.name])
            else:
                await closed_loop(bot.sim, workers(args), WARMUP_SECONDS)
            await closed_phase(bot, result, args, profiles[bot.name], round_no)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in (
        "httpx",
        "httpcore",
        "aiogram",
        "aiogram.event",
        "aiogram.dispatcher",
        "uvicorn.error",
        "apscheduler",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    started = time.perf_counter()
    results = asyncio.run(main_async(args))
    report(results, args)
    print(f"\n(bench ran {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
