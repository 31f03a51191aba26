"""Groups benchmark: posting to and reading a small and a huge group, side by side.

    python -m bench groups [--sizes 10,100000] [--posts 200] [--reads 200] ...

The claim under test: a group has one feed, and members' reads pull it, so posting to a group
costs the same whatever its member count. A 100,000-member group should post as fast as a
10-member one and write the same rows (one status, no home-timeline rows).

What it does, in order:

1. Migrates a fresh database and seeds it in this process. Through the real actions
   (`do_register`, `do_create_app`, `do_issue_token`, `do_follow`, `do_post` and the group
   actions `do_create`, `do_join`, `do_invite`, `do_authorize`): per group a poster (its
   owner) and `--readers` members with tokens; `--follows` accounts that every reader
   follows, each with `--friend-posts` public statuses fanned out to the readers. While
   seeding, `passwords.hash_password` returns one genuine argon2id hash of a fixed password
   computed once (about 0.1 s per hash here).
   Inserted directly, with SQLAlchemy Core against the migrated schema (the models' tables,
   ids from `myna.lib.ids`, the same argon2id hash): the remaining members of each group, as
   `accounts` rows and `group_members` rows (role member, shown at home), in batches; then
   each group's `members_count` is set from a count of its `group_members` rows. Going through
   the actions for 100,000 accounts would take hours of argon2 alone.
2. Starts a real `myna serve` subprocess on 127.0.0.1 (SQLite in a temporary directory unless
   `--database-url`).
3. Posts: after `--warmup` uncounted posts per group, each poster posts `--posts` times with
   `POST /api/v1/statuses` (visibility group), one request at a time, the groups taking turns
   so both see the same machine. Around every post the benchmark counts the rows of every
   table (from its own connection) and reads the server's CPU time, so rows added and server
   CPU are per post and per group.
4. Reads: `--reads` rounds, groups taking turns, readers in rotation: the group timeline
   `GET /api/v1/timelines/group/:id` and the reader's home timeline `GET
   /api/v1/timelines/home` (which merges the fanned-out feed of followed accounts with the
   pulled group feed), 20 statuses a page.

It prints figures and never asserts them. All traffic goes to 127.0.0.1; every loop is
bounded in count and time.
"""

import argparse
import asyncio
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.streaming import (
    cpu_seconds,
    free_port,
    load_average,
    percentile,
    run_in_workdir,
    start_server,
    stop_server,
)

SEED_PASSWORD = "benchmark-password"
SCOPES = "read write follow"
PAGE = 20
REQUEST_TIMEOUT = 60.0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench groups",
        description="Post and read latency for a small and a huge group, side by side.",
    )
    p.add_argument(
        "--sizes",
        default="10,100000",
        help="comma-separated member counts, one group (and one column) each",
    )
    p.add_argument("--posts", type=int, default=200, help="measured posts per group")
    p.add_argument("--reads", type=int, default=200, help="measured reads per timeline and group")
    p.add_argument("--warmup", type=int, default=10, help="uncounted posts and reads per group")
    p.add_argument("--readers", type=int, default=5, help="members per group who read (tokens)")
    p.add_argument("--follows", type=int, default=5, help="accounts every reader follows")
    p.add_argument("--friend-posts", type=int, default=20, help="public posts per followed account")
    p.add_argument(
        "--friend-every",
        type=int,
        default=4,
        help="while posting, a followed account posts (not measured) once every this many rounds",
    )
    p.add_argument(
        "--privacy",
        choices=["public", "restricted", "secret"],
        default="restricted",
        help="group privacy (restricted and secret: posts are for members only)",
    )
    p.add_argument("--batch", type=int, default=5_000, help="rows per bulk insert")
    p.add_argument("--max-seconds", type=float, default=900.0, help="stop measuring after this")
    p.add_argument("--database-url", default="", help="default: SQLite in a temporary directory")
    p.add_argument("--port", type=int, default=0, help="default: a free port")
    p.add_argument("--keep-dir", action="store_true", help="keep the temporary directory")
    args = p.parse_args(list(argv))
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error("--sizes must be comma-separated integers")
    if not args.sizes:
        p.error("--sizes needs at least one size")
    if min(args.posts, args.reads, args.readers, args.batch) < 1:
        p.error("--posts, --reads, --readers, --batch must be >= 1")
    if min(args.warmup, args.follows, args.friend_posts, args.friend_every) < 0:
        p.error("--warmup, --follows, --friend-posts, --friend-every must be >= 0")
    if min(args.sizes) < 1 + args.readers:
        p.error(f"every size must be at least 1 + --readers ({1 + args.readers})")
    return args


