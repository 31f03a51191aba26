"""Conversations and their members: the SQL behind direct-message threads."""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import Conversation, ConversationMember, Status
from myna.store.paging import newest_first, paged
from myna.store.upsert import insert_ignore


async def by_key(session: AsyncSession, participants_key: str) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.participants_key == participants_key)
    return await session.scalar(stmt)


async def add_ignore(session: AsyncSession, conversation: dict[str, object]) -> None:
    """Create the conversation unless one with its participants_key exists (a concurrent
    first message of the same people meets the unique key, not an error)."""
    await insert_ignore(session, Conversation, [conversation])


async def add_members(session: AsyncSession, conversation_id: int, account_ids: list[int]) -> None:
    await insert_ignore(
        session,
        ConversationMember,
        [
            {
                "conversation_id": conversation_id,
                "account_id": account_id,
                "last_status_id": None,
                "unread": False,
                "hidden": False,
            }
            for account_id in account_ids
        ],
    )


async def record_message(
    session: AsyncSession, conversation_id: int, status_id: int, author_id: int
) -> None:
    """A new message: it becomes everyone's last status (unless a newer one committed first),
    unread for all but its author, and the conversation shows again for whoever hid it."""
    member = ConversationMember
    await session.execute(
        update(member)
        .where(member.conversation_id == conversation_id)
        .values(
            last_status_id=case(
                (
                    or_(member.last_status_id.is_(None), member.last_status_id < status_id),
                    status_id,
                ),
                else_=member.last_status_id,
            ),
            unread=member.account_id != author_id,
            hidden=False,
        )
    )


async def newest_status_id(session: AsyncSession, conversation_id: int) -> int | None:
    stmt = select(func.max(Status.id)).where(Status.conversation_id == conversation_id)
    return await session.scalar(stmt)


async def set_last_status(session: AsyncSession, conversation_id: int, status_id: int) -> None:
    """After a deletion: point members past the deleted message back at `status_id`."""
    member = ConversationMember
    await session.execute(
        update(member)
        .where(
            member.conversation_id == conversation_id,
            or_(member.last_status_id.is_(None), member.last_status_id > status_id),
        )
        .values(last_status_id=status_id)
    )


async def delete_one(session: AsyncSession, conversation_id: int) -> None:
    await session.execute(delete(Conversation).where(Conversation.id == conversation_id))


async def shown_with_exactly(
    session: AsyncSession, viewer_id: int, participants: set[int]
) -> int | None:
    """A conversation the viewer has not hidden whose participants are exactly these."""
    member = ConversationMember
    mine = select(member.conversation_id).where(
        member.account_id == viewer_id, member.hidden.is_(False)
    )
    stmt = (
        select(member.conversation_id)
        .where(member.conversation_id.in_(mine))
        .group_by(member.conversation_id)
        .having(
            func.count() == len(participants),
            func.sum(case((member.account_id.in_(participants), 1), else_=0)) == len(participants),
        )
        .limit(1)
    )
    found: int | None = await session.scalar(stmt)
    return found


async def membership(
    session: AsyncSession, account_id: int, conversation_id: int, *, shown_only: bool
) -> ConversationMember | None:
    stmt = select(ConversationMember).where(
        ConversationMember.conversation_id == conversation_id,
        ConversationMember.account_id == account_id,
    )
    if shown_only:
        stmt = stmt.where(ConversationMember.hidden.is_(False))
    return await session.scalar(stmt)


async def update_member(
    session: AsyncSession, account_id: int, conversation_id: int, **values: bool
) -> bool:
    """Change the account's own row of a conversation it has not hidden; False if none."""
    stmt = (
        update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.account_id == account_id,
            ConversationMember.hidden.is_(False),
        )
        .values(**values)
        .returning(ConversationMember.conversation_id)
    )
    return (await session.execute(stmt)).first() is not None


async def member_page(
    session: AsyncSession, account_id: int, page: Page
) -> list[ConversationMember]:
    """The account's shown conversations, newest message first, paged by last_status_id."""
    stmt = select(ConversationMember).where(
        ConversationMember.account_id == account_id,
        ConversationMember.hidden.is_(False),
        ConversationMember.last_status_id.is_not(None),
    )
    rows = list(await session.scalars(paged(stmt, ConversationMember.last_status_id, page)))  # type: ignore[arg-type]
    return newest_first(rows, page)


async def newest_visible(
    session: AsyncSession, conversation_ids: Iterable[int], visible: ColumnElement[bool]
) -> dict[int, int]:
    """Per conversation, the newest message that passes `visible`."""
    ids = set(conversation_ids)
    if not ids:
        return {}
    stmt = (
        select(Status.conversation_id, func.max(Status.id))
        .where(Status.conversation_id.in_(ids), visible)
        .group_by(Status.conversation_id)
    )
    return {cid: sid for cid, sid in await session.execute(stmt) if cid is not None}


async def others_of(
    session: AsyncSession,
    conversation_ids: Iterable[int],
    account_id: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[int, list[int]]:
    """Per conversation, its members other than `account_id`, in a stable order."""
    ids = set(conversation_ids)
    out: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return out
    stmt = (
        select(ConversationMember.conversation_id, ConversationMember.account_id)
        .where(
            ConversationMember.conversation_id.in_(ids),
            ConversationMember.account_id != account_id,
            *where,
        )
        .order_by(ConversationMember.account_id)
    )
    for cid, member_id in await session.execute(stmt):
        out[cid].append(member_id)
    return out
