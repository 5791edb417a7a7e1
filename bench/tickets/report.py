"""What the run prints: the data, the table of cases, and the plans of the slowest calls."""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Sequence

from bench.common import percentile
from bench.tickets.estates import Estates
from bench.tickets.load import LoadStats
from bench.tickets.measure import Case

TARGET_P99_MS = 50.0


def fmt(value: float, digits: int = 2) -> str:
    return "—" if math.isnan(value) else f"{value:,.{digits}f}"


def report_data(
    *,
    args: argparse.Namespace,
    server: str,
    estates: Estates,
    stats: LoadStats,
    timings: dict[str, float],
    notes: list[str],
) -> None:
    n = args.tickets
    busiest = max(stats.per_home.values(), default=0)
    idle = len(estates.homes) - len(stats.per_home)
    print()
    print(f"Linli ticket lists — {n:,} tickets, {server}, {os.cpu_count()} CPUs")
    print(
        f"data: {estates.communities} estates, {len(estates.homes):,} households "
        f"(tickets per household: mean {n / max(1, len(estates.homes)):.1f}, max {busiest}, "
        f"{idle:,} with none); open {stats.open:,} ({100 * stats.open / max(1, n):.1f} %)"
    )
    print(
        "statuses: "
        + ", ".join(
            f"{s} {100 * k / max(1, n):.1f} %"
            for s, k in sorted(stats.by_status.items(), key=lambda kv: -kv[1])
        )
    )
    print("load: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"      total {sum(timings.values()):.1f} s")
    for note in notes:
        print(f"      {note}")


def report_table(cases: list[Case], *, tickets: int) -> None:
    base = next((c for c in cases if c.group == "baseline"), None)
    base_db = sorted(base.db_ms) if base else []
    b50, b99 = percentile(base_db, 0.5), percentile(base_db, 0.99)
    header = (
        "query",
        "calls",
        "rows",
        "db p50",
        "db p99",
        "db max",
        "p50 ×S1",
        "p99 ×S1",
        "call p50",
        "call p99",
        "EXPLAIN exec",
        "",
    )
    table = []
    for c in cases:
        db, call = sorted(c.db_ms), sorted(c.call_ms)
        p50, p99 = percentile(db, 0.5), percentile(db, 0.99)
        extra = f" ({c.extra_statements} extra statements!)" if c.extra_statements else ""
        table.append(
            (
                f"{c.group} {c.name}" if c.group != "baseline" else c.name,
                str(len(db)),
                f"{c.rows / max(1, len(db)):.1f}",
                fmt(p50),
                fmt(p99),
                fmt(max(db, default=math.nan)),
                fmt(p50 / b50, 1) if b50 else "—",
                fmt(p99 / b99, 1) if b99 else "—",
                fmt(percentile(call, 0.5)),
                fmt(percentile(call, 0.99)),
                fmt(c.execution_ms, 3),
                c.note + extra,
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if i in (0, len(values) - 1) else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    print()
    print("milliseconds per call")
    print(
        "  db = driver round trip (send, execute, read rows); call = the whole service call; "
        "×S1 = multiple of the SELECT 1 db time in this run;"
    )
    print("  EXPLAIN exec = server Execution Time of the slowest call's statement, re-run")
    head = line(header)
    print(head)
    print("-" * len(head))
    for row in table:
        print(line(row))
    for group in ("/tickets", "/queue"):
        worst = max(
            (percentile(sorted(c.db_ms), 0.99) for c in cases if c.group == group),
            default=math.nan,
        )
        print(
            f"{group}: worst db p99 {fmt(worst)} ms (target < {TARGET_P99_MS:g} ms "
            f"with 1,000,000 tickets; this run has {tickets:,})"
        )


def report_plans(cases: list[Case]) -> None:
    print()
    print("Plans: EXPLAIN (ANALYZE, BUFFERS) of each case's slowest call, re-run warm")
    for c in cases:
        if c.group == "baseline" or not c.plan:
            continue
        _, statement, parameters = c.slowest
        flat = " ".join(statement.split())
        if flat.startswith("SELECT tickets.") and " FROM " in flat:  # the column list, shortened
            flat = "SELECT tickets.*" + flat[flat.index(" FROM ") :]
        print()
        print(f"== {c.group} {c.name}")
        print(f"   {flat}")
        print(f"   parameters: {json.dumps(list(parameters or ()), default=str)}")
        for plan_line in c.plan:
            print(f"   {plan_line}")