# Seeding


@dataclass
class SeededGroup:
    size: int
    group_id: int
    poster_token: str
    reader_tokens: list[str]
    members_count: int = 0
    member_rows: int = 0


@dataclass
class Seeded:
    groups: list[SeededGroup]
    friend_tokens: list[str]
    direct_accounts: int
    direct_members: int
    action_accounts: int
    seconds_actions: float
    seconds_direct: float


async def _join(
    container: Any, owner_id: int, group_id: int, account_id: int, privacy: str
) -> None:
    """Make `account_id` a member the way a person would for this privacy."""
    actions = container.group_actions
    if privacy == "secret":
        await actions.do_invite(owner_id, group_id, account_id)
        await actions.do_join(account_id, group_id)
    elif privacy == "restricted":
        await actions.do_join(account_id, group_id)  # a request
        await actions.do_authorize(owner_id, group_id, account_id)
    else:
        await actions.do_join(account_id, group_id)


async def seed(args: argparse.Namespace, database_url: str) -> Seeded:
    from sqlalchemy import func, insert, select, update
    from sqlalchemy.ext.asyncio import create_async_engine

    from myna.actions.accounts import Registration
    from myna.actions.groups import NewGroup
    from myna.actions.statuses import NewStatus
    from myna.config import Settings
    from myna.container import build
    from myna.lib import passwords
    from myna.lib.clock import utcnow
    from myna.lib.ids import new_id
    from myna.models import Account, Group, GroupMember, Visibility
    from myna.store.accounts import username_key

    started = time.perf_counter()
    one_hash = passwords.hash_password(SEED_PASSWORD)
    real_hash = passwords.hash_password
    passwords.hash_password = lambda _password: one_hash  # see the module docstring
    container = build(Settings(database_url=database_url, redis_url=""))
    prefix = "g" + secrets.token_hex(3)  # unique per run, so a shared PostgreSQL works too
    groups: list[SeededGroup] = []
    action_accounts = 0
    try:
        app = (
            await container.app_actions.do_create_app(
                name="myna-bench-groups",
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes=SCOPES,
                website=None,
            )
        ).app

        async def account(username: str) -> tuple[int, str]:
            nonlocal action_accounts
            acc = await container.account_actions.do_register(
                Registration(
                    username=username, email=f"{username}@bench.invalid", password=SEED_PASSWORD
                )
            )
            action_accounts += 1
            _, raw = await container.app_actions.do_issue_token(app.id, acc.id, SCOPES)
            return acc.id, raw

        friend_accounts = [await account(f"{prefix}_f{i}") for i in range(args.follows)]
        friends = [friend_id for friend_id, _ in friend_accounts]
        reader_ids: list[int] = []
        for n, size in enumerate(args.sizes):
            poster_id, poster_token = await account(f"{prefix}_{n}_owner")
            group_id = await container.group_actions.do_create(
                poster_id,
                NewGroup(
                    handle=f"{prefix}_{n}_group",
                    name=f"Benchmark group of {size:,}",
                    privacy=args.privacy,
                ),
            )
            tokens = []
            for r in range(args.readers):
                reader_id, token = await account(f"{prefix}_{n}_r{r}")
                await _join(container, poster_id, group_id, reader_id, args.privacy)
                for friend_id in friends:
                    await container.relation_actions.do_follow(reader_id, friend_id)
                reader_ids.append(reader_id)
                tokens.append(token)
            groups.append(SeededGroup(size, group_id, poster_token, tokens))
        for i in range(args.friend_posts):
            for friend_id in friends:
                await container.status_actions.do_post(
                    friend_id,
                    NewStatus(text=f"followed account post {i}", visibility=Visibility.PUBLIC),
                )
    finally:
        passwords.hash_password = real_hash
        await container.close()
    seconds_actions = time.perf_counter() - started

    # The other members: accounts and memberships inserted in bulk (see the module docstring).
    started = time.perf_counter()
    fillers_needed = max(args.sizes) - 1 - args.readers
    engine = create_async_engine(database_url)
    filler_ids: list[int] = []
    members_inserted = 0
    try:
        now = utcnow()
        for start in range(0, fillers_needed, args.batch):
            rows = []
            for i in range(start, min(fillers_needed, start + args.batch)):
                name = f"{prefix}_m{i}"
                rows.append({
                    "id": new_id(),
                    "username": name,
                    "username_key": username_key(name),
                    "email": f"{name}@bench.invalid",
                    "password_hash": one_hash,
                    "display_name": "",
                    "note": "",
                    "created_at": now,
                    "followers_count": 0,
                    "following_count": 0,
                    "statuses_count": 0,
                })  # fmt: skip
            async with engine.begin() as conn:
                await conn.execute(insert(Account.__table__), rows)
            filler_ids.extend(row["id"] for row in rows)
        for g in groups:
            mine = filler_ids[: g.size - 1 - args.readers]
            for start in range(0, len(mine), args.batch):
                rows = [
                    {
                        "id": new_id(),
                        "group_id": g.group_id,
                        "account_id": account_id,
                        "role": "member",
                        "in_home": True,
                        "created_at": now,
                    }
                    for account_id in mine[start : start + args.batch]
                ]
                async with engine.begin() as conn:
                    await conn.execute(insert(GroupMember.__table__), rows)
                members_inserted += len(rows)
            async with engine.begin() as conn:
                count = (
                    select(func.count())
                    .select_from(GroupMember.__table__)
                    .where(GroupMember.group_id == g.group_id)
                    .scalar_subquery()
                )
                await conn.execute(
                    update(Group.__table__)
                    .where(Group.id == g.group_id)
                    .values(members_count=count)
                )
                g.members_count = int(
                    await conn.scalar(select(Group.members_count).where(Group.id == g.group_id))
                    or 0
                )
                g.member_rows = int(
                    await conn.scalar(
                        select(func.count())
                        .select_from(GroupMember.__table__)
                        .where(GroupMember.group_id == g.group_id)
                    )
                    or 0
                )
    finally:
        await engine.dispose()
    return Seeded(
        groups=groups,
        friend_tokens=[token for _, token in friend_accounts],
        direct_accounts=len(filler_ids),
        direct_members=members_inserted,
        action_accounts=action_accounts,
        seconds_actions=seconds_actions,
        seconds_direct=time.perf_counter() - started,
    )


