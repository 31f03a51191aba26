"""Search benchmark (issue 9): `GET /api/v2/search` latency over a million seeded statuses, in
embedded mode (SQLite FTS5) and in scale mode (PostgreSQL full text + trigram, Redis), each on
a freshly seeded database.

    python -m bench search [--modes embedded,scale] [--statuses 1000000] [--accounts 100000]
    make bench-all            (every benchmark, this one included, with their defaults)

Per mode:
1. `myna seed` in a subprocess (its wall time and peak memory are reported), which also issues
   `--tokens` bearer tokens for random seeded accounts (the viewers). `--follows` is small by
   default: the follow graph does not matter to search, and home feeds of 100,000 accounts at
   Weibo's follow counts would cost more seeding time than everything else here.
2. `myna search reindex` in a subprocess: its wall time, rows per second (the statuses and
   accounts it says it indexed, over that time) and peak memory; the database's size on disk
   before and after. This is a benchmark of the reindex command too (`--no-reindex` skips it,
   to see whether `myna seed` alone fills the index).
3. `myna serve` (scale mode: `--workers N`), then the results check. The benchmark first
   counts, from its own connection, the rows that contain each query's words (public
   statuses, not reposts; accounts by username or display name; tags by
   name): the size of the set the search ranks. Then every query kind is asked once: where
   statuses contain its words it must return results (the common phrase a full page); the
   kind that nothing contains must return nothing. A failure is a benchmark error (an empty
   or partial index, a failing endpoint), not a timing assertion. Warnings, printed and kept
   in the results: a page on which no result contains the query's words, and an empty page
   of accounts or hashtags although rows contain the words (how those match is the API's).
4. Sequential latency: after `--warmup` uncounted requests per kind, `--requests` per kind, one
   at a time, the kinds taking turns (so every kind sees the same machine), signed in as the
   viewers in rotation (two kinds anonymously): p50/p90/p99/max per kind and overall, and the
   server's CPU per request (from /proc, summed per kind).
5. Concurrent throughput: `--concurrency` clients for `--duration` seconds, each cycling
   through every kind: requests/s and p50/p99 under that load.
6. bench/results/<date>-search-<mode>.json and a markdown table on stdout.

The query kinds, from the fixed sentence lists of src/myna/lib/seed_text.py: a common Chinese
phrase (the #今日天气# topic, the most used, about 4% of statuses), a rare Chinese word (程序员,
only in the least used topic), a 2-character word (火锅, inside a sentence), a 1-character word
(猫), an English word (coffee, a sentence and the most used tag), a mixed-script query (咖啡
coffee: a Chinese sentence closed by the English tag), a #tag and a #话题# topic, a word found
nowhere (量子纠缠), and `type=accounts` (a username, a Chinese display name) and
`type=hashtags` (an English and a Chinese prefix) queries.

PostgreSQL: MYNA_BENCH_POSTGRES_URL (or --postgres-url) names a database that is EMPTIED
first; without it a throwaway cluster (scripts/pg-test.sh in .pgbench/) is started and
removed. Redis: MYNA_BENCH_REDIS_URL (or --redis-url), keys under a prefix unique to the run,
removed afterwards; without it a redis-server on a free port. The client (httpx) runs on the
same cores as the server. All traffic stays on 127.0.0.1. It prints figures and never asserts
them.
"""

import argparse
import asyncio
import contextlib
import datetime
import html
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import services
from bench.streaming import cpu_seconds, free_port, load_average, percentile
from bench.timelines import fmt, idle, mode_env, run_modes, say, seed_counts, settings_from

SEARCH_PATH = "/api/v2/search"
RESULTS = services.REPO / "bench" / "results"
REQUEST_TIMEOUT = 120.0


@dataclass(frozen=True)
class Query:
    kind: str
    q: str
    type: str = "statuses"
    expect: bool = True  # results expected
    words: tuple[str, ...] = ()  # what a matching result contains (default: q itself)
    anonymous: bool = False
    full_page: bool = False  # so many matches that the first page must be full

    @property
    def terms(self) -> tuple[str, ...]:
        return self.words or (self.q,)


QUERIES = (
    Query("common phrase 今日天气", "今日天气", full_page=True),
    Query("rare word 程序员", "程序员"),
    Query("2 characters 火锅", "火锅"),
    Query("1 character 猫", "猫"),
    Query("English word coffee", "coffee"),
    Query("mixed script 咖啡 coffee", "咖啡 coffee", words=("咖啡", "coffee")),
    Query("#tag #python", "#python", words=("python",)),
    Query("#话题# #读书打卡#", "#读书打卡#", words=("读书打卡",)),
    Query("no match 量子纠缠", "量子纠缠", expect=False),
    Query("anonymous: common phrase", "今日天气", anonymous=True, full_page=True),
    Query("anonymous: English word", "coffee", anonymous=True),
    Query("accounts alice", "alice", type="accounts"),
    Query("accounts 王芳", "王芳", type="accounts"),
    Query("hashtags photo", "photo", type="hashtags"),
    Query("hashtags 跑步", "跑步", type="hashtags"),
)


