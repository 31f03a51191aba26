"""Groups: creating, editing and deleting them; joining (directly, by request or by
invitation), leaving, roles, removals, bans and ownership. Who may do what is in
policy/groups.py; docs/groups.md has the rules in prose."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.webhooks import WebhookActions
from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_now, publish_on_commit
from myna.lib import text as text_rules
from myna.lib.clock import utcnow
from myna.lib.errors import Forbidden, NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import (
    GroupBan,
    GroupInvite,
    GroupMember,
    GroupPrivacy,
    GroupRequest,
    GroupRole,
)
from myna.policy import groups as rules
from myna.policy.access import access_account, access_interactable_account
from myna.policy.visibility import counted_in_profile
from myna.policy.webhooks import GROUP_MEMBER_JOINED
from myna.store import accounts as account_store
from myna.store import groups as store

NAME_MAX = 100
DESCRIPTION_MAX = 2000
ASSIGNABLE_ROLES = (GroupRole.ADMIN, GroupRole.MEMBER)


@dataclass(frozen=True)
class NewGroup:
    handle: str
    name: str
    description: str = ""
    privacy: str = GroupPrivacy.PUBLIC


def check_privacy(value: str) -> GroupPrivacy:
    try:
        return GroupPrivacy(value)
    except ValueError:
        allowed = ", ".join(p.value for p in GroupPrivacy)
        raise ValidationFailed(f"Validation failed: privacy must be one of {allowed}") from None


def check_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValidationFailed("Validation failed: name can't be blank")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"Validation failed: name is too long (at most {NAME_MAX})")
    return name


def check_description(value: str) -> str:
    description = value.strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(
            f"Validation failed: description is too long (at most {DESCRIPTION_MAX})"
        )
    return description


def check_handle(value: str) -> str:
    if not value:
        raise ValidationFailed("Validation failed: handle can't be blank")
    if not text_rules.valid_username(value):
        raise ValidationFailed(
            "Validation failed: handle must be 1 to 30 ASCII letters, digits or underscores"
        )
    return value


def check_role(value: str) -> GroupRole:
    if value == GroupRole.OWNER:
        raise ValidationFailed("Validation failed: ownership changes only by a transfer")
    if value not in ASSIGNABLE_ROLES:
        raise ValidationFailed("Validation failed: role must be admin or member")
    return GroupRole(value)


class GroupActions:
    def __init__(
        self, db: Database, broker: Publisher, *, webhooks: WebhookActions | None = None
    ) -> None:
        self.db = db
        self.broker = broker
        self.webhooks = webhooks

    def _membership_changed(self, session: AsyncSession, account_id: int) -> None:
        """The account's streams reload what they know of it after commit (its groups among
        its relations), as after a follow or a block."""
        publish_on_commit(
            session,
            self.broker,
            [channels_for.control(account_id)],
            Message(event="relations", account_ids=[account_id]),
        )

    async def _add_member(
        self, session: AsyncSession, group_id: int, account_id: int, role: GroupRole
    ) -> None:
        """Make the account a member; a pending request or invitation is used up."""
        added = await store.add_ignore_row(
            session,
            GroupMember,
            {
                "id": new_id(),
                "group_id": group_id,
                "account_id": account_id,
                "role": role.value,
                "in_home": True,
                "created_at": utcnow(),
            },
        )
        await store.remove(session, GroupRequest, group_id, account_id)
        await store.remove(session, GroupInvite, group_id, account_id)
        if added:
            await store.adjust_counts(session, group_id, members=1)
            self._membership_changed(session, account_id)
            if self.webhooks is not None:  # recorded here, sent after commit
                await self.webhooks.on_group_event(
                    session, GROUP_MEMBER_JOINED, group_id, account_id
                )

    async def _drop_member(self, session: AsyncSession, group_id: int, account_id: int) -> None:
        """End the account's membership, request and invitation, whichever it has."""
        await store.remove(session, GroupRequest, group_id, account_id)
        await store.remove(session, GroupInvite, group_id, account_id)
        if await store.remove(session, GroupMember, group_id, account_id):
            await store.adjust_counts(session, group_id, members=-1)
            self._membership_changed(session, account_id)

    async def do_create(self, viewer_id: int, new: NewGroup) -> int:
        """Create a group owned by the viewer, its first member. Returns its id."""
        handle = check_handle(new.handle)
        name = check_name(new.name)
        description = check_description(new.description)
        privacy = check_privacy(new.privacy)
        async with self.db.transaction() as session:
            group_id = new_id()
            created = await store.add_ignore(
                session,
                {
                    "id": group_id,
                    "handle": handle,
                    "handle_key": store.handle_key(handle),
                    "name": name,
                    "description": description,
                    "privacy": privacy.value,
                    "owner_id": viewer_id,
                    "members_count": 0,
                    "statuses_count": 0,
                    "created_at": utcnow(),
                },
            )
            if not created:
                raise ValidationFailed("Validation failed: handle is already taken")
            await self._add_member(session, group_id, viewer_id, GroupRole.OWNER)
        return group_id

    async def do_update(
        self,
        viewer_id: int,
        group_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        privacy: str | None = None,
    ) -> None:
        new_name = check_name(name) if name is not None else None
        new_description = check_description(description) if description is not None else None
        new_privacy = check_privacy(privacy) if privacy is not None else None
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            if new_name is not None:
                group.name = new_name
            if new_description is not None:
                group.description = new_description
            if new_privacy is not None:
                group.privacy = new_privacy.value

    async def do_delete(self, viewer_id: int, group_id: int) -> None:
        """Delete the group with its posts. The posts are deleted in SQL, with what cascades
        from them (mentions, tags, likes, notifications, home-feed rows), and their authors'
        counts are corrected; no per-post `delete` streaming event is sent."""
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_owner(role)
            for author_id, visibility, count in await store.statuses_by_author(session, group.id):
                if counted_in_profile(visibility):
                    await account_store.adjust_counts(session, author_id, statuses=-count)
            await store.delete_statuses(session, group.id)
            members = await store.member_ids(session, group.id)
            await store.delete_one(session, group.id)
            for account_id in members:
                self._membership_changed(session, account_id)

    async def do_join(self, viewer_id: int, group_id: int) -> None:
        """Public: join. Restricted: ask (or join, if invited). Secret: join if invited; to
        anyone else the group does not exist."""
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            group, role = await rules.access_group(session, viewer_id, group_id)
            if role is not None:
                return
            if await store.exists(session, GroupBan, group_id, viewer_id):
                raise Forbidden("You are banned from this group")
            invited = await store.exists(session, GroupInvite, group_id, viewer_id)
            if group.privacy == GroupPrivacy.PUBLIC or invited:
                await self._add_member(session, group_id, viewer_id, GroupRole.MEMBER)
                return
            await store.add_ignore_row(
                session,
                GroupRequest,
                {
                    "id": new_id(),
                    "group_id": group_id,
                    "account_id": viewer_id,
                    "created_at": utcnow(),
                },
            )

    async def do_leave(self, viewer_id: int, group_id: int) -> None:
        """Leave; for a non-member, withdraw a request or decline an invitation."""
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_may_leave(role)
            await self._drop_member(session, group_id, viewer_id)

    async def do_authorize(self, viewer_id: int, group_id: int, account_id: int) -> None:
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            if not await store.exists(session, GroupRequest, group_id, account_id):
                raise NotFound()
            await self._add_member(session, group_id, account_id, GroupRole.MEMBER)

    async def do_reject(self, viewer_id: int, group_id: int, account_id: int) -> None:
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            if not await store.remove(session, GroupRequest, group_id, account_id):
                raise NotFound()

    async def do_invite(self, viewer_id: int, group_id: int, account_id: int) -> None:
        """Owners and admins invite; an invitation lets its holder join without approval.
        Inviting a member changes nothing."""
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            await access_interactable_account(session, viewer_id, account_id)
            if await store.role(session, group_id, account_id) is not None:
                return
            if await store.exists(session, GroupBan, group_id, account_id):
                raise Forbidden("This account is banned from the group")
            await store.add_ignore_row(
                session,
                GroupInvite,
                {
                    "group_id": group_id,
                    "account_id": account_id,
                    "invited_by_id": viewer_id,
                    "created_at": utcnow(),
                },
            )

    async def do_set_role(
        self, viewer_id: int, group_id: int, account_id: int, new_role: str
    ) -> None:
        wanted = check_role(new_role)
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_owner(role)
            if account_id == viewer_id:
                raise Forbidden("The owner's role changes only by transferring ownership")
            if await store.role(session, group_id, account_id) is None:
                raise NotFound()
            await store.set_role(session, group_id, account_id, wanted.value)

    async def do_remove(self, viewer_id: int, group_id: int, account_id: int) -> None:
        """Remove a member. Not a ban: they may join (or ask to) again."""
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            target_role = await store.role(session, group_id, account_id)
            if target_role is None:
                raise NotFound()
            rules.check_may_moderate(role, target_role, self_=account_id == viewer_id)
            await self._drop_member(session, group_id, account_id)

    async def do_ban(self, viewer_id: int, group_id: int, account_id: int) -> None:
        """Ban an account (member or not): it loses its membership, request and invitation,
        and cannot join, ask or be invited until unbanned."""
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            await access_account(session, account_id)
            target_role = await store.role(session, group_id, account_id)
            rules.check_may_moderate(role, target_role, self_=account_id == viewer_id)
            await self._drop_member(session, group_id, account_id)
            await store.add_ignore_row(
                session,
                GroupBan,
                {"group_id": group_id, "account_id": account_id, "created_at": utcnow()},
            )

    async def do_unban(self, viewer_id: int, group_id: int, account_id: int) -> None:
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            await access_account(session, account_id)
            await store.remove(session, GroupBan, group_id, account_id)

    async def do_transfer(self, viewer_id: int, group_id: int, account_id: int) -> None:
        """The owner hands the group to another member and becomes an admin."""
        async with self.db.transaction() as session:
            await store.lock(session, group_id)
            group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_owner(role)
            if account_id == viewer_id:
                raise ValidationFailed("Validation failed: you already own this group")
            if await store.role(session, group_id, account_id) is None:
                raise ValidationFailed("Validation failed: the new owner must be a member")
            await store.set_role(session, group_id, account_id, GroupRole.OWNER.value)
            await store.set_role(session, group_id, viewer_id, GroupRole.ADMIN.value)
            group.owner_id = account_id

    async def do_set_home(self, viewer_id: int, group_id: int, in_home: bool) -> None:
        """Whether the group's posts also show in the member's home timeline."""
        async with self.db.transaction() as session:
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_member(role)
            await store.set_in_home(session, group_id, viewer_id, in_home)
            self._membership_changed(session, viewer_id)

    async def do_typing(self, viewer_id: int, group_id: int) -> None:
        """Tell the group's other members, on their group streams, that the member is typing
        (the streaming connections leave out the typist and anyone across a block from them).
        Not a member, or no such group: NotFound, and nobody hears anything."""
        async with self.db.session() as session:
            if await rules.member_role(session, group_id, viewer_id) is None:
                raise NotFound()
        message = Message(
            event="typing",
            group_id=group_id,
            account_ids=[viewer_id],
            extra={"group_id": str(group_id), "account_id": str(viewer_id)},
        )
        await publish_now(self.broker, [channels_for.group(group_id)], message)
