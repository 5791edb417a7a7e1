"""The bench's "Telegram": the Bot API simulator plus the load generator, in their own process.

    .venv/bin/python -m bench.simserver --port PORT

In production Telegram is a remote server: the bot's process must not pay for it. So
`bench/updates.py` starts this module as a separate process; it serves the simulator
(`simulator.app.create_app`, rate limits off) at its root, unchanged, and adds a few routes
of its own under `/bench` (on the app object it builds, so `simulator/` itself is untouched):

  POST /bench/residents  {"ids": [...], "first_name": "…", "language_code": "…"}
       create the users (and their private chats) and watch their chats;
  POST /bench/run        {"mode": "open", "rate": R, "seconds": S, "seed": N}
                         {"mode": "closed", "workers": K, "seconds": S}
       act as the residents, here in the simulator's event loop (no HTTP per message), and
       answer when done with per-update latencies and this process's CPU time.

Latency of one update runs from the user's message being stored in its chat (the moment
Telegram has it) to the bot's reply being stored in that chat, both stamped here on one
clock. Each resident has at most one message in flight, so the next bot message in the
chat is the reply; in the open loop, when every resident is waiting the send is shed
(counted). A reply that does not come within `timeout` seconds counts as lost.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from core import heap
from core.settings import DEMO_TOKEN
from simulator.actions import create_user, user_message
from simulator.app import SimServer, create_app
from simulator.bodies import MessageIn, UserIn
from simulator.chats import SimMessage
from simulator.limits import Limits
from simulator.state import SimState

log = logging.getLogger("bench.simserver")

WAIT_TIMEOUT = 10.0  # seconds a reply may take before it counts as lost


class ResidentsIn(BaseModel):
    ids: list[int]
    first_name: str = "住户"
    language_code: str | None = "zh-hans"


class RunIn(BaseModel):
    mode: str  # "open" or "closed"
    seconds: float
    rate: float = 100.0  # open loop: updates offered per second
    workers: int = 32  # closed loop: residents sending back to back
    seed: int = 1234
    text: str = "/help"
    timeout: float = WAIT_TIMEOUT


class ReplyWatch:
    """Stamps the moment each message is stored in a watched chat (wraps `SimChat.add`)."""

    def __init__(self) -> None:
        self._sent: dict[tuple[int, int], float] = {}  # (chat, user message id) -> stored at
        self._expected: dict[int, tuple[int, asyncio.Future[tuple[float, float]]]] = {}
        self._early: dict[int, tuple[int, float]] = {}  # a reply stored before it was expected

    def install(self, chat: Any) -> None:
        original = chat.add
        chat_id = chat.id

        def add(message: SimMessage) -> SimMessage:
            stored = original(message)
            self._stored(chat_id, message, time.perf_counter())
            return stored

        chat.add = add

    def _stored(self, chat_id: int, message: SimMessage, at: float) -> None:
        if not message.from_bot:
            self._sent[(chat_id, message.message_id)] = at
            return
        if message.service is not None:
            return
        expected = self._expected.get(chat_id)
        if expected is None or message.message_id <= expected[0]:
            self._early[chat_id] = (message.message_id, at)
            return
        user_message_id, future = expected
        if not future.done():
            future.set_result((self._sent.pop((chat_id, user_message_id), at), at))

    async def reply(
        self, chat_id: int, user_message_id: int, timeout: float
    ) -> tuple[float, float] | None:
        """(user message stored, reply stored) for the next bot message after `user_message_id`."""
        early = self._early.pop(chat_id, None)
        if early is not None and early[0] > user_message_id:
            return self._sent.pop((chat_id, user_message_id), early[1]), early[1]
        future: asyncio.Future[tuple[float, float]] = asyncio.get_running_loop().create_future()
        self._expected[chat_id] = (user_message_id, future)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            self._sent.pop((chat_id, user_message_id), None)
            return None
        finally:
            self._expected.pop(chat_id, None)


class LoadGenerator:
    """The residents, acting directly on the simulator's state (what `POST /control/messages` does)."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.watch = ReplyWatch()
        self.ids: list[int] = []

    def create(self, body: ResidentsIn) -> int:
        for user_id in body.ids:
            if user_id not in self.state.users:
                create_user(
                    self.state,
                    UserIn(
                        id=user_id,
                        first_name=f"{body.first_name}{user_id}",
                        language_code=body.language_code,
                    ),
                )
            if user_id not in self.ids:
                self.watch.install(self.state.chats[user_id])
                self.ids.append(user_id)
        return len(self.ids)

    async def exchange(
        self, user_id: int, text: str, timeout: float
    ) -> tuple[float, float] | None:
        sent = user_message(self.state, MessageIn(user_id=user_id, text=text))
        return await self.watch.reply(user_id, sent["message_id"], timeout)

    async def open_loop(self, body: RunIn) -> dict[str, Any]:
        """`text` at a fixed rate from random idle residents, whatever the bot's pace."""
        rng = random.Random(body.seed)
        planned = max(1, int(body.rate * body.seconds))
        out: dict[str, Any] = {"planned": planned, "sent": 0, "shed": 0, "answered": 0}
        out.update(lost=0, errors=0, latencies_ms=[], first_send=0.0, last_reply=0.0)
        idle = list(self.ids)
        tasks: set[asyncio.Task[None]] = set()

        async def one(user_id: int) -> None:
            try:
                outcome = await self.exchange(user_id, body.text, body.timeout)
            except Exception:
                log.exception("bench: a send failed")
                out["errors"] += 1
                return
            finally:
                idle.append(user_id)
            if outcome is None:
                out["lost"] += 1
                return
            stored, replied = outcome
            out["answered"] += 1
            out["latencies_ms"].append(1000 * (replied - stored))
            out["last_reply"] = max(out["last_reply"], replied)

        cpu0 = time.process_time()
        start = time.perf_counter()
        out["first_send"] = start
        for i in range(planned):
            delay = start + i / body.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if not idle:
                out["shed"] += 1
                continue
            user_id = idle.pop(rng.randrange(len(idle)))
            out["sent"] += 1
            task = asyncio.create_task(one(user_id))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=body.timeout + 15)
        for task in tasks:
            task.cancel()
        out["cpu_seconds"] = time.process_time() - cpu0
        out["span"] = out["last_reply"] - start if out["answered"] else 0.0
        return out

    async def closed_loop(self, body: RunIn) -> dict[str, Any]:
        """`workers` residents, each sending the next message as soon as the last was answered."""
        out: dict[str, Any] = {"workers": body.workers, "answered": 0, "lost": 0, "errors": 0}
        latencies: list[float] = []
        cpu0, t0 = time.process_time(), time.perf_counter()
        stop_at = t0 + body.seconds

        async def worker(user_id: int) -> None:
            while time.perf_counter() < stop_at:
                try:
                    outcome = await self.exchange(user_id, body.text, body.timeout)
                except Exception:
                    log.exception("bench: a send failed")
                    out["errors"] += 1
                    await asyncio.sleep(0.05)
                    continue
                if outcome is None:
                    out["lost"] += 1
                else:
                    out["answered"] += 1
                    latencies.append(1000 * (outcome[1] - outcome[0]))

        await asyncio.gather(*(worker(user_id) for user_id in self.ids[: body.workers]))
        out["seconds"] = time.perf_counter() - t0
        out["cpu_seconds"] = time.process_time() - cpu0
        out["latencies_ms"] = latencies
        return out


def create_bench_app(token: str = DEMO_TOKEN) -> FastAPI:
    """The simulator (limits off) with the bench's routes added under `/bench`."""
    app = create_app(token, Limits(enabled=False))
    load = LoadGenerator(app.state.sim)
    router = APIRouter(prefix="/bench")

    @router.get("/ping")
    async def ping() -> dict[str, Any]:
        return {"ok": True}

    @router.post("/residents")
    async def residents(body: ResidentsIn) -> dict[str, Any]:
        return {"residents": load.create(body)}

    @router.post("/run")
    async def run(body: RunIn) -> dict[str, Any]:
        if body.mode == "open":
            return await load.open_loop(body)
        return await load.closed_loop(body)

    app.include_router(router)
    app.state.load = load
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simserver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default=DEMO_TOKEN)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.WARNING, format="simserver %(levelname)s %(name)s: %(message)s"
    )
    import uvicorn

    app = create_bench_app(args.token)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = SimServer(config, app.state.sim)
    heap.settle()  # the garbage collector as `linli run` sets it (core/heap.py)
    server.run()


if __name__ == "__main__":
    main()
