"""The entities of the OpenAPI reference (api/openapi.py): JSON Schemas of what
`api/schemas/*.py` render, written once and published as components, and the small building
blocks that route decorators use to describe their parameters."""

from collections.abc import Iterable, Mapping
from typing import Any

from myna.api.schemas.enums import (
    NOTIFICATION_TYPES,
    SUGGESTION_SOURCE_LEGACY,
    VISIBILITY_FROM_WIRE,
)
from myna.models import ImportMode, ImportType, JobState
from myna.policy.filters import ACTIONS as FILTER_ACTIONS
from myna.policy.filters import CONTEXTS as FILTER_CONTEXTS

Schema = dict[str, Any]
REF = "#/components/schemas/"

# ---------------------------------------------------------------------------- building blocks

STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
URL: Schema = {"type": "string", "format": "uri", "examples": ["https://myna.example/@alice"]}
ID: Schema = {
    "type": "string",
    "pattern": "^[0-9]{1,19}$",
    "description": "A time-ordered 64-bit integer, as a string",
    "examples": ["113401234567890123"],
}
DATETIME: Schema = {
    "type": "string",
    "format": "date-time",
    "examples": ["2025-05-04T03:02:01.000Z"],
}
VISIBILITY: Schema = {"type": "string", "enum": list(VISIBILITY_FROM_WIRE)}
EMPTY: Schema = {"type": "object", "description": "An empty object: {}"}


def ref(name: str) -> Schema:
    return {"$ref": REF + name}


