"""Scale-out acceptance (issue 6): two `myna serve` and two `myna worker` processes share
PostgreSQL and Redis. With the inline limit at 0, every delivery to home feeds is a job, so a
feed changes only when a worker runs one: while no worker runs, posts are queued and no home
timeline changes but their authors' own (written at once); each worker alone delivers a round
of posts; then both run while accounts post concurrently through both servers. Afterwards
every account's home timeline reads the same through either server and holds exactly what the
follow graph and each status's audience give it (policy/audience.py `home_recipients` and the
repost rule), each once, newest first.

Runs when both MYNA_TEST_DATABASE_URL (PostgreSQL) and MYNA_TEST_REDIS_URL are set."""

import asyncio
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from arq.jobs import deserialize_result
from redis import asyncio as redis

from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.e2e.conftest import Deployment, _everything, _free_port
from tests.e2e.test_multiprocess import _register

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL),
        reason="needs MYNA_TEST_DATABASE_URL (PostgreSQL) and MYNA_TEST_REDIS_URL",
    ),
]

WAIT = 30.0  # seconds: a bound on waiting for the workers, never a measure
STOP = 5.0  # seconds a worker may take to stop when asked

NAMES = ("ann", "ben", "cai", "dee", "eli", "fan", "gao", "hui")
LOCKED = 7  # hui approves followers by hand...
PENDING = 2  # ...and never approves cai, whose request stays a request
# Who follows whom, by index into NAMES: everyone asks to follow the next, the one after and
# the fifth after (so no two follow each other).
ASKED = frozenset((i, (i + step) % len(NAMES)) for i in range(len(NAMES)) for step in (1, 2, 5))
FOLLOWS = ASKED - {(PENDING, LOCKED)}


@dataclass(frozen=True)
class Member:
    index: int
    id: int
    token: str

    @property
    def name(self) -> str:
        return NAMES[self.index]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Post:
    """A status to make: `reply_to` and `repost` name a status of an earlier round."""

    key: str
    author: int
    visibility: str = "public"
    mentions: tuple[int, ...] = ()
    reply_to: str | None = None
    repost: str | None = None


@dataclass(frozen=True)
class Sent:
    """A status as made, with what decides whose home it belongs in."""

    id: str
    author: int
    visibility: str
    mentions: frozenset[int]
    reply_to: int | None  # the author of the status replied to
    reblog_of: str | None


ROUND_1 = [
    *(Post(f"hello-{i}", i) for i in range(len(NAMES))),
    Post("private-7", LOCKED, "private"),
    Post("unlisted-4", 4, "unlisted"),
]
ROUND_2 = [
    Post("private-1", 1, "private"),
    Post("reply-3-to-0", 3, reply_to="hello-0"),  # 6 follows both and gets it; 1, 2 do not
    Post("repost-6-of-0", 6, repost="hello-0"),  # 6 follows 0: not in 6's own home
    Post("repost-1-of-2", 1, repost="hello-2"),  # 0 follows 2 and 1: shown once, as the original
    Post("dm-5", 5, "direct", mentions=(2, 4)),  # 4 follows 5, 2 does not
    Post("hello-again-2", 2),
]
ROUND_3 = [
    *(Post(f"busy-{i}-{n}", i) for n in range(2) for i in range(len(NAMES))),
    Post("reply-6-to-3", 6, reply_to="hello-3"),
    Post("repost-4-of-7", 4, repost="hello-7"),  # reaches cai, who never saw hui's original
    Post("private-7-again", LOCKED, "private"),
    Post("dm-0", 0, "direct", mentions=(1, 3, 6)),
    Post("unlisted-5", 5, "unlisted"),
    Post("thread-2", 2, reply_to="hello-2"),  # a reply to oneself reaches every follower
    Post("reply-1-to-0", 1, reply_to="hello-0"),  # ann follows ben, so gets it; hui too; eli not
]


