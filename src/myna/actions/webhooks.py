"""Webhooks: an app's subscriptions (check_* and do_*), the deliveries that writes record in
their own transaction, and the attempts that send them.

A write that causes an event (a post, a mention, a follow) records one delivery row per
subscription that may hear of it, in the write's transaction: a crash can delay a delivery,
never lose it. After commit the deliveries are pushed to the `DeliveryQueue`; an attempt
claims its row (so two processes never send one attempt twice), renders the payload once (as
the authorizing account sees the object, through the same reads as the API), signs it, POSTs
it, and logs the outcome on the row. A failure is tried again after a growing delay, at most
`max_attempts` times in all; a replay is one more attempt, now. Delivery is at least once:
receivers deduplicate by `X-Myna-Delivery`."""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.webhooks import (
    AddressRefused,
    Attempt,
    DeliveryQueue,
    WebhookSender,
    check_url,
    resolve,
)
from myna.db.database import Database, on_commit
from myna.lib import secrets
from myna.lib.clock import iso, utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.lib.signing import sign
from myna.models import Status, WebhookDelivery, WebhookSubscription
from myna.policy import webhooks as rules
from myna.policy.access import access_status
from myna.store import group_apps as group_app_store
from myna.store import webhooks as store

log = logging.getLogger("myna.webhooks")

EVENTS_MAX = len(rules.EVENTS)
BACKOFF_FACTOR = 6
BACKOFF_CAP = 86_400.0  # a day
LEASE_MARGIN = 60.0  # seconds past the timeout before a claimed attempt is taken up again
SWEEP_BATCH = 200
LOG_KEEP = 50  # attempts kept in a delivery's log


class PayloadRenderer(Protocol):
    """Renders an event's object as the API shows it to `account_id`, or None if that account
    may no longer see it (or it is gone). Lives with the API's entities (an entry point)."""

    async def __call__(
        self, event: str, account_id: int, object_id: int
    ) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    retry_base: float = 10.0
    max_attempts: int = 8
    max_subscriptions: int = 10
    retention_days: int = 7


@dataclass(frozen=True)
class NewSubscription:
    subscription: WebhookSubscription
    secret: str


def backoff(attempts: int, base: float) -> float:
    """Seconds after failed attempt number `attempts` (1, 2, ...): base, 6 base, 36 base, ...
    at most a day."""
    return float(min(BACKOFF_CAP, base * BACKOFF_FACTOR ** max(0, attempts - 1)))


def check_events(events: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(e.strip() for e in events if e.strip()))
    if not wanted:
        raise ValidationFailed("Validation failed: events can't be blank")
    bad = rules.unknown_events(wanted)
    if bad:
        known = ", ".join(rules.EVENTS)
        raise ValidationFailed(
            f"Validation failed: unknown event {bad[0]!r}; events are one of: {known}"
        )
    return wanted