class BenchmarkError(RuntimeError):
    """The setup is wrong (an empty index, a failing endpoint): the figures would mean nothing."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench search",
        description="GET /api/v2/search latency over a million statuses, embedded and scale mode.",
    )
    p.add_argument("--modes", default="embedded,scale", help="embedded, scale or both")
    p.add_argument("--statuses", type=int, default=1_000_000, help="seeded statuses")
    p.add_argument("--accounts", type=int, default=100_000, help="seeded accounts")
    p.add_argument("--follows", type=float, default=10.0,
                   help="mean followings per account (search does not use them)")  # fmt: skip
    p.add_argument("--seed", type=int, default=1, help="random seed of the graph")
    p.add_argument("--tokens", type=int, default=50, help="signed-in viewers, in rotation")
    p.add_argument("--limit", type=int, default=20, help="results per search request")
    p.add_argument("--requests", type=int, default=200, help="measured requests per query kind")
    p.add_argument("--warmup", type=int, default=10, help="uncounted requests per query kind")
    p.add_argument("--concurrency", type=int, default=16, help="clients in the concurrent run")
    p.add_argument("--duration", type=float, default=15.0, help="seconds of the concurrent run")
    p.add_argument("--max-seconds", type=float, default=900.0,
                   help="stop the sequential requests of a mode after this")  # fmt: skip
    p.add_argument("--workers", type=int, default=1, help="server processes in scale mode")
    p.add_argument("--no-reindex", action="store_true",
                   help="skip `myna search reindex` (what `myna seed` indexed)")  # fmt: skip
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
    if min(args.accounts, args.tokens, args.limit, args.requests, args.concurrency,
           args.workers) < 1 or args.accounts < 10 or args.warmup < 0:  # fmt: skip
        p.error("sizes and counts must be >= 1 (--accounts >= 10, --warmup >= 0)")
    return args


# Ground truth: what the tables hold, from the benchmark's own connection


async def containing(database_url: str) -> dict[str, int]:
    """Per query kind, the rows that contain all of its words (case-insensitive): public
    statuses, not reposts; accounts by username or display name; tags
    by name. Sequential scans, once per kind: the size of the set the search ranks."""
    from sqlalchemy import and_, func, or_, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from myna.models import Account, Status, Tag, Visibility

    engine = create_async_engine(database_url)
    counts: dict[str, int] = {}
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    try:
        async with engine.connect() as conn:
            for query in QUERIES:
                key = (query.type, query.terms)
                if key not in seen:
                    if query.type == "statuses":
                        where: Any = and_(
                            Status.reblog_of_id.is_(None),
                            Status.visibility == Visibility.PUBLIC,
                            *(Status.text.icontains(w, autoescape=True) for w in query.terms),
                        )
                        table: Any = Status
                    elif query.type == "accounts":
                        where = and_(*(or_(Account.username.icontains(w, autoescape=True),
                                           Account.display_name.icontains(w, autoescape=True))
                                       for w in query.terms))  # fmt: skip
                        table = Account
                    else:
                        where = and_(*(Tag.name.icontains(w, autoescape=True)
                                       for w in query.terms))  # fmt: skip
                        table = Tag
                    statement = select(func.count()).select_from(table).where(where)
                    seen[key] = int(await conn.scalar(statement) or 0)
                counts[query.kind] = seen[key]
    finally:
        await engine.dispose()
    return counts


async def database_bytes(database_url: str, workdir: Path) -> int:
    if database_url.startswith("sqlite"):
        return sum(p.stat().st_size for p in workdir.glob("myna.db*"))
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text("SELECT pg_database_size(current_database())")))
    finally:
        await engine.dispose()


# Requests


@dataclass
class Kind:
    """What was measured for one query kind."""

    query: Query
    ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    results: int = 0  # on the first page of the check
    containing: int | None = None
    warning: str = ""
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self) -> dict[str, Any]:
        q = self.query
        return {
            "q": q.q, "type": q.type, "anonymous": q.anonymous, "expect_results": q.expect,
            "results_first_page": self.results, "rows_containing": self.containing,
            "requests": len(self.ms), **percentiles(self.ms),
            "server_cpu_ms_per_request": (round(self.cpu_s * 1000 / len(self.ms), 2)
                                          if self.ms else None),
            "errors": self.errors, "warning": self.warning,
        }  # fmt: skip


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "p50_ms": round(percentile(values, 50), 2),
        "p90_ms": round(percentile(values, 90), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(max(values), 2),
    }


class Searcher:
    def __init__(self, http: httpx.AsyncClient, tokens: Sequence[str], limit: int) -> None:
        self.http, self.tokens, self.limit = http, tokens, limit
        self.turn = 0

    async def ask(self, query: Query) -> tuple[float, httpx.Response]:
        headers = {}
        if not query.anonymous:
            self.turn += 1
            headers["Authorization"] = f"Bearer {self.tokens[self.turn % len(self.tokens)]}"
        params = {"q": query.q, "type": query.type, "limit": str(self.limit)}
        start = time.perf_counter()
        response = await self.http.get(SEARCH_PATH, params=params, headers=headers)
        await response.aread()
        return (time.perf_counter() - start) * 1000, response


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).lower()


def words_of(query: Query, item: dict[str, Any]) -> str:
    """The text of one result that the query's words should be found in."""
    if query.type == "statuses":
        return plain(item.get("content") or "") + " " + plain(item.get("spoiler_text") or "")
    if query.type == "accounts":
        return " ".join(
            str(item.get(k) or "") for k in ("username", "acct", "display_name")
        ).lower()
    return str(item.get("name") or "").lower()