# Rows in the database


class RowCounter:
    """Counts the rows of every table, from the benchmark's own connection."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        self.engine = create_async_engine(database_url)
        self.tables: list[str] = []

    async def start(self) -> None:
        from sqlalchemy import inspect

        async with self.engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        self.tables = sorted(n for n in names if n != "alembic_version")

    async def snapshot(self) -> dict[str, int]:
        from sqlalchemy import text

        union = " UNION ALL ".join(
            f"SELECT '{name}', count(*) FROM \"{name}\"" for name in self.tables
        )
        async with self.engine.connect() as conn:
            return {name: int(n) for name, n in (await conn.execute(text(union))).all()}

    async def close(self) -> None:
        await self.engine.dispose()


def added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


# Measuring


@dataclass
class Figures:
    post_ms: list[float] = field(default_factory=list)
    post_cpu_ms: list[float] = field(default_factory=list)
    rows_per_post: list[int] = field(default_factory=list)
    rows_by_table: dict[str, int] = field(default_factory=dict)
    group_read_ms: list[float] = field(default_factory=list)
    home_read_ms: list[float] = field(default_factory=list)
    group_page_sizes: list[int] = field(default_factory=list)
    home_page_sizes: list[int] = field(default_factory=list)
    home_group_share: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def post(http: httpx.AsyncClient, g: SeededGroup, text: str) -> tuple[float, bool]:
    start = time.perf_counter()
    response = await http.post(
        "/api/v1/statuses",
        json={"status": text, "visibility": "group", "group_id": str(g.group_id)},
        headers={"Authorization": f"Bearer {g.poster_token}"},
    )
    ms = (time.perf_counter() - start) * 1000
    ok = response.status_code == 200 and response.json().get("visibility") == "group"
    return ms, ok


async def read(http: httpx.AsyncClient, path: str, token: str) -> tuple[float, list[Any] | None]:
    start = time.perf_counter()
    response = await http.get(
        path, params={"limit": PAGE}, headers={"Authorization": f"Bearer {token}"}
    )
    ms = (time.perf_counter() - start) * 1000
    return ms, response.json() if response.status_code == 200 else None


async def measure(
    args: argparse.Namespace, seeded: Seeded, database_url: str, workdir: Path
) -> tuple[list[Figures], str]:
    port = args.port or free_port()
    server = await asyncio.to_thread(start_server, database_url, "", port, workdir)
    counter = RowCounter(database_url)
    figures = [Figures() for _ in seeded.groups]
    deadline = time.monotonic() + args.max_seconds
    note = ""
    try:
        await counter.start()
        async with httpx.AsyncClient(base_url=server.base, timeout=REQUEST_TIMEOUT) as http:
            for i in range(args.warmup):
                for n, g in enumerate(seeded.groups):
                    _, ok = await post(http, g, f"warm-up {i}")
                    if not ok:
                        figures[n].error("warm-up post failed")
                    await read(http, f"/api/v1/timelines/group/{g.group_id}", g.reader_tokens[0])
                    await read(http, "/api/v1/timelines/home", g.reader_tokens[0])

            print(f"posting {args.posts} times to each group...", flush=True)
            before = await counter.snapshot()
            for i in range(args.posts):
                if time.monotonic() > deadline:
                    note = f"stopped posting after {i} rounds (--max-seconds)"
                    break
                order = list(enumerate(seeded.groups))
                if i % 2:
                    order.reverse()  # take turns going first
                for n, g in order:
                    cpu0 = cpu_seconds(server.pid)
                    ms, ok = await post(http, g, f"group benchmark post {i}")
                    cpu1 = cpu_seconds(server.pid)
                    after = await counter.snapshot()
                    f = figures[n]
                    if not ok:
                        f.error("post failed")
                    f.post_ms.append(ms)
                    f.post_cpu_ms.append((cpu1 - cpu0) * 1000)
                    grew = added(before, after)
                    f.rows_per_post.append(sum(grew.values()))
                    for table, rows in grew.items():
                        f.rows_by_table[table] = f.rows_by_table.get(table, 0) + rows
                    before = after
                if seeded.friend_tokens and args.friend_every and i % args.friend_every == 0:
                    # Followed accounts keep posting too (fanned out to the readers), so home
                    # pages mix both sources; not measured, and the row count restarts after it.
                    turn = i // args.friend_every
                    token = seeded.friend_tokens[turn % len(seeded.friend_tokens)]
                    await http.post(
                        "/api/v1/statuses",
                        json={"status": f"followed account post {i}", "visibility": "public"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    before = await counter.snapshot()

            print(f"reading each timeline {args.reads} times per group...", flush=True)
            for i in range(args.reads):
                if time.monotonic() > deadline:
                    note = f"stopped reading after {i} rounds (--max-seconds)"
                    break
                order = list(enumerate(seeded.groups))
                if i % 2:
                    order.reverse()
                for n, g in order:
                    f = figures[n]
                    token = g.reader_tokens[i % len(g.reader_tokens)]
                    ms, page = await read(http, f"/api/v1/timelines/group/{g.group_id}", token)
                    f.group_read_ms.append(ms)
                    if page is None:
                        f.error("group timeline read failed")
                    else:
                        f.group_page_sizes.append(len(page))
                    ms, page = await read(http, "/api/v1/timelines/home", token)
                    f.home_read_ms.append(ms)
                    if page is None:
                        f.error("home timeline read failed")
                    else:
                        f.home_page_sizes.append(len(page))
                        f.home_group_share.append(
                            sum(1 for s in page if s.get("group_id") == str(g.group_id))
                        )
    finally:
        await counter.close()
        if server.process.poll() is not None:
            print(f"server exited early ({server.process.returncode}):\n{server.log_tail()}")
        await asyncio.to_thread(stop_server, server)
    return figures, note


# Output


def columns_table(title: str, headers: list[str], rows: list[tuple[str, list[str]]]) -> str:
    label = max(len(k) for k, _ in rows)
    widths = [
        max(len(h), *(len(vals[c]) for _, vals in rows if c < len(vals)))
        for c, h in enumerate(headers)
    ]
    line = "-" * (label + 2 + sum(w + 3 for w in widths))
    heads = "".join(f"   {h:>{w}}" for h, w in zip(headers, widths, strict=True))
    out = [title, line, "  " + " " * label + heads]
    out.append(line)
    for key, vals in rows:
        if not vals:  # a section heading
            out.append(f"  {key}")
            continue
        cells = "".join(f"   {v:>{w}}" for v, w in zip(vals, widths, strict=True))
        out.append(f"  {key:<{label}}" + cells)
    out.append(line)
    return "\n".join(out)


def pcts(values: Sequence[float]) -> list[str]:
    return [f"{percentile(values, q):,.1f}" for q in (50, 95, 99)]


def latency_rows(label: str, per_group: list[list[float]]) -> list[tuple[str, list[str]]]:
    each = [pcts(v) for v in per_group]
    pad = " " * len(label)
    return [
        (f"{label} p50 (ms)", [e[0] for e in each]),
        (f"{pad} p95 (ms)", [e[1] for e in each]),
        (f"{pad} p99 (ms)", [e[2] for e in each]),
        (f"{pad} max (ms)", [f"{max(v, default=float('nan')):,.1f}" for v in per_group]),
    ]  # fmt: skip


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def report(args: argparse.Namespace, seeded: Seeded, figures: list[Figures], db_kind: str) -> str:
    headers = [f"{g.size:,} members" for g in seeded.groups]
    tables = sorted({t for f in figures for t in f.rows_by_table})
    rows: list[tuple[str, list[str]]] = [
        ("members_count / group_members rows",
         [f"{g.members_count:,} / {g.member_rows:,}" for g in seeded.groups]),
        (f"POST /api/v1/statuses, visibility group ({args.posts} posts each)", []),
        *latency_rows("  latency", [f.post_ms for f in figures]),
        ("  server CPU per post, mean (ms)", [f"{mean(f.post_cpu_ms):,.1f}" for f in figures]),
        ("  rows added per post, mean / max",
         [f"{mean(f.rows_per_post):,.2f} / {max(f.rows_per_post, default=0)}" for f in figures]),
        ("  home_timeline rows added, total",
         [f"{f.rows_by_table.get('home_timeline', 0):,}" for f in figures]),
        *[(f"  {t} rows added, total", [f"{f.rows_by_table.get(t, 0):,}" for f in figures])
          for t in tables if t != "home_timeline"],
        (f"GET /api/v1/timelines/group/:id, limit {PAGE} ({args.reads} reads each)", []),
        *latency_rows("  latency", [f.group_read_ms for f in figures]),
        ("  statuses per page, mean", [f"{mean(f.group_page_sizes):.1f}" for f in figures]),
        (f"GET /api/v1/timelines/home of a member, limit {PAGE} ({args.reads} reads each)", []),
        *latency_rows("  latency", [f.home_read_ms for f in figures]),
        ("  statuses per page, mean", [f"{mean(f.home_page_sizes):.1f}" for f in figures]),
        ("  of which the group's posts, mean",
         [f"{mean(f.home_group_share):.1f}" for f in figures]),
        ("errors", [", ".join(f"{k} x{v}" for k, v in f.errors.items()) or "none"
                    for f in figures]),
    ]  # fmt: skip
    return columns_table(
        f"Group posts and reads ({db_kind}, {args.privacy} groups, one request at a time)",
        headers,
        rows,
    )


async def run(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    print(f"cores {__import__('os').cpu_count()}; load average {load_average()}", flush=True)
    print(
        f"seeding groups of {', '.join(f'{s:,}' for s in args.sizes)} members "
        f"({args.readers} readers each, {args.follows} followed accounts)...",
        flush=True,
    )
    seeded = await seed(args, database_url)
    print(
        f"  through the actions: {seeded.action_accounts} accounts, {len(seeded.groups)} groups, "
        f"memberships, follows and {args.follows * args.friend_posts} followed-account posts "
        f"in {seeded.seconds_actions:.1f} s",
        flush=True,
    )
    print(
        f"  inserted directly (SQLAlchemy Core, one precomputed argon2id hash): "
        f"{seeded.direct_accounts:,} accounts and {seeded.direct_members:,} group_members rows, "
        f"members_count set from the rows, in {seeded.seconds_direct:.1f} s",
        flush=True,
    )
    figures, note = await measure(args, seeded, database_url, workdir)
    db_kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print()
    print(report(args, seeded, figures, db_kind))
    if note:
        print(note)
    print(f"load average at the end (1/5/15 min): {load_average()}")
    return 0


def main(argv: Sequence[str]) -> int:
    return run_in_workdir(parse_args(argv), "myna-bench-groups-", run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
