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
answered update) and the garbage collector's pauses. Each session freezes its start-up heap
out of the collector's way, as `linli run` does.

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
import gc
import logging
import math
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.contenders import Contender, Simulator, echo_bot, full_stack

log = logging.getLogger("bench.updates")

WARMUP_SECONDS = 1.0
SETTLE_SECONDS = 0.5
TARGET_RATIO = 0.5  # full stack ≥ half the echo bot's throughput
TARGET_P99_MS = 100.0  # p99 below 100 ms at 100 updates/s
TARGET_RATE = 100.0


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --- results ------------------------------------------------------------------------------------


@dataclass
class OpenLoop:
    offered: float
    planned: int
    sent: int = 0
    shed: int = 0  # every resident had a message in flight
    answered: int = 0
    lost: int = 0  # no reply within WAIT_TIMEOUT
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    span: float = 0.0  # first send → last reply
    cpu_seconds: float = 0.0  # the bot's process
    sim_cpu_seconds: float = 0.0  # the simulator's process (simulator and load generator)

    @property
    def achieved(self) -> float:
        return self.answered / self.span if self.answered and self.span > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.answered if self.answered else math.nan

    @property
    def sim_cpu_ms_per_update(self) -> float:
        return 1000 * self.sim_cpu_seconds / self.answered if self.answered else math.nan


@dataclass
class ClosedLoop:
    workers: int
    answered: int = 0
    lost: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    sim_cpu_seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.answered if self.answered else math.nan

    @property
    def sim_cpu_ms_per_update(self) -> float:
        return 1000 * self.sim_cpu_seconds / self.answered if self.answered else math.nan


@dataclass
class BotResult:
    name: str
    note: str = ""
    open: OpenLoop | None = None
    rounds: list[ClosedLoop] = field(default_factory=list)
    gc: GcPauses = field(default_factory=lambda: GcPauses())

    @property
    def closed(self) -> ClosedLoop | None:
        """Every closed-loop round taken together."""
        if not self.rounds:
            return None
        merged = ClosedLoop(workers=self.rounds[0].workers)
        for r in self.rounds:
            merged.answered += r.answered
            merged.lost += r.lost
            merged.errors += r.errors
            merged.seconds += r.seconds
            merged.latencies_ms += r.latencies_ms
            merged.cpu_seconds += r.cpu_seconds
            merged.sim_cpu_seconds += r.sim_cpu_seconds
        return merged


class GcPauses:
    """Garbage-collector pauses in the bot's process while measuring."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, ms)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], 1000 * (time.perf_counter() - self._started)))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    def summary(self) -> str:
        full = [ms for generation, ms in self.pauses if generation == 2]
        longest = max((ms for _, ms in self.pauses), default=0.0)
        return (
            f"GC: {len(self.pauses)} collections, {len(full)} full (longest {max(full, default=0.0):.0f} ms), "
            f"longest pause {longest:.0f} ms"
        )


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


# --- report -------------------------------------------------------------------------------------


def fmt(value: float, digits: int = 1) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:,.{digits}f}"
    )


def report(results: list[BotResult], args: argparse.Namespace) -> None:
    header = (
        "bot",
        "offered/s",
        "achieved/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lost",
        "shed",
        "max-throughput/s",
        "closed p50/p99 ms",
        "bot CPU ms/update",
        "sim CPU ms/update",
    )
    rows = []
    for r in results:
        o, c = r.open, r.closed
        assert o is not None and c is not None
        rows.append(
            (
                r.name,
                fmt(o.offered, 0),
                fmt(o.achieved),
                fmt(o.p(0.50)),
                fmt(o.p(0.99)),
                fmt(max(o.latencies_ms) if o.latencies_ms else math.nan),
                str(o.lost + o.errors),
                str(o.shed),
                fmt(c.throughput),
                f"{fmt(c.p(0.50), 0)} / {fmt(c.p(0.99), 0)}",
                f"{fmt(o.cpu_ms_per_update, 2)} / {fmt(c.cpu_ms_per_update, 2)}",
                f"{fmt(o.sim_cpu_ms_per_update, 2)} / {fmt(c.sim_cpu_ms_per_update, 2)}",
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    print()
    print(
        f"Linli update benchmark — {args.residents} residents, /help, simulator limits off "
        f"(own process), open loop {args.seconds:g} s, closed loop {args.concurrency} residents "
        f"× {args.closed_seconds:g} s × {args.rounds} rounds, {os.cpu_count()} CPUs"
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    for r in results:
        notes = [n for n in (r.note, r.gc.summary()) if n]
        if notes:
            print(f"  {r.name}: {'; '.join(notes)}")
    print(
        "  latency: the user's message stored in the simulator → the bot's reply stored in that chat, "
        "both stamped in the simulator's process"
    )
    print(
        "  lost: no reply within 10 s (or an error); shed: sends skipped because every resident was "
        "waiting; CPU ms/update: open / closed loop, per answered update, of the bot's process "
        "(threads included) and of the simulator's (simulator and load generator)"
    )
    by_name = {r.name: r for r in results}
    echo, full = by_name.get("echo bot"), by_name.get("full stack")
    print()
    ratios = [
        f.throughput / e.throughput
        for e, f in zip(echo.rounds if echo else [], full.rounds if full else [], strict=False)
        if e.throughput > 0
    ]
    if ratios:
        ratio = statistics.median(ratios)
        verdict = "holds" if ratio >= TARGET_RATIO else "MISSED"
        rounds = ", ".join(f"{r:.2f}" for r in ratios)
        print(
            f"full/echo max throughput by round: {rounds}; median {ratio:.2f}"
            f"  → target ≥ {TARGET_RATIO} of the echo bot: {verdict}"
        )
    if full and full.open:
        p99 = full.open.p(0.99)
        at = f"at {full.open.offered:g} updates/s"
        if full.open.offered != TARGET_RATE:
            at += f" (the target is stated at {TARGET_RATE:g}/s)"
        clean = full.open.lost + full.open.errors + full.open.shed == 0
        verdict = "holds" if (not math.isnan(p99) and p99 < TARGET_P99_MS and clean) else "MISSED"
        print(
            f"full stack p99 {fmt(p99)} ms {at}  → target p99 < {TARGET_P99_MS:g} ms: {verdict}"
            + ("" if clean else " (some updates were lost or shed)")
        )


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
        "--rounds", type=int, default=3, help="closed-loop rounds per bot, in turns (default 3)"
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
        # Start-up objects never die: keep full collections from walking them, as `linli run`
        # does (a 150–200 ms pause each time otherwise).
        gc.collect()
        gc.freeze()
        try:
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
        finally:
            gc.unfreeze()


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
