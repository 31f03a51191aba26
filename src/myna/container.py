"""Builds the services once, with explicit constructor arguments. Entry points (the app, the
CLI) hold one Container; routes take the one service they need from it."""

from dataclasses import dataclass
from datetime import datetime

from myna import __version__
from myna.actions.account_deletion import AccountDeletion
from myna.actions.accounts import AccountActions
from myna.actions.apps import AppActions
from myna.actions.archive import JOB as ARCHIVE_JOB
from myna.actions.archive import ArchiveActions
from myna.actions.archive_formats import Uris
from myna.actions.collections import CollectionActions
from myna.actions.conversations import ConversationActions
from myna.actions.filters import FilterActions
from myna.actions.group_apps import GroupAppActions
from myna.actions.groups import GroupActions
from myna.actions.housekeeping import Housekeeping, Sweep, every
from myna.actions.im_links import ImLinkActions
from myna.actions.imports import JOB as IMPORT_JOB
from myna.actions.imports import ImportActions
from myna.actions.lists import ListActions
from myna.actions.markers import MarkerActions
from myna.actions.media import MediaActions
from myna.actions.moderation import ModerationActions
from myna.actions.notifications import NotificationActions
from myna.actions.polls import PollActions, PollLimits
from myna.actions.presence import PresenceActions
from myna.actions.relations import RelationActions
from myna.actions.scheduled import ScheduledActions
from myna.actions.search import SearchActions
from myna.actions.server import ServerActions
from myna.actions.statuses import StatusActions
from myna.actions.suggestions import SuggestionActions
from myna.actions.tag_follows import TagFollowActions
from myna.actions.timelines import TimelineActions
from myna.actions.trends import TrendActions, TrendRules
from myna.actions.webhooks import Limits as WebhookLimits
from myna.actions.webhooks import WebhookActions
from myna.backends.archive_files import ArchiveFiles
from myna.backends.background import Background
from myna.backends.broker import Broker, LocalBroker, RedisBroker
from myna.backends.jobs import ArqJobs, Handler, InlineJobs, Jobs
from myna.backends.presence import LocalPresence, Presence, RedisPresence
from myna.backends.ratelimit import (
    Bucket,
    RateLimiter,
    memory_limiter,
    parse_limit,
    parse_networks,
    redis_limiter,
)
from myna.backends.redis_timelines import RedisTimelines
from myna.backends.search import SearchIndex, search_index
from myna.backends.storage import DirectoryStorage, S3Storage, Storage
from myna.backends.timelines import DerivedFeeds, SqlTimelines, TimelineBackend
from myna.backends.usage import UsageCounter
from myna.backends.webhooks import JOB as WEBHOOK_JOB
from myna.backends.webhooks import WebhookSender
from myna.config import Settings
from myna.db.database import Database
from myna.lib.images import Limits
from myna.reads.accounts import AccountReads
from myna.reads.apps import AppReads
from myna.reads.archive import ArchiveReads
from myna.reads.collections import CollectionReads
from myna.reads.conversations import ConversationReads
from myna.reads.edits import EditReads
from myna.reads.filters import FilterReads
from myna.reads.group_apps import GroupAppReads
from myna.reads.groups import GroupReads
from myna.reads.im import ImReads
from myna.reads.imports import ImportReads
from myna.reads.lists import ListReads
from myna.reads.markers import MarkerReads
from myna.reads.media import MediaReads
from myna.reads.moderation import ModerationReads
from myna.reads.notifications import NotificationReads
from myna.reads.polls import PollReads
from myna.reads.scheduled import ScheduledReads
from myna.reads.search import SearchReads
from myna.reads.server import ServerReads
from myna.reads.statuses import StatusReads
from myna.reads.streaming import StreamReads
from myna.reads.suggestions import SuggestionReads
from myna.reads.tag_follows import TagFollowReads
from myna.reads.tags import TagReads
from myna.reads.tokens import TokenReads
from myna.reads.trends import TrendReads
from myna.reads.webhooks import WebhookReads


