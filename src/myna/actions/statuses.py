"""Posting, editing, deleting, reposting (with or without comment) and liking."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.conversations import forget_direct, record_direct
from myna.actions.media import MediaActions
from myna.actions.notifications import notify
from myna.actions.polls import NewPoll, PollLimits, add_poll, change_poll, check_new_poll
from myna.actions.search import index_status
from myna.actions.trends import (
    forget_engagement,
    forget_post,
    forget_uses,
    record_engagement,
    record_post,
)
from myna.actions.webhooks import WebhookActions
from myna.backends.search import SearchIndex
from myna.backends.timelines import TimelineBackend
from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_on_commit
from myna.lib import text as text_rules
from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import NotFound, TooManyRequests, ValidationFailed
from myna.lib.html import render_status
from myna.lib.ids import new_id
from myna.models import (
    Account,
    Favourite,
    ListMember,
    Mention,
    NotificationType,
    Status,
    StatusEdit,
    Tag,
    Visibility,
)
from myna.policy import moderation, spam
from myna.policy import visibility as rules
from myna.policy.access import access_deletable_status, access_own_status, access_status
from myna.policy.audience import (
    home_recipients,
    muting_any,
    on_public_streams,
    via_author_channel,
)
from myna.policy.groups import check_can_post, members_among
from myna.policy.lists import access_own_list, list_audience, lists_receiving
from myna.store import accounts as account_store
from myna.store import edits as edit_store
from myna.store import groups as group_store
from myna.store import notifications as notification_store
from myna.store import polls as poll_store
from myna.store import statuses as store
from myna.store.upsert import insert_ignore

SPOILER_MAX = 500
LANGUAGE_MAX = 16
IDEMPOTENCY_KEY_MAX = 200


@dataclass(frozen=True)
class NewStatus:
    text: str
    visibility: Visibility | None = None
    in_reply_to_id: int | None = None
    quoted_status_id: int | None = None
    group_id: int | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    idempotency_key: str | None = None
    app_id: int | None = None
    # Myna: one of the author's lists, as the audience of a followers-only status.
    list_id: int | None = None
    media_ids: tuple[int, ...] = ()  # the author's unattached uploads, in display order
    poll: NewPoll | None = None


def check_length(text: str, spoiler_text: str, limit: int, *, allow_blank: bool = False) -> None:
    """`allow_blank`: a status with pictures may have no text."""
    if not text.strip() and not allow_blank:
        raise ValidationFailed("Validation failed: Text can't be blank")
    units = text_rules.weibo_length(text) + text_rules.weibo_length(spoiler_text)
    if units > limit:
        raise ValidationFailed(
            f"Validation failed: Text is {units} units long; the limit is {limit} units "
            "(a Chinese character counts 1, an ASCII character 1/2, a link 10)"
        )


def check_new_status(new: NewStatus, limit: int) -> None:
    check_length(new.text, new.spoiler_text, limit, allow_blank=bool(new.media_ids))
    if len(new.spoiler_text) > SPOILER_MAX:
        raise ValidationFailed(
            f"Validation failed: Spoiler text is too long (at most {SPOILER_MAX})"
        )
    if new.language is not None and (
        len(new.language) > LANGUAGE_MAX or not new.language.replace("-", "").isalnum()
    ):
        raise ValidationFailed("Validation failed: Language is not a valid ISO 639 code")
    if new.idempotency_key is not None and len(new.idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed("Idempotency-Key is too long")


@dataclass(frozen=True)
class StatusChange:
    """An edit: what may change. Visibility, reply target, quote, group and list stay."""

    text: str
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None  # None keeps the status's language
    poll: NewPoll | None = None  # None keeps the poll (if any) as it is
    media_ids: tuple[int, ...] | None = None  # the pictures after the edit; None keeps them


def check_change(change: StatusChange, limit: int) -> None:
    """The same rules, and the same messages, as posting."""
    check_new_status(
        NewStatus(
            text=change.text,
            spoiler_text=change.spoiler_text,
            language=change.language,
            media_ids=change.media_ids or (),
        ),
        limit,
    )


async def check_spam_rules(
    session: AsyncSession, author: Account, links: list[str], *, new_post: bool
) -> None:
    """The server's link blocklist (new posts and edits), and the new-account throttle (new
    posts): policy/spam.py. Staff are exempt from the throttle."""
    server_rules = await spam.current_rules(session)
    spam.check_links(server_rules, links)
    if not new_post or server_rules.new_account_posts_per_hour <= 0 or moderation.is_staff(author):
        return
    now = utcnow()
    age_hours = (now - as_utc(author.created_at)).total_seconds() / 3600
    if age_hours >= server_rules.new_account_hours:
        return
    recent = await store.count_by_author_since(session, author.id, now - timedelta(hours=1))
    if spam.throttled(server_rules, age_hours, recent):
        raise TooManyRequests(
            f"New accounts may post {server_rules.new_account_posts_per_hour} times an hour "
            f"for their first {server_rules.new_account_hours} hours"
        )


class StatusActions:
    def __init__(
        self,
        db: Database,
        timelines: TimelineBackend,
        broker: Publisher,
        *,
        base_url: str,
        max_units: int,
        pull_threshold: int,
        poll_limits: PollLimits | None = None,
        media: MediaActions | None = None,
        webhooks: WebhookActions | None = None,
        search: SearchIndex | None = None,
    ) -> None:
        self.db = db
        self.search = search  # the full-text index, written in the posting transaction
        self.timelines = timelines
        self.broker = broker
        self.base_url = base_url.rstrip("/")
        self.max_units = max_units
        self.pull_threshold = pull_threshold
        self.poll_limits = poll_limits or PollLimits()
        self.media = media
        self.webhooks = webhooks

    def check(self, new: NewStatus) -> None:
        """What can be told of a post without the database (scheduling checks it early)."""
        check_new_status(new, self.max_units)
        self._check_media(new.media_ids, new.poll)
        if new.poll is not None:
            check_new_poll(new.poll, self.poll_limits)

    def _check_media(self, media_ids: tuple[int, ...], poll: NewPoll | None) -> None:
        if not media_ids:
            return
        if self.media is None:
            raise ValidationFailed("Validation failed: media attachments are not supported")
        self.media.check_count(media_ids)
        if poll is not None:  # as on Mastodon
            raise ValidationFailed("Validation failed: A status has pictures or a poll, not both")

    async def post_in(self, session: AsyncSession, author_id: int, new: NewStatus) -> Status:
        """Post inside the caller's transaction (a scheduled status's time has come)."""
        self.check(new)
        return await self._post(session, author_id, new)

    async def do_post(self, author_id: int, new: NewStatus) -> Status:
        self.check(new)
        try:
            async with self.db.transaction() as session:
                return await self._post(session, author_id, new)
        except IntegrityError:
            # Two requests with one Idempotency-Key raced: the first one's status is the answer.
            if new.idempotency_key is None:
                raise
            async with self.db.session() as session:
                earlier = await store.idempotent_status_id(session, author_id, new.idempotency_key)
                status = await store.get(session, earlier) if earlier else None
            if status is None:
                raise
            return status

    async def _post(self, session: AsyncSession, author_id: int, new: NewStatus) -> Status:
        if new.idempotency_key:
            earlier = await store.idempotent_status_id(session, author_id, new.idempotency_key)
            if earlier is not None:
                status = await store.get(session, earlier)
                if status is not None:
                    return status
        author = await account_store.get(session, author_id)
        if author is None:
            raise NotFound()
        parent = None
        if new.in_reply_to_id is not None:
            parent = await access_status(session, author_id, new.in_reply_to_id)
            if parent.reblog_of_id is not None:
                raise ValidationFailed("Validation failed: A repost cannot be replied to")
        quoted = None
        if new.quoted_status_id is not None:
            quoted = await access_status(session, author_id, new.quoted_status_id)
            if quoted.reblog_of_id is not None:
                quoted = await access_status(session, author_id, quoted.reblog_of_id)
            if not rules.shareable(quoted):
                raise ValidationFailed("Validation failed: This status cannot be quoted")
        visibility = new.visibility or Visibility(author.default_visibility)
        group_id = new.group_id
        if parent is not None and rules.is_group(parent.visibility):
            # Replies to a group post stay in its group.
            if new.visibility is not None and not rules.is_group(new.visibility):
                raise ValidationFailed(
                    "Validation failed: A reply to a group post stays in the group"
                )
            if group_id is not None and group_id != parent.group_id:
                raise ValidationFailed(
                    "Validation failed: A reply to a group post stays in the group"
                )
            visibility, group_id = Visibility.GROUP, parent.group_id
        if rules.is_group(visibility):
            if group_id is None:
                raise ValidationFailed("Validation failed: group_id is required for a group post")
            await check_can_post(session, author_id, group_id)
        elif group_id is not None:
            raise ValidationFailed("Validation failed: group_id needs visibility group")
        if new.list_id is not None:
            if not rules.list_audience_ok(visibility):
                raise ValidationFailed("Validation failed: list_id needs visibility private")
            await access_own_list(session, author_id, new.list_id)

        parsed = text_rules.parse(new.text)
        await check_spam_rules(session, author, parsed.links, new_post=True)
        mentioned = await account_store.by_usernames(session, parsed.mentions)
        mention_urls = {a.username_key: f"{self.base_url}/@{a.username}" for a in mentioned}
        now = utcnow()
        status = Status(
            id=new_id(),
            account_id=author_id,
            text=new.text,
            content=render_status(parsed, base_url=self.base_url, mention_urls=mention_urls),
            spoiler_text=new.spoiler_text,
            sensitive=new.sensitive or bool(new.spoiler_text),
            visibility=visibility.value,
            group_id=group_id,
            list_id=new.list_id,
            language=new.language or author.default_language or None,
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            quote_of_id=quoted.id if quoted else None,
            app_id=new.app_id,
            created_at=now,
        )
        await store.add(session, status)
        if new.media_ids and self.media is not None:
            await self.media.attach(session, author_id, status.id, new.media_ids)
        if new.poll is not None:
            await add_poll(session, status, new.poll, now)
        await store.add_mentions(
            session,
            [Mention(id=new_id(), status_id=status.id, account_id=a.id) for a in mentioned],
        )
        await self._attach_tags(session, status.id, parsed.tags)
        await index_status(self.search, session, status)
        await record_post(session, status)  # hot topics: its tags and links, if public
        if new.idempotency_key:
            await store.remember_idempotency_key(
                session, author_id, new.idempotency_key, status.id, now
            )
        counted = rules.counted_in_profile(status.visibility, status.list_id)
        await account_store.adjust_counts(
            session,
            author_id,
            statuses=1 if counted else 0,
            # Direct, group and list posts leave no trace on the profile, not even a date.
            last_status_at=now if counted else None,
        )
        if status.group_id is not None:
            await group_store.adjust_counts(session, status.group_id, statuses=1)
        holders = (
            []  # group posts are never fanned out: members' reads pull the group's feed
            if status.group_id is not None
            else await self.timelines.fan_out(
                session,
                status.id,
                home_recipients(status, author.followers_count, self.pull_threshold),
            )
        )
        if status.group_id is None:
            await self.timelines.fan_out_lists(session, status.id, lists_receiving(status.id))
        tag_keys = [text_rules.tag_key(name) for name in parsed.tags]
        await self._announce(session, "update", status, author.followers_count, holders, tag_keys)
        if rules.is_direct(status.visibility):
            await self._announce_direct(session, status, [a.id for a in mentioned])
        if status.group_id is not None:
            # Mentions in a group post reach members only.
            members = await members_among(session, status.group_id, [a.id for a in mentioned])
            mentioned = [a for a in mentioned if a.id in members]
        if status.list_id is not None:
            # Mentions in a list post reach its audience only: a mention widens nothing.
            audience = await self._list_audience_among(session, status, [a.id for a in mentioned])
            mentioned = [a for a in mentioned if a.id in audience]
        for account in mentioned:
            await notify(
                session,
                self.broker,
                recipient_id=account.id,
                from_account_id=author_id,
                type_=NotificationType.MENTION,
                status_id=status.id,
            )
        if quoted is not None:
            await notify(
                session,
                self.broker,
                recipient_id=quoted.account_id,
                from_account_id=author_id,
                type_=NotificationType.QUOTE,
                status_id=status.id,
            )
        if self.webhooks is not None:  # recorded here, sent after commit
            await self.webhooks.on_status(session, status, [a.id for a in mentioned])
        return status

    async def _list_audience_among(
        self, session: AsyncSession, status: Status, account_ids: list[int]
    ) -> set[int]:
        """Which of `account_ids` are in the audience of a status addressed to a list."""
        if status.list_id is None or not account_ids:
            return set()
        audience = list_audience(status.list_id, status.account_id)
        return set(await session.scalars(audience.where(ListMember.account_id.in_(account_ids))))

    async def _attach_tags(self, session: AsyncSession, status_id: int, names: list[str]) -> None:
        if not names:
            return
        by_key = {text_rules.tag_key(name): name for name in names}
        now = utcnow()
        await insert_ignore(
            session,
            Tag,
            [
                {"id": new_id(), "name": name, "key": key, "created_at": now}
                for key, name in by_key.items()
            ],
        )
        tags = await store.tags_by_keys(session, by_key)
        await store.link_tags(session, status_id, (tag.id for tag in tags.values()))

    async def _publicly_shown(self, session: AsyncSession, status: Status) -> bool:
        author = await account_store.get(session, status.account_id)
        if author is None or not moderation.is_listed(author):
            return False
        return not spam.text_hidden(await spam.current_rules(session), status.text)

    async def _announce(
        self,
        session: AsyncSession,
        event: str,
        status: Status,
        author_followers: int,
        holders: list[int],
        tag_keys: list[str],
    ) -> None:
        """Tell the streams, after commit: the accounts whose home feed holds the status (less
        those who muted its authors), the author's channel for pulled authors, the public
        and hashtag streams for what the public timeline shows, and a group's channel for its
        posts (and nothing else)."""
        authors = [status.account_id]
        quoted_id = status.quote_of_id
        if status.reblog_of_id is not None:
            original = await store.get(session, status.reblog_of_id)
            if original is not None:
                authors.append(original.account_id)
                quoted_id = original.quote_of_id
        if quoted_id is not None:
            # The payload embeds the quoted status: its author is checked for blocks and mutes.
            quoted = await store.get(session, quoted_id)
            if quoted is not None and quoted.account_id not in authors:
                authors.append(quoted.account_id)
        mentioned = (await store.mentions_of(session, [status.id])).get(status.id, [])
        message = Message(
            event=event,
            status_id=status.id,
            account_ids=authors,
            visibility=status.visibility,
            mentioned_ids=mentioned,
            group_id=status.group_id,
            list_id=status.list_id,
        )
        if status.group_id is not None:
            # Members, and the home streams of members who show the group at home, listen on
            # the group's channel; nobody else hears of a group post.
            publish_on_commit(session, self.broker, [channels_for.group(status.group_id)], message)
            return
        muters = set(await session.scalars(muting_any(authors))) if holders else set()
        channels = [channels_for.user(a) for a in holders if a not in muters]
        if via_author_channel(status, author_followers, self.pull_threshold):
            channels.append(channels_for.author(status.account_id))
        if on_public_streams(status) and (
            # A limited author's posts, and posts holding a hidden keyword or domain, stay off
            # public streams (a deletion still goes out).
            event == "delete" or await self._publicly_shown(session, status)
        ):
            channels.append(channels_for.PUBLIC)
            channels.extend(channels_for.hashtag(key) for key in tag_keys)
        publish_on_commit(session, self.broker, channels, message)

    async def _announce_direct(
        self, session: AsyncSession, status: Status, mentioned_ids: list[int]
    ) -> None:
        """A direct status is a message in a conversation, filed in this transaction: its
        participants hear of it on their `direct` stream (those across a block from the author
        are not participants)."""
        participants = await record_direct(session, status, mentioned_ids)
        message = Message(
            event="conversation",
            status_id=status.id,
            conversation_id=status.conversation_id,
            account_ids=[status.account_id],
            visibility=status.visibility,
            mentioned_ids=mentioned_ids,
        )
        publish_on_commit(
            session, self.broker, [channels_for.direct(a) for a in participants], message
        )

    async def do_edit(self, author_id: int, status_id: int, change: StatusChange) -> Status:
        """Edit one's own status: the version it replaces is kept as a StatusEdit, mentions and
        tags are parsed again, and the streams that got the status hear `status.update`."""
        check_change(change, self.max_units)
        self._check_media(change.media_ids or (), change.poll)
        if change.poll is not None:
            check_new_poll(change.poll, self.poll_limits)
        async with self.db.transaction() as session:
            status = await access_own_status(session, author_id, status_id)
            if status.reblog_of_id is not None:
                raise ValidationFailed("Validation failed: A repost cannot be edited")
            if status.group_id is not None:
                await check_can_post(session, author_id, status.group_id)
            author = await account_store.get(session, author_id)
            if author is None:
                raise NotFound()
            parsed = text_rules.parse(change.text)
            await check_spam_rules(session, author, parsed.links, new_post=False)
            mentioned = await account_store.by_usernames(session, parsed.mentions)
            before = set((await store.mentions_of(session, [status.id])).get(status.id, []))
            after = {a.id for a in mentioned}
            if rules.is_direct(status.visibility) and after != before:
                # A direct status's mentions are its audience and its conversation's members.
                raise ValidationFailed("Validation failed: A direct status keeps its recipients")
            old_tags = (await store.tags_of(session, [status.id])).get(status.id, [])
            now = utcnow()
            await edit_store.add(
                session,
                StatusEdit(
                    id=new_id(),
                    status_id=status.id,
                    text=status.text,
                    content=status.content,
                    spoiler_text=status.spoiler_text,
                    sensitive=status.sensitive,
                    created_at=status.edited_at or status.created_at,
                ),
            )
            mention_urls = {a.username_key: f"{self.base_url}/@{a.username}" for a in mentioned}
            await forget_uses(session, status)  # hot topics: counted again once edited
            status.text = change.text
            status.content = render_status(
                parsed, base_url=self.base_url, mention_urls=mention_urls
            )
            status.spoiler_text = change.spoiler_text
            status.sensitive = change.sensitive or bool(change.spoiler_text)
            status.language = change.language or status.language
            status.edited_at = now
            await session.flush()
            if change.poll is not None:
                await change_poll(session, status, change.poll, now)
            if change.media_ids is not None and self.media is not None:
                if change.media_ids and await poll_store.of_status(session, status.id):
                    raise ValidationFailed(
                        "Validation failed: A status has pictures or a poll, not both"
                    )
                await self.media.replace(session, author_id, status.id, change.media_ids)
            await edit_store.drop_mentions(session, status.id, before - after)
            await store.add_mentions(
                session,
                [
                    Mention(id=new_id(), status_id=status.id, account_id=a.id)
                    for a in mentioned
                    if a.id not in before
                ],
            )
            await edit_store.unlink_tags(session, status.id)
            await self._attach_tags(session, status.id, parsed.tags)
            await index_status(self.search, session, status)
            await record_post(session, status)
            holders = await self.timelines.holders(session, status.id)
            tag_keys = {t.key for t in old_tags} | {text_rules.tag_key(n) for n in parsed.tags}
            await self._announce(
                session,
                "status.update",
                status,
                author.followers_count,
                holders,
                sorted(tag_keys),
            )
            newly = [a.id for a in mentioned if a.id not in before]
            if status.group_id is not None:
                # Mentions in a group post reach members only.
                members = await members_among(session, status.group_id, newly)
                newly = [a for a in newly if a in members]
            if status.list_id is not None:
                audience = await self._list_audience_among(session, status, newly)
                newly = [a for a in newly if a in audience]
            for account_id in newly:
                await notify(
                    session,
                    self.broker,
                    recipient_id=account_id,
                    from_account_id=author_id,
                    type_=NotificationType.MENTION,
                    status_id=status.id,
                )
            for account_id in await edit_store.sharers_of(session, status.id):
                await notify(
                    session,
                    self.broker,
                    recipient_id=account_id,
                    from_account_id=author_id,
                    type_=NotificationType.UPDATE,
                    status_id=status.id,
                )
        return status

    async def do_delete(self, viewer_id: int, status_id: int) -> Status:
        async with self.db.transaction() as session:
            status = await access_deletable_status(session, viewer_id, status_id)
            for reblog in await store.reblog_ids_of(session, status.id):
                await self._remove(session, reblog)
            await self._remove(session, status)
        return status

    async def _remove(self, session: AsyncSession, status: Status) -> None:
        """Delete a status, telling every stream that may have shown it."""
        author = await account_store.get(session, status.account_id)
        followers = author.followers_count if author is not None else 0
        holders = await self.timelines.holders(session, status.id)
        tags = (await store.tags_of(session, [status.id])).get(status.id, [])
        await self._announce(session, "delete", status, followers, holders, [t.key for t in tags])
        if status.group_id is not None:
            await group_store.adjust_counts(session, status.group_id, statuses=-1)
        await forget_post(session, status)
        await store.delete_one(session, status.id)
        if self.media is not None and status.reblog_of_id is None:  # reposts carry no media
            await self.media.forget_status(session, status.id)
        await forget_direct(session, status)
        if rules.counted_in_profile(status.visibility, status.list_id):
            await account_store.adjust_counts(session, status.account_id, statuses=-1)

    async def do_reblog(
        self, viewer_id: int, status_id: int, visibility: Visibility | None
    ) -> Status:
        """Repost: returns the repost (whose `reblog_of_id` is the original)."""
        async with self.db.transaction() as session:
            original = await self._original(session, viewer_id, status_id)
            if not rules.shareable(original):
                raise ValidationFailed("Validation failed: This status cannot be reposted")
            existing = await store.reblog_by(session, viewer_id, original.id)
            if existing is not None:
                return existing
            reposter = await account_store.get(session, viewer_id)
            assert reposter is not None
            chosen = visibility or Visibility.PUBLIC
            if not rules.repost_visibility_ok(chosen):
                raise ValidationFailed(
                    "Validation failed: A repost is public, unlisted or for followers"
                )
            now = utcnow()
            reblog_id = new_id()
            row = {
                "id": reblog_id,
                "account_id": viewer_id,
                "visibility": chosen.value,
                "reblog_of_id": original.id,
                "created_at": now,
            }
            # ON CONFLICT DO NOTHING on (account, reposted status): two reposts racing make
            # one repost, and the loser answers with it instead of failing.
            if not await insert_ignore(session, Status, [row]):
                raced = await store.reblog_by(session, viewer_id, original.id)
                if raced is None:
                    raise NotFound()
                return raced
            reblog = await store.get(session, reblog_id)
            assert reblog is not None
            await record_engagement(session, original, viewer_id, now)
            await account_store.adjust_counts(session, viewer_id, statuses=1, last_status_at=now)
            holders = await self.timelines.fan_out(
                session,
                reblog.id,
                home_recipients(reblog, reposter.followers_count, self.pull_threshold),
                reblog_of_id=original.id,
            )
            await self.timelines.fan_out_lists(
                session, reblog.id, lists_receiving(reblog.id), reblog_of_id=original.id
            )
            await self._announce(session, "update", reblog, reposter.followers_count, holders, [])
            await notify(
                session,
                self.broker,
                recipient_id=original.account_id,
                from_account_id=viewer_id,
                type_=NotificationType.REBLOG,
                status_id=original.id,
            )
            return reblog

    async def do_unreblog(self, viewer_id: int, status_id: int) -> Status:
        """Undo a repost; returns the original."""
        async with self.db.transaction() as session:
            original = await self._original(session, viewer_id, status_id)
            reblog = await store.reblog_by(session, viewer_id, original.id)
            if reblog is not None:
                await self._remove(session, reblog)
                await notification_store.delete_matching(
                    session,
                    type_=NotificationType.REBLOG,
                    from_account_id=viewer_id,
                    status_id=original.id,
                )
            return original

    async def do_favourite(self, viewer_id: int, status_id: int) -> Status:
        async with self.db.transaction() as session:
            status = await self._original(session, viewer_id, status_id)
            now = utcnow()
            inserted = await insert_ignore(
                session,
                Favourite,
                [
                    {
                        "id": new_id(),
                        "account_id": viewer_id,
                        "status_id": status.id,
                        "created_at": now,
                    }
                ],
            )
            if inserted:
                await record_engagement(session, status, viewer_id, now)
                await notify(
                    session,
                    self.broker,
                    recipient_id=status.account_id,
                    from_account_id=viewer_id,
                    type_=NotificationType.FAVOURITE,
                    status_id=status.id,
                )
            return status

    async def do_unfavourite(self, viewer_id: int, status_id: int) -> Status:
        async with self.db.transaction() as session:
            status = await self._original(session, viewer_id, status_id)
            favourite = await store.favourite_of(session, viewer_id, status.id)
            if favourite is not None:
                await store.delete_favourite(session, favourite.id)
                await forget_engagement(session, status, viewer_id, favourite.created_at)
                await notification_store.delete_matching(
                    session,
                    type_=NotificationType.FAVOURITE,
                    from_account_id=viewer_id,
                    status_id=status.id,
                )
            return status

    async def _original(self, session: AsyncSession, viewer_id: int, status_id: int) -> Status:
        """The status acted on: for a repost, the reposted original (both must be visible)."""
        status = await access_status(session, viewer_id, status_id)
        if status.reblog_of_id is not None:
            return await access_status(session, viewer_id, status.reblog_of_id)
        return status


__all__ = [
    "NewStatus",
    "StatusActions",
    "StatusChange",
    "check_change",
    "check_length",
    "check_new_status",
]
