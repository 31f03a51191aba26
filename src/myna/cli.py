"""The `myna` command: serve, migrate, admin."""

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from myna.config import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import os

    import uvicorn

    # Without a configured public URL, links and OAuth metadata point at where we listen.
    if not settings.base_url_configured:
        os.environ["MYNA_BASE_URL"] = f"http://{args.host}:{args.port}"
    if not args.no_migrate:
        _migrate(args, settings)
    uvicorn.run(
        "myna.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=settings.log_level,
        proxy_headers=True,
        server_header=False,
        # WebSocket pings keep idle streaming connections alive through proxies and find dead
        # peers; client messages are tiny, so a large frame is refused by the server itself.
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        ws_max_size=64 * 1024,
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
                username=args.username, email=args.email, password=password, is_admin=args.admin
            ),
            allow_reserved=True,
        )
    except RegistrationRejected as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await container.close()
    print(f"created @{account.username} (id {account.id}){' as admin' if args.admin else ''}")
    return 0


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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="myna", description="Myna microblog server")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web server (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-migrate", action="store_true", help="do not run migrations first")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.set_defaults(run=_migrate)

    admin = commands.add_parser("admin", help="administer accounts")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser("create-user", help="create an account")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="prompted for when left out")
    create.add_argument("--admin", action="store_true")
    create.set_defaults(run_async=_create_user)
    verify = admin_commands.add_parser("verify", help='give an account the verified "V" badge')
    verify.add_argument("username")
    verify.add_argument("--undo", action="store_true", help="take the badge away")
    verify.set_defaults(run_async=_verify)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    if hasattr(args, "run_async"):
        return asyncio.run(args.run_async(args, settings))
    return int(args.run(args, settings))


if __name__ == "__main__":
    sys.exit(main())
