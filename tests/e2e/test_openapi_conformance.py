"""schemathesis against a real `myna serve`: every operation of /openapi.json, called with
generated parameters and bodies, with a user's token and anonymously, must never answer 5xx
and must answer as documented (status code, content type, body schema).

Bounded and deterministic: a few derandomized examples per operation, valid and invalid.
- The server-sent-event streams (/api/v1/streaming/{stream}) never finish their answer: they
  are called with the same generated cases, and a refusal (4xx) is validated in full, while an
  accepted stream is checked for a documented status and content type and then closed
  (tests/e2e/test_streaming.py checks what flows through them).
- Nothing destructive has to be left out: generated ids point at nothing, and the only calls
  that could end the run (revoking the test's token) need the token's own value, which is
  never generated.
"""

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.e2e

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SCOPES = "read write follow push"
EXAMPLES_PER_OPERATION = 6
STREAMS = r"^/api/v1/streaming/(?!health$)"


@pytest.fixture(scope="module")
def user_token(server: str) -> str:
    """A user registered through the API, as a third-party client would: app, app token,
    account."""
    with httpx.Client(base_url=server, timeout=10) as http:
        app = http.post(
            "/api/v1/apps",
            data={
                "client_name": "schemathesis",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": SCOPES,
            },
        ).json()
        app_token = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "scope": SCOPES,
            },
        ).json()["access_token"]
        r = http.post(
            "/api/v1/accounts",
            data={
                "username": "conformance",
                "email": "conformance@example.test",
                "password": "correct horse battery staple",
                "agreement": "true",
            },
            headers={"Authorization": f"Bearer {app_token}"},
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        # Something to find: a status, so that reads of real ids answer entities too.
        http.post(
            "/api/v1/statuses",
            data={"status": "你好 #conformance"},
            headers={"Authorization": f"Bearer {token}"},
        )
        return token


def test_every_operation_answers_as_documented(server: str, user_token: str) -> None:
    api = schemathesis.openapi.from_url(f"{server}/openapi.json").exclude(path_regex=STREAMS)
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        # Valid data, and data that breaks the schema (which must get a documented 4xx).
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(
                base_url=server,
                headers={"Authorization": f"Bearer {user_token}"},
                checks=CHECKS,
                timeout=10,
            )
            case.call_and_validate(base_url=server, checks=CHECKS, timeout=10)

        try:
            run()
        # Every operation's failures are reported, not just the first one's.
        except FailureGroup as group:
            failures.append(f"{operation.label}: {group}")
        except Exception as exc:
            failures.append(f"{operation.label}: {exc!r}")
    assert operations > 120
    assert not failures, "\n\n".join(failures)


def test_every_stream_answers_as_documented(server: str, user_token: str) -> None:
    api = schemathesis.openapi.from_url(f"{server}/openapi.json").include(path_regex=STREAMS)
    failures: list[str] = []
    accepted: list[str] = []  # streams that were opened (and closed): the 200 path ran
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @given(case=strategy)
        @settings(
            max_examples=3,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for headers in ({"Authorization": f"Bearer {user_token}"}, {}):
                url = server + case.formatted_path
                with httpx.stream(
                    case.method, url, params=case.query, headers=headers, timeout=10
                ) as response:
                    if response.status_code != 200:
                        response.read()
                        case.validate_response(response, checks=CHECKS)
                        continue
                    assert "200" in {
                        str(code) for code in case.operation.definition.raw["responses"]
                    }
                    assert response.headers["content-type"].startswith("text/event-stream")
                    accepted.append(case.formatted_path)

        try:
            run()
        except FailureGroup as group:
            failures.append(f"{operation.label}: {group}")
        except Exception as exc:
            failures.append(f"{operation.label}: {exc!r}")
    assert operations >= 10 and accepted
    assert not failures, "\n\n".join(failures)
