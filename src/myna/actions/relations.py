"""Following (with requests for locked accounts), blocking and muting."""

from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.lists import forget_unfollowed
from myna.actions.notifications import notify
from myna.actions.webhooks import WebhookActions
from myna.backends.timelines import TimelineBackend
from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_on_commit
from myna.lib.clock import utcnow
from myna.lib.errors import Forbidden, NotFound
from myna.lib.ids import new_id
from myna.models import Block, Follow, FollowRequest, Mute, NotificationType
from myna.policy.access import access_account, access_interactable_account
from myna.policy.audience import brought_home_on_follow, left_home_on_unfollow
from myna.policy.webhooks import FOLLOW, FOLLOW_REQUEST
from myna.store import accounts as account_store
from myna.store import notifications as notification_store
from myna.store import relations as store
from myna.store.upsert import insert_ignore


class RelationActions:
    def __init__(
        self,
        db: Database,
        timelines: TimelineBackend,
        broker: Publisher,
        *,
        webhooks: WebhookActions | None = None,
    ) -> None:
        self.db = db
        self.timelines = timelines
        self.broker = broker
        self.webhooks = webhooks

    def _changed(self, session: AsyncSession, *account_ids: int) -> None:
        """Streams of these accounts reload their follows, blocks and mutes after commit."""
        publish_on_commit(
            session,
            self.broker,
            [channels_for.control(a) for a in account_ids],
            Message(event="relations", account_ids=list(account_ids)),
        )

    async def do_follow(
        self,
        viewer_id: int,
        target_id: int,
        *,
        reblogs: bool | None = None,
        notify_posts: bool | None = None,
    ) -> None:
        async with self.db.transaction() as session:
            if target_id == viewer_id:
                await access_account(session, target_id)
                raise Forbidden("You cannot follow yourself")
            target = await access_interactable_account(session, viewer_id, target_id)
            if await store.exists(session, Block, viewer_id, target_id):
                raise Forbidden("You are blocking this account")
            follow = await store.find(session, Follow, viewer_id, target_id)
            if follow is not None:
                if reblogs is not None:
                    follow.show_reblogs = reblogs
                if notify_posts is not None:
                    follow.notify = notify_posts
                return
            options = {
                "show_reblogs": True if reblogs is None else reblogs,
                "notify": bool(notify_posts),
            }
            if target.locked:
                # ON CONFLICT DO NOTHING: two requests at once make one request, not a 500.
                requested = await insert_ignore(
                    session,
                    FollowRequest,
                    [
                        {
                            "id": new_id(),
                            "account_id": viewer_id,
                            "target_account_id": target_id,
                            "created_at": utcnow(),
                            **options,
                        }
                    ],
                )
                if requested:
                    await notify(
                        session,
                        self.broker,
                        recipient_id=target_id,
                        from_account_id=viewer_id,
                        type_=NotificationType.FOLLOW_REQUEST,
                    )
                    await self._webhook(session, FOLLOW_REQUEST, target_id, viewer_id)
                return
            if not await self._start_following(session, viewer_id, target_id, **options):
                return
            await notify(
                session,
                self.broker,
                recipient_id=target_id,
                from_account_id=viewer_id,
                type_=NotificationType.FOLLOW,
            )
            await self._webhook(session, FOLLOW, target_id, viewer_id)

    async def _webhook(
        self, session: AsyncSession, event: str, target_id: int, follower_id: int
    ) -> None:
        if self.webhooks is not None:  # recorded here, sent after commit
            await self.webhooks.on_follow(session, event, target_id, follower_id)

    async def _start_following(
        self,
        session: AsyncSession,
        follower_id: int,
        target_id: int,
        *,
        show_reblogs: bool,
        notify: bool,
    ) -> bool:
        """Returns False when a concurrent request already made the same follow."""
        inserted = await insert_ignore(
            session,
            Follow,
            [
                {
                    "id": new_id(),
                    "account_id": follower_id,
                    "target_account_id": target_id,
                    "created_at": utcnow(),
                    "show_reblogs": show_reblogs,
                    "notify": notify,
                }
            ],
        )
        if not inserted:
            return False
        await account_store.adjust_follow_counts(session, follower_id, target_id, 1)
        await self.timelines.add_author(session, follower_id, brought_home_on_follow(target_id))
        self._changed(session, follower_id, target_id)
        return True

    async def _stop_following(
        self, session: AsyncSession, follower_id: int, target_id: int
    ) -> None:
        if await store.remove(session, Follow, follower_id, target_id):
            await account_store.adjust_follow_counts(session, follower_id, target_id, -1)
            await self.timelines.remove_from_home(
                session, follower_id, left_home_on_unfollow(follower_id, target_id)
            )
            await forget_unfollowed(session, self.timelines, follower_id, target_id)
            self._changed(session, follower_id, target_id)
        if await store.remove(session, FollowRequest, follower_id, target_id):
            await notification_store.delete_matching(
                session,
                type_=NotificationType.FOLLOW_REQUEST,
                from_account_id=follower_id,
                account_id=target_id,
            )

    async def do_unfollow(self, viewer_id: int, target_id: int) -> None:
        async with self.db.transaction() as session:
            await access_account(session, target_id)
            await self._stop_following(session, viewer_id, target_id)

    async def do_remove_follower(self, viewer_id: int, follower_id: int) -> None:
        async with self.db.transaction() as session:
            await access_account(session, follower_id)
            await self._stop_following(session, follower_id, viewer_id)

    async def do_authorize_request(self, viewer_id: int, requester_id: int) -> None:
        async with self.db.transaction() as session:
            request = await store.find(session, FollowRequest, requester_id, viewer_id)
            if request is None:
                raise NotFound()
            await store.remove(session, FollowRequest, requester_id, viewer_id)
            await notification_store.delete_matching(
                session,
                type_=NotificationType.FOLLOW_REQUEST,
                from_account_id=requester_id,
                account_id=viewer_id,
            )
            if await self._start_following(
                session,
                requester_id,
                viewer_id,
                show_reblogs=request.show_reblogs,
                notify=request.notify,
            ):
                await notify(
                    session,
                    self.broker,
                    recipient_id=viewer_id,
                    from_account_id=requester_id,
                    type_=NotificationType.FOLLOW,
                )
                await self._webhook(session, FOLLOW, viewer_id, requester_id)

    async def do_reject_request(self, viewer_id: int, requester_id: int) -> None:
        async with self.db.transaction() as session:
            if not await store.remove(session, FollowRequest, requester_id, viewer_id):
                raise NotFound()
            await notification_store.delete_matching(
                session,
                type_=NotificationType.FOLLOW_REQUEST,
                from_account_id=requester_id,
                account_id=viewer_id,
            )

    async def do_block(self, viewer_id: int, target_id: int) -> None:
        """A block ends follows both ways, withdraws requests and notifications between the two,
        and takes each one's statuses out of the other's home feed."""
        async with self.db.transaction() as session:
            await access_account(session, target_id)
            if target_id == viewer_id:
                raise Forbidden("You cannot block yourself")
            blocked = await insert_ignore(
                session,
                Block,
                [
                    {
                        "id": new_id(),
                        "account_id": viewer_id,
                        "target_account_id": target_id,
                        "created_at": utcnow(),
                    }
                ],
            )
            if not blocked:  # already blocked (perhaps by a request racing this one)
                return
            await self._stop_following(session, viewer_id, target_id)
            await self._stop_following(session, target_id, viewer_id)
            await notification_store.delete_between(session, viewer_id, target_id)
            self._changed(session, viewer_id, target_id)

    async def do_unblock(self, viewer_id: int, target_id: int) -> None:
        async with self.db.transaction() as session:
            await access_account(session, target_id)
            if await store.remove(session, Block, viewer_id, target_id):
                self._changed(session, viewer_id, target_id)

    async def do_mute(self, viewer_id: int, target_id: int, *, notifications: bool = True) -> None:
        async with self.db.transaction() as session:
            await access_account(session, target_id)
            if target_id == viewer_id:
                raise Forbidden("You cannot mute yourself")
            muted = await insert_ignore(
                session,
                Mute,
                [
                    {
                        "id": new_id(),
                        "account_id": viewer_id,
                        "target_account_id": target_id,
                        "created_at": utcnow(),
                        "hide_notifications": notifications,
                    }
                ],
            )
            if not muted:  # muted already: this changes only whether notifications hide
                mute = await store.find(session, Mute, viewer_id, target_id)
                if mute is not None:
                    mute.hide_notifications = notifications
            self._changed(session, viewer_id)

    async def do_unmute(self, viewer_id: int, target_id: int) -> None:
        async with self.db.transaction() as session:
            await access_account(session, target_id)
            if await store.remove(session, Mute, viewer_id, target_id):
                self._changed(session, viewer_id)