def check(
    query: Query, response: httpx.Response, limit: int, rows: int | None
) -> tuple[int, str, str]:
    """(results on the page, a problem, a warning). A problem means the figures would not be
    about search (an error, an empty or partial index, matches for what nothing contains); a
    warning is about relevance (no result on the page contains the query's words)."""
    if response.status_code != 200:
        return 0, f"HTTP {response.status_code}: {response.text[:300]}", ""
    items = response.json().get(query.type)
    if not isinstance(items, list):
        return 0, f"no {query.type!r} list in the answer: {response.text[:300]}", ""
    if not query.expect:
        problem = f"{len(items)} results for what no seeded row contains" if items else ""
        return len(items), problem, ""
    if not rows:
        return len(items), "", "no seeded row contains its words (a small seed?)"
    if not items and query.type != "statuses":  # how accounts and tags match is the API's
        return 0, "", f"no results although {rows:,} rows contain its words"
    if not items:
        return 0, f"no results although {rows:,} rows contain it (an empty index?)", ""
    if query.full_page and rows >= limit and len(items) < limit:
        return len(items), f"{len(items)} results, a full page of {limit} expected", ""
    if not any(all(w.lower() in words_of(query, item) for w in query.terms) for item in items):
        return len(items), "", f"no result on the page contains {' and '.join(query.terms)!r}"
    return len(items), "", ""


async def check_all(searcher: Searcher, kinds: list[Kind]) -> None:
    problems = []
    for kind in kinds:
        _ms, response = await searcher.ask(kind.query)
        kind.results, problem, kind.warning = check(
            kind.query, response, searcher.limit, kind.containing
        )
        if problem:
            problems.append(f"{kind.query.kind} (q={kind.query.q!r}): {problem}")
        if kind.warning:
            say(f"warning: {kind.query.kind} (q={kind.query.q!r}): {kind.warning}")
    if problems:
        raise BenchmarkError("search results are not what the seeded data holds:\n  "
                             + "\n  ".join(problems))  # fmt: skip


def server_cpu(server: services.Process) -> float:
    total = 0.0
    for pid in [server.popen.pid, *services.children(server.popen.pid)]:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


async def sequential(args: argparse.Namespace, searcher: Searcher, kinds: list[Kind],
                     server: services.Process) -> str:  # fmt: skip
    """Every kind in turn, one request at a time; a note when --max-seconds cut it short."""
    for _ in range(args.warmup):
        for kind in kinds:
            await searcher.ask(kind.query)
    deadline = time.monotonic() + args.max_seconds
    for i in range(args.requests):
        if time.monotonic() > deadline:
            return f"stopped after {i} rounds of {args.requests} (--max-seconds)"
        for kind in kinds:
            cpu = server_cpu(server)
            ms, response = await searcher.ask(kind.query)
            kind.cpu_s += server_cpu(server) - cpu
            kind.ms.append(ms)
            if response.status_code != 200:
                kind.error(f"HTTP {response.status_code}")
    return ""


