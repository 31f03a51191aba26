"""The sign-up form follows the server's sign-up mode, and sign-in refuses accounts that
moderation or approval keeps out, saying why, in the reader's language."""

import httpx
import pytest

from myna.container import Container
from myna.lib.paging import Page
from myna.policy import spam
from myna.store.moderation import AccountQuery
from tests.conftest import MakeUser
from tests.web.forms import PASSWORD, sign_up, submit

pytestmark = pytest.mark.asyncio


async def set_mode(container: Container, admin_id: int, mode: str) -> None:
    await container.server_actions.do_change_rules(admin_id, {"registrations": mode})


async def test_approval_mode_on_the_web(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    admin = await make_user("boss", role="admin")
    await set_mode(container, admin.id, spam.SignUpMode.APPROVAL)
    page = (await client.get("/auth/sign_up")).text
    assert "A moderator approves each new account" in page and 'name="reason"' in page
    r = await sign_up(client, "hopeful", reason="I watch birds")
    assert r.status_code == 202
    assert "A moderator will look at your sign-up" in r.text
    assert "myna_session" not in r.headers.get("set-cookie", "")
    r = await submit(client, "/auth/sign_in", {"login": "hopeful", "password": PASSWORD})
    assert r.status_code == 403 and "pending approval" in r.text
    [pending] = await container.moderation_reads.accounts(
        await container.account_reads.one(admin.id), AccountQuery(status="pending"), Page()
    )
    assert pending.sign_up_reason == "I watch birds"
    await container.moderation_actions.do_approve(admin.id, pending.id)
    r = await submit(client, "/auth/sign_in", {"login": "hopeful", "password": PASSWORD})
    assert r.status_code == 303


async def test_invite_mode_and_invite_links(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    admin = await make_user("boss", role="admin")
    await set_mode(container, admin.id, spam.SignUpMode.INVITE)
    r = await sign_up(client, "nocode")
    assert r.status_code == 422 and "invite code" in r.text
    invite = await container.server_actions.do_create_invite(
        admin.id, max_uses=1, expires_in_days=None
    )
    page = (await client.get(f"/invite/{invite.code}")).text
    assert f'value="{invite.code}"' in page
    r = await sign_up(client, "friend", invite_code=invite.code)
    assert r.status_code == 303
    client.cookies.clear()
    r = await sign_up(client, "another", invite_code=invite.code)
    assert r.status_code == 422 and "used up" in r.text


async def test_closed_mode_and_chinese_refusals(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    admin = await make_user("boss", role="admin")
    mod = await make_user("mod", role="moderator")
    await make_user("troll")
    troll = await container.account_reads.lookup("troll")
    await container.moderation_actions.do_account_action(mod.id, troll.id, "suspend")
    client.cookies.set("myna_lang", "zh_CN")
    r = await submit(client, "/auth/sign_in", {"login": "troll", "password": PASSWORD})
    assert r.status_code == 403 and "你的账号已被封禁" in r.text
    await set_mode(container, admin.id, spam.SignUpMode.CLOSED)
    page = (await client.get("/auth/sign_up")).text
    assert 'action="/auth/sign_up"' not in page
    r = await sign_up(client, "late")
    assert r.status_code == 403
