"""The figures bench/updates.py gathers for each bot, and the report it prints from them:
the table, the per-round full/echo ratio, and the verdicts on the issue's two targets."""

from __future__ import annotations

import argparse
import math
import os
import statistics
from dataclasses import dataclass, field

from bench.common import GcPauses, percentile

TARGET_RATIO = 0.5  # full stack ≥ half the echo bot's throughput
TARGET_P99_MS = 100.0  # p99 below 100 ms at 100 updates/s
TARGET_RATE = 100.0


@dataclass(kw_only=True)
class Phase:
    """What both loops count: answers, losses, reply latencies, and each process's CPU."""

    answered: int = 0
    lost: int = 0  # no reply within WAIT_TIMEOUT
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the bot's process
    sim_cpu_seconds: float = 0.0  # the simulator's process (simulator and load generator)

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.answered if self.answered else math.nan

    @property
    def sim_cpu_ms_per_update(self) -> float:
        return 1000 * self.sim_cpu_seconds / self.answered if self.answered else math.nan


@dataclass(kw_only=True)
class OpenLoop(Phase):
    offered: float
    planned: int
    sent: int = 0
    shed: int = 0  # every resident had a message in flight
    span: float = 0.0  # first send → last reply

    @property
    def achieved(self) -> float:
        return self.answered / self.span if self.answered and self.span > 0 else 0.0


@dataclass(kw_only=True)
class ClosedLoop(Phase):
    workers: int
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0


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
        rounds = ", ".join(
            f"{r:.2f} ({f.throughput:,.0f}/{e.throughput:,.0f})"
            for r, e, f in zip(ratios, echo.rounds, full.rounds, strict=False)  # type: ignore[union-attr]
        )
        print(
            f"full/echo max throughput by round (full/echo updates/s): {rounds}; median {ratio:.2f}"
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