async def concurrent(args: argparse.Namespace, base: str, tokens: Sequence[str]) -> dict[str, Any]:
    """`--concurrency` clients, each cycling through every kind, for `--duration` seconds."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=args.concurrency,
                          max_keepalive_connections=args.concurrency)  # fmt: skip
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT, limits=limits) as http:
        stop_at = time.perf_counter() + args.duration

        async def client(number: int) -> None:
            searcher = Searcher(http, tokens, args.limit)
            searcher.turn = number * 7
            at = number
            while time.perf_counter() < stop_at:
                query = QUERIES[at % len(QUERIES)]
                at += 1
                try:
                    ms, response = await searcher.ask(query)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    continue
                latencies.append(ms)
                if response.status_code != 200:
                    key = f"HTTP {response.status_code}"
                    errors[key] = errors.get(key, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(args.concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "clients": args.concurrency,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        **percentiles(latencies),
        "errors": errors,
    }


# One mode


async def run_mode(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"myna-bench-search-{mode}-"))
    postgres: services.Postgres | None = None
    redis: services.Redis | None = None
    server: services.Process | None = None
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
        env = mode_env(database_url, redis_url, prefix or "myna:", base, workdir, 0)
        settings = settings_from(env)
        result["backends"] = {
            "database": database_url.split("://")[0],
            "timelines": "redis" if settings.redis_timelines else "sql",
            "server_processes": workers,
        }

        say(f"[{mode}] seeding {args.accounts:,} accounts, {args.statuses:,} statuses ...")
        tokens_file = workdir / "tokens.txt"
        code, seconds, peak = await asyncio.to_thread(
            services.run_measured,
            [sys.executable, "-m", "myna.cli", "seed", "--accounts", str(args.accounts),
             "--statuses", str(args.statuses), "--seed", str(args.seed),
             "--follows", str(args.follows), "--tokens", str(args.tokens),
             "--tokens-file", str(tokens_file)],
            env, workdir / "seed.log", workdir,
        )  # fmt: skip
        if code != 0:
            raise BenchmarkError("myna seed failed:\n" + tail(workdir / "seed.log"))
        result["seed"] = {"seconds": round(seconds, 1), "peak_rss_mib": round(peak / 1024, 1),
                          **seed_counts(workdir / "seed.log")}  # fmt: skip
        tokens = [line.split()[-1] for line in tokens_file.read_text().splitlines() if line]
        if not tokens:
            raise BenchmarkError(f"myna seed wrote no tokens to {tokens_file}")
        before = await database_bytes(database_url, workdir)
        result["database_mib_after_seed"] = round(before / 2**20, 1)
        say(f"[{mode}] seeded in {seconds:.0f} s ({before / 2**20:,.0f} MiB)")

        if not args.no_reindex:
            say(f"[{mode}] myna search reindex ...")
            code, seconds, peak = await asyncio.to_thread(
                services.run_measured,
                [sys.executable, "-m", "myna.cli", "search", "reindex"],
                env, workdir / "reindex.log", workdir,
            )  # fmt: skip
            if code != 0:
                raise BenchmarkError(
                    "myna search reindex failed:\n" + tail(workdir / "reindex.log")
                )
            output = tail(workdir / "reindex.log", 5)
            statuses, accounts = (reindexed(output, what) for what in ("status", "account"))
            rows = (statuses or 0) + (accounts or 0)
            after = await database_bytes(database_url, workdir)
            result["reindex"] = {
                "seconds": round(seconds, 1),
                "peak_rss_mib": round(peak / 1024, 1),
                "statuses": statuses,
                "accounts": accounts,
                "rows_per_s": round(rows / seconds) if rows and seconds else None,
                "database_mib_after": round(after / 2**20, 1),
                "output": output,
            }
            say(f"[{mode}] reindexed in {seconds:.0f} s ({after / 2**20:,.0f} MiB)")

        say(f"[{mode}] counting rows that contain each query ...")
        rows_containing = await containing(database_url)
        kinds = [Kind(q, containing=rows_containing[q.kind]) for q in QUERIES]

        server = services.spawn("server", ["-m", "myna.cli", "serve", "--host", "127.0.0.1",
                                           "--port", str(port), "--no-migrate",
                                           "--workers", str(workers)], env, workdir)  # fmt: skip
        await asyncio.to_thread(services.wait_ready, server, base + "/api/v1/instance")
        await idle(server)
        say(f"[{mode}] server up; checking the results of every query kind ...")
        async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT) as http:
            searcher = Searcher(http, tokens, args.limit)
            await check_all(searcher, kinds)
            say(f"[{mode}] sequential: {args.warmup} + {args.requests} requests x "
                f"{len(kinds)} kinds ...")  # fmt: skip
            note = await sequential(args, searcher, kinds, server)
        result["kinds"] = {k.query.kind: k.summary() for k in kinds}
        everything = [ms for k in kinds for ms in k.ms]
        result["sequential"] = {
            "requests": len(everything), **percentiles(everything),
            "server_cpu_ms_per_request": round(sum(k.cpu_s for k in kinds) * 1000
                                               / max(1, len(everything)), 2),
            "note": note,
        }  # fmt: skip
        await idle(server)
        say(f"[{mode}] concurrent: {args.concurrency} clients for {args.duration:g} s ...")
        result["concurrent"] = await concurrent(args, base, tokens)
        result["load_average"] = load_average()
    finally:
        if server is not None:
            await asyncio.to_thread(services.stop, server)
            result["peak_rss_mib"] = {f"server[{pid}]": round(kib / 1024, 1)
                                      for pid, kib in server.peak_kib.items()}  # fmt: skip
        if redis is not None:
            await asyncio.to_thread(redis.stop)
        if postgres is not None:
            await asyncio.to_thread(postgres.stop)
        if args.keep_dir:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def reindexed(output: str, what: str) -> int | None:
    """How many statuses or accounts `myna search reindex` says it indexed."""
    found = re.search(rf"reindexed ([\d,]+) {what}", output)
    return int(found.group(1).replace(",", "")) if found else None


def tail(log: Path, lines: int = 40) -> str:
    """The end of a log; progress bars' carriage returns count as line ends."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    found = [line.rstrip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    return "\n".join(found[-lines:])


