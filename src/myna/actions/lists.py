"""Lists: creating, renaming and deleting them, adding and removing members (accounts the
owner follows), and keeping each list's feed in step. What a list's feed receives is in
policy/lists.py."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.timelines import TimelineBackend
from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import AccountList
from myna.policy.lists import RepliesPolicy, access_own_list, into_list_feed
from myna.store import accounts as account_store
from myna.store import lists as store

TITLE_MAX = 100
LISTS_MAX = 500  # per account
ACCOUNTS_PER_REQUEST = 100


@dataclass(frozen=True)
class ListChange:
    """None leaves a field as it is."""

    title: str | None = None
    replies_policy: str | None = None
    exclusive: bool | None = None


def check_title(value: str) -> str:
    """1 to 100 characters in any script, surrounding spaces trimmed."""
    title = value.strip()
    if not title:
        raise ValidationFailed("Validation failed: Title can't be blank")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"Validation failed: Title is too long (at most {TITLE_MAX})")
    if any(ord(c) < 32 or ord(c) == 127 for c in title):
        raise ValidationFailed("Validation failed: Title must not contain control characters")
    return title


def check_replies_policy(value: str) -> RepliesPolicy:
    try:
        return RepliesPolicy(value)
    except ValueError:
        allowed = ", ".join(p.value for p in RepliesPolicy)
        raise ValidationFailed(
            f"Validation failed: replies_policy must be one of {allowed}"
        ) from None


def check_account_ids(account_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        raise ValidationFailed("Validation failed: account_ids can't be blank")
    if len(ids) > ACCOUNTS_PER_REQUEST:
        raise ValidationFailed(
            f"Validation failed: at most {ACCOUNTS_PER_REQUEST} account_ids at a time"
        )
    return ids


class ListActions:
    def __init__(self, db: Database, timelines: TimelineBackend) -> None:
        self.db = db
        self.timelines = timelines

    async def do_create(self, owner_id: int, change: ListChange) -> AccountList:
        title = check_title(change.title or "")
        policy = check_replies_policy(change.replies_policy or RepliesPolicy.LIST)
        async with self.db.transaction() as session:
            if await store.count_of_owner(session, owner_id) >= LISTS_MAX:
                raise ValidationFailed(f"Validation failed: at most {LISTS_MAX} lists")
            row = AccountList(
                id=new_id(),
                account_id=owner_id,
                title=title,
                replies_policy=policy.value,
                exclusive=bool(change.exclusive),
                created_at=utcnow(),
            )
            await store.add(session, row)
            return row

    async def do_update(self, owner_id: int, list_id: int, change: ListChange) -> AccountList:
        title = check_title(change.title) if change.title is not None else None
        policy = (
            check_replies_policy(change.replies_policy)
            if change.replies_policy is not None
            else None
        )
        async with self.db.transaction() as session:
            found = await access_own_list(session, owner_id, list_id)
            if title is not None:
                found.title = title
            if policy is not None:
                # Applies to what arrives from now on; the feed keeps what it holds.
                found.replies_policy = policy.value
            if change.exclusive is not None:
                found.exclusive = change.exclusive
            await session.flush()
            return found

    async def do_delete(self, owner_id: int, list_id: int) -> None:
        """Statuses addressed to the list stay, seen by their author only from now on."""
        async with self.db.transaction() as session:
            await access_own_list(session, owner_id, list_id)
            await store.delete_one(session, list_id)

    async def do_add_accounts(self, owner_id: int, list_id: int, account_ids: list[int]) -> None:
        """Only accounts the owner follows (as on Mastodon); all or nothing."""
        ids = check_account_ids(account_ids)
        async with self.db.transaction() as session:
            found = await access_own_list(session, owner_id, list_id)
            existing = await account_store.get_many(session, ids)
            if len(existing) != len(ids):
                raise NotFound()
            followed = await store.followed_among(session, owner_id, ids)
            if set(ids) - followed:
                raise ValidationFailed(
                    "Validation failed: You can only add accounts you follow to a list"
                )
            added = await store.add_members(session, found.id, ids)
            if added:
                await self.timelines.add_to_list(session, found.id, into_list_feed(found, added))

    async def do_remove_accounts(self, owner_id: int, list_id: int, account_ids: list[int]) -> None:
        ids = check_account_ids(account_ids)
        async with self.db.transaction() as session:
            found = await access_own_list(session, owner_id, list_id)
            await store.remove_members(session, found.id, ids)
            await self.timelines.remove_from_list(session, found.id, ids)


async def forget_unfollowed(
    session: AsyncSession, timelines: TimelineBackend, owner_id: int, account_id: int
) -> None:
    """After the owner stopped following the account (an unfollow, a block, a removal): it
    leaves the owner's lists and their feeds, as on Mastodon (lists hold followed accounts)."""
    for held in await store.lists_of_owner_holding(session, owner_id, account_id):
        await store.remove_members(session, held, [account_id])
        await timelines.remove_from_list(session, held, [account_id])
