"""Timelines benchmark (issue 6): the same measurements in embedded mode (SQLite, one process)
and in scale mode (PostgreSQL + Redis timelines, broker and job queue), each on a freshly
seeded database.

    python -m bench timelines [--modes embedded,scale] [--accounts 60000] [--statuses 200000]
    myna bench ...            (the same, from a source checkout)
    make bench                (installs wrk, PostgreSQL and Redis when missing, then this)

Per mode:
1. `myna seed` in a subprocess (its wall time and peak memory are reported), then bearer
   tokens for the accounts the benchmark acts as, through the real token action.
2. `myna serve` (scale mode: `--workers N`, and `myna worker` processes when that command
   exists) and, beside it, a bare Starlette endpoint serving one real 20-status home page as
   fixed orjson bytes (bench/ceiling.py): the ceiling, with the same process count.
3. a) wrk, 64 connections: `GET /api/v1/timelines/home?limit=20` with `--readers` tokens
      in rotation, then the ceiling, same duration; requests/s, p50/p99 and the ratio.
   c) post-to-follower latency for the account with followers nearest 100 and the most
      followed one (50,000+ at the default sizes): followers connected to the streaming API
      (`user`), one post at a time; POST start to the frame, and to the moment a follower's
      GET home shows it.
   b) a burst of posts by the most followed accounts below the pull threshold, timed until
      every fan-out entry is in the timeline store (bench/delivery.py): posts/s and
      deliveries/s.
   d) peak resident memory (VmHWM) of every process.
4. bench/results/<date>-<mode>.json and a markdown table on stdout.

PostgreSQL: MYNA_BENCH_POSTGRES_URL (or --postgres-url) names a database that is EMPTIED
first; without it a throwaway cluster (scripts/pg-test.sh in .pgbench/) is started and
removed. Redis: MYNA_BENCH_REDIS_URL (or --redis-url), with keys under a prefix unique to the
run, removed afterwards; without it a redis-server on a free port. All traffic stays on
127.0.0.1. It prints figures and never asserts them.
"""

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import delivery, services, wrk
from bench.streaming import cpu_seconds, free_port, load_average

READ_PATH = "/api/v1/timelines/home?limit=20"
RESULTS = services.REPO / "bench" / "results"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench timelines",
        description="Home timeline reads, fan-out and delivery, embedded and scale mode.",
    )
    p.add_argument("--modes", default="embedded,scale", help="embedded, scale or both")
    p.add_argument("--accounts", type=int, default=60_000, help="seeded accounts")
    p.add_argument("--statuses", type=int, default=200_000, help="seeded statuses")
    p.add_argument("--seed", type=int, default=1, help="random seed of the graph")
    p.add_argument("--pull-threshold", type=int, default=0,
                   help="MYNA_FANOUT_PULL_THRESHOLD (default: Myna's)")  # fmt: skip
    p.add_argument("--duration", type=float, default=20.0, help="seconds per wrk run")
    p.add_argument("--warmup", type=float, default=5.0, help="uncounted wrk seconds first")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--readers", type=int, default=1_000, help="tokens wrk rotates through")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes in scale mode (embedded mode is one process; the "
                   "ceiling gets as many)")  # fmt: skip
    p.add_argument("--job-workers", type=int, default=1, help="`myna worker`s in scale mode")
    p.add_argument("--latency-posts", type=int, default=20, help="posts per latency author")
    p.add_argument("--listeners", type=int, default=200,
                   help="followers per author connected to the streaming API")  # fmt: skip
    p.add_argument("--interval", type=float, default=0.3, help="seconds between those posts")
    p.add_argument("--burst-posts", type=int, default=200)
    p.add_argument("--burst-authors", type=int, default=50,
                   help="the most followed accounts below the pull threshold post")  # fmt: skip
    p.add_argument("--burst-concurrency", type=int, default=16)
    p.add_argument("--timeout", type=float, default=60.0, help="wait at most this per delivery")
    p.add_argument("--postgres-url", default=os.environ.get("MYNA_BENCH_POSTGRES_URL", ""),
                   help="a database to EMPTY and use (default: a throwaway cluster)")  # fmt: skip
    p.add_argument("--redis-url", default=os.environ.get("MYNA_BENCH_REDIS_URL", ""),
                   help="default: a redis-server on a free port")  # fmt: skip
    p.add_argument("--results", default=str(RESULTS), help="directory for the JSON results")
    p.add_argument("--keep-dir", action="store_true", help="keep the temporary directories")
    args = p.parse_args(list(argv))
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.modes or set(args.modes) - {"embedded", "scale"}:
        p.error("--modes: embedded, scale or embedded,scale")
    if min(args.accounts, args.readers, args.workers, args.latency_posts, args.listeners,
           args.burst_posts, args.burst_authors, args.burst_concurrency) < 1:  # fmt: skip
        p.error("sizes and counts must be >= 1")
    return args