# Reporting


def pair(figures: dict[str, Any], low: str, high: str, digits: int = 1) -> str:
    return f"{fmt(figures.get(low), '', digits)} / {fmt(figures.get(high), '', digits)}"


def summary_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    seq, conc = result.get("sequential", {}), result.get("concurrent", {})
    seed, reindex = result.get("seed", {}), result.get("reindex", {})
    errors = {name: k["errors"] for name, k in result.get("kinds", {}).items() if k["errors"]}
    if conc.get("errors"):
        errors["concurrent"] = conc["errors"]
    return [
        ("**all kinds**, one at a time: p50 / p99 (p90, max) ms",
         f"{pair(seq, 'p50_ms', 'p99_ms')} ({pair(seq, 'p90_ms', 'max_ms')})"),
        ("server CPU per request, mean", fmt(seq.get("server_cpu_ms_per_request"), " ms", 1)),
        (f"{conc.get('clients', 'n/a')} concurrent clients: **requests/s**, p50 / p99 ms",
         f"{fmt(conc.get('requests_per_s'), '', 1)}, {pair(conc, 'p50_ms', 'p99_ms')}"),
        ("seeded statuses / accounts",
         f"{fmt(seed.get('statuses'))} / {fmt(seed.get('accounts'))}"),
        ("`myna seed` wall time", fmt(seed.get("seconds"), " s")),
        ("`myna search reindex`: wall time, rows (statuses + accounts)/s",
         f"{fmt(reindex.get('seconds'), ' s')}, {fmt(reindex.get('rows_per_s'))}"),
        ("database size after seed / after reindex",
         f"{fmt(result.get('database_mib_after_seed'), ' MiB')} / "
         f"{fmt(reindex.get('database_mib_after'), ' MiB')}"),
        ("errors", ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none"),
        ("relevance warnings", "; ".join(f"{name}: {k['warning']}"
                                         for name, k in result.get("kinds", {}).items()
                                         if k.get("warning")) or "none"),
    ]  # fmt: skip


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """Per query kind and mode: results on the first page / rows containing the words, and
    p50 / p99; then the summary, one cell per mode."""
    modes = list(results)
    heads = "".join(f" {m}: results / rows containing | {m}: p50 / p99 ms |" for m in modes)
    out = ["| query (type) |" + heads, "|---" * (1 + 2 * len(modes)) + "|"]
    for query in QUERIES:
        cells = ""
        for m in modes:
            k = results[m].get("kinds", {}).get(query.kind, {})
            found = f"{fmt(k.get('results_first_page'))} / {fmt(k.get('rows_containing'))}"
            cells += f" {found} | {pair(k, 'p50_ms', 'p99_ms')} |"
        label = query.kind + ("" if query.type == "statuses" else f" ({query.type})")
        out.append(f"| {label} |" + cells)
    summaries = [summary_rows(results[m]) for m in modes]
    for index, (label, _) in enumerate(summaries[0]):
        out.append(f"| {label} |" + "".join(f" {s[index][1]} | |" for s in summaries))
    return "\n".join(out)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    return run_modes(args, run_mode, markdown, prefix="search-")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
