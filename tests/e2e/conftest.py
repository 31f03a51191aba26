"""A real `myna serve` process for end-to-end tests: a fresh SQLite file per module, or the
PostgreSQL database named by MYNA_TEST_DATABASE_URL (truncated first), on a free local port.
In scale mode (MYNA_TEST_REDIS_URL set too) the server uses that Redis, under a key prefix of
its own that is cleaned up afterwards."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from myna.db.database import Database
from myna.migrations import run_migrations
from tests.conftest import POSTGRES_URL, drop_redis_keys, scale_settings, truncate_all

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _truncate(url: str) -> None:
    db = Database(url)
    try:
        await truncate_all(db)
    finally:
        await db.engine.dispose()


def _database_url(workdir: Path) -> str:
    if POSTGRES_URL:
        run_migrations(POSTGRES_URL)
        asyncio.run(_truncate(POSTGRES_URL))
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{workdir / 'myna.db'}"


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"myna serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/api/v1/instance", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"myna serve did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `myna serve` (which migrates first), yield its base URL, stop it afterwards."""
    workdir = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
    env.update(
        MYNA_DATABASE_URL=_database_url(workdir),
        MYNA_BASE_URL=base,
        MYNA_LOG_LEVEL="warning",
        # A client thread blocked reading an SSE stream notices that it was closed only when
        # the next bytes arrive; a short heartbeat lets streaming tests end promptly.
        MYNA_STREAMING_HEARTBEAT_SECONDS="0.5",
        PYTHONUNBUFFERED="1",
    )
    scale = scale_settings()
    env.update({f"MYNA_{name.upper()}": value for name, value in scale.items()})
    log = workdir / "server.log"
    command = [
        sys.executable,
        "-m",
        "myna.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as out:
        # The working directory is the scratch directory, so no stray .env is read.
        process = subprocess.Popen(
            command, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        _stop(process)
        if scale:
            drop_redis_keys(scale["redis_prefix"])