def _receives(viewer: int, status: Sent) -> bool:
    """`home_recipients` for this graph: the author, and followers, less those who neither
    follow nor are the account replied to, and, for a direct status, those it does not
    mention."""
    if viewer == status.author:
        return True
    if (viewer, status.author) not in FOLLOWS:
        return False
    replied = status.reply_to
    if replied not in (None, status.author, viewer) and (viewer, replied) not in FOLLOWS:
        return False
    return status.visibility != "direct" or viewer in status.mentions


def _may_see(viewer: int, status: Sent) -> bool:
    """Mastodon's visibility, independently of feeds (no status here reposts a private one)."""
    if viewer == status.author or status.visibility in ("public", "unlisted"):
        return True
    if status.visibility == "private":
        return (viewer, status.author) in FOLLOWS
    return viewer in status.mentions


def _expected_home(viewer: int, sent: list[Sent]) -> list[str]:
    """Ids newest first: what the viewer receives, less reposts of a status the feed already
    shows, as itself or through an earlier repost (each round reposts statuses of an earlier
    one, delivered already, so id order is delivery order)."""
    held: list[str] = []
    shown: set[str] = set()
    for status in sorted(sent, key=lambda s: int(s.id)):
        if not _receives(viewer, status):
            continue
        original = status.reblog_of or status.id
        if status.reblog_of is not None and original in shown:
            continue
        shown.add(original)
        held.append(status.id)
    return held[::-1]


def _seen(status: dict[str, Any]) -> tuple[Any, ...]:
    """What a timeline entry says, less its links (each server names its own base URL)."""
    reblog = status["reblog"]
    return (
        status["id"],
        status["account"]["id"],
        reblog["id"] if reblog else None,
        status["in_reply_to_id"],
        status["visibility"],
        status["content"],
    )


async def _start_worker(deployment: Deployment, queue: Any, name: str) -> subprocess.Popen[bytes]:
    """Start `myna worker` and wait until it polls the queue. arq records a worker's health as
    it first polls, then hourly: deleted beforehand, the key comes back from this worker."""
    health = f"{deployment.prefix}jobs:health-check"
    await queue.delete(health)
    worker = deployment.work(name)
    deadline = time.monotonic() + WAIT
    while not await queue.exists(health):
        if worker.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{name} did not start:\n{deployment.log(name).read_text()}")
        await asyncio.sleep(0.05)
    return worker


