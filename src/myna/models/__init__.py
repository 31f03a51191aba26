"""SQLAlchemy tables, one module per aggregate. Tables only: no logic, no JSON shapes."""

from myna.models.account import Account, AccountRole
from myna.models.archive import ArchiveExport, DataImport, ImportMode, ImportType, JobState
from myna.models.collection import Bookmark, Pin
from myna.models.conversation import Conversation, ConversationMember
from myna.models.discovery import SuggestionDismissal, TagFollow
from myna.models.edit import StatusEdit
from myna.models.filter import Filter, FilterKeyword, FilterStatus
from myna.models.group import (
    Group,
    GroupApp,
    GroupBan,
    GroupInvite,
    GroupMember,
    GroupPrivacy,
    GroupRequest,
    GroupRole,
)
from myna.models.im import ImLink
from myna.models.list import AccountList, ListMember, ListTimelineEntry
from myna.models.marker import Marker
from myna.models.media import MediaAttachment
from myna.models.moderation import (
    AuditAction,
    AuditEntry,
    Report,
    ReportCategory,
    ReportStatus,
)
from myna.models.notification import Notification, NotificationType
from myna.models.oauth import OAuthApp, OAuthAppUsage, OAuthCode, OAuthToken
from myna.models.poll import Poll, PollVote
from myna.models.relation import Block, Follow, FollowRequest, Mute
from myna.models.scheduled import ScheduledStatus
from myna.models.server import EmailDomainBlock, Invite, ServerSetting
from myna.models.status import (
    Favourite,
    IdempotencyKey,
    Mention,
    Status,
    StatusTag,
    Tag,
    Visibility,
)
from myna.models.timeline import HomeTimelineEntry
from myna.models.trend import Trend, TrendBan, TrendKind, TrendLink, TrendRefresh, TrendUse
from myna.models.webhook import WebhookDelivery, WebhookSubscription

__all__ = [
    "Account",
    "AccountList",
    "AccountRole",
    "ArchiveExport",
    "AuditAction",
    "AuditEntry",
    "Block",
    "Bookmark",
    "Conversation",
    "ConversationMember",
    "DataImport",
    "EmailDomainBlock",
    "Favourite",
    "Filter",
    "FilterKeyword",
    "FilterStatus",
    "Follow",
    "FollowRequest",
    "Group",
    "GroupApp",
    "GroupBan",
    "GroupInvite",
    "GroupMember",
    "GroupPrivacy",
    "GroupRequest",
    "GroupRole",
    "HomeTimelineEntry",
    "IdempotencyKey",
    "ImLink",
    "ImportMode",
    "ImportType",
    "Invite",
    "JobState",
    "ListMember",
    "ListTimelineEntry",
    "Marker",
    "MediaAttachment",
    "Mention",
    "Mute",
    "Notification",
    "NotificationType",
    "OAuthApp",
    "OAuthAppUsage",
    "OAuthCode",
    "OAuthToken",
    "Pin",
    "Poll",
    "PollVote",
    "Report",
    "ReportCategory",
    "ReportStatus",
    "ScheduledStatus",
    "ServerSetting",
    "Status",
    "StatusEdit",
    "StatusTag",
    "SuggestionDismissal",
    "Tag",
    "TagFollow",
    "Trend",
    "TrendBan",
    "TrendKind",
    "TrendLink",
    "TrendRefresh",
    "TrendUse",
    "Visibility",
    "WebhookDelivery",
    "WebhookSubscription",
]
