"""IM gateway benchmark: chat messages through the XMPP gateway (src/myna/gateway/), between a
real Prosody and a real `myna serve`.

    python -m bench im [--senders 20] [--messages 50] [--recipients 5] [--samples 300]
    python -m bench im --mode scale      (PostgreSQL + Redis, the gateway as `myna gateway`)

The setup is tests/e2e/test_im_gateway.py's, imported from tests/e2e rather than copied: a
throwaway Prosody (tests/e2e/prosody.py) and `myna serve` with the gateway joined to it as
its two components (tests/e2e/conftest.py, `running_server(..., gateway=True)`), rate limits
off (MYNA_RATE_LIMITS_ENABLED=false: the statuses bucket would otherwise refuse most of the
burst, and this measures the gateway, not the limiter). Myna accounts are made with
Mastodon.py; every sender is a Prosody user who links its address as a person does (POST
/api/v1/myna/im, the code in the gateway's chat message, POST /api/v1/myna/im/confirm). The
XMPP users are slixmpp clients on the benchmark's own event loop, logged in over plain TCP as
tests/e2e/xmpp.py's `Client` is (which runs a thread per user: right for tests, not for load).

1. Throughput, IM -> Myna: `--senders` linked users each send `--messages` chat messages to
   one of `--recipients` Myna people (not linked, so nothing goes back to IM), all at once, as
   fast as the clients write them. Every recipient listens on the streaming API (`direct`).
   Done when every message is a status in the database (counted from the benchmark's own
   connection) and its recipient got a `conversation` event for it: messages/s to each, and
   how long the processes stay busy after that. Then, once they are idle: CPU per message of
   Prosody, the server, the gateway process (scale mode) and the benchmark's own clients;
   how many messages a conversation shows out of the order their sender sent them in; and
   how many no event showed as its `last_status` (see `Listener`). A warm-up round of one
   message per sender goes first, uncounted.
2. Latency, IM -> web: one linked user sends one person `--samples` messages, one at a time
   (`--interval` seconds apart), after `--warmup` uncounted ones; from the send to the
   `conversation` event on the person's WebSocket: p50/p90/p99/max, and CPU per message.
3. Latency, web -> IM: that person writes to the user with direct statuses (POST
   /api/v1/statuses), one at a time; from the POST to the chat message at the user's client.

A message that does not arrive (an error stanza, no progress for `--timeout` seconds) fails
the run, with what did arrive; the figures measured until then are printed first. It prints
figures and never asserts them. Results: bench/results/<date>-im-<mode>.json and a markdown
table. All traffic stays on 127.0.0.1, and the clients share the machine's cores with Prosody
and Myna.

Scale mode: the test suite's MYNA_TEST_DATABASE_URL and MYNA_TEST_REDIS_URL when both are set
(that database is EMPTIED, as by the end-to-end tests); otherwise a throwaway PostgreSQL and
Redis from bench/services.py (or MYNA_BENCH_POSTGRES_URL / MYNA_BENCH_REDIS_URL, as for the
other benchmarks). `running_server` reads those settings when tests/conftest.py is imported,
so this module imports it only once they are in place.
"""

import argparse
import asyncio
import contextlib
import datetime
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pytest
import sqlalchemy
from slixmpp import ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import StanzaBase
from sqlalchemy.ext.asyncio import create_async_engine

# The e2e harness (Prosody, the stanza helpers) is imported, not copied: the benchmark runs
# the setup that the gateway's end-to-end tests check.
from tests.e2e.prosody import Prosody, running_prosody
from tests.e2e.xmpp import NS_DISCO_INFO, bare, body, error_condition, local_name
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench import services
from bench.search import percentiles
from bench.streaming import cpu_seconds, load_average
from bench.timelines import fmt, mode_table, run_modes, say