@dataclass
class Cluster:
    deployment: Deployment
    bases: list[str]
    members: list[Member]
    queue: Any  # a Redis client (bytes)

    @property
    def prefix(self) -> str:
        return self.deployment.prefix

    def job_id(self, status: Sent) -> str:
        return f"{self.prefix}deliver:home:{status.id}"

    async def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        return await _start_worker(self.deployment, self.queue, name)

    async def post_round(
        self, http: httpx.AsyncClient, plan: list[Post], made: dict[str, Sent]
    ) -> list[Sent]:
        """Make the round's statuses all at once, through the two servers in turn."""

        async def make(n: int, post: Post) -> Sent:
            base, author = self.bases[n % 2], self.members[post.author]
            if post.repost is not None:
                answer = await http.post(
                    f"{base}/api/v1/statuses/{made[post.repost].id}/reblog",
                    headers=author.headers,
                )
            else:
                mentions = " ".join(f"@{NAMES[i]}" for i in post.mentions)
                body: dict[str, Any] = {
                    "status": f"{mentions} 第{n}条 {post.key} via {'AB'[n % 2]}".strip(),
                    "visibility": post.visibility,
                }
                if post.reply_to is not None:
                    body["in_reply_to_id"] = made[post.reply_to].id
                answer = await http.post(
                    f"{base}/api/v1/statuses", headers=author.headers, json=body
                )
            assert answer.status_code == 200, f"{post.key}: {answer.text}"
            replied = made[post.reply_to].author if post.reply_to is not None else None
            return Sent(
                id=answer.json()["id"],
                author=post.author,
                visibility=answer.json()["visibility"],
                mentions=frozenset(post.mentions),
                reply_to=replied,
                reblog_of=made[post.repost].id if post.repost is not None else None,
            )

        statuses = await asyncio.gather(*(make(n, post) for n, post in enumerate(plan)))
        made.update(zip((post.key for post in plan), statuses, strict=True))
        return list(statuses)

    async def assert_queued(self, statuses: list[Sent]) -> None:
        """Each status's delivery waits in the job queue: no server wrote the feeds."""
        for status in statuses:
            score = await self.queue.zscore(f"{self.prefix}jobs", self.job_id(status))
            assert score is not None, f"no delivery job queued for status {status.id}"

    async def delivered(
        self, statuses: list[Sent], workers: dict[str, subprocess.Popen[bytes]]
    ) -> None:
        """Wait until each status's delivery job has finished (arq keeps its result), then
        check that each ran once and succeeded."""
        keys = [f"arq:result:{self.job_id(status)}" for status in statuses]
        deadline = time.monotonic() + WAIT
        while not all(results := await self.queue.mget(keys)):
            for name, process in workers.items():
                if process.poll() is not None:
                    log = self.deployment.log(name).read_text()
                    pytest.fail(f"{name} exited with {process.returncode}:\n{log}")
            if time.monotonic() > deadline:
                left = sum(result is None for result in results)
                pytest.fail(f"{left} of {len(keys)} delivery jobs unfinished after {WAIT:.0f} s")
            await asyncio.sleep(0.05)
        for status, raw in zip(statuses, results, strict=True):
            result = deserialize_result(raw)
            assert result.function == "deliver_feeds"
            assert result.args[1] == int(status.id)
            assert result.success and result.job_try == 1, (status.id, result)
        assert await self.queue.hgetall(f"{self.prefix}jobs:failed") == {}

    async def assert_homes(
        self, http: httpx.AsyncClient, sent: list[Sent], stage: str, queued: Sequence[Sent] = ()
    ) -> None:
        """Every home timeline, read through both servers (in pages of 10), is what `sent`
        gives it, and what of `queued` (delivery jobs not run yet) its owner posted: an
        author's own feed is written at once."""

        async def check(member: Member) -> None:
            mine = [status for status in queued if status.author == member.index]
            a, b = await asyncio.gather(
                *(
                    _everything(http, f"{base}/api/v1/timelines/home?limit=10", member.token)
                    for base in self.bases
                )
            )
            through_a, through_b = [_seen(s) for s in a], [_seen(s) for s in b]
            assert through_a == through_b, f"{stage}: @{member.name}'s home differs on A and B"
            ids = [entry[0] for entry in through_a]
            assert len(ids) == len(set(ids)), f"{stage}: @{member.name}'s home repeats: {ids}"
            assert ids == sorted(ids, key=int, reverse=True), f"{stage}: out of order: {ids}"
            by_id = {status.id: status for status in [*sent, *mine]}
            leaked = [i for i in ids if i not in by_id or not _may_see(member.index, by_id[i])]
            assert not leaked, f"{stage}: @{member.name}'s home shows what it may not: {leaked}"
            expected = _expected_home(member.index, [*sent, *mine])
            assert ids == expected, (
                f"{stage}: @{member.name}'s home: missing {set(expected) - set(ids)}, "
                f"unexpected {set(ids) - set(expected)}"
            )

        await asyncio.gather(*(check(member) for member in self.members))


