"""Database time of the chat's ticket lists (/tickets and /queue) with a million tickets.

    .venv/bin/python -m bench.tickets [--tickets 1000000] [--calls 500]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1/test] [--keep]

`--tickets 100000` is a quick run (about a minute); the default million loads in about
half a minute on two cores and measures in a few minutes.

PostgreSQL only, on loopback (or a local socket). The URL names the admin database: a fresh
database `linli_bench_tickets_<random>` is created next to it, migrated with the project's
Alembic migrations (`models.migrate.upgrade_async`) and dropped at the end (`--keep` leaves it
for poking at plans by hand; its name is printed).

Data, all in the fresh database:
  * the demo estate 金采小区 through `services.demo.seed_demo` (216 households; manager,
    dispatcher 900002, steward 900003 for 1–3栋, technician 900004);
  * `--estates` more estates (default 50) of 1,200–2,800 households each (≈ 2,000), in
    6–33-floor buildings, each with a manager, a dispatcher, a steward per six buildings and
    three technicians; one company-wide dispatcher (no estate);
  * one chat identity per household (the reporter);
  * N tickets (`--tickets`, default 1,000,000), COPY'd in with asyncpg's
    `copy_records_to_table`: created over the last two years with ids in creation order,
    spread over households with a heavy tail (log-normal rates: a few households file far
    more), 75 % repairs / 25 % complaints over the real categories, ≈ 90 % finished
    (closed, some rejected, cancelled or done) and ≈ 10 % open (new, accepted, assigned,
    in progress, a few reopened), open ones more likely the more recent; repairs assigned to
    the estate's technicians, complaints to the building's steward; realistic deadlines,
    timestamps, ratings and descriptions. Per-estate numbers (`seq`, `BX-0001234`) follow
    creation order and `ticket_counters.last_seq` is each estate's highest.
    For speed the secondary indexes and the unique/foreign-key constraints of `tickets` are
    dropped for the COPY and then recreated from their own catalogue definitions (so the
    schema is exactly the migrated one; re-adding the constraints re-validates every row).
    Ticket events and media are not loaded: neither list reads them.
  * then VACUUM ANALYZE and a CHECKPOINT, so autovacuum and checkpoints stay out of the way.

Measured, through the real functions with a real `AsyncSession` from `models.db.Database`
(the bot's engine settings, prepared statements cached as in the bot), one session and
connection for everything, `--calls` calls per case after a short warm-up, interleaved
(round i makes call i of every case, so other load on the machine hits all cases alike):
  * `/tickets`: `services.tickets.queries.for_household(limit=10)` for random households,
    first page, and the second page (`before_id` = the first page's last id) of households
    that have one; and the household that files the most: its first and its oldest page;
  * `/queue`: `services.tickets.queries.queue(limit=10)` for the demo dispatcher (whole
    estate), steward (1–3栋) and technician, the same three roles of the largest generated
    estate, and the company-wide dispatcher; first page, and a later page (`after=` the
    ticket in the middle of that staff member's queue).

"db" is the time around the driver's execute (SQLAlchemy's before/after_cursor_execute
events: asyncpg sends the prepared statement and reads every row), i.e. the round trip to the
database; "call" is `time.perf_counter()` around the whole service call (adds building the ORM
objects). Both are compared with the baseline `SELECT 1` through the same session, measured in
the same run, so the ratios are comparable across machines. The statement of each case's
slowest call is then re-run with EXPLAIN (ANALYZE, BUFFERS) and its plan printed.

(The partial indexes on open tickets, the (household_id, id) index, the assignee index
without NULLs, the extended statistics and the queue's query shape that this bench once
proposed as `--proposal` are now migration 0005 and services/tickets/queries.py.)

It prints figures only; it never fails on them (exit status 0 unless the bench itself broke).
"""
