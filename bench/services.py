"""What the timelines benchmark runs against, and the processes it starts: a fresh PostgreSQL
database, a Redis, `myna serve` / `myna worker` subprocesses, and their memory.

PostgreSQL: the database named by a URL is emptied (its `public` schema dropped and created
again), or, without one, a throwaway cluster of scripts/pg-test.sh is started in `.pgbench/`
(its own directory and port, so the test suite's cluster in `.pgtest/` is never touched) and
stopped afterwards. Redis: with a URL, keys under a prefix unique to the run, deleted
afterwards; without one, a `redis-server` without persistence on a free port, stopped
afterwards."""

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.streaming import free_port

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


# PostgreSQL


@dataclass
class Postgres:
    url: str
    env: dict[str, str] | None = None  # set when this run started the cluster

    def stop(self) -> None:
        if self.env is not None:
            subprocess.run(["bash", "scripts/pg-test.sh", "stop"], cwd=REPO, env=self.env,
                           check=False, capture_output=True)  # fmt: skip


def postgres(url: str) -> Postgres:
    if url:
        asyncio.run(_empty(url))
        return Postgres(url)
    if not shutil.which("initdb") and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        raise SystemExit("no PostgreSQL server binaries: install postgresql (make bench does)")
    env = dict(os.environ, PGTEST_DIR=str(REPO / ".pgbench"), PGTEST_DB="myna_bench",
               PGTEST_PORT="55632")  # fmt: skip
    started = subprocess.run(["bash", "scripts/pg-test.sh", "start"], cwd=REPO, env=env,
                             check=True, capture_output=True, text=True)  # fmt: skip
    return Postgres(started.stdout.strip(), env)


async def _empty(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


# Redis


@dataclass
class Redis:
    url: str
    prefix: str
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=STOP_TIMEOUT)
            return
        asyncio.run(self._delete_keys())

    async def _delete_keys(self) -> None:
        from redis import asyncio as redis

        client = redis.from_url(self.url)
        try:
            batch: list[bytes] = []
            async for key in client.scan_iter(match=f"*{self.prefix}*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    await client.delete(*batch)
                    batch.clear()
            if batch:
                await client.delete(*batch)
        finally:
            await client.aclose()

    def peak_kib(self) -> int | None:
        """Peak resident memory of the redis-server this run started."""
        return peak_rss_kib(self.process.pid) if self.process is not None else None


def redis(url: str, workdir: Path) -> Redis:
    prefix = f"myna-bench-{secrets.token_hex(3)}:"
    if url:
        return Redis(url, prefix)
    if not shutil.which("redis-server"):
        raise SystemExit("no redis-server: install redis-server (make bench does)")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=(workdir / "redis.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                          check=False).stdout.strip() == b"PONG":  # fmt: skip
            return Redis(url, prefix, process)
        time.sleep(0.1)
    process.kill()
    raise SystemExit("redis-server did not answer")


# Processes


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    peak_kib: dict[int, int] = field(default_factory=dict)  # pid -> VmHWM, read at stop

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def spawn(name: str, args: list[str], env: dict[str, str], workdir: Path,
          cwd: Path | None = None) -> Process:  # fmt: skip
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen([sys.executable, *args], env=env, stdout=out,
                                 stderr=subprocess.STDOUT, cwd=cwd or workdir)  # fmt: skip
    return Process(name, popen, log)


def wait_ready(process: Process, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n"
                               f"{process.tail()}")  # fmt: skip
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{process.name} did not answer in {START_TIMEOUT:.0f} s:\n{process.tail()}")


def stop(process: Process) -> None:
    """Read the peak memory of the process and its children, then stop it (SIGTERM, which
    uvicorn passes on to its workers)."""
    if process.popen.poll() is not None:
        return
    for pid in [process.popen.pid, *children(process.popen.pid)]:
        peak = peak_rss_kib(pid)
        if peak is not None:
            process.peak_kib[pid] = peak
    process.popen.terminate()
    try:
        process.popen.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.popen.kill()
        process.popen.wait(timeout=STOP_TIMEOUT)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.extend(int(p) for p in task.read_text().split())
    return found


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM: the most resident memory the process has had."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run_measured(args: list[str], env: dict[str, str], log: Path,
                 cwd: Path | None = None) -> tuple[int, float, int]:  # fmt: skip
    """Run to the end; (exit status, seconds, peak resident KiB from the kernel's rusage)."""
    started = time.perf_counter()
    with log.open("wb") as out:
        popen = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    _pid, status, usage = os.wait4(popen.pid, 0)
    popen.returncode = os.waitstatus_to_exitcode(status)
    return popen.returncode, time.perf_counter() - started, usage.ru_maxrss
