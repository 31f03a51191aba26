"""Scale-out acceptance: two `myna serve` processes on different ports share PostgreSQL and
Redis. A post made through one is streamed to a client connected to the other and appears in
the home timeline read from the other; so does a mention's notification.

Runs when both MYNA_TEST_DATABASE_URL (PostgreSQL) and MYNA_TEST_REDIS_URL are set, as in
CI's PostgreSQL pass."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from redis import asyncio as redis
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import POSTGRES_URL, REDIS_URL, drop_redis_keys
from tests.e2e.conftest import _database_url, _free_port, _stop, _wait_until_up

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL),
        reason="needs MYNA_TEST_DATABASE_URL (PostgreSQL) and MYNA_TEST_REDIS_URL",
    ),
]

WAIT = 15.0  # seconds: a bound on waiting for an event, never a measure
PASSWORD = "correct horse battery staple"
SCOPES = "read write follow push"


@dataclass
class Cluster:
    a: str  # base URL of process A
    b: str  # base URL of process B
    prefix: str  # the Redis channel prefix both processes share


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("multiprocess")
    database_url = _database_url(workdir)  # migrated and truncated, before either starts
    # Channels of their own, so a run never hears (or disturbs) anything else on this Redis.
    prefix = f"myna-e2e-{uuid.uuid4().hex[:12]}:"
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
            env.update(
                MYNA_DATABASE_URL=database_url,
                MYNA_REDIS_URL=REDIS_URL or "",
                MYNA_REDIS_PREFIX=prefix,
                MYNA_BASE_URL=base,
                MYNA_LOG_LEVEL="warning",
                PYTHONUNBUFFERED="1",
            )
            log = workdir / f"server-{name}.log"
            command = [sys.executable, "-m", "myna.cli", "serve", "--no-migrate"]
            command += ["--host", "127.0.0.1", "--port", str(port)]
            with log.open("wb") as out:
                process = subprocess.Popen(
                    command, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT
                )
            processes.append(process)
            _wait_until_up(base, process, log)
            bases.append(base)
        yield Cluster(a=bases[0], b=bases[1], prefix=prefix)
    finally:
        for process in processes:
            _stop(process)
        drop_redis_keys(prefix)  # their timelines and presence


async def _register(http: httpx.AsyncClient, base: str, username: str) -> tuple[int, str]:
    """Sign up through the API, as a client would: (account id, access token)."""
    app = await http.post(
        f"{base}/api/v1/apps",
        json={"client_name": "multiprocess", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
        | {"scopes": SCOPES},
    )
    app.raise_for_status()
    grant = await http.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.json()["client_id"],
            "client_secret": app.json()["client_secret"],
            "scope": SCOPES,
        },
    )
    grant.raise_for_status()
    signup = await http.post(
        f"{base}/api/v1/accounts",
        headers={"Authorization": f"Bearer {grant.json()['access_token']}"},
        json={
            "username": username,
            "email": f"{username}@example.test",
            "password": PASSWORD,
            "agreement": True,
        },
    )
    signup.raise_for_status()
    token = signup.json()["access_token"]
    me = await http.get(
        f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    me.raise_for_status()
    return int(me.json()["id"]), token


async def _subscribed(prefix: str, channels: list[str]) -> None:
    """Wait until process B listens on these channels: the subscribe message was handled."""
    client = redis.from_url(REDIS_URL or "")
    names = [prefix + channel for channel in channels]

    async def until() -> None:
        while True:
            counts = dict(await client.pubsub_numsub(*names))
            if all(counts.get(name.encode(), 0) >= 1 for name in names):
                return
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(until(), WAIT)
    except TimeoutError:
        pytest.fail(f"process B did not subscribe to {channels} within {WAIT:.0f} s")
    finally:
        await client.aclose()


async def _next_event(ws: ClientConnection, event: str) -> dict[str, Any]:
    """The next `event` on the socket (skipping others), with its payload decoded."""

    async def until() -> dict[str, Any]:
        while True:
            frame = orjson.loads(await ws.recv())
            if frame.get("event") == event:
                frame["payload"] = orjson.loads(frame["payload"])
                return dict(frame)

    try:
        return await asyncio.wait_for(until(), WAIT)
    except TimeoutError:
        pytest.fail(f"no {event!r} event reached the client on process B within {WAIT:.0f} s")


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/api/v1/streaming"


async def test_post_through_one_process_streams_to_the_other(cluster: Cluster) -> None:
    async with httpx.AsyncClient(timeout=WAIT) as http:
        alice_id, alice = await _register(http, cluster.a, "alice")
        bob_id, bob = await _register(http, cluster.a, "bob")
        followed = await http.post(
            f"{cluster.a}/api/v1/accounts/{alice_id}/follow",
            headers={"Authorization": f"Bearer {bob}"},
        )
        assert followed.status_code == 200
        assert followed.json()["following"] is True

        # Bob listens on process B; the token travels as the subprotocol, as browsers send it.
        async with connect(_ws_url(cluster.b), subprotocols=[bob], open_timeout=WAIT) as ws:
            await ws.send(orjson.dumps({"type": "subscribe", "stream": "user"}).decode())
            await _subscribed(cluster.prefix, [f"user:{bob_id}", f"notification:{bob_id}"])

            posted = await http.post(
                f"{cluster.a}/api/v1/statuses",
                headers={"Authorization": f"Bearer {alice}"},
                json={"status": "多进程 hello from process A"},
            )
            assert posted.status_code == 200
            status_id = posted.json()["id"]

            update = await _next_event(ws, "update")
            assert update["stream"] == ["user"]
            assert update["payload"]["id"] == status_id
            assert update["payload"]["account"]["id"] == str(alice_id)
            assert "多进程" in update["payload"]["content"]

            home = await http.get(
                f"{cluster.b}/api/v1/timelines/home", headers={"Authorization": f"Bearer {bob}"}
            )
            assert home.status_code == 200
            assert status_id in [status["id"] for status in home.json()]

            mention = await http.post(
                f"{cluster.a}/api/v1/statuses",
                headers={"Authorization": f"Bearer {alice}"},
                json={"status": "@bob did this reach you on B?"},
            )
            assert mention.status_code == 200
            notification = await _next_event(ws, "notification")
            assert notification["payload"]["type"] == "mention"
            assert notification["payload"]["account"]["id"] == str(alice_id)
            assert notification["payload"]["status"]["id"] == mention.json()["id"]

        # What B streamed, B also serves: the notification is there on the REST side.
        listed = await http.get(
            f"{cluster.b}/api/v1/notifications", headers={"Authorization": f"Bearer {bob}"}
        )
        assert listed.status_code == 200
        assert notification["payload"]["id"] in [n["id"] for n in listed.json()]
