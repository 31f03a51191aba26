"""Deleting an account so that nothing of the person stays: every row of theirs and every file
they stored (docs/moderation.md, "Deleting an account").

Who deletes: the person themselves (with their password), a moderator (a suspended account,
as Mastodon's DELETE /api/v1/admin/accounts/:id), and housekeeping, for accounts suspended
longer than the 30-day grace.

How: one transaction. The database's cascades delete the rows that hang off the account
(statuses and what hangs off them, relations, notifications, tokens, lists, memberships, ...);
before that, this module fixes what cascades cannot: the follower counts of the accounts on
the other side, the statuses count of those whose reposts of its posts go with them, the counts
of its groups, and the ownership of groups it owned (the longest-standing admin or member takes
over; a group with nobody else in it goes). The audit log keeps its entries but forgets the
name. After the commit its files are deleted from storage, and its open streams close.
"""

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.moderation import SUSPENSION_GRACE, account_target, audit, staff_and_target
from myna.backends.archive_files import ArchiveFiles
from myna.backends.storage import Storage, delete_quietly
from myna.db.database import Database
from myna.events.publish import Publisher, announce_revoked
from myna.lib import passwords
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.models import AuditAction, GroupRole
from myna.store import accounts as account_store
from myna.store import deletion as store
from myna.store import groups as group_store
from myna.store import moderation as moderation_store
from myna.store import oauth as oauth_store

SWEEP_BATCH = 20


class AccountDeletion:
    def __init__(
        self, db: Database, broker: Publisher, storage: Storage, archives: ArchiveFiles
    ) -> None:
        self.db = db
        self.broker = broker
        self.storage = storage
        self.archives = archives  # the person's data archive, if they asked for one

    async def do_delete_own(self, account_id: int, password: str) -> None:
        """The person deletes their own account, confirming with their password."""
        async with self.db.session() as session:
            account = await account_store.get(session, account_id)
        if account is None:
            raise NotFound()
        # argon2 is slow on purpose: off the event loop.
        ok = await asyncio.to_thread(passwords.verify_password, account.password_hash, password)
        if not ok:
            raise ValidationFailed("Validation failed: the password is not right")
        await self._delete(account_id)

    async def do_delete_by_staff(self, actor_id: int, target_id: int) -> None:
        """A moderator deletes a suspended account's data (suspend first, as on Mastodon)."""
        await self._by_staff(actor_id, target_id, AuditAction.DELETE)

    async def do_reject(self, actor_id: int, target_id: int) -> None:
        """A moderator turns down a sign-up that waits for approval: the account goes."""
        await self._by_staff(actor_id, target_id, AuditAction.REJECT)

    async def _by_staff(self, actor_id: int, target_id: int, action: AuditAction) -> None:
        async with self.db.transaction() as session:
            actor, target = await staff_and_target(session, actor_id, target_id)
            if action == AuditAction.DELETE and target.suspended_at is None:
                raise ValidationFailed("Validation failed: suspend the account before deleting it")
            if action == AuditAction.REJECT and target.approved:
                raise ValidationFailed("Validation failed: the account is not waiting for approval")
            await audit(session, actor, action, account_target(target))
        await self._delete(target_id)

    async def sweep(self, now: datetime) -> int:
        """Housekeeping: accounts suspended longer than the grace period are deleted."""
        async with self.db.session() as session:
            due = await moderation_store.suspended_before(
                session, now - SUSPENSION_GRACE, SWEEP_BATCH
            )
        for account_id in due:
            await self._delete(account_id)
        return len(due)

    async def _delete(self, account_id: int) -> None:
        async with self.db.transaction() as session:
            account = await account_store.get_for_update(session, account_id)
            if account is None:
                return
            keys = await store.file_keys(session, account_id)
            archive_keys = await store.archive_keys(session, account_id)
            for token, _app in await oauth_store.live_tokens_of_account(
                session, account_id, utcnow()
            ):
                announce_revoked(session, self.broker, token.id, account_id)
            await self._settle_counts(session, account_id)
            await moderation_store.forget_names(session, account_id)
            await session.delete(account)
            await session.flush()
        await delete_quietly(self.storage, keys)
        await self.archives.delete_archives(archive_keys)

    async def _settle_counts(self, session: AsyncSession, account_id: int) -> None:
        await store.release_follow_counts(session, account_id)
        for reposter, n in (await store.reposts_of_their_statuses(session, account_id)).items():
            await account_store.adjust_counts(session, reposter, statuses=-n)
        posts = await store.group_posts(session, account_id)
        for group_id in await store.memberships(session, account_id):
            await group_store.adjust_counts(
                session, group_id, members=-1, statuses=-posts.get(group_id, 0)
            )
        for group_id in await store.owned_groups(session, account_id):
            heir = await store.successor(session, group_id, account_id)
            if heir is None:
                await group_store.delete_statuses(session, group_id)
                await group_store.delete_one(session, group_id)
                continue
            await group_store.set_role(session, group_id, heir, GroupRole.OWNER.value)
            group = await group_store.get(session, group_id)
            assert group is not None
            group.owner_id = heir
