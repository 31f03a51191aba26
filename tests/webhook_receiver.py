"""A real loopback HTTP server that receives webhooks the way a third-party app would: it
checks every signature with the subscription's secret and answers with the status codes it
is told to, in order (then 200)."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from myna.lib.signing import verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    url: str
    secret: str = ""
    answers: list[int] = field(default_factory=list)  # status codes to answer, in order
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            try:
                timestamp = int(headers.get("x-myna-timestamp", ""))
            except ValueError:
                timestamp = -1
            ok = verify(self.secret, timestamp, body, headers.get("x-myna-signature", ""))
            self.received.append(Received(headers, body, ok))
            return self.answers.pop(0) if self.answers else 200

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        """Wait until `count` requests arrived (fails the test after `timeout`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.received) < count:
            if loop.time() > deadline:
                raise AssertionError(f"expected {count} webhook requests, got {self.received}")
            await asyncio.sleep(0.02)
        return list(self.received)


@contextmanager
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = state["r"].take(headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    state["r"] = Receiver(url=f"http://127.0.0.1:{port}/hooks/myna")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
