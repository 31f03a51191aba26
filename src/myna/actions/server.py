"""What admins and moderators change about the server itself: its rules (sign-up mode, the
new-account throttle, the link blocklist, hidden keywords and domains), blocked e-mail domains
and invites. Each change is written to the audit log (policy/spam.py describes the rules)."""

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.moderation import audit
from myna.db.database import Database
from myna.lib import secrets
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import Account, AuditAction, EmailDomainBlock, Invite
from myna.policy import moderation
from myna.policy import spam as rules
from myna.store import accounts as account_store
from myna.store import server as store

MAX_INVITE_USES = 1000
MAX_INVITE_DAYS = 365


class ServerActions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def do_change_rules(self, actor_id: int, change: dict[str, Any]) -> rules.ServerRules:
        """Admins: change some of the rules; the rest stay. The audit log records what was
        set."""
        async with self.db.transaction() as session:
            actor = await self._actor(session, actor_id, admin=True)
            new = rules.changed(await rules.current_rules(session), change)
            await store.put_settings(session, rules.as_stored(new), utcnow())
            summary = ", ".join(sorted(change))
            await audit(session, actor, AuditAction.SETTINGS, ("settings", 0, ""), text=summary)
            return new

    async def do_block_email_domain(self, actor_id: int, domain: str) -> EmailDomainBlock:
        clean = rules.normal_domain(domain)
        if not clean or "." not in clean or len(clean) > 253 or " " in clean:
            raise ValidationFailed("Validation failed: domain is not a domain")
        async with self.db.transaction() as session:
            actor = await self._actor(session, actor_id)
            block = await store.email_domain_block_by_domain(session, clean)
            if block is not None:
                return block  # already blocked: nothing changes, nothing to log
            await store.add_email_domain_block(
                session, {"id": new_id(), "domain": clean, "created_at": utcnow()}
            )
            block = await store.email_domain_block_by_domain(session, clean)
            assert block is not None
            await audit(session, actor, AuditAction.EMAIL_DOMAIN_BLOCK, ("domain", block.id, clean))
            return block

    async def do_unblock_email_domain(self, actor_id: int, block_id: int) -> None:
        async with self.db.transaction() as session:
            actor = await self._actor(session, actor_id)
            block = await store.email_domain_block(session, block_id)
            if block is None:
                raise NotFound()
            domain = block.domain
            await store.delete_email_domain_block(session, block_id)
            await audit(
                session, actor, AuditAction.EMAIL_DOMAIN_UNBLOCK, ("domain", block_id, domain)
            )

    async def do_create_invite(
        self, actor_id: int, *, max_uses: int | None, expires_in_days: int | None
    ) -> Invite:
        if max_uses is not None and not 1 <= max_uses <= MAX_INVITE_USES:
            raise ValidationFailed(
                f"Validation failed: max_uses must be from 1 to {MAX_INVITE_USES}"
            )
        if expires_in_days is not None and not 1 <= expires_in_days <= MAX_INVITE_DAYS:
            raise ValidationFailed(
                f"Validation failed: expires_in_days must be from 1 to {MAX_INVITE_DAYS}"
            )
        now = utcnow()
        async with self.db.transaction() as session:
            actor = await self._actor(session, actor_id)
            invite = Invite(
                id=new_id(),
                code=secrets.new_token(12)[:16],
                created_by_id=actor.id,
                max_uses=max_uses,
                uses=0,
                expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
                created_at=now,
            )
            await store.add_invite(session, invite)
            await audit(
                session, actor, AuditAction.INVITE_CREATE, ("invite", invite.id, invite.code)
            )
            return invite

    async def do_revoke_invite(self, actor_id: int, invite_id: int) -> Invite:
        async with self.db.transaction() as session:
            actor = await self._actor(session, actor_id)
            invite = await store.get_invite(session, invite_id)
            if invite is None:
                raise NotFound()
            invite.revoked_at = invite.revoked_at or utcnow()
            await audit(
                session, actor, AuditAction.INVITE_REVOKE, ("invite", invite.id, invite.code)
            )
            return invite

    async def _actor(self, session: AsyncSession, actor_id: int, *, admin: bool = False) -> Account:
        actor = await account_store.get(session, actor_id)
        if admin:
            moderation.check_admin(actor)
        else:
            moderation.check_staff(actor)
        assert actor is not None
        return actor