class WebhookActions:
    def __init__(
        self,
        db: Database,
        jobs: object,
        sender: WebhookSender,
        limits: Limits | None = None,
    ) -> None:
        self.db = db
        self.sender = sender
        self.limits = limits or Limits()
        self.queue = DeliveryQueue(jobs, self.deliver)
        # Set by the entry points that can render entities (the app, the worker); a process
        # without one (the CLI) records deliveries and leaves sending them to those.
        self.payloads: PayloadRenderer | None = None

    # Subscriptions ---------------------------------------------------------------------------

    async def check_url(self, url: str) -> str:
        """Syntax, then the addresses the host resolves to (resolved again at every delivery)."""
        url = url.strip()
        target = check_url(url)
        try:
            await resolve(target, allow_private=self.sender.allow_private)
        except AddressRefused as exc:
            raise ValidationFailed(f"Validation failed: url is not allowed: {exc}") from None
        return url

    async def do_create(self, app_id: int, url: str, events: Sequence[str]) -> NewSubscription:
        wanted = check_events(events)
        url = await self.check_url(url)
        secret = secrets.new_token()
        now = utcnow()
        subscription = WebhookSubscription(
            id=new_id(),
            app_id=app_id,
            url=url,
            events=wanted,
            secret=secret,
            active=True,
            created_at=now,
            updated_at=now,
        )
        async with self.db.transaction() as session:
            if await store.count_subscriptions(session, app_id) >= self.limits.max_subscriptions:
                raise ValidationFailed(
                    "Validation failed: an app may have at most "
                    f"{self.limits.max_subscriptions} webhook subscriptions"
                )
            await store.add_subscription(session, subscription)
        return NewSubscription(subscription, secret)

    async def do_update(
        self,
        app_id: int,
        subscription_id: int,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        active: bool | None = None,
    ) -> WebhookSubscription:
        wanted = check_events(events) if events is not None else None
        checked = await self.check_url(url) if url is not None else None
        async with self.db.transaction() as session:
            subscription = await self._access(session, app_id, subscription_id)
            if checked is not None:
                subscription.url = checked
            if wanted is not None:
                subscription.events = wanted
            if active is not None:
                subscription.active = active
            subscription.updated_at = utcnow()
        return subscription

    async def do_rotate_secret(self, app_id: int, subscription_id: int) -> NewSubscription:
        """A new secret signs every attempt from now on, retries of older deliveries too."""
        secret = secrets.new_token()
        async with self.db.transaction() as session:
            subscription = await self._access(session, app_id, subscription_id)
            subscription.secret = secret
            subscription.updated_at = utcnow()
        return NewSubscription(subscription, secret)

    async def do_delete(self, app_id: int, subscription_id: int) -> None:
        async with self.db.transaction() as session:
            await self._access(session, app_id, subscription_id)
            await store.delete_subscription(session, subscription_id)

    async def do_replay(
        self, app_id: int, subscription_id: int, delivery_id: int
    ) -> WebhookDelivery:
        """One more attempt, now, with the body first rendered (signed afresh)."""
        async with self.db.transaction() as session:
            subscription = await self._access(session, app_id, subscription_id)
            delivery = await store.delivery_of_subscription(session, subscription.id, delivery_id)
            if delivery is None:
                raise NotFound()
            if not subscription.active:
                raise ValidationFailed("Validation failed: the subscription is not active")
            delivery.next_attempt_at = utcnow()
            on_commit(session, lambda: self.queue.push(delivery_id))
        return delivery

    async def _access(
        self, session: AsyncSession, app_id: int, subscription_id: int
    ) -> WebhookSubscription:
        """Another app's subscription is missing, like one that never was."""
        subscription = await store.subscription_of_app(session, app_id, subscription_id)
        if subscription is None:
            raise NotFound()
        return subscription

    # Recording, inside the transaction of the write that causes the event ---------------------

    async def on_status(
        self, session: AsyncSession, status: Status, mentioned_ids: Sequence[int]
    ) -> None:
        """A posted status: `status.created` for its author's apps, `mention` for the apps of
        the mentioned accounts who may see it (those `mentioned_ids` the post notifies)."""
        if status.group_id is not None:
            await self.on_group_event(
                session, rules.GROUP_STATUS_CREATED, status.group_id, status.id
            )
        mentioned = [a for a in dict.fromkeys(mentioned_ids) if a != status.account_id]
        rows = await store.authorized_subscriptions(
            session, [status.account_id, *mentioned], utcnow()
        )
        if not rows:
            return
        wanted: list[tuple[WebhookSubscription, str, int]] = []
        sees: dict[int, bool] = {}
        for subscription, account_id, scopes in rows:
            if account_id == status.account_id:
                event = rules.STATUS_CREATED
                if not rules.announces(status):
                    continue
            else:
                event = rules.MENTION
            if event not in subscription.events or not rules.token_allows(event, scopes):
                continue
            if event == rules.MENTION:
                if account_id not in sees:
                    sees[account_id] = await _may_see(session, account_id, status.id)
                if not sees[account_id]:
                    continue
            wanted.append((subscription, event, account_id))
        await self._record(session, wanted, status.id)

    async def on_follow(
        self, session: AsyncSession, event: str, target_id: int, follower_id: int
    ) -> None:
        """`follow` (a new follower) or `follow_request`, for the apps of the followed."""
        rows = await store.authorized_subscriptions(session, [target_id], utcnow())
        wanted = [
            (subscription, event, target_id)
            for subscription, _account, scopes in rows
            if event in subscription.events and rules.token_allows(event, scopes)
        ]
        await self._record(session, wanted, follower_id)

    async def on_group_event(
        self, session: AsyncSession, event: str, group_id: int, object_id: int
    ) -> None:
        """`group.status.created` (object: the post) or `group.member.joined` (object: who
        joined), for the apps added to the group. The delivery's account is who added the
        app."""
        rows = await group_app_store.subscriptions(session, group_id)
        wanted = [
            (subscription, event, added_by)
            for subscription, added_by in rows
            if event in subscription.events
        ]
        await self._record(session, wanted, object_id, group_id=group_id)

    async def _record(
        self,
        session: AsyncSession,
        wanted: list[tuple[WebhookSubscription, str, int]],
        object_id: int,
        *,
        group_id: int | None = None,
    ) -> None:
        # One delivery per subscription and account, however many tokens it holds.
        unique = {(s.id, event, account): (s, event, account) for s, event, account in wanted}
        if not unique:
            return
        now = utcnow()
        deliveries = [
            WebhookDelivery(
                id=new_id(),
                subscription_id=subscription.id,
                event=event,
                account_id=account_id,
                object_id=object_id,
                group_id=group_id,
                attempts=0,
                attempt_log=[],
                next_attempt_at=now,
                created_at=now,
            )
            for subscription, event, account_id in unique.values()
        ]
        await store.add_deliveries(session, deliveries)
        ids = [d.id for d in deliveries]

        async def push() -> None:
            for delivery_id in ids:
                try:
                    await self.queue.push(delivery_id)
                except Exception:  # the sweep sends it later; the write stands
                    log.exception("could not queue webhook delivery %d", delivery_id)

        on_commit(session, push)

    # Attempts -----------------------------------------------------------------------------

    async def deliver(self, delivery_id: int) -> None:
        """One attempt, if the delivery is due and this process wins it (the job handler)."""
        if self.payloads is None:
            return
        now = utcnow()
        lease = now + timedelta(seconds=self.limits.timeout + LEASE_MARGIN)
        async with self.db.transaction() as session:
            if not await store.claim(session, delivery_id, now, lease):
                return
            found = await store.delivery_with_subscription(session, delivery_id)
            if found is None:
                return
            delivery, subscription = found
            if delivery.group_id is not None:
                # A group event: only while the app stays added to the group.
                allowed = await rules.group_event_allowed(
                    session,
                    subscription.app_id,
                    delivery.group_id,
                    delivery.event,
                    delivery.object_id,
                )
                scopes = []
            else:
                allowed = True
                scopes = await store.live_token_scopes(
                    session, subscription.app_id, delivery.account_id, now
                )
        if not subscription.active:
            await self._finish(delivery_id, None, Attempt(None, "the subscription is not active"))
            return
        if delivery.group_id is not None and not allowed:
            refused = Attempt(None, "the app is no longer added to the group, or the object left")
            await self._finish(delivery_id, None, refused)
            return
        if delivery.group_id is None and not any(
            rules.token_allows(delivery.event, s) for s in scopes
        ):
            # Revoked since the event (or its scope is gone): nothing more of theirs goes out.
            refused = Attempt(None, "the account no longer authorizes the app for this event")
            await self._finish(delivery_id, None, refused)
            return
        body = delivery.payload
        if body is None:
            rendered = await self.payloads(delivery.event, delivery.account_id, delivery.object_id)
            if rendered is None:
                gone = Attempt(None, "the object is gone or no longer visible to the account")
                await self._finish(delivery_id, None, gone)
                return
            envelope: dict[str, Any] = {
                "id": str(delivery.id),
                "event": delivery.event,
                "created_at": iso(delivery.created_at),
                "account_id": str(delivery.account_id),
            }
            if delivery.group_id is not None:
                envelope["group_id"] = str(delivery.group_id)
            envelope["object"] = rendered
            body = orjson.dumps(envelope)
        timestamp = int(time.time())
        attempt = await self.sender.post(
            subscription.url,
            body,
            {
                "X-Myna-Event": delivery.event,
                "X-Myna-Delivery": str(delivery.id),
                "X-Myna-Timestamp": str(timestamp),
                "X-Myna-Signature": sign(subscription.secret, timestamp, body),
            },
        )
        await self._finish(delivery_id, body, attempt, sent=True)

    async def _finish(
        self, delivery_id: int, body: bytes | None, attempt: Attempt, *, sent: bool = False
    ) -> None:
        """Log the attempt on the row and decide what comes next: nothing once delivered or
        refused, else another attempt after the backoff, until `max_attempts`."""
        now = utcnow()
        retry_in: float | None = None
        async with self.db.transaction() as session:
            found = await store.delivery_with_subscription(session, delivery_id, for_update=True)
            if found is None:
                return  # deleted with its subscription meanwhile
            delivery, _subscription = found
            if body is not None and delivery.payload is None:
                delivery.payload = body
            entry: dict[str, Any] = {
                "at": iso(now),
                "status_code": attempt.status_code,
                "error": attempt.error,
            }
            delivery.attempt_log = [*(delivery.attempt_log or []), entry][-LOG_KEEP:]
            delivery.last_status_code = attempt.status_code
            delivery.last_error = attempt.error
            if sent:
                delivery.attempts += 1
            if attempt.ok:
                delivery.delivered_at = now
                delivery.next_attempt_at = None
            elif sent and delivery.attempts < self.limits.max_attempts:
                retry_in = backoff(delivery.attempts, self.limits.retry_base)
                delivery.next_attempt_at = now + timedelta(seconds=retry_in)
            else:
                delivery.next_attempt_at = None
        if retry_in is not None:
            await self.queue.push(delivery_id, retry_in)

    async def sweep(self, now: datetime) -> int:
        """Housekeeping: push deliveries that are due (a retry whose timer or job was lost)
        and forget deliveries older than the retention."""
        async with self.db.transaction() as session:
            cutoff = now - timedelta(days=self.limits.retention_days)
            forgotten = await store.delete_older_than(session, cutoff)
        if self.payloads is None:
            return forgotten
        async with self.db.session() as session:
            due = await store.due_ids(session, now, SWEEP_BATCH)
        for delivery_id in due:
            await self.queue.push(delivery_id)
        return forgotten + len(due)

    async def close(self) -> None:
        await self.queue.close()
        await self.sender.close()


async def _may_see(session: AsyncSession, account_id: int, status_id: int) -> bool:
    try:
        await access_status(session, account_id, status_id)
    except NotFound:
        return False
    return True
