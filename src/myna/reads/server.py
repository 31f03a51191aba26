"""The server's rules as the console, the instance endpoint and sign-up pages read them."""

from collections.abc import Callable
from dataclasses import dataclass

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.models import Account, EmailDomainBlock, Invite
from myna.policy import moderation, spam
from myna.store import server as store


@dataclass(frozen=True, slots=True)
class SignUp:
    mode: str  # spam.SignUpMode; `closed` when MYNA_REGISTRATIONS_OPEN is false

    @property
    def enabled(self) -> bool:
        return self.mode != spam.SignUpMode.CLOSED

    @property
    def approval_required(self) -> bool:
        return self.mode == spam.SignUpMode.APPROVAL

    @property
    def invite_required(self) -> bool:
        return self.mode == spam.SignUpMode.INVITE


class ServerReads:
    def __init__(
        self, db: Database, *, registrations_open: Callable[[], bool] = lambda: True
    ) -> None:
        self.db = db
        # The operator's switch (MYNA_REGISTRATIONS_OPEN), read as it is now.
        self.registrations_open = registrations_open

    async def sign_up(self) -> SignUp:
        if not self.registrations_open():
            return SignUp(spam.SignUpMode.CLOSED)
        async with self.db.session() as session:
            return SignUp((await spam.current_rules(session)).registrations)

    async def current(self) -> spam.ServerRules:
        """The rules as stored now, for the server's own use (no viewer)."""
        async with self.db.session() as session:
            return await spam.current_rules(session)

    async def rules(self, viewer: Account) -> spam.ServerRules:
        moderation.check_staff(viewer)
        async with self.db.session() as session:
            return await spam.current_rules(session)

    async def email_domain_blocks(self, viewer: Account) -> list[EmailDomainBlock]:
        moderation.check_staff(viewer)
        async with self.db.session() as session:
            return await store.email_domain_blocks(session)

    async def email_domain_block(self, viewer: Account, block_id: int) -> EmailDomainBlock:
        moderation.check_staff(viewer)
        async with self.db.session() as session:
            found = await store.email_domain_block(session, block_id)
            if found is None:
                raise NotFound()
            return found

    async def invites(self, viewer: Account) -> list[Invite]:
        moderation.check_staff(viewer)
        async with self.db.session() as session:
            return await store.invites(session)
