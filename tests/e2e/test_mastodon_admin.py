"""Moderation through Mastodon.py, as an existing moderation tool would drive it against a real
`myna serve`: a user reports a post, a moderator (made with `myna admin create-user
--moderator`) finds the report, takes it, limits the author with it, and lifts the limit; a
plain user's token is refused the admin API."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError

from tests.e2e.conftest import running_server
from tests.e2e.test_browser_moderation import myna_cli

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mastodon-admin")


@pytest.fixture(scope="module")
def admin_server(workdir: Path) -> Iterator[str]:
    with running_server(workdir) as base:
        yield base


def log_in(base: str, credentials: tuple[str, str], username: str) -> Mastodon:
    client_id, client_secret = credentials
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    token = api.log_in(username, PASSWORD, scopes=SCOPES, allow_http=True)
    return Mastodon(access_token=token, api_base_url=base)


def test_a_moderation_round_with_mastodon_py(admin_server: str, workdir: Path) -> None:
    base = admin_server
    credentials = Mastodon.create_app("mod tool", api_base_url=base, scopes=SCOPES)
    for name, extra in (("mod", ["--moderator"]), ("alice", []), ("loud", [])):
        myna_cli(
            workdir,
            "admin",
            "create-user",
            name,
            "--email",
            f"{name}@example.test",
            "--password",
            PASSWORD,
            *extra,
        )
    mod, alice, loud = (log_in(base, credentials, n) for n in ("mod", "alice", "loud"))
    post = loud.status_post("buy followers, cheap #spam")
    loud_id = loud.me()["id"]

    report = alice.report(loud_id, status_ids=[post["id"]], comment="spam", category="spam")
    assert report["category"] == "spam" and str(report["status_ids"][0]) == str(post["id"])

    [seen] = mod.admin_reports()
    assert seen["id"] == report["id"] and seen["target_account"]["username"] == "loud"
    assert mod.admin_report_assign(seen["id"])["assigned_account"]["username"] == "mod"
    mod.admin_account_moderate(loud_id, action="silence", report_id=seen["id"], text="spam")
    assert mod.admin_report(seen["id"])["action_taken"] is True
    assert mod.admin_account(loud_id)["silenced"] is True
    assert str(post["id"]) not in [str(s["id"]) for s in alice.timeline_public()]
    [limited] = mod.admin_accounts_v2(status="silenced")
    assert limited["username"] == "loud"
    assert mod.admin_account_unsilence(loud_id)["silenced"] is False
    assert str(post["id"]) in [str(s["id"]) for s in alice.timeline_public()]

    with pytest.raises(MastodonAPIError) as refused:
        alice.admin_reports()
    assert refused.value.args[1] == 403
