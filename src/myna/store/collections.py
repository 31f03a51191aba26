"""What an account keeps for itself: bookmarks, pins, and its likes read back as a list."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import Account, Bookmark, Favourite, Pin, Status
from myna.store.paging import newest_first, paged
from myna.store.upsert import insert_ignore

Kept = type[Bookmark] | type[Pin]


async def add(
    session: AsyncSession, model: Kept, row_id: int, account_id: int, status_id: int, at: datetime
) -> bool:
    """Keep a status; False when it was kept already (or a racing request kept it first)."""
    row = {"id": row_id, "account_id": account_id, "status_id": status_id, "created_at": at}
    return await insert_ignore(session, model, [row]) > 0


async def remove(session: AsyncSession, model: Kept, account_id: int, status_id: int) -> None:
    await session.execute(
        delete(model).where(model.account_id == account_id, model.status_id == status_id)
    )


async def holds(session: AsyncSession, model: Kept, account_id: int, status_id: int) -> bool:
    stmt = select(model.id).where(model.account_id == account_id, model.status_id == status_id)
    return await session.scalar(stmt) is not None


async def count_pins(session: AsyncSession, account_id: int) -> int:
    stmt = select(func.count()).select_from(Pin).where(Pin.account_id == account_id)
    return await session.scalar(stmt) or 0


async def lock_account(session: AsyncSession, account_id: int) -> None:
    """Serialise an account's pin changes, so two racing pins cannot pass the limit together.
    PostgreSQL takes a row lock; SQLite needs none (write transactions begin IMMEDIATE)."""
    await session.execute(select(Account.id).where(Account.id == account_id).with_for_update())


@dataclass
class Marks:
    """Which of some statuses one account has favourited, reposted, bookmarked and pinned."""

    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)


async def marks_among(session: AsyncSession, account_id: int, status_ids: Iterable[int]) -> Marks:
    """The account's marks on `status_ids`, in one query."""
    marks = Marks()
    ids = set(status_ids)
    if not ids:
        return marks
    by_kind = [marks.favourited, marks.reblogged, marks.bookmarked, marks.pinned]
    kept = [(Favourite.account_id, Favourite.status_id), (Status.account_id, Status.reblog_of_id)]
    kept += [(Bookmark.account_id, Bookmark.status_id), (Pin.account_id, Pin.status_id)]
    parts = [
        select(literal(kind), status).where(owner == account_id, status.in_(ids))
        for kind, (owner, status) in enumerate(kept)
    ]
    for kind, status_id in await session.execute(union_all(*parts)):
        if status_id is not None:  # never: the column is matched by IN; for the type
            by_kind[kind].add(status_id)
    return marks


async def kept_page(
    session: AsyncSession,
    model: Kept | type[Favourite],
    account_id: int,
    page: Page,
    visible: ColumnElement[bool],
) -> list[tuple[int, Status]]:
    """(row id, status) for what `account_id` bookmarked, pinned or liked, newest row first,
    paged by the row's id; only statuses passing `visible`."""
    stmt = paged(
        select(model.id, Status)
        .join(Status, Status.id == model.status_id)
        .where(model.account_id == account_id, visible),
        model.id,
        page,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page)
