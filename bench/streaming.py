"""Streaming benchmark: idle WebSocket connections held by one `myna serve` process (resident
memory per connection) and post-to-delivery latency to connected followers.

    python -m bench streaming [--connections 10000] [--followers 1000] [--posts 50] ...

What it does, in order:

1. Seeds a fresh database in this process with the real actions (`do_register`,
   `do_create_app`, `do_issue_token`, `do_follow`): one author, `--followers` accounts that
   follow it, and `--idle-accounts` accounts for the idle connections. argon2 hashing costs
   about 0.1 s per password on this machine, so while seeding, `passwords.hash_password`
   returns one genuine argon2id hash of a fixed password computed once up front (every
   seeded account can still sign in with it). Nothing else is bypassed.
2. Starts a real `myna serve` subprocess on 127.0.0.1 (SQLite in a temporary directory unless
   `--database-url`; the in-process broker unless `--redis-url`). The server inherits this
   process's raised open-file limit.
3. Opens `--connections` idle WebSocket connections in batches, each signed in as one of the
   idle accounts and subscribed to `user`, and reads the server's VmRSS before and after.
4. Opens one connection per follower, subscribed to `user`, then the author posts `--posts`
   times through the REST API. Each post waits for the previous one to reach every follower
   (or `--post-timeout`) and then `--interval` seconds, so latencies are per post, not queued
   behind each other. The idle connections stay open meanwhile.

It prints figures and never asserts them. All traffic goes to 127.0.0.1; every loop is
bounded in count and time.
"""

import argparse
import asyncio
import contextlib
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

SEED_PASSWORD = "benchmark-password"
SCOPES = "read write follow"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench streaming",
        description="Idle WebSocket connections (memory) and post-to-delivery latency.",
    )
    p.add_argument("--connections", type=int, default=10_000, help="idle connections to hold")
    p.add_argument("--followers", type=int, default=1_000, help="connected followers")
    p.add_argument("--posts", type=int, default=50, help="posts by the followed author")
    p.add_argument(
        "--interval",
        type=float,
        default=0.2,
        help="seconds between one post's last delivery and the next post",
    )
    p.add_argument("--post-timeout", type=float, default=30.0, help="wait at most this per post")
    p.add_argument(
        "--idle-accounts",
        type=int,
        default=1_000,
        help="accounts the idle connections sign in as (connections spread over them)",
    )
    p.add_argument("--batch", type=int, default=200, help="connections opened concurrently")
    p.add_argument("--seed-tasks", type=int, default=4, help="parallel seeding tasks")
    p.add_argument("--database-url", default="", help="default: SQLite in a temporary directory")
    p.add_argument("--redis-url", default="", help="use the Redis broker (MYNA_REDIS_URL)")
    p.add_argument("--port", type=int, default=0, help="default: a free port")
    p.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="deflate",
        help="offer permessage-deflate like browsers do (default) or not",
    )
    p.add_argument("--keep-dir", action="store_true", help="keep the temporary directory")
    args = p.parse_args(list(argv))
    if min(args.followers, args.posts, args.batch, args.seed_tasks, args.idle_accounts) < 1:
        p.error("--followers, --posts, --batch, --seed-tasks, --idle-accounts must be >= 1")
    if args.connections < 0:
        p.error("--connections must be >= 0")
    return args


# Process facts