@dataclass
class Cast:
    """The seeded accounts the benchmark acts as, with their tokens."""

    readers: list[str]
    small: tuple[int, int, str]  # id, followers, token
    big: tuple[int, int, str]
    small_listeners: list[str]
    big_listeners: list[str]
    burst: list[tuple[int, str]]
    burst_audience: float


def mode_env(database_url: str, redis_url: str, prefix: str, base: str, workdir: Path,
             threshold: int) -> dict[str, str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
    env.update(
        MYNA_DATABASE_URL=database_url,
        MYNA_REDIS_URL=redis_url,
        MYNA_REDIS_PREFIX=prefix,
        MYNA_BASE_URL=base,
        MYNA_LOG_LEVEL="warning",
        MYNA_SECRET_KEY="bench-" + secrets.token_hex(8),
        MYNA_MEDIA_DIR=str(workdir / "media"),
        MYNA_RATE_LIMITS_ENABLED="false",  # load from a few tokens, not a throttling test
        PYTHONUNBUFFERED="1",
    )
    if threshold:
        env["MYNA_FANOUT_PULL_THRESHOLD"] = str(threshold)
    return env


def settings_from(env: dict[str, str]) -> Any:
    from myna.config import Settings

    fields = {k.removeprefix("MYNA_").lower(): v for k, v in env.items() if k.startswith("MYNA_")}
    return Settings(_env_file=None, **fields)  # type: ignore[call-arg]


async def cast(args: argparse.Namespace, settings: Any) -> Cast:
    from sqlalchemy import func, select

    from myna.actions.seed import issue_tokens
    from myna.container import build
    from myna.models import Account, Follow

    threshold = settings.fanout_pull_threshold
    container = build(settings)
    try:
        async with container.db.session() as s:
            readers = list(await s.scalars(
                select(Account.id).where(Account.following_count > 0)
                .order_by(func.random()).limit(args.readers)
            ))  # fmt: skip
            small = (await s.execute(
                select(Account.id, Account.followers_count)
                .where(Account.followers_count.between(1, threshold))
                .order_by(func.abs(Account.followers_count - 100), Account.id).limit(1)
            )).one()  # fmt: skip
            big = (await s.execute(
                select(Account.id, Account.followers_count)
                .order_by(Account.followers_count.desc()).limit(1)
            )).one()  # fmt: skip

            async def followers_of(account_id: int) -> list[int]:
                return list(await s.scalars(
                    select(Follow.account_id).where(Follow.target_account_id == account_id)
                    .order_by(func.random()).limit(args.listeners)
                ))  # fmt: skip

            small_listeners = await followers_of(small[0])
            big_listeners = await followers_of(big[0])
            burst_rows = (await s.execute(
                select(Account.id, Account.followers_count)
                .where(Account.followers_count <= threshold)
                .order_by(Account.followers_count.desc()).limit(args.burst_authors)
            )).all()  # fmt: skip
        wanted = [*readers, small[0], big[0], *small_listeners, *big_listeners]
        wanted += [row[0] for row in burst_rows]
        issued = await issue_tokens(
            container.db, container.app_actions, account_ids=list(dict.fromkeys(wanted))
        )
    finally:
        await container.close()
    token = {account_id: raw for account_id, _name, raw in issued}
    return Cast(
        readers=[token[i] for i in readers],
        small=(small[0], small[1], token[small[0]]),
        big=(big[0], big[1], token[big[0]]),
        small_listeners=[token[i] for i in small_listeners],
        big_listeners=[token[i] for i in big_listeners],
        burst=[(row[0], token[row[0]]) for row in burst_rows],
        burst_audience=sum(row[1] for row in burst_rows) / max(1, len(burst_rows)),
    )


def seed_counts(log: Path) -> dict[str, Any]:
    """The figures `myna seed` printed (name, then a number)."""
    found: dict[str, Any] = {}
    for line in log.read_text(errors="replace").splitlines():
        match = re.match(r"^\s*([a-z][a-z ]*?)\s{2}([\d,.]+)$", line)
        if match:
            found[match.group(1)] = float(match.group(2).replace(",", ""))
        if line.startswith("seconds: "):
            for part in line.removeprefix("seconds: ").split(", "):
                name, _, value = part.rpartition(" ")
                found[f"seconds {name}"] = float(value)
    return found


def has_worker_command() -> bool:
    """Whether this Myna has `myna worker` (the job queue's consumer) to start."""
    from myna.cli import parser

    return re.search(r"\{[^}]*\bworker\b[^}]*\}", parser().format_usage()) is not None


async def run_mode(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"myna-bench-{mode}-"))
    postgres: services.Postgres | None = None
    redis: services.Redis | None = None
    processes: list[services.Process] = []
    result: dict[str, Any] = {"mode": mode, "started": datetime.datetime.now().isoformat()}
    try:
        workers = 1
        if mode == "embedded":
            database_url, redis_url, prefix = f"sqlite+aiosqlite:///{workdir / 'myna.db'}", "", ""
        else:
            postgres = await asyncio.to_thread(services.postgres, args.postgres_url)
            redis = await asyncio.to_thread(services.redis, args.redis_url, workdir)
            database_url, redis_url, prefix = postgres.url, redis.url, redis.prefix
            workers = args.workers
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = mode_env(database_url, redis_url, prefix or "myna:", base, workdir,
                       args.pull_threshold)  # fmt: skip
        settings = settings_from(env)
        result["backends"] = {
            "database": database_url.split("://")[0],
            "timelines": "redis" if settings.redis_timelines else "sql",
            "broker": "redis" if redis_url else "local",
            "pull_threshold": settings.fanout_pull_threshold,
            "server_processes": workers,
        }

        say(f"[{mode}] seeding {args.accounts:,} accounts, {args.statuses:,} statuses ...")
        code, seconds, peak = await asyncio.to_thread(
            services.run_measured,
            [sys.executable, "-m", "myna.cli", "seed", "--accounts", str(args.accounts),
             "--statuses", str(args.statuses), "--seed", str(args.seed)],
            env, workdir / "seed.log", workdir,
        )  # fmt: skip
        if code != 0:
            raise RuntimeError("myna seed failed:\n" + (workdir / "seed.log").read_text()[-3000:])
        result["seed"] = {"seconds": round(seconds, 1), "peak_rss_mib": round(peak / 1024, 1),
                          **seed_counts(workdir / "seed.log")}  # fmt: skip
        say(f"[{mode}] seeded in {seconds:.0f} s; tokens ...")
        people = await cast(args, settings)
        tokens_file = workdir / "tokens.txt"
        tokens_file.write_text("".join(t + "\n" for t in people.readers))

        server = services.spawn("server", ["-m", "myna.cli", "serve", "--host", "127.0.0.1",
                                           "--port", str(port), "--no-migrate",
                                           "--workers", str(workers)], env, workdir)  # fmt: skip
        processes.append(server)
        await asyncio.to_thread(services.wait_ready, server, base + "/api/v1/instance")
        if mode == "scale" and has_worker_command():
            for number in range(args.job_workers):
                processes.append(services.spawn(f"worker{number}", ["-m", "myna.cli", "worker"],
                                                env, workdir))  # fmt: skip
        page = await full_page(base, people.readers)
        (workdir / "page.json").write_bytes(page)
        ceiling_port = free_port()
        ceiling = services.spawn("ceiling", ["-m", "bench.ceiling", "--port", str(ceiling_port),
                                             "--page", str(workdir / "page.json"),
                                             "--workers", str(workers)],
                                 env, workdir, cwd=services.REPO)  # fmt: skip
        processes.append(ceiling)
        ceiling_base = f"http://127.0.0.1:{ceiling_port}"
        await asyncio.to_thread(services.wait_ready, ceiling, ceiling_base + "/")
        say(f"[{mode}] servers up")

        say(f"[{mode}] a) wrk {args.connections} connections, {args.duration:g} s each ...")
        home = await read_load(args, base, tokens_file, workdir, server)
        result["home"] = home.as_dict()
        top = await read_load(args, ceiling_base, tokens_file, workdir, ceiling)
        result["ceiling"] = top.as_dict()
        result["home"]["ratio_to_ceiling"] = round(
            result["home"]["requests_per_s"] / result["ceiling"]["requests_per_s"], 3
        )
        result["page_bytes"] = len(page)

        say(f"[{mode}] c) post-to-timeline latency ...")
        result["latency"] = {}
        for label, (_author, followers, token), listeners in (
            ("small", people.small, people.small_listeners),
            ("big", people.big, people.big_listeners),
        ):
            measured = await delivery.latency(
                base, token, followers, listeners, listeners[0],
                posts=args.latency_posts, interval=args.interval, timeout=args.timeout,
            )  # fmt: skip
            result["latency"][label] = measured.summary()

        say(f"[{mode}] b) burst of {args.burst_posts} posts ...")
        result["burst"] = await burst(args, settings, base, people, redis_url)
        result["load_average"] = load_average()
        say(f"[{mode}] stopping")
    finally:
        for process in reversed(processes):
            await asyncio.to_thread(services.stop, process)
        result["peak_rss_mib"] = {
            f"{p.name}[{pid}]": round(kib / 1024, 1)
            for p in processes
            for pid, kib in p.peak_kib.items()
        }
        if redis is not None:
            peak = redis.peak_kib()
            if peak is not None:
                result["peak_rss_mib"]["redis-server"] = round(peak / 1024, 1)
            await asyncio.to_thread(redis.stop)
        if postgres is not None:
            await asyncio.to_thread(postgres.stop)
        if args.keep_dir:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