PEOPLE = "myna.localhost"
ROOMS = "groups.myna.localhost"
PASSWORD = "correct horse battery staple"
SCOPES = ["read", "write", "follow", "push"]
TEXT = "你好，这是一条经过 XMPP 网关的消息"
CODE = re.compile(r"\b(\d{6})\b")
TEST_URLS = ("MYNA_TEST_DATABASE_URL", "MYNA_TEST_REDIS_URL")
RESULTS = services.REPO / "bench" / "results"
WAIT = 30.0  # seconds for set-up steps (logging in, a link code): a bound, not a figure
POLL = 0.02  # seconds between counts of the stored statuses
QUIET = 0.5  # seconds without CPU use that mean the processes are done
MAX_MISSING = 3  # a latency run stops after this many messages that never arrived
T = TypeVar("T")


class BenchmarkError(RuntimeError):
    """The workload did not happen as described (a message lost, a link refused): the
    figures would mean nothing."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench im",
        description="Messages/s and latency through the IM gateway (XMPP <-> Myna).",
    )
    p.add_argument("--mode", choices=["embedded", "scale"], default="embedded",
                   help="embedded: SQLite, the gateway in `myna serve`; scale: PostgreSQL + "
                   "Redis, the gateway as `myna gateway`")  # fmt: skip
    p.add_argument("--senders", type=int, default=20, help="linked XMPP users in the burst")
    p.add_argument("--messages", type=int, default=50, help="chat messages per sender")
    p.add_argument("--recipients", type=int, default=5, help="Myna people they write to")
    p.add_argument("--samples", type=int, default=300, help="measured messages per direction")
    p.add_argument("--warmup", type=int, default=10, help="uncounted messages per direction")
    p.add_argument("--interval", type=float, default=0.05,
                   help="seconds between latency samples (after each arrived)")  # fmt: skip
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds without progress (or for one sample) before failing")  # fmt: skip
    p.add_argument("--postgres-url", default=os.environ.get("MYNA_BENCH_POSTGRES_URL", ""),
                   help="scale mode: a database to EMPTY and use (default: a throwaway "
                   "cluster, or MYNA_TEST_DATABASE_URL)")  # fmt: skip
    p.add_argument("--redis-url", default=os.environ.get("MYNA_BENCH_REDIS_URL", ""),
                   help="scale mode: default a redis-server on a free port")  # fmt: skip
    p.add_argument("--results", default=str(RESULTS), help="directory for the JSON results")
    p.add_argument("--keep-dir", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv)
    if min(args.senders, args.messages, args.recipients, args.samples) < 1:
        p.error("--senders, --messages, --recipients, --samples must be >= 1")
    if args.warmup < 0 or args.interval < 0 or args.timeout <= 0:
        p.error("--warmup, --interval must be >= 0 and --timeout > 0")
    args.modes = [args.mode]  # for run_modes
    return args


def harness(work: Callable[[], T]) -> T:
    """The e2e harness outside pytest: its failures (pytest outcomes) become errors."""
    try:
        return work()
    except (pytest.fail.Exception, pytest.skip.Exception) as failed:
        raise BenchmarkError(str(failed)) from None


def entered(stack: contextlib.ExitStack, manager: AbstractContextManager[T]) -> T:
    return harness(lambda: stack.enter_context(manager))


# What arrives where


@dataclass
class Arrivals:
    """What one receiving end saw, by the marker (one per message sent) in the text: every
    sighting in order, and when each marker was first seen."""

    pattern: re.Pattern[str]
    sightings: list[tuple[str, float]] = field(default_factory=list)
    first: dict[str, float] = field(default_factory=dict)
    waiting: dict[str, "asyncio.Future[float]"] = field(default_factory=dict)

    def seen(self, text: str, at: float) -> None:
        found = self.pattern.search(text)
        if found is None:
            return
        marker = found.group(0)
        self.sightings.append((marker, at))
        if marker in self.first:
            return
        self.first[marker] = at
        future = self.waiting.pop(marker, None)
        if future is not None and not future.done():
            future.set_result(at)

    async def wait(self, marker: str, timeout: float) -> float | None:
        """When `marker` arrived (register before sending it), or None after `timeout`."""
        if marker in self.first:
            return self.first[marker]
        future = self.waiting[marker] = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self.waiting.pop(marker, None)
            return None

    def count(self, prefix: str) -> int:
        return sum(1 for marker, _at in self.sightings if marker.startswith(prefix))

    def distinct(self, prefix: str) -> int:
        return sum(1 for marker in self.first if marker.startswith(prefix))


class ImUser:
    """One XMPP user on the benchmark's loop."""

    def __init__(self, jid: str, prosody: Prosody, pattern: re.Pattern[str]) -> None:
        mechanisms = {"unencrypted_scram": True, "unencrypted_plain": True}
        self.jid = jid
        self.prosody = prosody
        self.xmpp = ClientXMPP(jid, PASSWORD, plugin_config={"feature_mechanisms": mechanisms})
        self.xmpp.enable_direct_tls = False
        self.xmpp.enable_starttls = False
        self.xmpp.enable_plaintext = True
        self.xmpp.add_filter("in", self._arrived)
        self.arrivals = Arrivals(pattern)
        self.codes: asyncio.Queue[str] = asyncio.Queue()
        self.errors: Counter[str] = Counter()  # error stanzas by condition

    async def login(self) -> None:
        outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def ended(name: str) -> Callable[[object], None]:
            def handler(_event: object) -> None:
                if not outcome.done():
                    outcome.set_result(name)

            return handler

        for name in ("session_start", "failed_all_auth", "disconnected", "connection_failed"):
            self.xmpp.add_event_handler(name, ended(name), disposable=True)
        self.xmpp.connect(host="127.0.0.1", port=self.prosody.c2s_port)
        try:
            result = await asyncio.wait_for(outcome, WAIT)
        except TimeoutError:
            result = "timeout"
        if result != "session_start":
            self.xmpp.cancel_connection_attempt()
            self.xmpp.abort()
            raise BenchmarkError(f"{self.jid} could not log in to Prosody ({result})")
        await self.xmpp.get_roster(timeout=WAIT)
        self.xmpp.send_presence()

    async def close(self) -> None:
        if self.xmpp.is_connected():
            await self.xmpp.disconnect(wait=1.0)

    def chat(self, to: str, text: str) -> None:
        message = self.xmpp.make_message(mto=to, mbody=text, mtype="chat")
        message["id"] = uuid.uuid4().hex  # clients send ids; the gateway keys posts by them
        message.send()

    def _arrived(self, stanza: StanzaBase) -> StanzaBase:
        el = stanza.xml
        if local_name(el) != "message":
            return stanza
        at = time.perf_counter()
        if el.get("type") == "error":
            self.errors[error_condition(el) or "no condition"] += 1
        elif bare(el.get("from", "")) == PEOPLE:
            found = CODE.search(body(el) or "")
            if found:
                self.codes.put_nowait(found.group(1))
        else:
            self.arrivals.seen(body(el) or "", at)
        return stanza


