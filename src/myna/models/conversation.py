"""Direct messages grouped into conversations: one per set of participants (chat-style), and
one member row per participant for what is theirs alone (unread, hidden, where it sorts)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # SHA-256 of the sorted participant ids: the same people always share one conversation.
    participants_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class ConversationMember(Base):
    __tablename__ = "conversation_members"
    __table_args__ = (
        Index("ix_conversation_members_account_id_last_status_id", "account_id", "last_status_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    # The newest message; what the member's list is sorted and paged by.
    last_status_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuses.id", ondelete="SET NULL"), index=True, default=None
    )
    unread: Mapped[bool] = mapped_column(default=False)
    # Deleted from this member's list; the next message brings it back.
    hidden: Mapped[bool] = mapped_column(default=False)
