"""The Bot APIs bench/delivery.py sends to, each in a spawned process of its own so the
sender under test has its process to itself: a stub that answers every send at once with
one fixed, valid Message (to measure the sender, not the Bot API), and the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from bench.common import free_port
from core.settings import DEMO_TOKEN

STUB_MESSAGE = json.dumps(
    {
        "ok": True,
        "result": {
            "message_id": 1,
            "date": 1_763_780_000,
            "chat": {"id": 1, "type": "private", "first_name": "x"},
            "from": {
                "id": 123456789,
                "is_bot": True,
                "first_name": "邻里",
                "username": "linli_demo_bot",
            },
            "text": "ok",
        },
    }
).encode()
STUB_TRUE = b'{"ok":true,"result":true}'


def _http_response(body: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


SENT, DONE = _http_response(STUB_MESSAGE), _http_response(STUB_TRUE)


class _StubProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive: a send* request gets the fixed Message, anything else `true`."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            body_start = end + 4
            if b"transfer-encoding: chunked" in head:
                done = self.buffer.find(b"\r\n0\r\n\r\n", body_start - 2)
                if done < 0:
                    return
                consumed = done + 7
            else:
                length = 0
                for line in head.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                consumed = body_start + length
                if len(self.buffer) < consumed:
                    return
            request_line = self.buffer[: self.buffer.find(b"\r\n")]
            self.buffer = self.buffer[consumed:]
            assert self.transport is not None
            self.transport.write(SENT if b"/send" in request_line else DONE)


def serve_stub(port: int) -> None:
    """Child process: the stub Bot API on 127.0.0.1:port until terminated."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_StubProtocol, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def serve_simulator(port: int, first_id: int, count: int, limits: bool) -> None:
    """Child process: the simulator with `count` users who started the bot."""
    import uvicorn

    from simulator.actions import create_user
    from simulator.app import create_app
    from simulator.bodies import UserIn
    from simulator.limits import Limits

    app = create_app(DEMO_TOKEN, Limits(enabled=limits))
    for user_id in range(first_id, first_id + count):
        create_user(app.state.sim, UserIn(id=user_id, first_name=f"居民{user_id}"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@contextlib.asynccontextmanager
async def child(target: Callable[..., None], *args: Any) -> AsyncIterator[str]:
    """Run `target(port, *args)` in a spawned process; yield its base URL once it accepts."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=target, args=(port, *args), daemon=True
    )
    process.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                if not process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"{target.__name__} did not start") from None
                await asyncio.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join(5)