class Listener:
    """A Myna person on the streaming API's `direct` stream. Each direct status sends its
    participants one `conversation` event, but its payload is the conversation as it is when
    the event is rendered for the connection: during a burst its `last_status` is often a
    newer message. So arrivals are counted as events (one per message), and a marker seen
    twice is no duplicate here."""

    def __init__(self, ws: ClientConnection, pattern: re.Pattern[str]) -> None:
        self.ws = ws
        self.arrivals = Arrivals(pattern)
        self.closed = ""
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                at = time.perf_counter()
                frame = orjson.loads(raw)
                if frame.get("event") == "conversation":
                    last = orjson.loads(frame["payload"]).get("last_status") or {}
                    self.arrivals.seen(last.get("content") or "", at)
        except ConnectionClosed as closed:
            self.closed = str(closed)

    async def close(self) -> None:
        await self.ws.close()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def listen(base: str, token: str, pattern: re.Pattern[str]) -> Listener:
    url = base.replace("http://", "ws://") + f"/api/v1/streaming?stream=direct&access_token={token}"
    ws = await connect(url, ping_interval=None, open_timeout=WAIT, close_timeout=2)
    return Listener(ws, pattern)


# Setting up: accounts, XMPP users, links


def create_accounts(base: str, names: list[str]) -> dict[str, str]:
    """Myna accounts made through the API with Mastodon.py, as in the e2e tests: name ->
    token. Blocking; run in a thread."""
    from mastodon import Mastodon

    client_id, client_secret = Mastodon.create_app(
        "IM gateway benchmark", api_base_url=base, scopes=SCOPES
    )

    def one(name: str) -> tuple[str, str]:
        app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        token = app.create_account(
            name, PASSWORD, f"{name}@example.test", agreement=True, scopes=SCOPES
        )
        return name, token

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(one, names))


