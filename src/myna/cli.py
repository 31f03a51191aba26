"""The `myna` command: serve, migrate, worker, gateway, jobs, seed, bench, admin."""

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from typing import Any

from myna.config import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import os

    import uvicorn

    # Without a configured public URL, links and OAuth metadata point at where we listen.
    if not settings.base_url_configured:
        os.environ["MYNA_BASE_URL"] = f"http://{args.host}:{args.port}"
    if args.workers > 1 and not settings.redis_url:
        # Processes share nothing but the database: events and feeds need Redis between them.
        print("error: --workers > 1 needs MYNA_REDIS_URL (embedded mode is one process)",
              file=sys.stderr)  # fmt: skip
        return 2
    if not args.no_migrate:
        _migrate(args, settings)
    uvicorn.run(
        "myna.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=settings.log_level,
        proxy_headers=True,
        # One setting says whose X-Forwarded-For to believe, here and in the rate limiter.
        forwarded_allow_ips=settings.trusted_proxies or "127.0.0.1",
        server_header=False,
        # WebSocket pings keep idle streaming connections alive through proxies and find dead
        # peers; client messages are tiny, so a large frame is refused by the server itself.
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        ws_max_size=64 * 1024,
        workers=args.workers,
    )
    return 0


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from myna.migrations import run_migrations

    run_migrations(settings.database_url)
    return 0


async def _create_user(args: argparse.Namespace, settings: Settings) -> int:
    from myna.actions.accounts import Registration, RegistrationRejected
    from myna.container import build

    password = args.password or getpass.getpass("Password: ")
    container = build(settings)
    try:
        account = await container.account_actions.do_register(
            Registration(
                username=args.username,
                email=args.email,
                password=password,
                role=_role(args),
            ),
            allow_reserved=True,
        )
    except RegistrationRejected as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await container.close()
    role = f" as {account.role}" if account.role else ""
    print(f"created @{account.username} (id {account.id}){role}")
    return 0


def _role(args: argparse.Namespace) -> str:
    from myna.models import AccountRole

    if args.admin:
        return AccountRole.ADMIN
    return AccountRole.MODERATOR if args.moderator else AccountRole.USER


async def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from myna.container import build
    from myna.lib.errors import NotFound

    container = build(settings)
    try:
        account = await container.account_actions.do_set_verified(args.username, not args.undo)
    except NotFound as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await container.close()
    print(f"@{account.username} is {'now' if account.verified else 'no longer'} verified")
    return 0


async def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from myna import worker

    if not settings.redis_url:
        print("error: myna worker needs MYNA_REDIS_URL (scale mode)", file=sys.stderr)
        return 1
    await worker.run(settings, burst=args.burst)
    return 0


