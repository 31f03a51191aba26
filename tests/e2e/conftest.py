"""A real `myna serve` process for end-to-end tests: a fresh SQLite file per module, or the
PostgreSQL database named by MYNA_TEST_DATABASE_URL (truncated first), on a free local port.
In scale mode (MYNA_TEST_REDIS_URL set too) the server uses that Redis, under a key prefix of
its own that is cleaned up afterwards. `Deployment` starts several servers and workers sharing
one database and Redis (scale mode)."""

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from myna.db.database import Database
from myna.migrations import run_migrations
from tests.conftest import POSTGRES_URL, REDIS_URL, drop_redis_keys, scale_settings, truncate_all
from tests.e2e.browser import ARGS as CHROMIUM_ARGS
from tests.e2e.browser import chromium_or_skip

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


def _fresh_postgres(url: str) -> None:
    run_migrations(url)
    asyncio.run(_truncate(url))


def _database_url(workdir: Path) -> str:
    if POSTGRES_URL:
        # In a thread of its own: both steps run an event loop, and a browser test's
        # Playwright may already be running one in this thread.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_fresh_postgres, POSTGRES_URL).result()
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


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """`_stop` for many at once: they share one STOP_TIMEOUT before being killed."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `myna serve` (which migrates first), yield its base URL, stop it afterwards."""
    with running_server(tmp_path_factory.mktemp("e2e")) as base:
        yield base


@contextmanager
def running_server(
    workdir: Path, *, worker: bool = False, gateway: bool = False, **settings: str
) -> Iterator[str]:
    """`myna serve` in `workdir`, for a module's own server: `settings` are more MYNA_*
    variables (`rate_limits_enabled="true"` is MYNA_RATE_LIMITS_ENABLED=true). `worker`: in
    scale mode, a `myna worker` beside it runs the jobs (embedded mode runs them in the
    server). `gateway`: in scale mode, the IM gateway runs as a `myna gateway` process of its
    own (embedded mode runs it in the server, when `settings` give it an XMPP secret)."""
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
        # Client tests make more calls than the default limits allow; tests of limits turn
        # them on (Deployment.settings, or a server of their own).
        MYNA_RATE_LIMITS_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    scale = scale_settings()
    env.update({f"MYNA_{name.upper()}": value for name, value in scale.items()})
    env.update({f"MYNA_{name.upper()}": value for name, value in settings.items()})
    if gateway and scale:
        env["MYNA_XMPP_IN_SERVE"] = "false"
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
    helpers: list[subprocess.Popen[bytes]] = []
    try:
        _wait_until_up(base, process, log)
        for wanted, name in ((worker, "worker"), (gateway, "gateway")):
            if wanted and scale:
                with (workdir / f"{name}.log").open("wb") as out:
                    helpers.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "myna.cli", name],
                            env=env,
                            cwd=workdir,
                            stdout=out,
                            stderr=subprocess.STDOUT,
                        )
                    )
        yield base
    finally:
        _stop_all(helpers)
        _stop(process)
        if scale:
            drop_redis_keys(scale["redis_prefix"])


@dataclass
class Deployment:
    """A scale-mode deployment made of processes: `myna serve` and `myna worker` sharing the
    database and Redis, under a key prefix of its own. Each process logs to a file in
    `workdir`; `settings` are more MYNA_* variables, given to every process started after."""

    workdir: Path
    database_url: str
    prefix: str
    settings: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, base: str = "") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
        env.update(
            MYNA_DATABASE_URL=self.database_url,
            MYNA_REDIS_URL=REDIS_URL or "",
            MYNA_REDIS_PREFIX=self.prefix,
            MYNA_LOG_LEVEL="warning",
            MYNA_RATE_LIMITS_ENABLED="false",  # on when `settings` say so
            PYTHONUNBUFFERED="1",
        )
        env.update(self.settings)
        if base:
            env["MYNA_BASE_URL"] = base
        return env

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def _start(self, command: list[str], name: str, base: str = "") -> subprocess.Popen[bytes]:
        with self.log(name).open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "myna.cli", *command],
                env=self.env(base),
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def serve(self, port: int, name: str) -> tuple[str, subprocess.Popen[bytes]]:
        base = f"http://127.0.0.1:{port}"
        command = ["serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)]
        process = self._start(command, name, base)
        _wait_until_up(base, process, self.log(name))
        return base, process

    def work(self, name: str) -> subprocess.Popen[bytes]:
        """Start `myna worker` (it takes jobs as soon as it is connected)."""
        return self._start(["worker"], name)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """An empty deployment on a migrated, truncated database; its processes are stopped and
    its Redis keys deleted afterwards."""
    prefix = f"myna-e2e-{uuid.uuid4().hex[:12]}:"
    found = Deployment(workdir=tmp_path, database_url=_database_url(tmp_path), prefix=prefix)
    try:
        yield found
    finally:
        _stop_all(found.processes)
        drop_redis_keys(prefix)


async def _everything(http: httpx.AsyncClient, url: str, token: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following the Link header's next pages."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        page = await http.get(next_url, headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200, page.text
        items += page.json()
        next_url = page.links.get("next", {}).get("url") if page.json() else None
    return items


# Browser tests (tests/e2e/browser.py): one Chromium per module, a context per person.


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    instance = playwright.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_ARGS)
    try:
        yield instance
    finally:
        instance.close()