async def full_page(base: str, readers: Sequence[str]) -> bytes:
    """A real home page with 20 statuses (the first reader who has that many)."""
    best = b"[]"
    async with httpx.AsyncClient(base_url=base, timeout=60.0) as http:
        for token in readers[:50]:
            response = await http.get(READ_PATH, headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()
            if len(response.json()) >= 20:
                return response.content
            if len(response.content) > len(best):
                best = response.content
    return best


async def read_load(args: argparse.Namespace, base: str, tokens: Path, workdir: Path,
                    server: services.Process) -> wrk.WrkResult:  # fmt: skip
    """A warm-up, then the measured run, each starting once the server has finished what
    the run before left it (wrk closes its connections at the end of a run, but the server
    still answers the requests in flight: the next run would queue behind them)."""
    common = {"connections": args.connections, "threads": args.threads}
    await idle(server)
    if args.warmup > 0:
        await asyncio.to_thread(wrk.run, base, READ_PATH, tokens, workdir,
                                seconds=args.warmup, **common)  # fmt: skip
        await idle(server)
    return await asyncio.to_thread(wrk.run, base, READ_PATH, tokens, workdir,
                                   seconds=args.duration, **common)  # fmt: skip


async def idle(process: services.Process, limit: float = 120.0) -> None:
    """Wait until the process and its children use no CPU for half a second."""
    pids = [process.popen.pid, *services.children(process.popen.pid)]

    def used() -> float:
        total = 0.0
        for pid in pids:
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
        return total

    deadline = time.monotonic() + limit
    before = used()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = used()
        if now - before < 0.05:
            return
        before = now


async def burst(args: argparse.Namespace, settings: Any, base: str, people: Cast,
                redis_url: str) -> dict[str, Any]:  # fmt: skip
    from myna.container import build

    container = build(settings)
    feeds = delivery.Feeds(container, redis_url)
    try:
        measured = await delivery.burst(
            base, people.burst, feeds, posts=args.burst_posts,
            concurrency=args.burst_concurrency, timeout=args.timeout,
        )  # fmt: skip
    finally:
        await feeds.close()
        await container.close()
    return measured.summary()


_STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"{time.monotonic() - _STARTED:7.1f} s  {message}", flush=True)


