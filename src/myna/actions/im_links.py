"""Linking an XMPP address to an account (docs/im-gateway.md). The owner asks for a link; the
gateway sends a code to the address; the owner enters it, which proves the address is theirs.
Until then nothing from the address is trusted. Unlinking takes effect at once: the gateway
hears of every change on the `im` channel and reads the link again."""

import hmac
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_on_commit
from myna.lib import jids
from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.secrets import digest
from myna.models import ImLink
from myna.store import im_links as store

CODE_TTL = timedelta(minutes=15)
RESEND_AFTER = timedelta(seconds=60)  # a code per minute at most: the gateway is no spam cannon
MAX_ATTEMPTS = 5
MAX_ADDRESS = 320  # the column's width: RFC 7622 allows longer, no real address is


def _changed(account_id: int) -> Message:
    return Message(event="im.changed", account_ids=[account_id])


class ImLinkActions:
    def __init__(
        self, db: Database, broker: Publisher, gateway_domains: tuple[str, ...], *, enabled: bool
    ) -> None:
        self.db = db
        self.broker = broker
        self.gateway_domains = gateway_domains
        self.enabled = enabled  # whether a gateway is configured to send the codes

    def check_address(self, raw: str) -> str:
        jid = jids.person(raw.strip())
        if jid is None:
            raise ValidationFailed(
                "Validation failed: address must be an XMPP address like name@example.org"
            )
        if jid.domain in self.gateway_domains or jid.domain.endswith(
            tuple("." + d for d in self.gateway_domains)
        ):
            raise ValidationFailed("Validation failed: address is one of this server's own")
        if len(jid.bare) > MAX_ADDRESS:
            raise ValidationFailed(
                f"Validation failed: address is longer than {MAX_ADDRESS} characters"
            )
        return jid.bare

    async def do_start(self, account_id: int, raw_address: str) -> ImLink:
        """A new pending link, and a code on its way to the address; another address replaces
        the link, and the address already linked changes nothing. A code goes out once a
        minute at most, per account and per address, whoever asks: the gateway must not be a
        way to flood someone's IM client."""
        if not self.enabled:
            raise ValidationFailed("Validation failed: this server has no IM gateway")
        address = self.check_address(raw_address)
        code = f"{secrets.randbelow(10**6):06d}"
        now = utcnow()

        def recent(link: ImLink | None) -> bool:
            return (
                link is not None
                and link.confirmed_at is None
                and link.code_sent_at is not None
                and now - as_utc(link.code_sent_at) < RESEND_AFTER
            )

        try:
            async with self.db.transaction() as session:
                mine = await store.of_account(session, account_id)
                if mine is not None and mine.address == address and mine.confirmed_at:
                    return mine
                other = await store.by_address(session, address)
                if other is not None and other.account_id != account_id and other.confirmed_at:
                    raise ValidationFailed(
                        "Validation failed: address is linked to another account; unlink it there"
                    )
                if recent(mine) or recent(other):
                    raise ValidationFailed(
                        "Validation failed: a code was sent less than a minute ago; wait for it"
                    )
                await store.replace_pending(session, account_id, address, digest(code), now)
                publish_on_commit(
                    session,
                    self.broker,
                    [channels_for.IM],
                    Message(
                        event="im.code",
                        account_ids=[account_id],
                        extra={"address": address, "code": code},
                    ),
                )
                publish_on_commit(session, self.broker, [channels_for.IM], _changed(account_id))
                link = await store.of_account(session, account_id)
        except IntegrityError:
            # Another account claimed the address in the same moment: it was first.
            raise ValidationFailed(
                "Validation failed: a code was sent less than a minute ago; wait for it"
            ) from None
        assert link is not None
        return link

    async def do_confirm(self, account_id: int, code: str) -> ImLink:
        """The code sent to the address: right, and the link is made. Wrong codes count; after
        MAX_ATTEMPTS, or once it is old, only a new code helps."""
        now = utcnow()
        wrong = False
        async with self.db.transaction() as session:
            link = await store.of_account(session, account_id)
            if link is None or link.confirmed_at is not None or link.code_hash is None:
                raise NotFound("No link is waiting for a code")
            if link.code_attempts >= MAX_ATTEMPTS:
                raise ValidationFailed("Validation failed: too many wrong codes; ask for a new one")
            if link.code_sent_at is None or now - as_utc(link.code_sent_at) > CODE_TTL:
                raise ValidationFailed("Validation failed: the code has expired; ask for a new one")
            if hmac.compare_digest(digest(code.strip()), link.code_hash):
                await store.confirm(session, account_id, now)
                publish_on_commit(session, self.broker, [channels_for.IM], _changed(account_id))
            else:
                await store.count_attempt(session, account_id)
                wrong = True  # raised after the commit, so the attempt stays counted
        if wrong:
            raise ValidationFailed("Validation failed: code is not the one sent")
        async with self.db.session() as session:
            confirmed = await store.of_account(session, account_id)
        assert confirmed is not None
        return confirmed

    async def do_set_notify(self, account_id: int, notify: bool) -> None:
        async with self.db.transaction() as session:
            if not await store.set_notify(session, account_id, notify):
                raise NotFound("No address is linked")
            publish_on_commit(session, self.broker, [channels_for.IM], _changed(account_id))

    async def do_unlink(self, account_id: int) -> None:
        async with self.db.transaction() as session:
            if await store.remove(session, account_id) is None:
                raise NotFound("No address is linked")
            publish_on_commit(session, self.broker, [channels_for.IM], _changed(account_id))