def register_jids(prosody: Prosody, names: list[str]) -> list[str]:
    """Prosody accounts (prosodyctl, a second or so each, so several at a time)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda name: harness(lambda: prosody.register(name, PASSWORD)), names))


async def gateway_ready(user: ImUser) -> None:
    """The gateway joins Prosody in the background: wait until its domain answers disco."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        iq = user.xmpp.make_iq_get(queryxmlns=NS_DISCO_INFO, ito=PEOPLE)
        try:
            await iq.send(timeout=2.0)
            return
        except (IqError, IqTimeout):
            await asyncio.sleep(0.2)
    raise BenchmarkError(f"the gateway never joined Prosody ({PEOPLE} did not answer disco)")


async def link(http: httpx.AsyncClient, user: ImUser, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    asked = await http.post("/api/v1/myna/im", json={"address": user.jid}, headers=headers)
    if asked.status_code != 200 or asked.json().get("state") != "pending":
        raise BenchmarkError(f"linking {user.jid}: HTTP {asked.status_code} {asked.text[:300]}")
    try:
        code = await asyncio.wait_for(user.codes.get(), WAIT)
    except TimeoutError:
        raise BenchmarkError(f"no link code reached {user.jid} in {WAIT:.0f} s") from None
    made = await http.post("/api/v1/myna/im/confirm", json={"code": code}, headers=headers)
    if made.status_code != 200 or made.json().get("state") != "linked":
        raise BenchmarkError(f"confirming {user.jid}: HTTP {made.status_code} {made.text[:300]}")


# Measuring


class Statuses:
    """Statuses by the markers in their text, read from the benchmark's own connection."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_async_engine(database_url)

    async def count(self, prefix: str) -> int:
        async with self.engine.connect() as conn:
            statement = sqlalchemy.text("SELECT count(*) FROM statuses WHERE text LIKE :marker")
            return int(await conn.scalar(statement, {"marker": f"%{prefix}%"}) or 0)

    async def texts(self, prefix: str) -> list[str]:
        """Their texts by id: the order conversations show them in."""
        async with self.engine.connect() as conn:
            statement = sqlalchemy.text("SELECT text FROM statuses WHERE text LIKE :m ORDER BY id")
            return list(await conn.scalars(statement, {"m": f"%{prefix}%"}))

    async def close(self) -> None:
        await self.engine.dispose()


def cpu_by_process() -> dict[str, float]:
    """CPU seconds so far of the processes this run started (Prosody, `myna serve`, `myna
    gateway`, with their children) and of the benchmark itself."""
    found: dict[str, float] = {"benchmark": time.process_time()}
    for pid in services.children(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"prosody" in part for part in command):
            name = "prosody"
        elif b"gateway" in command:
            name = "gateway"
        elif b"serve" in command:
            name = "server"
        else:
            continue
        for each in [pid, *services.children(pid)]:
            with contextlib.suppress(OSError):
                found[name] = found.get(name, 0.0) + cpu_seconds(each)
    return found


async def settle(limit: float = 120.0) -> None:
    """Wait until Prosody, the server and the gateway use no CPU for QUIET seconds: work
    still queued when the figures end (events rendered for connections) is done."""
    started = time.perf_counter()

    def busy() -> float:
        return sum(s for name, s in cpu_by_process().items() if name != "benchmark")

    before = busy()
    while time.perf_counter() - started < limit:
        await asyncio.sleep(QUIET)
        now = busy()
        if now - before < 0.05:
            return
        before = now


def cpu_per(before: dict[str, float], after: dict[str, float], messages: int) -> dict[str, float]:
    """CPU milliseconds per message of each process, between two `cpu_by_process()`."""
    return {name: round((after.get(name, 0.0) - seconds) * 1000 / messages, 2)
            for name, seconds in before.items()}  # fmt: skip


@dataclass
class Burst:
    """One round of the throughput run: who sends what to whom, and what arrived."""

    kind: str  # the marker letter of the round
    run: str
    users: list[ImUser]
    listeners: list[Listener]
    recipients: list[str]
    per_sender: int

    @property
    def prefix(self) -> str:
        return f"b{self.run}{self.kind}"

    @property
    def total(self) -> int:
        return len(self.users) * self.per_sender

    def send(self) -> float:
        """Every message, interleaved over the senders; returns when the first went. The
        marker names the sender and the message's place: b<run><kind><sender>n<place>."""
        started = time.perf_counter()
        for n in range(self.per_sender):
            for i, user in enumerate(self.users):
                target = i % len(self.recipients)
                marker = f"{self.prefix}{i}n{n}"
                user.chat(f"{self.recipients[target]}@{PEOPLE}", f"{marker} {TEXT}")
        return started

    def errors(self) -> dict[str, int]:
        return dict(sum((user.errors for user in self.users), Counter()))


async def complete(burst: Burst, statuses: Statuses, timeout: float) -> float:
    """Wait until every message of `burst` is stored and delivered; when the last was
    stored (polled). Raises when nothing moves for `timeout` seconds."""
    stored_at: float | None = None
    progress = (-1, -1)
    moved = time.perf_counter()
    while True:
        stored = await statuses.count(burst.prefix)
        delivered = sum(listener.arrivals.count(burst.prefix) for listener in burst.listeners)
        now = time.perf_counter()
        if stored >= burst.total and stored_at is None:
            stored_at = now
        if stored_at is not None and delivered >= burst.total:
            if stored > burst.total:
                raise BenchmarkError(f"{stored} statuses for {burst.total} messages (duplicates)")
            return stored_at
        if (stored, delivered) != progress:
            progress, moved = (stored, delivered), now
        elif now - moved > timeout:
            closed = [listener.closed for listener in burst.listeners if listener.closed]
            raise BenchmarkError(
                f"messages went missing: after {timeout:g} s without progress, {stored} of "
                f"{burst.total} stored and {delivered} delivered to the web; error stanzas at "
                f"the senders: {burst.errors() or 'none'}"
                + (f"; WebSockets closed: {closed}" if closed else "")
            )
        await asyncio.sleep(POLL)


async def throughput(args: argparse.Namespace, burst: Burst, warm: Burst,
                     statuses: Statuses) -> dict[str, Any]:  # fmt: skip
    say(f"warm-up: {warm.total} messages, one per sender ...")
    warm.send()
    await complete(warm, statuses, args.timeout)
    say(f"burst: {burst.total:,} messages ({len(burst.users)} senders x {burst.per_sender}) "
        f"to {len(burst.recipients)} people ...")  # fmt: skip
    cpu_before = cpu_by_process()
    started = burst.send()
    queued = time.perf_counter() - started
    stored_at = await complete(burst, statuses, args.timeout)
    last = max(at for listener in burst.listeners for marker, at in listener.arrivals.sightings
               if marker.startswith(burst.prefix))  # fmt: skip
    await settle()
    busy_after = time.perf_counter() - QUIET - last
    cpu_after = cpu_by_process()
    stored_s, web_s = stored_at - started, last - started
    shown = sum(listener.arrivals.distinct(burst.prefix) for listener in burst.listeners)
    return {
        "senders": len(burst.users),
        "messages_per_sender": burst.per_sender,
        "recipients": len(burst.recipients),
        "messages": burst.total,
        "seconds_to_queue_all": round(queued, 3),
        "seconds_until_stored": round(stored_s, 2),
        "stored_per_s": round(burst.total / stored_s, 1),
        "seconds_until_delivered_to_web": round(web_s, 2),
        "delivered_per_s": round(burst.total / web_s, 1),
        # Still busy this long after the last web delivery (and in CPU per message below).
        "seconds_busy_after": round(max(0.0, busy_after), 1),
        "cpu_ms_per_message": cpu_per(cpu_before, cpu_after, burst.total),
        "error_stanzas": burst.errors(),
        # Messages no `conversation` event showed as its last_status (see Listener).
        "never_shown_in_an_event": burst.total - shown,
        # Messages a conversation shows after a later one from the same sender.
        "out_of_order": out_of_order(await statuses.texts(burst.prefix), burst.prefix),
    }


def out_of_order(texts: list[str], prefix: str) -> int:
    """Of the statuses in the order the conversations show them (by id), how many come
    after a later message of the same sender."""
    latest: dict[str, int] = {}
    late = 0
    for text in texts:
        found = re.search(rf"{prefix}(\d+)n(\d+)", text)
        if found is None:
            continue
        sender, place = found.group(1), int(found.group(2))
        late += place < latest.get(sender, -1)
        latest[sender] = max(place, latest.get(sender, -1))
    return late


async def latency(args: argparse.Namespace, prefix: str, arrivals: Arrivals,
                  send: Callable[[str], Awaitable[float | None]]) -> dict[str, Any]:  # fmt: skip
    """`--warmup` + `--samples` messages, one at a time: `send(marker)` sends one (a REST
    post returns when it was answered); from the send to the marker's arrival."""
    ms: list[float] = []
    answered_ms: list[float] = []
    missing = 0
    cpu_before = cpu_by_process()
    for k in range(args.warmup + args.samples):
        marker = f"{prefix}{k}n0"
        waiting = asyncio.ensure_future(arrivals.wait(marker, args.timeout))
        await asyncio.sleep(0)  # registered before the message leaves
        start = time.perf_counter()
        try:
            answered = await send(marker)
        except Exception:
            waiting.cancel()
            raise
        arrived = await waiting
        if arrived is None:
            missing += 1
            if missing >= MAX_MISSING:
                break
        elif k >= args.warmup:
            ms.append((arrived - start) * 1000)
            if answered is not None:
                answered_ms.append((answered - start) * 1000)
        await asyncio.sleep(args.interval)
    figures: dict[str, Any] = {
        "samples": len(ms),
        "missing": missing,
        **percentiles(ms),
        "cpu_ms_per_message": cpu_per(cpu_before, cpu_by_process(), k + 1),
        "duplicates": arrivals.count(prefix) - arrivals.distinct(prefix),
    }
    if answered_ms:
        figures["post_response"] = percentiles(answered_ms)
    return figures


# One run


async def measure(args: argparse.Namespace, result: dict[str, Any], prosody: Prosody,
                  base: str, database_url: str) -> None:  # fmt: skip
    run = secrets.token_hex(3)
    pattern = re.compile(rf"b{run}[a-z]\d+n\d+")
    senders = [f"sender{i}" for i in range(args.senders)]
    people = [f"person{i}" for i in range(args.recipients)]
    say(f"{len(senders)} Prosody users and {len(senders) + len(people)} Myna accounts ...")
    jids = await asyncio.to_thread(register_jids, prosody, senders)
    tokens = await asyncio.to_thread(create_accounts, base, senders + people)
    users = [ImUser(jid, prosody, pattern) for jid in jids]
    listeners: list[Listener] = []
    statuses = Statuses(database_url)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=WAIT) as http:
            await asyncio.gather(*(user.login() for user in users))
            await gateway_ready(users[0])
            say("linking every sender's address ...")
            pairs = zip(users, senders, strict=True)
            await asyncio.gather(*(link(http, user, tokens[name]) for user, name in pairs))
            listeners = [await listen(base, tokens[name], pattern) for name in people]

            burst = Burst("t", run, users, listeners, people, args.messages)
            warm = Burst("u", run, users, listeners, people, 1)
            figures = result["throughput"] = await throughput(args, burst, warm, statuses)
            say(f"IM -> Myna: {figures['stored_per_s']:,.1f} messages/s stored in "
                f"{figures['seconds_until_stored']} s, {figures['delivered_per_s']:,.1f}/s "
                f"at the web in {figures['seconds_until_delivered_to_web']} s")  # fmt: skip

            alice, bob = users[0], people[0]

            async def chat(marker: str) -> None:
                alice.chat(f"{bob}@{PEOPLE}", f"{marker} {TEXT}")

            async def post(marker: str) -> float:
                posted = await http.post(
                    "/api/v1/statuses",
                    json={"status": f"@{senders[0]} {marker} {TEXT}", "visibility": "direct"},
                    headers={"Authorization": f"Bearer {tokens[bob]}"},
                )
                if posted.status_code != 200:
                    raise BenchmarkError(f"POST /api/v1/statuses: HTTP {posted.status_code} "
                                         f"{posted.text[:300]}")  # fmt: skip
                return time.perf_counter()

            await settle()
            say(f"IM -> web latency: {args.warmup} + {args.samples} messages, one at a time ...")
            errors = Counter(alice.errors)
            there = result["im_to_web"] = await latency(args, f"b{run}w", listeners[0].arrivals,
                                                        chat)  # fmt: skip
            there["error_stanzas"] = dict(alice.errors - errors)
            say(f"IM -> web, p50 / p99 (p90 / max) ms: {spread(there)}")
            await settle()
            say(f"web -> IM latency: {args.warmup} + {args.samples} direct statuses ...")
            back = result["web_to_im"] = await latency(args, f"b{run}x", alice.arrivals, post)
            say(f"web -> IM, p50 / p99 (p90 / max) ms: {spread(back)}")
    finally:
        for listener in listeners:
            await listener.close()
        await asyncio.gather(*(user.close() for user in users), return_exceptions=True)
        await statuses.close()
    result["load_average"] = load_average()
    missing = {k: result[k]["missing"] for k in ("im_to_web", "web_to_im") if result[k]["missing"]}
    if missing:
        raise BenchmarkError(f"messages went missing (no arrival in {args.timeout:g} s): "
                             f"{missing}; error stanzas at the sender: "
                             f"{result['im_to_web']['error_stanzas'] or 'none'}")  # fmt: skip