@dataclass
class Container:
    settings: Settings
    db: Database
    timelines: TimelineBackend
    broker: Broker
    account_actions: AccountActions
    app_actions: AppActions
    status_actions: StatusActions
    relation_actions: RelationActions
    notification_actions: NotificationActions
    marker_actions: MarkerActions
    status_reads: StatusReads
    account_reads: AccountReads
    notification_reads: NotificationReads
    marker_reads: MarkerReads
    token_reads: TokenReads
    stream_reads: StreamReads
    presence: Presence
    conversation_actions: ConversationActions
    presence_actions: PresenceActions
    conversation_reads: ConversationReads
    group_actions: GroupActions
    group_reads: GroupReads
    list_actions: ListActions
    list_reads: ListReads
    collection_actions: CollectionActions
    collection_reads: CollectionReads
    edit_reads: EditReads
    filter_actions: FilterActions
    filter_reads: FilterReads
    storage: Storage
    media_actions: MediaActions
    media_reads: MediaReads
    scheduled_actions: ScheduledActions
    scheduled_reads: ScheduledReads
    housekeeping: Housekeeping
    jobs: Jobs
    # The timeline store when its feeds live apart from the database (Redis), else None.
    derived_feeds: DerivedFeeds | None
    timeline_actions: TimelineActions
    webhook_actions: WebhookActions
    webhook_reads: WebhookReads
    # What background jobs there are: name -> the service method that does the work.
    job_handlers: dict[str, Handler]
    poll_actions: PollActions
    poll_reads: PollReads
    # Counts calls per token, app, address and account (api/ratelimits.py applies it).
    rate_limiter: RateLimiter
    # Calls and errors per app and day, counted in memory and flushed by housekeeping.
    app_usage: UsageCounter
    app_reads: AppReads
    group_app_actions: GroupAppActions
    group_app_reads: GroupAppReads
    # Full-text search of statuses: SQLite FTS5 or PostgreSQL, by the database's dialect.
    search_index: SearchIndex
    search_actions: SearchActions
    search_reads: SearchReads
    tag_reads: TagReads
    trend_actions: TrendActions
    trend_reads: TrendReads
    suggestion_actions: SuggestionActions
    suggestion_reads: SuggestionReads
    tag_follow_actions: TagFollowActions
    tag_follow_reads: TagFollowReads
    im_link_actions: ImLinkActions
    im_reads: ImReads
    moderation_actions: ModerationActions
    server_actions: ServerActions
    account_deletion: AccountDeletion
    server_reads: ServerReads
    moderation_reads: ModerationReads
    # Your data (docs/data.md): archives and imports, built and worked through in the
    # background (arq jobs in scale mode, tasks of this process in embedded mode).
    background: Background
    archive_actions: ArchiveActions
    archive_reads: ArchiveReads
    import_actions: ImportActions
    import_reads: ImportReads

    async def close(self) -> None:
        await self.webhook_actions.close()  # first: its tasks use the jobs and the database
        await self.background.close()
        await self.app_usage.close()  # the counts since the last flush
        await self.jobs.close()
        await self.rate_limiter.close()
        await self.broker.close()
        await self.presence.close()
        await self.timelines.close()
        await self.db.dispose()


def build_storage(settings: Settings) -> Storage:
    if settings.media_s3_bucket:
        return S3Storage(
            settings.media_s3_bucket,
            public_url=settings.media_public_url,
            endpoint_url=settings.media_s3_endpoint_url,
            region=settings.media_s3_region,
            access_key=settings.media_s3_access_key,
            secret_key=settings.media_s3_secret_key,
        )
    return DirectoryStorage(settings.media_dir, settings.base_url)


def build_timelines(settings: Settings, jobs: Jobs | None = None) -> TimelineBackend:
    if settings.redis_timelines:
        return RedisTimelines(
            settings.redis_url,
            settings.redis_prefix,
            cap=settings.home_timeline_size,
            pull_threshold=settings.fanout_pull_threshold,
            jobs=jobs if isinstance(jobs, ArqJobs) else None,
            inline_limit=settings.fanout_inline_limit,
            batch=settings.fanout_batch_size,
        )
    return SqlTimelines()


def build_rate_limiter(settings: Settings) -> RateLimiter:
    configured = {
        Bucket.TOKEN: settings.rate_limit_token,
        Bucket.APP: settings.rate_limit_app,
        Bucket.ADDRESS: settings.rate_limit_ip,
        Bucket.SIGN_UP: settings.rate_limit_sign_up,
        Bucket.STATUSES: settings.rate_limit_statuses,
        Bucket.MEDIA: settings.rate_limit_media,
    }
    limits = {
        bucket: item
        for bucket, text in configured.items()
        if settings.rate_limits_enabled and (item := parse_limit(text)) is not None
    }
    trusted = parse_networks(settings.trusted_proxies)
    if not limits:
        return RateLimiter(None, {}, trusted_proxies=trusted)
    if settings.redis_url:
        return redis_limiter(settings.redis_url, settings.redis_prefix, limits, trusted)
    return memory_limiter(limits, trusted)