# Reporting


def fmt(value: Any, unit: str = "", digits: int = 0) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def pair(figures: dict[str, Any], low: str, high: str, unit: str = " ms") -> str:
    return f"{fmt(figures.get(low), unit, 1)} / {fmt(figures.get(high), unit, 1)}"


def rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    seed, home, ceiling = result.get("seed", {}), result.get("home", {}), result.get("ceiling", {})
    small = result.get("latency", {}).get("small", {})
    big = result.get("latency", {}).get("big", {})
    burst_ = result.get("burst", {})
    memory = result.get("peak_rss_mib", {})
    backends = result.get("backends", {})
    return [
        ("backends", f"{backends.get('database')}, timelines {backends.get('timelines')}, "
                     f"broker {backends.get('broker')}, "
                     f"{backends.get('server_processes')} server process(es)"),
        ("seeded accounts / follows / statuses",
         f"{fmt(seed.get('accounts'))} / {fmt(seed.get('follows'))} / "
         f"{fmt(seed.get('statuses'))}"),
        ("seeding time, its peak memory",
         f"{fmt(seed.get('seconds'), ' s')}, {fmt(seed.get('peak_rss_mib'), ' MiB')}"),
        ("a) home timeline GET, requests/s", fmt(home.get("requests_per_s"))),
        ("a) p50 / p99 latency", pair(home, "p50_ms", "p99_ms")),
        ("a) errors (non-2xx) of requests",
         f"{fmt(home.get('errors'))} ({fmt(home.get('non_2xx'))}) of {fmt(home.get('requests'))}"),
        ("a) ceiling (bare Starlette, same page), requests/s", fmt(ceiling.get("requests_per_s"))),
        ("a) **ratio to the ceiling**", fmt(home.get("ratio_to_ceiling"), "", 3)),
        ("b) posts/s with fan-out completed", fmt(burst_.get("posts_per_s"), "", 1)),
        ("b) fan-out deliveries/s (mean audience)",
         f"{fmt(burst_.get('deliveries_per_s'))} ({fmt(burst_.get('mean_audience'))})"),
        ("c) author nearest 100 followers (followers): stream p50 / p99",
         f"{pair(small, 'stream_p50_ms', 'stream_p99_ms')} ({fmt(small.get('author_followers'))})"),
        ("c) same: GET home shows it, p50 / p99",
         pair(small, "timeline_p50_ms", "timeline_p99_ms")),
        ("c) most followed author (followers): stream p50 / p99",
         f"{pair(big, 'stream_p50_ms', 'stream_p99_ms')} ({fmt(big.get('author_followers'))})"),
        ("c) same: GET home shows it, p50 / p99",
         pair(big, "timeline_p50_ms", "timeline_p99_ms")),
        ("d) peak RSS (MiB)", ", ".join(f"{k} {fmt(v)}" for k, v in memory.items())
         + f", wrk {fmt(home.get('peak_kib', float('nan')) / 1024)}"),
    ]  # fmt: skip