async def run_mode(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    # Imported here, once backends() has put the scale settings (or none) in the environment.
    from tests.conftest import POSTGRES_URL, SCALE_MODE
    from tests.e2e.conftest import running_server

    if (mode == "scale") != SCALE_MODE:
        raise BenchmarkError(f"{mode} mode, but the test settings say otherwise ({TEST_URLS})")
    workdir = Path(tempfile.mkdtemp(prefix=f"myna-bench-im-{mode}-"))
    database_url = POSTGRES_URL or f"sqlite+aiosqlite:///{workdir / 'myna' / 'myna.db'}"
    result: dict[str, Any] = {
        "mode": mode,
        "started": datetime.datetime.now().isoformat(),
        "backends": {
            "database": database_url.split("://")[0],
            "gateway": "`myna gateway` process" if SCALE_MODE else "in `myna serve`",
            "rate_limits": "off",
        },
    }
    try:
        with contextlib.ExitStack() as stack:
            say(f"[{mode}] starting Prosody and `myna serve` with the gateway ...")
            prosody = entered(stack, running_prosody(workdir / "prosody", people=PEOPLE,
                                                     groups=ROOMS))  # fmt: skip
            (workdir / "myna").mkdir()
            server = running_server(
                workdir / "myna",
                gateway=True,
                xmpp_secret=prosody.secret,
                xmpp_port=str(prosody.component_port),
                xmpp_domain=PEOPLE,
                rate_limits_enabled="false",
            )
            base = entered(stack, server)
            try:
                await measure(args, result, prosody, base, database_url)
            except BenchmarkError as failed:
                raise BenchmarkError(f"{failed}\n{log_tails(workdir)}") from None
    finally:
        if args.keep_dir:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def log_tails(workdir: Path, lines: int = 15) -> str:
    parts = []
    for log in (workdir / "myna" / "server.log", workdir / "myna" / "gateway.log",
                workdir / "prosody" / "prosody.log"):  # fmt: skip
        if log.exists():
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(tail))
    return "\n".join(parts)