async def _gateway(_args: argparse.Namespace, settings: Settings) -> int:
    import signal

    from myna.container import build
    from myna.gateway.service import Gateway
    from myna.streaming.hub import Hub

    if not settings.xmpp_secret:
        print("error: myna gateway needs MYNA_XMPP_SECRET (docs/im-gateway.md)", file=sys.stderr)
        return 1
    if not settings.redis_url:
        # Without Redis, events stay inside the process that caused them.
        print("error: a separate myna gateway needs MYNA_REDIS_URL; in embedded mode "
              "`myna serve` runs the gateway itself (MYNA_XMPP_IN_SERVE=true)",
              file=sys.stderr)  # fmt: skip
        return 1
    container = build(settings)
    hub = Hub(container)
    gateway = Gateway(container, hub, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await gateway.start(wait=True)
        print(f"myna gateway: joined as {gateway.domain} and {gateway.rooms_domain}", flush=True)
        await stop.wait()
    finally:
        await gateway.stop()
        await hub.stop()
        await container.close()
    return 0


async def _jobs_failed(_args: argparse.Namespace, settings: Settings) -> int:
    import datetime

    from myna.container import build

    container = build(settings)
    try:
        failed = await container.jobs.failed()
    finally:
        await container.close()
    for job in failed:
        when = datetime.datetime.fromtimestamp(job.failed_at, datetime.UTC).isoformat()
        print(f"{job.job_id}\t{job.name}{tuple(job.args)!r}\t{job.tries} tries\t{when}")
        print(f"    {job.error}")
    print(f"{len(failed)} failed job{'s' if len(failed) != 1 else ''}")
    return 0


async def _jobs_retry(args: argparse.Namespace, settings: Settings) -> int:
    from myna.container import build

    if not args.all and not args.job_id:
        print("error: give a job id (see `myna jobs failed`) or --all", file=sys.stderr)
        return 2
    container = build(settings)
    try:
        count = await container.jobs.retry(None if args.all else args.job_id)
    finally:
        await container.close()
    print(f"enqueued {count} job{'s' if count != 1 else ''} again")
    return 0 if count or args.all else 1


class _SeedBar:
    """`myna seed`'s progress: one tqdm bar per stage."""

    def __init__(self) -> None:
        self.bar: Any = None

    def stage(self, name: str, total: int) -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(total=total, desc=f"{name:>11}", unit="", unit_scale=True)

    def advance(self, amount: int) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


async def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from myna.actions.seed import SeedPlan, do_seed, issue_tokens
    from myna.container import build
    from myna.lib.errors import ValidationFailed

    if not args.no_migrate:
        await asyncio.to_thread(_migrate, args, settings)
    plan = SeedPlan(
        accounts=args.accounts,
        statuses=args.statuses,
        seed=args.seed,
        follows=args.follows,
        password=args.password,
        base_url=settings.base_url,
        pull_threshold=settings.fanout_pull_threshold,
        home_cap=settings.home_timeline_size,
        batch=args.batch,
    )
    container = build(settings)
    bar = _SeedBar()
    try:
        report = await do_seed(container.db, container.derived_feeds, plan, bar)
        bar.close()
        await container.db.refresh_statistics()  # after a bulk load, for the query planner
        tokens = await issue_tokens(container.db, container.app_actions, args.tokens)
    except ValidationFailed as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        bar.close()
        await container.close()
    for name, count in report.counts.items():
        print(f"{name:>20}  {count:,}")
    print(f"{'mean followings':>20}  {report.counts['follows'] / report.counts['accounts']:.1f}")
    for account_id, username, followers in report.stars:
        print(f"{'star':>20}  @{username} (id {account_id}): {followers:,} followers")
    print(f"{'home feeds':>20}  {report.home}")
    print(f"{'password':>20}  {plan.password!r} (every seeded account)")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
    if tokens:
        lines = "".join(f"{account} {username} {token}\n" for account, username, token in tokens)
        if args.tokens_file:
            with open(args.tokens_file, "w") as out:
                out.write(lines)
            print(f"{len(tokens)} tokens (account id, username, token) in {args.tokens_file}")
        else:
            print(lines, end="")
    return 0


def _bench(args: argparse.Namespace, _settings: Settings) -> int:
    """The benchmarks live in the source tree's bench/ (they are not installed)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "__main__.py").is_file():
        print(f"error: myna bench needs a source checkout (no {root / 'bench'})", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "bench", "timelines", *args.passthrough]
    return subprocess.call(command, cwd=root)


async def _rebuild_timelines(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from myna.container import build
    from myna.lib.errors import NotFound

    container = build(settings)
    actions = container.timeline_actions
    try:
        if not actions.rebuildable:
            print("nothing to rebuild: the embedded timeline store is in the database")
            return 0
        if args.account:
            try:
                feeds = await actions.rebuild_account(args.account.lstrip("@"))
            except NotFound as exc:
                print(f"error: {exc.message}", file=sys.stderr)
                return 1
        else:
            total = await actions.count_accounts()
            with tqdm(total=total, unit="account", desc="rebuilding feeds") as bar:
                feeds = await actions.rebuild_all(bar.update)
    finally:
        await container.close()
    print(f"rebuilt {feeds} feed{'s' if feeds != 1 else ''}")
    return 0


async def _reindex_search(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from myna.container import build

    container = build(settings)
    actions = container.search_actions
    try:
        total = await actions.count_indexable()
        with tqdm(total=total, unit="row", unit_scale=True, desc="indexing") as bar:
            done = await actions.do_reindex(bar.update, batch=args.batch)
        indexed = await actions.count_indexed()
        accounts = await actions.count_indexed_accounts()
        await container.db.refresh_statistics()
    finally:
        await container.close()
    print(
        f"reindexed {done.statuses:,} status{'es' if done.statuses != 1 else ''} "
        f"in {done.batches} batch{'es' if done.batches != 1 else ''}: "
        f"{done.indexed:,} with text to find them by; the index holds {indexed:,}"
    )
    print(
        f"reindexed {done.accounts:,} account{'s' if done.accounts != 1 else ''}; "
        f"the account index holds {accounts:,}"
    )
    return 0


async def _trends(args: argparse.Namespace, settings: Settings) -> int:
    from myna.container import build
    from myna.lib.errors import NotFound
    from myna.models import TrendKind

    container = build(settings)
    actions = container.trend_actions
    try:
        if args.trends_command == "refresh":
            await actions.do_refresh()
            print("trends refreshed")
            return 0
        try:
            tag_id = await actions.tag_id(args.name)
        except NotFound:
            print(f"error: no post has used the tag {args.name}", file=sys.stderr)
            return 1
        if args.trends_command == "hide":
            await actions.do_hide(None, TrendKind.TAG, tag_id)
            print(f"hid {args.name} from the trends")
        else:
            await actions.do_unhide(None, TrendKind.TAG, tag_id)
            print(f"{args.name} may trend again")
    finally:
        await container.close()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="myna", description="Myna microblog server")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web server (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-migrate", action="store_true", help="do not run migrations first")
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes (more than 1: scale mode only)"
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.set_defaults(run=_migrate)

    work = commands.add_parser("worker", help="run background jobs (scale mode: needs Redis)")
    work.add_argument("--burst", action="store_true", help="run what is queued, then exit")
    work.set_defaults(run_async=_worker)

    gateway = commands.add_parser(
        "gateway", help="run the IM gateway on its own (scale mode; docs/im-gateway.md)"
    )
    gateway.set_defaults(run_async=_gateway)

    jobs = commands.add_parser("jobs", help="inspect and retry background jobs")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    failed = jobs_commands.add_parser("failed", help="list jobs that failed every try")
    failed.set_defaults(run_async=_jobs_failed)
    retry = jobs_commands.add_parser("retry", help="enqueue failed jobs again")
    retry.add_argument("job_id", nargs="?", help="one job (from `myna jobs failed`)")
    retry.add_argument("--all", action="store_true", help="every failed job")
    retry.set_defaults(run_async=_jobs_retry)

    seed = commands.add_parser("seed", help="fill an empty database with a made-up graph")
    seed.add_argument("--accounts", type=int, default=60_000)
    seed.add_argument("--statuses", type=int, default=200_000)
    seed.add_argument("--seed", type=int, default=1, help="random seed: same seed, same graph")
    seed.add_argument("--follows", type=float, default=100.0, help="mean followings per account")
    seed.add_argument("--batch", type=int, default=20_000, help="rows per bulk insert")
    seed.add_argument("--password", default="myna-seed-password", help="every account's")
    seed.add_argument("--tokens", type=int, default=0, help="issue this many bearer tokens")
    seed.add_argument("--tokens-file", help="write them here (default: print them)")
    seed.add_argument("--no-migrate", action="store_true", help="do not run migrations first")
    seed.set_defaults(run_async=_seed)

    bench = commands.add_parser(
        "bench", help="timeline benchmark, embedded and scale mode (myna bench --help)",
        add_help=False,
    )  # fmt: skip
    bench.set_defaults(run=_bench, passthrough=[])

    timelines = commands.add_parser("timelines", help="home and list feeds")
    timelines_commands = timelines.add_subparsers(dest="timelines_command", required=True)
    rebuild = timelines_commands.add_parser(
        "rebuild", help="rebuild feeds from the database (all, or one account's)"
    )
    rebuild.add_argument("--account", help="only this account's home and list feeds")
    rebuild.set_defaults(run_async=_rebuild_timelines)

    search = commands.add_parser("search", help="the full-text search indexes")
    search_commands = search.add_subparsers(dest="search_command", required=True)
    reindex = search_commands.add_parser(
        "reindex",
        help="rebuild the indexes of statuses and accounts (safe while serving, repeatable)",
    )
    reindex.add_argument(
        "--batch", type=int, default=5000, help="statuses or accounts per transaction"
    )
    reindex.set_defaults(run_async=_reindex_search)

    trends = commands.add_parser("trends", help="hot topics (热搜)")
    trends_commands = trends.add_subparsers(dest="trends_command", required=True)
    for name, text in (
        ("hide", "hide a tag or topic from the trends (its posts stay)"),
        ("unhide", "let a hidden tag or topic trend again"),
    ):
        command = trends_commands.add_parser(name, help=text)
        command.add_argument("name", help="the tag, with or without #")
        command.set_defaults(run_async=_trends)
    trends_refresh = trends_commands.add_parser("refresh", help="recompute the rankings now")
    trends_refresh.set_defaults(run_async=_trends)

    admin = commands.add_parser("admin", help="administer accounts")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser("create-user", help="create an account")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="prompted for when left out")
    roles = create.add_mutually_exclusive_group()
    roles.add_argument("--admin", action="store_true", help="an admin: moderation and settings")
    roles.add_argument(
        "--moderator", action="store_true", help="a moderator: reports and account actions"
    )
    create.set_defaults(run_async=_create_user)
    verify = admin_commands.add_parser("verify", help='give an account the verified "V" badge')
    verify.add_argument("username")
    verify.add_argument("--undo", action="store_true", help="take the badge away")
    verify.set_defaults(run_async=_verify)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    root = parser()
    args, extra = root.parse_known_args(argv)
    if args.command == "bench":
        args.passthrough = extra  # the benchmark parses its own options
    elif extra:
        root.error(f"unrecognized arguments: {' '.join(extra)}")
    settings = Settings()
    if hasattr(args, "run_async"):
        return asyncio.run(args.run_async(args, settings))
    return int(args.run(args, settings))


if __name__ == "__main__":
    sys.exit(main())
