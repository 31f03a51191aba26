"""access_* helpers: return what the viewer may act on, or raise NotFound. Missing and
forbidden look the same to the caller, so nothing leaks through an error."""

from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.errors import NotFound
from myna.models import Account, Block, Status
from myna.policy.groups import may_delete_in_group
from myna.policy.moderation import is_shown
from myna.policy.visibility import visible_filter
from myna.store import accounts as account_store
from myna.store import relations as relation_store
from myna.store import statuses as status_store


async def access_status(session: AsyncSession, viewer_id: int | None, status_id: int) -> Status:
    status = await status_store.get_visible(session, status_id, visible_filter(viewer_id))
    if status is None:
        raise NotFound()
    return status


async def access_own_status(session: AsyncSession, viewer_id: int, status_id: int) -> Status:
    status = await status_store.get(session, status_id)
    if status is None or status.account_id != viewer_id:
        raise NotFound()
    return status


async def access_deletable_status(session: AsyncSession, viewer_id: int, status_id: int) -> Status:
    """A status the viewer may delete: their own, or any post in a group they own or
    administer. Anything else is missing to them, as on Mastodon."""
    status = await status_store.get(session, status_id)
    if status is None:
        raise NotFound()
    if status.account_id == viewer_id:
        return status
    if status.group_id is not None and await may_delete_in_group(
        session, viewer_id, status.group_id
    ):
        return status
    raise NotFound()


async def access_account(session: AsyncSession, account_id: int) -> Account:
    """Profiles are public; a missing account is a 404."""
    account = await account_store.get(session, account_id)
    if account is None:
        raise NotFound()
    return account


async def blocked_either_way(session: AsyncSession, a: int, b: int) -> bool:
    return await relation_store.exists(session, Block, a, b) or await relation_store.exists(
        session, Block, b, a
    )


async def access_interactable_account(
    session: AsyncSession, viewer_id: int, account_id: int
) -> Account:
    """An account the viewer may follow or message: not one that blocked them, nor a
    suspended one (nothing of it shows)."""
    account = await access_account(session, account_id)
    if not is_shown(account) or await relation_store.exists(session, Block, account_id, viewer_id):
        raise NotFound()
    return account