def mode_table(
    results: dict[str, dict[str, Any]],
    rows: Callable[[dict[str, Any]], list[tuple[str, str]]],
) -> str:
    """A markdown table: one row per (label, cell) that `rows` makes, one column per mode."""
    modes = list(results)
    table = [rows(results[m]) for m in modes]
    out = ["| | " + " | ".join(modes) + " |", "|---" * (len(modes) + 1) + "|"]
    for index, (label, _) in enumerate(table[0]):
        out.append(f"| {label} | " + " | ".join(t[index][1] for t in table) + " |")
    return "\n".join(out)


def markdown(results: dict[str, dict[str, Any]]) -> str:
    return mode_table(results, rows)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if not wrk.available():
        print("error: wrk is not installed (apt-get install wrk; `make bench` does)",
              file=sys.stderr)  # fmt: skip
        return 2
    return run_modes(args, run_mode, markdown)


ModeRun = Callable[[argparse.Namespace, str], Awaitable[dict[str, Any]]]


def run_modes(
    args: argparse.Namespace,
    run_mode: ModeRun,
    table: Callable[[dict[str, dict[str, Any]]], str],
    prefix: str = "",
) -> int:
    """Each of `args.modes` in turn: its figures go to `<results>/<date>-<prefix><mode>.json`,
    then `table` of them all is printed. A mode that fails is reported and the others still
    run; the exit status says whether any failed."""
    say(f"cores {os.cpu_count()}, load average {load_average()}")
    results: dict[str, dict[str, Any]] = {}
    out_dir = Path(args.results)
    out_dir.mkdir(parents=True, exist_ok=True)
    date = datetime.date.today().isoformat()
    status = 0
    for mode in args.modes:
        started = time.perf_counter()
        try:
            results[mode] = asyncio.run(run_mode(args, mode))
        except Exception as exc:  # report what the other mode measured, then fail
            print(f"[{mode}] failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 1
            continue
        results[mode]["seconds"] = round(time.perf_counter() - started, 1)
        results[mode]["arguments"] = {k: v for k, v in vars(args).items()
                                      if k not in ("postgres_url", "redis_url")}  # fmt: skip
        path = out_dir / f"{date}-{prefix}{mode}.json"
        path.write_text(json.dumps(results[mode], indent=2, ensure_ascii=False) + "\n")
        say(f"[{mode}] done in {results[mode]['seconds']:.0f} s; wrote {path}")
    if results:
        print()
        print(table(results))
    return status
