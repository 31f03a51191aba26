"""Rate limits hold across server processes (issue 8, acceptance 2): two `myna serve` processes
share one Redis, so a token's calls through either count against one limit, and so do an
address's anonymous calls. Runs when both MYNA_TEST_DATABASE_URL (PostgreSQL) and
MYNA_TEST_REDIS_URL are set."""

import httpx
import pytest

from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.e2e.conftest import Deployment, _free_port
from tests.e2e.test_multiprocess import _register

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL),
        reason="needs MYNA_TEST_DATABASE_URL (PostgreSQL) and MYNA_TEST_REDIS_URL",
    ),
]

TOKEN_LIMIT = 6


async def test_two_servers_count_against_one_shared_limit(deployment: Deployment) -> None:
    deployment.settings.update(
        MYNA_RATE_LIMITS_ENABLED="true",
        MYNA_RATE_LIMIT_TOKEN=f"{TOKEN_LIMIT}/1 hour",
        MYNA_RATE_LIMIT_APP="",
        MYNA_RATE_LIMIT_IP="1000/1 hour",
    )
    a, _ = deployment.serve(_free_port(), "server-a")
    b, _ = deployment.serve(_free_port(), "server-b")
    async with httpx.AsyncClient(timeout=10.0) as http:
        _id, token = await _register(http, a, "alice")  # its verify_credentials counts: one
        headers = {"Authorization": f"Bearer {token}"}
        seen = []
        for call in range(TOKEN_LIMIT - 1):
            r = await http.get(f"{(a, b)[call % 2]}/api/v1/timelines/home", headers=headers)
            assert r.status_code == 200, r.text
            assert r.headers["X-RateLimit-Limit"] == str(TOKEN_LIMIT)
            seen.append(int(r.headers["X-RateLimit-Remaining"]))
        # Each call, through whichever server, took one from the same count.
        assert seen == [4, 3, 2, 1, 0]
        for base in (b, a):
            refused = await http.get(f"{base}/api/v1/timelines/home", headers=headers)
            assert refused.status_code == 429, refused.text
            assert refused.json() == {"error": "Too many requests"}
            assert int(refused.headers["Retry-After"]) > 0
            assert refused.headers["X-RateLimit-Remaining"] == "0"

        # Anonymous calls from one address: one count too, whichever server answers.
        first = await http.get(f"{a}/api/v1/timelines/public")
        second = await http.get(f"{b}/api/v1/timelines/public")
        third = await http.get(f"{a}/api/v1/timelines/public")
        left = [int(r.headers["X-RateLimit-Remaining"]) for r in (first, second, third)]
        assert left == [left[0], left[0] - 1, left[0] - 2]