def raise_nofile() -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def load_average() -> str:
    """Other work on the machine skews every figure here; print it with them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Seeding with the real actions


@dataclass
class Seeded:
    author_token: str
    follower_tokens: list[str]
    idle_tokens: list[str]
    seconds: float


async def _bounded(tasks: int, jobs: Sequence[Any]) -> list[Any]:
    gate = asyncio.Semaphore(tasks)

    async def run(job: Any) -> Any:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(run(job) for job in jobs)))


async def seed(database_url: str, followers: int, idle_accounts: int, tasks: int) -> Seeded:
    from myna.actions.accounts import Registration
    from myna.config import Settings
    from myna.container import build
    from myna.lib import passwords

    started = time.perf_counter()
    one_hash = passwords.hash_password(SEED_PASSWORD)
    real_hash = passwords.hash_password
    passwords.hash_password = lambda _password: one_hash  # see the module docstring
    container = build(Settings(database_url=database_url, redis_url=""))
    prefix = "b" + secrets.token_hex(3)  # unique per run, so a shared PostgreSQL works too
    try:
        app = (
            await container.app_actions.do_create_app(
                name="myna-bench",
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes=SCOPES,
                website=None,
            )
        ).app

        async def account(username: str) -> tuple[int, str]:
            acc = await container.account_actions.do_register(
                Registration(
                    username=username, email=f"{username}@bench.invalid", password=SEED_PASSWORD
                )
            )
            _, raw = await container.app_actions.do_issue_token(app.id, acc.id, SCOPES)
            return acc.id, raw

        author_id, author_token = await account(f"{prefix}_author")
        follower_accounts = await _bounded(
            tasks, [lambda i=i: account(f"{prefix}_f{i}") for i in range(followers)]
        )
        idle = await _bounded(
            tasks, [lambda i=i: account(f"{prefix}_i{i}") for i in range(idle_accounts)]
        )
        await _bounded(
            tasks,
            [
                lambda fid=fid: container.relation_actions.do_follow(fid, author_id)
                for fid, _ in follower_accounts
            ],
        )
    finally:
        passwords.hash_password = real_hash
        await container.close()
    return Seeded(
        author_token=author_token,
        follower_tokens=[raw for _, raw in follower_accounts],
        idle_tokens=[raw for _, raw in idle],
        seconds=time.perf_counter() - started,
    )


# The server


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(database_url: str, redis_url: str, port: int, workdir: Path) -> Server:
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
    env.update(
        MYNA_DATABASE_URL=database_url,
        MYNA_REDIS_URL=redis_url,
        MYNA_BASE_URL=base,
        MYNA_LOG_LEVEL="warning",
        MYNA_SECRET_KEY="bench-" + secrets.token_hex(8),
        MYNA_RATE_LIMITS_ENABLED="false",  # load from a few tokens, not a throttling test
    )
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "myna.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--no-migrate"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
        )  # fmt: skip
    server = Server(process, base, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"myna serve exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{base}/api/v1/instance", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"myna serve did not answer in {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=STOP_TIMEOUT)


# Connections


@dataclass
class Opened:
    connections: list[ClientConnection] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


async def open_connections(
    url: str, tokens: Sequence[str], count: int, batch: int, compression: str
) -> Opened:
    """`count` connections, the i-th signed in with tokens[i % len(tokens)] and subscribed to
    `user`, opened `batch` at a time; failures are counted by kind, not retried."""
    opened = Opened()
    started = time.perf_counter()

    async def one(i: int) -> ClientConnection | None:
        try:
            ws = await connect(
                url,
                additional_headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
                compression="deflate" if compression == "deflate" else None,
                ping_interval=None,  # the server pings (uvicorn's ws_ping_interval)
                open_timeout=60,
                close_timeout=2,
                max_queue=64,
            )
            await ws.send('{"type":"subscribe","stream":"user"}')
            return ws
        except Exception as exc:
            kind = f"{type(exc).__name__}: {str(exc)[:80]}"
            opened.errors[kind] = opened.errors.get(kind, 0) + 1
            return None

    for start in range(0, count, batch):
        results = await asyncio.gather(*(one(i) for i in range(start, min(count, start + batch))))
        opened.connections.extend(ws for ws in results if ws is not None)
        if sum(opened.errors.values()) > max(50, count // 10):
            break  # something is wrong; stop adding load and report what was achieved
    opened.seconds = time.perf_counter() - started
    return opened


async def close_connections(connections: Sequence[ClientConnection], batch: int) -> None:
    for start in range(0, len(connections), batch * 5):
        chunk = connections[start : start + batch * 5]
        await asyncio.gather(*(ws.close() for ws in chunk), return_exceptions=True)


# Latency


@dataclass
class Receipts:
    """status id -> receipt times (perf_counter) at the followers, and stray frames."""

    followers: int
    times: dict[str, list[float]] = field(default_factory=dict)
    complete: dict[str, asyncio.Event] = field(default_factory=dict)
    other_events: int = 0

    def event_for(self, status_id: str) -> asyncio.Event:
        return self.complete.setdefault(status_id, asyncio.Event())

    def received(self, status_id: str, at: float) -> None:
        got = self.times.setdefault(status_id, [])
        got.append(at)
        if len(got) >= self.followers:
            self.event_for(status_id).set()


async def read_frames(ws: ClientConnection, receipts: Receipts) -> None:
    with contextlib.suppress(Exception):
        async for raw in ws:
            at = time.perf_counter()
            frame = orjson.loads(raw)
            if frame.get("event") == "update":
                receipts.received(orjson.loads(frame["payload"])["id"], at)
            else:
                receipts.other_events += 1


@dataclass
class PostTiming:
    status_id: str
    start: float
    responded: float


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def post_once(http: httpx.AsyncClient, token: str, text: str) -> tuple[str, float, float]:
    start = time.perf_counter()
    response = await http.post(
        "/api/v1/statuses",
        json={"status": text, "visibility": "public"},
        headers={"Authorization": f"Bearer {token}"},
    )
    responded = time.perf_counter()
    response.raise_for_status()
    return response.json()["id"], start, responded


# The run


def fmt(value: float, unit: str = "", digits: int = 1) -> str:
    return f"{value:,.{digits}f}{unit}"


def table(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    vwidth = max(len(v) for _, v in rows)
    line = "-" * (width + vwidth + 5)
    out = [title, line]
    out += [f"  {k:<{width}}   {v:>{vwidth}}" for k, v in rows]
    out.append(line)
    return "\n".join(out)


async def run(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    nofile = raise_nofile()
    print(
        f"open files limit {nofile[0]} (the server inherits it); ephemeral ports "
        f"{Path('/proc/sys/net/ipv4/ip_local_port_range').read_text().split()}; "
        f"cores {os.cpu_count()}; load average {load_average()}",
        flush=True,
    )
    print(
        f"seeding 1 author + {args.followers} followers + {args.idle_accounts} idle accounts...",
        flush=True,
    )
    seeded = await seed(database_url, args.followers, args.idle_accounts, args.seed_tasks)
    print(f"  seeded in {seeded.seconds:.1f} s", flush=True)

    port = args.port or free_port()
    server = await asyncio.to_thread(start_server, database_url, args.redis_url, port, workdir)
    ws_url = f"ws://127.0.0.1:{port}/api/v1/streaming"
    idle = Opened()
    followers = Opened()
    readers: list[asyncio.Task[None]] = []
    summary: list[tuple[str, str]] = []
    latency_rows: list[tuple[str, str]] = []
    try:
        # Warm the code paths (imports, first queries) so the baseline is a running server.
        warm = await open_connections(ws_url, seeded.idle_tokens, 20, 20, args.compression)
        await asyncio.sleep(0.5)
        await close_connections(warm.connections, args.batch)
        await asyncio.sleep(1.0)
        rss_before = rss_kib(server.pid)
        fds_before = open_fds(server.pid)

        print(f"opening {args.connections} idle connections...", flush=True)
        cpu0 = cpu_seconds(server.pid)
        idle = await open_connections(
            ws_url, seeded.idle_tokens, args.connections, args.batch, args.compression
        )
        cpu_open = cpu_seconds(server.pid) - cpu0
        await asyncio.sleep(2.0)  # let the last subscriptions land
        rss_after = rss_kib(server.pid)
        fds_after = open_fds(server.pid)
        held = len(idle.connections)
        per_conn = (rss_after - rss_before) / held if held else float("nan")
        summary += [
            ("idle connections requested", f"{args.connections:,}"),
            ("idle connections held", f"{held:,}"),
            ("failed to open", f"{sum(idle.errors.values()):,}"),
            ("time to open them", fmt(idle.seconds, " s")),
            ("opening rate", fmt(held / idle.seconds if idle.seconds else 0, " conn/s", 0)),
            ("server CPU to open them", fmt(cpu_open * 1000 / held if held else 0, " ms/conn", 2)),
            ("server open fds before / after", f"{fds_before:,} / {fds_after:,}"),
            ("server RSS before", fmt(rss_before / 1024, " MiB")),
            ("server RSS with idle connections", fmt(rss_after / 1024, " MiB")),
            ("RSS per idle connection", fmt(per_conn, " KiB")),
        ]
        for kind, n in idle.errors.items():
            print(f"  open error x{n}: {kind}", flush=True)

        print(f"opening {args.followers} follower connections...", flush=True)
        followers = await open_connections(
            ws_url, seeded.follower_tokens, args.followers, args.batch, args.compression
        )
        for kind, n in followers.errors.items():
            print(f"  open error x{n}: {kind}", flush=True)
        connected = len(followers.connections)
        receipts = Receipts(followers=connected)
        readers = [asyncio.create_task(read_frames(ws, receipts)) for ws in followers.connections]
        await asyncio.sleep(2.0)

        async with httpx.AsyncClient(base_url=server.base, timeout=60.0) as http:
            # One warm-up post, not counted: it also proves every subscription is in place.
            warm_id, _, _ = await post_once(http, seeded.author_token, "warm-up")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(receipts.event_for(warm_id).wait(), args.post_timeout)
            print(
                f"  warm-up post reached {len(receipts.times.get(warm_id, []))}/{connected}",
                flush=True,
            )
            print(f"posting {args.posts} times...", flush=True)
            timings: list[PostTiming] = []
            cpu0 = cpu_seconds(server.pid)
            run_started = time.perf_counter()
            for i in range(args.posts):
                sid, start, responded = await post_once(
                    http, seeded.author_token, f"benchmark post {i} #myna"
                )
                timings.append(PostTiming(sid, start, responded))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(receipts.event_for(sid).wait(), args.post_timeout)
                await asyncio.sleep(args.interval)
            run_seconds = time.perf_counter() - run_started
            cpu_posts = cpu_seconds(server.pid) - cpu0

        from_start: list[float] = []
        from_response: list[float] = []
        spans: list[float] = []
        response_ms: list[float] = []
        complete = 0
        for t in timings:
            got = receipts.times.get(t.status_id, [])
            complete += len(got) == connected
            from_start += [(at - t.start) * 1000 for at in got]
            from_response += [(at - t.responded) * 1000 for at in got]
            response_ms.append((t.responded - t.start) * 1000)
            if got:
                spans.append(max(got) - t.start)
        delivered = len(from_start)
        expected = connected * len(timings)
        latency_rows += [
            ("followers connected", f"{connected:,} of {args.followers:,}"),
            ("posts", f"{len(timings)}"),
            ("deliveries received / expected", f"{delivered:,} / {expected:,}"),
            ("posts that reached every follower", f"{complete} of {len(timings)}"),
            ("POST /api/v1/statuses p50 / max", f"{percentile(response_ms, 50):,.1f} / "
             f"{max(response_ms):,.1f} ms"),
            ("latency from POST start  p50", fmt(percentile(from_start, 50), " ms")),
            ("                         p95", fmt(percentile(from_start, 95), " ms")),
            ("                         p99", fmt(percentile(from_start, 99), " ms")),
            ("                         max", fmt(max(from_start, default=float("nan")), " ms")),
            ("latency from POST response p50", fmt(percentile(from_response, 50), " ms")),
            ("                           p99", fmt(percentile(from_response, 99), " ms")),
            ("first follower (p50 over posts)", fmt(statistics.median(
                [min(receipts.times[t.status_id]) - t.start for t in timings
                 if receipts.times.get(t.status_id)] or [float("nan")]) * 1000, " ms")),
            ("last follower (p50 over posts)", fmt(statistics.median(spans or [float("nan")])
             * 1000, " ms")),
            ("fan-out rate (followers / last-delivery time)",
             fmt(connected / statistics.median(spans) if spans else 0, " deliveries/s", 0)),
            ("server CPU per post (incl. delivery)",
             fmt(cpu_posts * 1000 / len(timings), " ms")),
            ("wall time of the posting loop", fmt(run_seconds, " s")),
            ("unexpected frames", f"{receipts.other_events}"),
            ("load average at the end (1/5/15 min)", load_average()),
        ]  # fmt: skip
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        total_open = len(idle.connections) + len(followers.connections)
        if server.process.poll() is not None:
            print(f"server exited early ({server.process.returncode}):\n{server.log_tail()}")
        print(f"closing {total_open:,} connections...", flush=True)
        await close_connections(idle.connections + followers.connections, args.batch)
        await asyncio.to_thread(stop_server, server)

    db_kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    broker = "Redis" if args.redis_url else "in-process"
    print()
    print(table(
        f"Idle connections ({db_kind}, {broker} broker, compression {args.compression})",
        summary,
    ))  # fmt: skip
    print()
    print(table(
        f"Post-to-delivery latency ({args.followers:,} followers subscribed to `user`, "
        f"{held:,} idle connections also open)",
        latency_rows,
    ))  # fmt: skip
    return 0


def main(argv: Sequence[str]) -> int:
    return run_in_workdir(parse_args(argv), "myna-bench-", run)


def run_in_workdir(args: argparse.Namespace, prefix: str, run: Any) -> int:
    """Shared by the benchmarks: a temporary directory (SQLite there unless
    --database-url), migrations, then `run(args, database_url, workdir)` on uvloop if present."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    try:
        from myna.migrations import run_migrations

        run_migrations(database_url)
        try:
            import uvloop

            runner: Any = uvloop.run
        except ImportError:
            runner = asyncio.run
        return int(runner(run(args, database_url, workdir)))
    finally:
        if args.keep_dir:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
