"""Who may moderate the instance: accounts marked admin (`myna admin create --admin`)."""

from myna.lib.errors import Forbidden
from myna.models import Account


def is_admin(account: Account | None) -> bool:
    return account is not None and account.is_admin


def check_admin(account: Account | None) -> None:
    """Forbidden for anyone but an admin (a 403: the endpoint's existence is no secret)."""
    if not is_admin(account):
        raise Forbidden("This action is allowed to admins only")
