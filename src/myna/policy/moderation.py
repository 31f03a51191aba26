"""Who moderates, and what moderation does to an account (docs/moderation.md).

Roles: moderators handle reports, act on accounts and read the audit log; admins can do all
that and also change roles and the server's settings. `myna admin create-user --admin` makes
the first admin.

An account's moderation state:
  - limited (Mastodon's "silence"): its posts leave every public place (the public timeline,
    tag pages, search, hot topics and trends, suggestions and the directory); followers, and
    anyone opening a post directly, still see them.
  - suspended: nothing of it shows anywhere, to anyone, and it cannot sign in; lifted within
    30 days it comes back whole, after that its data is deleted.
  - disabled: it cannot sign in (its tokens stop working); its posts stay.
  - not yet approved (sign-ups by approval): it cannot sign in until a moderator approves.
"""

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from myna.lib.errors import Forbidden
from myna.models import Account, AccountRole

STAFF = (AccountRole.MODERATOR, AccountRole.ADMIN)


def is_admin(account: Account | None) -> bool:
    return account is not None and account.role == AccountRole.ADMIN


def is_staff(account: Account | None) -> bool:
    """A moderator or an admin."""
    return account is not None and account.role in STAFF


def check_admin(account: Account | None) -> None:
    """Forbidden for anyone but an admin (a 403: the endpoint's existence is no secret)."""
    if not is_admin(account):
        raise Forbidden("This action is allowed to admins only")


def check_staff(account: Account | None) -> None:
    """Forbidden for anyone but a moderator or an admin."""
    if not is_staff(account):
        raise Forbidden("This action is allowed to moderators only")


_RANK: dict[str, int] = {AccountRole.USER: 0, AccountRole.MODERATOR: 1, AccountRole.ADMIN: 2}


def outranks(actor: Account, target: Account) -> bool:
    """Whether the actor's role is above the target's: a moderator acts on users, an admin
    on moderators too; nobody on an admin."""
    return _RANK.get(actor.role, 0) > _RANK.get(target.role, 0)


def login_refusal(account: Account) -> str | None:
    """Why the account may not sign in or use its tokens; None when it may."""
    if account.suspended_at is not None:
        return "Your account is suspended"
    if account.disabled_at is not None:
        return "Your login is currently disabled"
    if not account.approved:
        return "Your login is currently pending approval"
    return None


def is_shown(account: Account) -> bool:
    """Whether anything of the account shows to others at all (not suspended)."""
    return account.suspended_at is None


def is_listed(account: Account) -> bool:
    """Whether the account's posts may appear in public places (neither limited nor
    suspended)."""
    return account.suspended_at is None and account.silenced_at is None


AccountColumn = ColumnElement[int] | InstrumentedAttribute[int]


def shown_author_sql(account_id: AccountColumn) -> ColumnElement[bool]:
    """SQL: the author is not suspended. Suspended accounts are few, and the subquery reads
    them from their own index."""
    return account_id.not_in(select(Account.id).where(Account.suspended_at.is_not(None)))


def listed_author_sql(account_id: AccountColumn) -> ColumnElement[bool]:
    """SQL: the author is neither limited nor suspended (for public places)."""
    hidden = select(Account.id).where(
        or_(Account.silenced_at.is_not(None), Account.suspended_at.is_not(None))
    )
    return account_id.not_in(hidden)
