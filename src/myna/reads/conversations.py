"""Conversations as one member sees them: only their own, each with its newest message that
they may see (a message hidden from them by a later block is skipped, and a conversation with
none left is not shown), and the other participants not across a block."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.presence import Presence
from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import Account, ConversationMember, Status
from myna.policy.audience import conversation_partners
from myna.policy.visibility import not_blocked, visible_filter
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import accounts as account_store
from myna.store import conversations as store
from myna.store import statuses as status_store


@dataclass
class ConversationView:
    id: int
    unread: bool
    account_ids: list[int]
    last_status_id: int


@dataclass
class ConversationPage:
    conversations: list[ConversationView]
    # What the page is paged by (each member row's last_status_id), for the Link header.
    cursor_ids: list[int] = field(default_factory=list)
    accounts: dict[int, Account] = field(default_factory=dict)
    statuses: StatusBundle | None = None


@dataclass
class ConversationMessages:
    """One conversation as a chat: who else is in it, and a page of its messages the viewer
    may see (newest first, like every page)."""

    conversation: ConversationView
    accounts: dict[int, Account]
    messages: StatusBundle


class ConversationReads:
    def __init__(self, db: Database, presence: Presence) -> None:
        self.db = db
        self.presence = presence

    async def page(self, viewer_id: int, page: Page) -> ConversationPage:
        async with self.db.session() as session:
            rows = await store.member_page(session, viewer_id, page)
            out = await _assemble(session, viewer_id, rows)
        out.cursor_ids = [row.last_status_id for row in rows if row.last_status_id is not None]
        return out

    async def one(
        self, viewer_id: int, conversation_id: int, last_status_id: int | None = None
    ) -> ConversationPage:
        """One conversation of the viewer's list; NotFound for anyone else's, a hidden one,
        or one with no message the viewer may see. `last_status_id`: show that message as
        the last (a streaming event shows the message that caused it, not a newer one that
        committed before the event was delivered), if the viewer may see it."""
        async with self.db.session() as session:
            row = await store.membership(session, viewer_id, conversation_id, shown_only=True)
            if row is None:
                raise NotFound()
            out = await _assemble(session, viewer_id, [row], last_status_id)
        if not out.conversations:
            raise NotFound()
        return out

    async def messages(
        self, viewer_id: int, conversation_id: int, page: Page
    ) -> ConversationMessages:
        """A page of the conversation's messages that the viewer may see, with the other
        participants. NotFound as `one` (someone else's, hidden, or nothing left to see)."""
        async with self.db.session() as session:
            row = await store.membership(session, viewer_id, conversation_id, shown_only=True)
            if row is None:
                raise NotFound()
            head = await _assemble(session, viewer_id, [row])
            if not head.conversations:
                raise NotFound()
            where = [Status.conversation_id == conversation_id, visible_filter(viewer_id)]
            statuses = await status_store.page(session, where, page)
            bundle = await load_statuses(session, viewer_id, statuses)
        return ConversationMessages(
            conversation=head.conversations[0], accounts=head.accounts, messages=bundle
        )

    async def between(self, viewer_id: int, others: list[int]) -> int | None:
        """The viewer's shown conversation with exactly these other participants, if any."""
        async with self.db.session() as session:
            found = await store.shown_with_exactly(session, viewer_id, {viewer_id, *others})
            if found is None:
                return None
            head = await store.membership(session, viewer_id, found, shown_only=True)
            if head is None or head.last_status_id is None:
                return None
        return found

    async def partners_online(self, viewer_id: int) -> list[int]:
        """Which of the viewer's conversation partners are connected to streaming now."""
        async with self.db.session() as session:
            partners = list(await session.scalars(conversation_partners(viewer_id)))
        online = await self.presence.online_among(partners)
        return sorted(online)


async def _assemble(
    session: AsyncSession,
    viewer_id: int,
    rows: list[ConversationMember],
    last_status_id: int | None = None,
) -> ConversationPage:
    visible = visible_filter(viewer_id)
    stored = {row.conversation_id: last_status_id or row.last_status_id for row in rows}
    found = await status_store.get_many(
        session, (sid for sid in stored.values() if sid is not None), visible
    )
    last = {
        cid: sid
        for cid, sid in stored.items()
        if sid in found and found[sid].conversation_id == cid
    }
    missing = [cid for cid in stored if cid not in last]
    if missing:
        fallback = await store.newest_visible(session, missing, visible)
        found.update(await status_store.get_many(session, fallback.values(), visible))
        last.update({cid: sid for cid, sid in fallback.items() if sid in found})
    others = await store.others_of(
        session, last, viewer_id, [not_blocked(viewer_id, ConversationMember.account_id)]
    )
    shown = [row for row in rows if row.conversation_id in last]
    bundle = await load_statuses(
        session, viewer_id, [found[last[row.conversation_id]] for row in shown]
    )
    accounts = await account_store.get_many(
        session, {a for members in others.values() for a in members}
    )
    return ConversationPage(
        conversations=[
            ConversationView(
                id=row.conversation_id,
                unread=row.unread,
                account_ids=[a for a in others.get(row.conversation_id, []) if a in accounts],
                last_status_id=last[row.conversation_id],
            )
            for row in shown
        ],
        accounts=accounts,
        statuses=bundle,
    )
