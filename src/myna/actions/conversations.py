"""Direct messages as conversations: bookkeeping when a direct status is posted or deleted,
marking read, hiding, and typing notices."""

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_now, publish_on_commit
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound
from myna.lib.ids import new_id
from myna.models import Status
from myna.policy.audience import conversation_others, direct_participants
from myna.store import conversations as store


def participants_key(account_ids: list[int]) -> str:
    joined = ",".join(str(i) for i in sorted(set(account_ids)))
    return hashlib.sha256(joined.encode()).hexdigest()


async def record_direct(
    session: AsyncSession, status: Status, mentioned_ids: list[int]
) -> list[int]:
    """Inside the posting transaction: file a direct status under the conversation of its
    participants (its author and the mentioned accounts not across a block from the author),
    creating it on the first message. Returns the participants."""
    others = (
        list(await session.scalars(direct_participants(status.account_id, mentioned_ids)))
        if mentioned_ids
        else []
    )
    participants = sorted({status.account_id, *others})
    key = participants_key(participants)
    await store.add_ignore(
        session, {"id": new_id(), "participants_key": key, "created_at": utcnow()}
    )
    conversation = await store.by_key(session, key)
    assert conversation is not None  # inserted above, or by a transaction that committed
    await store.add_members(session, conversation.id, participants)
    await store.record_message(session, conversation.id, status.id, status.account_id)
    status.conversation_id = conversation.id
    await session.flush()
    return participants


async def forget_direct(session: AsyncSession, status: Status) -> None:
    """Inside the deleting transaction, after the status is gone: the previous message
    becomes the last one, and a conversation with no messages left goes away."""
    if status.conversation_id is None:
        return
    newest = await store.newest_status_id(session, status.conversation_id)
    if newest is None:
        await store.delete_one(session, status.conversation_id)
    else:
        await store.set_last_status(session, status.conversation_id, newest)


class ConversationActions:
    def __init__(self, db: Database, broker: Publisher) -> None:
        self.db = db
        self.broker = broker

    async def do_read(self, account_id: int, conversation_id: int) -> None:
        """Mark it read; the other participants (not across a block) hear that the account
        has read it (`conversation.read` on their direct streams: IM clients show it)."""
        async with self.db.transaction() as session:
            if not await store.update_member(session, account_id, conversation_id, unread=False):
                raise NotFound()
            recipients = list(
                await session.scalars(conversation_others(conversation_id, account_id))
            )
            publish_on_commit(
                session,
                self.broker,
                [channels_for.direct(a) for a in recipients],
                Message(
                    event="conversation.read",
                    conversation_id=conversation_id,
                    account_ids=[account_id],
                    extra={
                        "conversation_id": str(conversation_id),
                        "account_id": str(account_id),
                    },
                ),
            )

    async def do_hide(self, account_id: int, conversation_id: int) -> None:
        """Remove the conversation from the account's list only; a new message brings it back."""
        async with self.db.transaction() as session:
            if not await store.update_member(session, account_id, conversation_id, hidden=True):
                raise NotFound()

    async def do_typing(self, account_id: int, conversation_id: int) -> None:
        """Tell the other participants (not those across a block) that the account is typing.
        Not a participant, or no such conversation: NotFound, and nobody hears anything."""
        async with self.db.session() as session:
            member = await store.membership(session, account_id, conversation_id, shown_only=False)
            if member is None:
                raise NotFound()
            recipients = list(
                await session.scalars(conversation_others(conversation_id, account_id))
            )
        message = Message(
            event="typing",
            conversation_id=conversation_id,
            account_ids=[account_id],
            extra={"conversation_id": str(conversation_id), "account_id": str(account_id)},
        )
        await publish_now(self.broker, [channels_for.direct(a) for a in recipients], message)