async def _members(http: httpx.AsyncClient, bases: list[str]) -> list[Member]:
    """Sign up through the two servers in turn, lock one account, then follow through the
    server the follower did not sign up through; the locked account approves all but one."""
    members = []
    for index, name in enumerate(NAMES):
        account_id, token = await _register(http, bases[index % 2], name)
        members.append(Member(index, account_id, token))
    locked = members[LOCKED]
    answer = await http.patch(
        f"{bases[0]}/api/v1/accounts/update_credentials",
        headers=locked.headers,
        json={"locked": True},
    )
    assert answer.status_code == 200 and answer.json()["locked"] is True, answer.text

    async def ask(follower: int, target: int) -> None:
        answer = await http.post(
            f"{bases[(follower + 1) % 2]}/api/v1/accounts/{members[target].id}/follow",
            headers=members[follower].headers,
        )
        assert answer.status_code == 200, answer.text
        state = "requested" if target == LOCKED else "following"
        assert answer.json()[state] is True, answer.text

    for follower, target in sorted(ASKED):  # one at a time: this test races posts, not follows
        await ask(follower, target)
    for follower, target in sorted(FOLLOWS):
        if target == LOCKED:
            answer = await http.post(
                f"{bases[follower % 2]}/api/v1/follow_requests/{members[follower].id}/authorize",
                headers=locked.headers,
            )
            assert answer.status_code == 200 and answer.json()["followed_by"], answer.text
    return members


async def test_two_servers_and_two_workers_agree_on_every_home_timeline(
    deployment: Deployment,
) -> None:
    # Every delivery is a job (more than 0 feeds), written 2 feeds per Redis round trip.
    deployment.settings.update(MYNA_FANOUT_INLINE_LIMIT="0", MYNA_FANOUT_BATCH_SIZE="2")
    bases = [deployment.serve(_free_port(), name)[0] for name in ("server-a", "server-b")]
    queue = redis.from_url(REDIS_URL or "")
    try:
        async with httpx.AsyncClient(timeout=WAIT) as http:
            cluster = Cluster(deployment, bases, await _members(http, bases), queue)
            sent: list[Sent] = []
            made: dict[str, Sent] = {}
            # The first read builds each feed (empty) from the database; from then on only
            # deliveries change it.
            await cluster.assert_homes(http, sent, "before any post")

            # No worker yet: the posts wait in the queue, and only their authors see them.
            first = await cluster.post_round(http, ROUND_1, made)
            await cluster.assert_queued(first)
            await cluster.assert_homes(http, sent, "round 1 queued", first)
            worker_1 = await cluster.start_worker("worker-1")
            await cluster.delivered(first, {"worker-1": worker_1})
            sent += first
            await cluster.assert_homes(http, sent, "round 1 delivered by worker 1")

            # Worker 1 gone (killed while idle: round 1's jobs have all finished), so what
            # round 2 needs, worker 2 alone does.
            worker_1.send_signal(signal.SIGKILL)
            worker_1.wait(timeout=WAIT)
            second = await cluster.post_round(http, ROUND_2, made)
            await cluster.assert_queued(second)
            await cluster.assert_homes(http, sent, "round 2 queued", second)
            worker_2 = await cluster.start_worker("worker-2")
            await cluster.delivered(second, {"worker-2": worker_2})
            sent += second
            await cluster.assert_homes(http, sent, "round 2 delivered by worker 2")

            # Both workers take jobs while statuses arrive through both servers at once.
            workers = {"worker-1": await cluster.start_worker("worker-1"), "worker-2": worker_2}
            third = await cluster.post_round(http, ROUND_3, made)
            await cluster.delivered(third, workers)
            sent += third
            await cluster.assert_homes(http, sent, "round 3 delivered by both workers")
            assert all(process.poll() is None for process in workers.values())
    finally:
        await queue.aclose()


async def test_a_worker_stops_when_asked(deployment: Deployment) -> None:
    """SIGTERM, what systemd, Docker and Kubernetes send, stops a running worker."""
    queue = redis.from_url(REDIS_URL or "")
    try:
        worker = await _start_worker(deployment, queue, "worker")
        worker.terminate()
        try:
            assert worker.wait(timeout=STOP) == 0  # TimeoutExpired: it still runs
        finally:
            if worker.poll() is None:
                worker.kill()
    finally:
        await queue.aclose()
