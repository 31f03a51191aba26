"""Group changes that race each other (two servers, two requests at once) end in a state the
rules allow: membership and roles are changed one transaction at a time per group."""

import asyncio

import httpx
from sqlalchemy import func, select

from myna.container import Container
from myna.lib.errors import MynaError
from myna.models import GroupBan, GroupMember, GroupRole
from tests.api.test_group_posts import join, make_group
from tests.conftest import MakeUser


async def settle(*calls: object) -> None:
    """Run the calls at once; the rules may refuse some of them."""
    results = await asyncio.gather(*calls, return_exceptions=True)  # type: ignore[arg-type]
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, MynaError):
            raise result


async def test_a_ban_racing_a_join_never_leaves_a_banned_member(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    owner = await make_user("owner")
    group_id = int(await make_group(client, owner, "public", "racers"))
    actions = container.group_actions
    for i in range(8):
        joiner = await make_user(f"joiner{i}")
        await settle(
            actions.do_join(joiner.id, group_id), actions.do_ban(owner.id, group_id, joiner.id)
        )
        async with container.db.session() as session:
            member = await session.get(GroupMember, (group_id, joiner.id))
            banned = await session.get(GroupBan, (group_id, joiner.id))
        assert banned is not None
        assert member is None


async def test_two_transfers_at_once_leave_one_owner(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    owner = await make_user("owner")
    group_id_text = await make_group(client, owner, "public", "heirs")
    group_id = int(group_id_text)
    a, b = await make_user("heir_a"), await make_user("heir_b")
    await join(client, a, group_id_text)
    await join(client, b, group_id_text)
    actions = container.group_actions
    await settle(
        actions.do_transfer(owner.id, group_id, a.id),
        actions.do_transfer(owner.id, group_id, b.id),
    )
    async with container.db.session() as session:
        owners = await session.scalar(
            select(func.count()).where(
                GroupMember.group_id == group_id, GroupMember.role == GroupRole.OWNER.value
            )
        )
    assert owners == 1
