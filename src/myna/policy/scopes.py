"""OAuth scopes, Mastodon's vocabulary: the top-level `read`, `write`, `follow`, `push`,
`profile` and the granular `read:statuses`, `write:follows`, ... that they contain."""

READ = [
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
]
WRITE = [
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
]
# The legacy `follow` scope predates granular scopes and means exactly these.
FOLLOW = (
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
)

TOP_LEVEL = ("read", "write", "follow", "push", "profile")
# Moderation (Mastodon's admin API): never implied by `read` or `write`, and useful only to
# admins' tokens (the endpoints check the account too).
# `admin:read` and `admin:write` contain Mastodon's granular admin scopes.
ADMIN = ("admin:read", "admin:write")
ADMIN_PARTS = ("accounts", "reports")
ADMIN_GRANULAR = tuple(f"{top}:{part}" for top in ADMIN for part in ADMIN_PARTS)
ALL: frozenset[str] = frozenset(
    [
        *TOP_LEVEL,
        *(f"read:{s}" for s in READ),
        *(f"write:{s}" for s in WRITE),
        *ADMIN,
        *ADMIN_GRANULAR,
    ]
)
DEFAULT = "read"


def parse(raw: str | None) -> list[str]:
    """Scopes as a client sends them (space or `+` separated), in order, without repeats."""
    if not raw:
        return []
    out: list[str] = []
    for scope in raw.replace("+", " ").split():
        if scope not in out:
            out.append(scope)
    return out


def unknown(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope not in ALL]


def expand(scopes: list[str] | str) -> frozenset[str]:
    """Everything a set of granted scopes allows, granular scopes included."""
    granted = parse(scopes) if isinstance(scopes, str) else scopes
    out: set[str] = set(granted)
    for scope in granted:
        if scope == "read":
            out.update(f"read:{s}" for s in READ)
        elif scope == "write":
            out.update(f"write:{s}" for s in WRITE)
        elif scope == "follow":
            out.update(FOLLOW)
        elif scope in ADMIN:
            out.update(f"{scope}:{part}" for part in ADMIN_PARTS)
    return frozenset(out)


def allows(granted: frozenset[str], needed: str) -> bool:
    """`needed` is a granular or top-level scope; a top-level need requires the top-level grant."""
    return needed in granted


def subset(requested: list[str], allowed: list[str] | str) -> bool:
    """Whether an app registered for `allowed` may ask for `requested`."""
    return all(scope in expand(allowed) for scope in requested)
