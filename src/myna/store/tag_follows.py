"""The hashtags accounts follow. (Who receives a status because of them is
policy/audience.py's `tag_followers`.)"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import Tag, TagFollow
from myna.store.paging import newest_first, paged
from myna.store.upsert import insert_ignore


async def follow(
    session: AsyncSession, follow_id: int, account_id: int, tag_id: int, when: datetime
) -> None:
    """Follow the tag (once: following again changes nothing)."""
    await insert_ignore(
        session,
        TagFollow,
        [{"id": follow_id, "account_id": account_id, "tag_id": tag_id, "created_at": when}],
    )


async def unfollow(session: AsyncSession, account_id: int, tag_id: int) -> bool:
    """True when the account was following the tag."""
    stmt = (
        delete(TagFollow)
        .where(TagFollow.account_id == account_id, TagFollow.tag_id == tag_id)
        .returning(TagFollow.id)
    )
    return (await session.execute(stmt)).first() is not None


async def followed_among(
    session: AsyncSession, account_id: int, tag_ids: Iterable[int]
) -> set[int]:
    """Which of `tag_ids` the account follows, in one query."""
    ids = set(tag_ids)
    if not ids:
        return set()
    stmt = select(TagFollow.tag_id).where(
        TagFollow.account_id == account_id, TagFollow.tag_id.in_(ids)
    )
    return set(await session.scalars(stmt))


async def page_followed(
    session: AsyncSession, account_id: int, page: Page
) -> list[tuple[int, Tag]]:
    """(follow id, tag) for the tags the account follows, the most recently followed first;
    pages by the follow's id."""
    stmt = paged(
        select(TagFollow.id, Tag)
        .join(Tag, Tag.id == TagFollow.tag_id)
        .where(TagFollow.account_id == account_id),
        TagFollow.id,
        page,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page)