def build_webhooks(settings: Settings, db: Database, jobs: Jobs) -> WebhookActions:
    sender = WebhookSender(
        timeout=settings.webhook_timeout_seconds,
        allow_private=settings.webhooks_allow_private,
        user_agent=f"Myna/{__version__} webhooks (+{settings.base_url.rstrip('/')})",
    )
    limits = WebhookLimits(
        timeout=settings.webhook_timeout_seconds,
        retry_base=settings.webhook_retry_base_seconds,
        max_attempts=settings.webhook_max_attempts,
        max_subscriptions=settings.webhook_max_subscriptions,
        retention_days=settings.webhook_delivery_retention_days,
    )
    return WebhookActions(db, jobs, sender, limits)


# How often SQLite's planner statistics are refreshed (Database.refresh_statistics).
STATISTICS_SECONDS = 3600.0


def planner_statistics(db: Database) -> list[tuple[str, Sweep]]:
    """SQLite's planner statistics, refreshed hourly (PostgreSQL's autovacuum keeps its own)."""
    if not db.is_sqlite:
        return []

    async def refresh(_now: datetime) -> int:
        await db.keep_statistics()
        return 1

    return [("planner statistics", every(STATISTICS_SECONDS, refresh))]


def trend_rules(settings: Settings) -> TrendRules:
    return TrendRules(
        window_hours=settings.trends_window_hours,
        baseline_days=settings.trends_baseline_days,
        half_life_hours=settings.trends_half_life_hours,
        min_accounts=settings.trends_min_accounts,
        baseline_floor=settings.trends_baseline_floor,
        size=settings.trends_size,
        candidates=settings.trends_candidates,
        refresh_seconds=settings.trends_refresh_seconds,
    )