@contextlib.contextmanager
def backends(args: argparse.Namespace) -> Iterator[None]:
    """The test settings that `running_server` reads: none in embedded mode; in scale mode
    the suite's own, or a throwaway PostgreSQL and Redis."""
    if args.mode == "embedded":
        for name in TEST_URLS:
            os.environ.pop(name, None)  # running_server would run in scale mode
        yield
        return
    if all(os.environ.get(name) for name in TEST_URLS):
        say("scale mode on MYNA_TEST_DATABASE_URL (emptied) and MYNA_TEST_REDIS_URL")
        yield
        return
    scratch = Path(tempfile.mkdtemp(prefix="myna-bench-im-services-"))
    postgres = services.postgres(args.postgres_url)
    try:
        redis = services.redis(args.redis_url, scratch)
        try:
            os.environ.update(MYNA_TEST_DATABASE_URL=postgres.url, MYNA_TEST_REDIS_URL=redis.url)
            yield
        finally:
            redis.stop()
    finally:
        postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)


# Reporting


def pair(figures: dict[str, Any], low: str, high: str) -> str:
    return f"{fmt(figures.get(low), '', 1)} / {fmt(figures.get(high), '', 1)}"


def spread(figures: dict[str, Any]) -> str:
    return f"{pair(figures, 'p50_ms', 'p99_ms')} ({pair(figures, 'p90_ms', 'max_ms')})"


def rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    burst = result.get("throughput", {})
    there, back = result.get("im_to_web", {}), result.get("web_to_im", {})
    backends_ = result.get("backends", {})
    return [
        ("database, gateway", f"{backends_.get('database')}, {backends_.get('gateway')}"),
        ("burst: senders x messages -> people",
         f"{burst.get('senders')} x {burst.get('messages_per_sender')} -> "
         f"{burst.get('recipients')}"),
        ("IM -> Myna, **messages/s** stored (wall time)",
         f"{fmt(burst.get('stored_per_s'), '', 1)} "
         f"({fmt(burst.get('seconds_until_stored'), ' s', 2)})"),
        ("IM -> web event, messages/s (wall time); busy after that",
         f"{fmt(burst.get('delivered_per_s'), '', 1)} "
         f"({fmt(burst.get('seconds_until_delivered_to_web'), ' s', 2)}); "
         f"{fmt(burst.get('seconds_busy_after'), ' s', 1)}"),
        ("burst: messages shown out of order / never an event's last_status",
         f"{burst.get('out_of_order')} / {burst.get('never_shown_in_an_event')}"),
        ("burst: CPU ms per message (till idle)", cpu_line(burst)),
        ("IM -> web, one at a time: p50 / p99 ms (p90 / max)", spread(there)),
        ("web -> IM, one at a time: p50 / p99 ms (p90 / max)", spread(back)),
        ("one at a time, CPU ms per message: IM -> web; web -> IM",
         f"{cpu_line(there)}; {cpu_line(back)}"),
        ("web -> IM: POST /api/v1/statuses p50 / p99 ms",
         pair(back.get("post_response", {}), "p50_ms", "p99_ms")),
        ("samples (missing)", f"{there.get('samples')} ({there.get('missing')}) / "
                              f"{back.get('samples')} ({back.get('missing')})"),
        ("error stanzas", str({**burst.get("error_stanzas", {}),
                               **there.get("error_stanzas", {})} or "none")),
    ]  # fmt: skip


def cpu_line(figures: dict[str, Any]) -> str:
    cpu = figures.get("cpu_ms_per_message", {})
    return ", ".join(f"{name} {fmt(ms, '', 2)}" for name, ms in cpu.items()) or "n/a"


def markdown(results: dict[str, dict[str, Any]]) -> str:
    return mode_table(results, rows)


def main(argv: Sequence[str]) -> int:
    args = parse_args(list(argv))
    with backends(args):
        return run_modes(args, run_mode, markdown, prefix="im-")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