def null(schema: Schema) -> Schema:
    """`schema` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(
    properties: Mapping[str, Schema], *, optional: Iterable[str] = (), description: str = ""
) -> Schema:
    """An object whose properties are all required except `optional` ones."""
    skip = set(optional)
    out: Schema = {
        "type": "object",
        "properties": dict(properties),
        "required": [name for name in properties if name not in skip],
    }
    if description:
        out["description"] = description
    return out


def text(example: str) -> Schema:
    return {"type": "string", "examples": [example]}


# ---------------------------------------------------------------------------- entities

_ACCOUNT_PROPS: dict[str, Schema] = {
    "id": ID,
    "username": text("alice"),
    "acct": text("alice"),
    "display_name": text("Alice 爱丽丝"),
    "locked": BOOL,
    "bot": BOOL,
    "discoverable": BOOL,
    "indexable": BOOL,
    "group": BOOL,
    "created_at": DATETIME,
    "note": text("<p>Hello</p>"),
    "url": URL,
    "uri": URL,
    "avatar": URL,
    "avatar_static": URL,
    "header": URL,
    "header_static": URL,
    "followers_count": INT,
    "following_count": INT,
    "statuses_count": INT,
    "last_status_at": null({"type": "string", "format": "date", "examples": ["2025-05-04"]}),
    "hide_collections": BOOL,
    "noindex": BOOL,
    "emojis": array(EMPTY),
    "roles": array(EMPTY),
    "fields": array(EMPTY),
    "verified": {"type": "boolean", "description": "Myna: the account is verified (加V)"},
    "verified_reason": null(
        {"type": "string", "description": "Myna: why the account is verified (认证原因)"}
    ),
    "limited": {**BOOL, "description": "Present (true) when moderators limited the account"},
    "suspended": {
        **BOOL,
        "description": "Present (true) when the account is suspended: its profile is blank",
    },
}
# Mastodon sends these flags only when they are true.
_ACCOUNT_OPTIONAL = ("limited", "suspended")
_ROLE = obj(
    {
        "id": STR,
        "name": STR,
        "color": STR,
        "permissions": {**STR, "description": "Mastodon's permission bit flags, in decimal"},
        "highlighted": BOOL,
    }
)

_MEDIA_SIZE = obj({"width": INT, "height": INT, "size": text("640x480"), "aspect": NUM})

FILTER_BASE: dict[str, Schema] = {
    "id": ID,
    "title": text("Spoilers"),
    "context": array({"type": "string", "enum": list(FILTER_CONTEXTS)}),
    "expires_at": null(DATETIME),
    "filter_action": {"type": "string", "enum": list(FILTER_ACTIONS)},
}

_INSTANCE_CONFIGURATION = obj(
    {
        "statuses": obj(
            {
                "max_characters": INT,
                "max_media_attachments": INT,
                "characters_reserved_per_url": INT,
            },
        ),
        "media_attachments": {"type": "object"},
        "polls": {"type": "object"},
        "accounts": {"type": "object"},
    }
)

_APPLICATION_PROPS: dict[str, Schema] = {
    "id": ID,
    "name": text("My app"),
    "website": null(URL),
    "scopes": array(text("read")),
    "redirect_uri": text("urn:ietf:wg:oauth:2.0:oob"),
    "redirect_uris": array(text("urn:ietf:wg:oauth:2.0:oob")),
    "vapid_key": STR,
}

COMPONENTS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": text("Record not found"),
            "error_description": STR,
            "details": {
                "type": "object",
                "description": "On a refused registration: the problems, per field",
            },
        },
        optional=("error_description", "details"),
        description="Every error answer, as on Mastodon",
    ),
    "Empty": EMPTY,
    "Account": obj(_ACCOUNT_PROPS, optional=_ACCOUNT_OPTIONAL),
    "CredentialAccount": obj(
        {
            **_ACCOUNT_PROPS,
            "source": obj(
                {
                    "note": STR,
                    "fields": array(EMPTY),
                    "privacy": VISIBILITY,
                    "sensitive": BOOL,
                    "language": null(STR),
                    "follow_requests_count": INT,
                    "hide_collections": BOOL,
                    "discoverable": BOOL,
                    "indexable": BOOL,
                }
            ),
            "role": _ROLE,
        },
        optional=_ACCOUNT_OPTIONAL,
        description="The signed-in account, with its `source` and `role`",
    ),
    "Suggestion": obj(
        {
            "source": {
                "type": "string",
                "enum": sorted(set(SUGGESTION_SOURCE_LEGACY.values())),
                "description": "Deprecated: Mastodon's older word for the first of `sources`",
            },
            "sources": array(
                {"type": "string", "enum": [source.value for source in SUGGESTION_SOURCE_LEGACY]}
            ),
            "account": ref("Account"),
        },
        description="An account to follow, and why",
    ),
    "Relationship": obj(
        {
            "id": ID,
            **{
                name: BOOL
                for name in (
                    "following",
                    "showing_reblogs",
                    "notifying",
                    "followed_by",
                    "blocking",
                    "blocked_by",
                    "muting",
                    "muting_notifications",
                    "requested",
                    "requested_by",
                    "domain_blocking",
                    "endorsed",
                )
            },
            "languages": null(array(STR)),
            "note": STR,
        }
    ),
    "MediaAttachment": obj(
        {
            "id": ID,
            "type": {"type": "string", "enum": ["image", "gifv", "video", "audio", "unknown"]},
            "url": URL,
            "preview_url": URL,
            "remote_url": null(URL),
            "preview_remote_url": null(URL),
            "text_url": null(URL),
            "meta": obj(
                {
                    "original": _MEDIA_SIZE,
                    "small": _MEDIA_SIZE,
                    "focus": obj({"x": NUM, "y": NUM}),
                }
            ),
            "description": null(text("A myna on a branch")),
            "blurhash": null(STR),
        }
    ),
    "Poll": obj(
        {
            "id": ID,
            "expires_at": null(DATETIME),
            "expired": BOOL,
            "multiple": BOOL,
            "votes_count": INT,
            "voters_count": null(INT),
            "options": array(obj({"title": text("Tea"), "votes_count": null(INT)})),
            "emojis": array(EMPTY),
            "voted": BOOL,
            "own_votes": array(INT),
        },
        optional=("voted", "own_votes"),
        description="`voted` and `own_votes` come with a user token only",
    ),
    "FilterKeyword": obj({"id": ID, "keyword": text("spoiler"), "whole_word": BOOL}),
    "FilterStatus": obj({"id": ID, "status_id": ID}),
    "Filter": obj(
        {
            **FILTER_BASE,
            "keywords": array(ref("FilterKeyword")),
            "statuses": array(ref("FilterStatus")),
        }
    ),
    "FilterResult": obj(
        {
            "filter": obj(FILTER_BASE),
            "keyword_matches": null(array(STR)),
            "status_matches": null(array(ID)),
        }
    ),
    "V1Filter": obj(
        {
            "id": ID,
            "phrase": text("spoiler"),
            "context": FILTER_BASE["context"],
            "whole_word": BOOL,
            "expires_at": null(DATETIME),
            "irreversible": BOOL,
        }
    ),
    "Status": obj(
        {
            "id": ID,
            "uri": URL,
            "url": URL,
            "created_at": DATETIME,
            "edited_at": null(DATETIME),
            "account": ref("Account"),
            "content": text("<p>你好, world</p>"),
            "text": {
                "anyOf": [STR, {"type": "null"}],
                "description": "The source text: only in the answer to DELETE",
            },
            "visibility": VISIBILITY,
            "sensitive": BOOL,
            "spoiler_text": STR,
            "language": null(text("zh")),
            "in_reply_to_id": null(ID),
            "in_reply_to_account_id": null(ID),
            "reblog": null(ref("Status")),
            "quote": null(
                obj(
                    {
                        "state": {
                            "type": "string",
                            "enum": ["accepted", "deleted", "unauthorized"],
                        },
                        "quoted_status": null(ref("Status")),
                        "quoted_status_id": ID,
                    },
                    optional=("quoted_status", "quoted_status_id"),
                    description="Myna/Mastodon 4.4 quotes: a quote inside a quote is shallow",
                )
            ),
            "group_id": {**null(ID), "description": "Myna: the group it was posted to"},
            "list_id": {**null(ID), "description": "Myna: the list it was addressed to"},
            "application": null(obj({"name": STR, "website": null(STR)})),
            "media_attachments": array(ref("MediaAttachment")),
            "mentions": array(
                obj({"id": ID, "username": STR, "acct": STR, "url": URL}),
            ),
            "tags": array(obj({"name": text("话题"), "url": URL})),
            "emojis": array(EMPTY),
            "card": {"type": "null"},
            "poll": null(ref("Poll")),
            "replies_count": INT,
            "reblogs_count": INT,
            "quotes_count": INT,
            "favourites_count": INT,
            "favourited": BOOL,
            "reblogged": BOOL,
            "muted": BOOL,
            "bookmarked": BOOL,
            "pinned": BOOL,
            "filtered": array(ref("FilterResult")),
        }
    ),
    "Context": obj({"ancestors": array(ref("Status")), "descendants": array(ref("Status"))}),
    "StatusEdit": obj(
        {
            "content": STR,
            "spoiler_text": STR,
            "sensitive": BOOL,
            "created_at": DATETIME,
            "account": ref("Account"),
            "poll": null(ref("Poll")),
            "media_attachments": array(ref("MediaAttachment")),
            "emojis": array(EMPTY),
        }
    ),
    "StatusSource": obj({"id": ID, "text": STR, "spoiler_text": STR}),
    "ScheduledStatus": obj(
        {
            "id": ID,
            "scheduled_at": DATETIME,
            "params": obj(
                {
                    "text": STR,
                    "poll": null(
                        obj(
                            {
                                "options": array(STR),
                                "expires_in": STR,
                                "multiple": BOOL,
                                "hide_totals": BOOL,
                            }
                        )
                    ),
                    "media_ids": null(array(ID)),
                    "sensitive": BOOL,
                    "spoiler_text": null(STR),
                    "visibility": null(VISIBILITY),
                    "in_reply_to_id": null(ID),
                    "quoted_status_id": null(ID),
                    "language": null(STR),
                    "application_id": null(ID),
                    "scheduled_at": {"type": "null"},
                    "idempotency": {"type": "null"},
                    "with_rate_limit": BOOL,
                    "group_id": null(ID),
                    "list_id": null(ID),
                }
            ),
            "media_attachments": array(ref("MediaAttachment")),
        }
    ),
    "Notification": obj(
        {
            "id": ID,
            "type": {"type": "string", "enum": NOTIFICATION_TYPES},
            "created_at": DATETIME,
            "group_key": STR,
            "account": ref("Account"),
            "status": null(ref("Status")),
            "report": {
                "$ref": "#/components/schemas/Report",
                "description": "On admin.report: the report",
            },
            "moderation_warning": obj(
                {
                    "id": ID,
                    "action": {
                        "type": "string",
                        "enum": ["none", "sensitive", "disable", "silence", "suspend"],
                    },
                    "text": STR,
                    "status_ids": null(array(ID)),
                    "target_account": ref("Account"),
                    "appeal": null(EMPTY),
                    "created_at": DATETIME,
                },
                description="On moderation_warning: what moderators did to your account, and "
                "why (Mastodon's AccountWarning)",
            ),
        },
        optional=("report", "moderation_warning"),
    ),
    "Report": obj(
        {
            "id": ID,
            "action_taken": BOOL,
            "action_taken_at": null(DATETIME),
            "category": {"type": "string", "enum": ["spam", "legal", "violation", "other"]},
            "comment": STR,
            "forwarded": BOOL,
            "created_at": DATETIME,
            "status_ids": null(array(ID)),
            "rule_ids": null(array(ID)),
            "target_account": ref("Account"),
        },
        description="A report, as the account that filed it sees it",
    ),
    "AdminAccount": obj(
        {
            "id": ID,
            "username": text("alice"),
            "domain": null(STR),
            "created_at": DATETIME,
            "email": text("alice@example.org"),
            "ip": null(STR),
            "ips": array(EMPTY),
            "locale": null(STR),
            "invite_request": null(STR),
            "role": _ROLE,
            "confirmed": BOOL,
            "approved": BOOL,
            "disabled": BOOL,
            "silenced": BOOL,
            "suspended": BOOL,
            "sensitized": BOOL,
            "account": ref("Account"),
            "created_by_application_id": null(ID),
            "invited_by_account_id": null(ID),
            "verified": BOOL,
            "verified_reason": null(STR),
        },
        description="An account as moderators see it (Mastodon's Admin::Account); `silenced` "
        "is limited",
    ),
    "AdminReport": obj(
        {
            "id": ID,
            "action_taken": BOOL,
            "action_taken_at": null(DATETIME),
            "category": {"type": "string", "enum": ["spam", "legal", "violation", "other"]},
            "comment": STR,
            "forwarded": BOOL,
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "account": {"type": "object"},
            "target_account": {"type": "object"},
            "assigned_account": null({"type": "object"}),
            "action_taken_by_account": null({"type": "object"}),
            "statuses": array(ref("Status")),
            "rules": array(EMPTY),
            "group_id": null(ID),
        },
        description="A report as moderators see it (Mastodon's Admin::Report; the people in "
        "it are AdminAccounts). A group's owner and admins get the same shape with plain "
        "Accounts, for reports about posts in their group (`group_id`)",
    ),
    "ServerRules": obj(
        {
            "registrations": {"type": "string", "enum": ["open", "approval", "invite", "closed"]},
            "new_account_hours": INT,
            "new_account_posts_per_hour": INT,
            "link_blocklist": array(text("spam.example")),
            "hidden_keywords": array(text("代开发票")),
            "hidden_domains": array(text("casino.example")),
            "rate_limits": {"type": "object", "additionalProperties": STR},
        },
        description="Myna: the server's sign-up mode and spam defences (docs/moderation.md)",
    ),
    "EmailDomainBlock": obj(
        {"id": ID, "domain": text("spam.example"), "created_at": DATETIME, "history": array(EMPTY)},
        description="Mastodon's Admin::EmailDomainBlock",
    ),
    "Invite": obj(
        {
            "id": ID,
            "code": text("Xy3kQ9mZ"),
            "url": URL,
            "uses": INT,
            "max_uses": null(INT),
            "expires_at": null(DATETIME),
            "revoked": BOOL,
            "created_at": DATETIME,
        },
        description="Myna: a sign-up invite code",
    ),
    "AdminMeasure": obj(
        {
            "key": text("new_users"),
            "unit": null(STR),
            "total": text("42"),
            "previous_total": text("30"),
            "data": array(obj({"date": DATETIME, "value": text("3")})),
        },
        description="Figures per day for the admin dashboard (Mastodon's Admin::Measure)",
    ),
    "AuditEntry": obj(
        {
            "id": ID,
            "action": text("silence"),
            "created_at": DATETIME,
            "actor_id": null(ID),
            "actor_username": null(text("mod")),
            "target_type": {"type": "string", "enum": ["account", "report"]},
            "target_id": ID,
            "target_label": null(text("@spammer")),
            "text": STR,
        },
        description="Myna: one entry of the moderators' audit log. Names are kept as they "
        "were; a deleted account's name is blanked",
    ),
    "Conversation": obj(
        {
            "id": ID,
            "unread": BOOL,
            "accounts": array(ref("Account")),
            "last_status": ref("Status"),
        }
    ),
    "List": obj(
        {
            "id": ID,
            "title": text("Friends"),
            "replies_policy": {"type": "string", "enum": ["followed", "list", "none"]},
            "exclusive": BOOL,
        }
    ),
    "Group": obj(
        {
            "id": ID,
            "handle": text("tea_lovers"),
            "name": text("喝茶"),
            "description": STR,
            "privacy": {"type": "string", "enum": ["public", "restricted", "secret"]},
            "members_count": INT,
            "statuses_count": INT,
            "created_at": DATETIME,
            "url": URL,
            "owner": ref("Account"),
            "role": null({"type": "string", "enum": ["owner", "admin", "member"]}),
            "requested": BOOL,
            "invited": BOOL,
            "in_home": null(BOOL),
        },
        description="Myna: a group (微群) and the caller's place in it",
    ),
    "GroupMember": obj(
        {
            "account": ref("Account"),
            "role": {"type": "string", "enum": ["owner", "admin", "member"]},
            "joined_at": DATETIME,
        }
    ),
    "Presence": obj({"account_id": ID, "online": BOOL}, description="Myna: who is online"),
    "ImLink": obj(
        {
            "enabled": BOOL,
            "address": null(text("alice@example.org")),
            "state": text("linked"),
            "notify": BOOL,
            "code_sent_at": null(DATETIME),
            "linked_at": null(DATETIME),
            "gateway_address": null(text("alice@myna.localhost")),
            "rooms_domain": null(text("groups.myna.localhost")),
        },
        description="Myna: the XMPP address linked for the IM gateway (docs/im-gateway.md). "
        "`state` is `none`, `pending` (a code was sent to the address) or `linked`; "
        "`gateway_address` is where IM contacts reach you",
    ),
    "Archive": obj(
        {
            "id": null(ID),
            "state": {"type": "string", "enum": ["none", *(s.value for s in JobState)]},
            "size": null({**INT, "description": "Bytes of the zip, once done"}),
            "created_at": null(DATETIME),
            "finished_at": null(DATETIME),
            "expires_at": null(DATETIME),
            "download_url": null(URL),
        },
        description="Myna: your archive (docs/data.md): a zip of your posts, profile, likes, "
        "bookmarks, pictures and Mastodon's CSV exports, built in the background and kept "
        "for 7 days. `state` is `none` until you ask for one",
    ),
    "Import": obj(
        {
            "id": ID,
            "type": {"type": "string", "enum": [t.value for t in ImportType]},
            "mode": {"type": "string", "enum": [m.value for m in ImportMode]},
            "state": {"type": "string", "enum": [s.value for s in JobState]},
            "total_items": INT,
            "processed_items": INT,
            "failed_items": INT,
            "failures": array(
                obj(
                    {
                        "row": {**INT, "description": "1-based, among the file's rows"},
                        "item": text("bob@other.example"),
                        "error": text("The account is on another server"),
                    }
                )
            ),
            "created_at": DATETIME,
            "finished_at": null(DATETIME),
        },
        description="Myna: a CSV file you imported (docs/data.md) and its progress: "
        "`processed_items` of `total_items` rows done, `failed_items` of them failed "
        "(`failures` gives the first 100 and why)",
    ),
    "TagHistory": obj(
        {
            "day": text("1764288000"),
            "uses": text("42"),
            "accounts": text("17"),
        },
        description="One UTC day (its start in unix seconds): public posts and distinct "
        "accounts that used the tag or link, as strings",
    ),
    "Search": obj(
        {
            "accounts": array(ref("Account")),
            "statuses": array(ref("Status")),
            "hashtags": array(ref("Tag")),
        },
        description="GET /api/v2/search: what was found, by kind (empty for kinds not asked)",
    ),
    "Tag": obj(
        {
            "id": ID,
            "name": text("周末去哪儿"),
            "url": {
                "type": "string",
                "format": "uri",
                "examples": ["https://myna.example/tags/myna"],
            },
            "history": array(ref("TagHistory")),
            "following": BOOL,
        },
        optional=("following",),
        description="A #tag or #话题# topic; history: the last seven days, newest first; "
        "following: only when the caller is signed in",
    ),
    "AdminTag": obj(
        {
            "id": ID,
            "name": text("周末去哪儿"),
            "url": {
                "type": "string",
                "format": "uri",
                "examples": ["https://myna.example/tags/myna"],
            },
            "history": array(ref("TagHistory")),
            "trendable": BOOL,
            "usable": BOOL,
            "requires_review": BOOL,
        },
        description="A tag as admins see it: trendable is false once hidden from the trends",
    ),
    "TrendLink": obj(
        {
            "id": ID,
            "url": URL,
            "title": text("example.com/news/1"),
            "description": STR,
            "type": {"type": "string", "enum": ["link"]},
            "author_name": STR,
            "author_url": STR,
            "provider_name": text("example.com"),
            "provider_url": STR,
            "html": STR,
            "width": INT,
            "height": INT,
            "image": {"type": "null"},
            "embed_url": STR,
            "blurhash": {"type": "null"},
            "history": array(ref("TagHistory")),
        },
        description="A trending link (Mastodon's PreviewCard with history); nothing is "
        "fetched from the link, so its title is its host and path. id: Myna's, for admins",
    ),
    "Marker": obj({"last_read_id": ID, "version": INT, "updated_at": DATETIME}),
    "Markers": {
        "type": "object",
        "properties": {"home": ref("Marker"), "notifications": ref("Marker")},
        "description": "Reading positions by timeline",
    },
    "Preferences": obj(
        {
            "posting:default:visibility": VISIBILITY,
            "posting:default:sensitive": BOOL,
            "posting:default:language": null(STR),
            "reading:expand:media": {"type": "string", "enum": ["default", "show_all", "hide_all"]},
            "reading:expand:spoilers": BOOL,
        }
    ),
    "UnreadCount": obj({"count": INT}),
    "Application": obj(_APPLICATION_PROPS),
    "CredentialApplication": obj(
        {
            **_APPLICATION_PROPS,
            "client_id": text("h2nLp8Sx..."),
            "client_secret": text("Zp1q..."),
            "client_secret_expires_at": INT,
        },
        description="A new application, with its credentials: keep the secret",
    ),
    "Token": obj(
        {
            "access_token": text("Kq3...p0"),
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "scope": text("read write"),
            "created_at": INT,
        },
        optional=("created_at",),
    ),
    "OAuthMetadata": obj(
        {
            "issuer": URL,
            "authorization_endpoint": URL,
            "token_endpoint": URL,
            "revocation_endpoint": URL,
            "app_registration_endpoint": URL,
            "scopes_supported": array(STR),
            "response_types_supported": array(STR),
            "grant_types_supported": array(STR),
            "code_challenge_methods_supported": array(STR),
            "token_endpoint_auth_methods_supported": array(STR),
        }
    ),
    "InstanceV1": obj(
        {
            "uri": text("myna.example"),
            "title": text("Myna"),
            "short_description": STR,
            "description": STR,
            "email": STR,
            "version": text("4.3.0 (compatible; Myna 0.1.0)"),
            "urls": obj({"streaming_api": STR}),
            "stats": obj({"user_count": INT, "status_count": INT, "domain_count": INT}),
            "thumbnail": null(STR),
            "languages": array(STR),
            "registrations": BOOL,
            "approval_required": BOOL,
            "invites_enabled": BOOL,
            "configuration": _INSTANCE_CONFIGURATION,
            "contact_account": null(ref("Account")),
            "rules": array(EMPTY),
        }
    ),
    "Instance": obj(
        {
            "domain": text("myna.example"),
            "title": text("Myna"),
            "version": text("4.3.0 (compatible; Myna 0.1.0)"),
            "source_url": URL,
            "description": STR,
            "usage": obj({"users": obj({"active_month": INT})}),
            "thumbnail": obj({"url": URL}),
            "icon": array(EMPTY),
            "languages": array(STR),
            "configuration": _INSTANCE_CONFIGURATION,
            "registrations": obj(
                {
                    "enabled": BOOL,
                    "approval_required": BOOL,
                    "message": null(STR),
                    "url": null(STR),
                }
            ),
            "api_versions": obj({"mastodon": INT}),
            "contact": obj({"email": STR, "account": null(ref("Account"))}),
            "rules": array(EMPTY),
        }
    ),
}