def build(settings: Settings) -> Container:
    db = Database(settings.database_url)
    search = search_index(db.engine.dialect.name)
    storage = build_storage(settings)
    media_actions = MediaActions(
        db,
        storage,
        limits=Limits(max_bytes=settings.media_max_bytes, max_pixels=settings.media_max_pixels),
        max_attachments=settings.max_media_attachments,
    )
    handlers: dict[str, Handler] = {}
    jobs: Jobs = (
        ArqJobs(settings.redis_url, settings.redis_prefix)
        if settings.redis_url
        else InlineJobs(handlers)
    )
    timelines = build_timelines(settings, jobs)
    derived_feeds = timelines if isinstance(timelines, RedisTimelines) else None
    if isinstance(timelines, RedisTimelines):
        handlers["deliver_feeds"] = timelines.push
    broker: Broker = (
        RedisBroker(settings.redis_url, settings.redis_prefix)
        if settings.redis_url
        else LocalBroker()
    )
    presence: Presence = (
        RedisPresence(settings.redis_url, settings.redis_prefix)
        if settings.redis_url
        else LocalPresence()
    )
    webhook_actions = build_webhooks(settings, db, jobs)
    handlers[WEBHOOK_JOB] = webhook_actions.deliver
    threshold = settings.fanout_pull_threshold
    status_actions = StatusActions(
        db,
        timelines,
        broker,
        base_url=settings.base_url,
        max_units=settings.max_status_units,
        pull_threshold=threshold,
        webhooks=webhook_actions,
        search=search,
        media=media_actions,
        poll_limits=PollLimits(
            max_options=settings.max_poll_options,
            max_option_chars=settings.max_poll_option_chars,
            min_expiration=settings.min_poll_expiration,
            max_expiration=settings.max_poll_expiration,
        ),
    )
    poll_actions = PollActions(db, broker)
    scheduled_actions = ScheduledActions(db, status_actions, media_actions)
    app_usage = UsageCounter(db)
    trend_actions = TrendActions(db, trend_rules(settings))
    background = Background(jobs, handlers)
    archive_files = ArchiveFiles(storage)
    account_deletion = AccountDeletion(db, broker, storage, archive_files)
    archive_actions = ArchiveActions(
        db, archive_files, background, Uris(settings.base_url.rstrip("/"), settings.instance_domain)
    )
    handlers[ARCHIVE_JOB] = archive_actions.build
    relation_actions = RelationActions(db, timelines, broker, webhooks=webhook_actions)
    list_actions = ListActions(db, timelines)
    collection_actions = CollectionActions(db)
    import_actions = ImportActions(
        db,
        relation_actions,
        list_actions,
        collection_actions,
        background,
        domain=settings.instance_domain,
        base_url=settings.base_url,
    )
    handlers[IMPORT_JOB] = import_actions.run
    server_reads = ServerReads(db, registrations_open=lambda: settings.registrations_open)
    rate_limiter = build_rate_limiter(settings)

    async def console_rate_limits(_now: datetime) -> int:
        """The console's rate limits, picked up by every process within seconds."""
        rate_limiter.override(dict((await server_reads.current()).rate_limits))
        return 0

    housekeeping = Housekeeping(
        [
            ("app usage", app_usage.flush),
            ("scheduled statuses", scheduled_actions.sweep),
            ("poll endings", poll_actions.sweep),
            ("unattached uploads", media_actions.sweep),
            ("webhook deliveries", webhook_actions.sweep),
            ("trends", trend_actions.sweep),
            ("archives", every(60.0, archive_actions.sweep)),
            ("imports", every(60.0, import_actions.sweep)),
            ("suspensions past their grace", every(3600, account_deletion.sweep)),
            ("console rate limits", every(10, console_rate_limits)),
            *planner_statistics(db),
        ]
    )
    return Container(
        settings=settings,
        db=db,
        timelines=timelines,
        account_actions=AccountActions(db, media=media_actions, search=search, broker=broker),
        app_actions=AppActions(db, broker, settings.access_token_ttl_days),
        broker=broker,
        status_actions=status_actions,
        relation_actions=relation_actions,
        notification_actions=NotificationActions(db),
        marker_actions=MarkerActions(db),
        status_reads=StatusReads(db, timelines, pull_threshold=threshold),
        account_reads=AccountReads(db, settings.instance_domain),
        notification_reads=NotificationReads(db),
        marker_reads=MarkerReads(db),
        token_reads=TokenReads(db),
        stream_reads=StreamReads(db, pull_threshold=threshold),
        presence=presence,
        conversation_actions=ConversationActions(db, broker),
        presence_actions=PresenceActions(db, presence, broker),
        conversation_reads=ConversationReads(db, presence),
        group_actions=GroupActions(db, broker, webhooks=webhook_actions),
        group_reads=GroupReads(db, presence),
        list_actions=list_actions,
        list_reads=ListReads(db, timelines),
        collection_actions=collection_actions,
        collection_reads=CollectionReads(db),
        edit_reads=EditReads(db),
        filter_actions=FilterActions(db, broker),
        filter_reads=FilterReads(db),
        storage=storage,
        media_actions=media_actions,
        media_reads=MediaReads(db),
        scheduled_actions=scheduled_actions,
        scheduled_reads=ScheduledReads(db),
        housekeeping=housekeeping,
        jobs=jobs,
        derived_feeds=derived_feeds,
        timeline_actions=TimelineActions(db, derived_feeds),
        webhook_actions=webhook_actions,
        webhook_reads=WebhookReads(db),
        job_handlers=handlers,
        poll_actions=poll_actions,
        poll_reads=PollReads(db),
        rate_limiter=rate_limiter,
        app_usage=app_usage,
        app_reads=AppReads(db, app_usage),
        group_app_actions=GroupAppActions(db),
        group_app_reads=GroupAppReads(db),
        search_index=search,
        search_actions=SearchActions(db, search),
        search_reads=SearchReads(db, search),
        tag_reads=TagReads(db),
        trend_actions=trend_actions,
        trend_reads=TrendReads(db, size=settings.trends_size),
        suggestion_actions=SuggestionActions(db),
        suggestion_reads=SuggestionReads(db),
        tag_follow_actions=TagFollowActions(db, timelines, threshold),
        tag_follow_reads=TagFollowReads(db),
        im_link_actions=ImLinkActions(
            db,
            broker,
            (settings.xmpp_domain, settings.xmpp_rooms_domain),
            enabled=bool(settings.xmpp_secret),
        ),
        im_reads=ImReads(db),
        moderation_actions=ModerationActions(db, broker),
        server_actions=ServerActions(db),
        account_deletion=account_deletion,
        server_reads=server_reads,
        moderation_reads=ModerationReads(db),
        background=background,
        archive_actions=archive_actions,
        archive_reads=ArchiveReads(db, archive_files),
        import_actions=import_actions,
        import_reads=ImportReads(db),
    )
