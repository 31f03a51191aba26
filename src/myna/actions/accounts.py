"""Sign-up, profile changes (pictures included) and the admin's account switches."""

import re
from dataclasses import dataclass

from myna.actions.media import MediaActions
from myna.actions.notifications import notify
from myna.actions.search import index_account
from myna.backends.search import SearchIndex
from myna.db.database import Database
from myna.events.publish import Publisher
from myna.lib import passwords
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.lib.text import valid_username
from myna.models import Account, AccountRole, NotificationType
from myna.policy import spam
from myna.policy.visibility import default_visibility_ok
from myna.store import accounts as store
from myna.store import moderation as moderation_store
from myna.store import server as server_store

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
DISPLAY_NAME_MAX = 30
SIGN_UP_REASON_MAX = 1000
NOTE_MAX = 500
# Mastodon's sizes: an avatar is a square, a header a 3:1 strip; both are cropped to fill.
AVATAR_SIZE = (400, 400)
HEADER_SIZE = (1500, 500)
RESERVED = frozenset(
    {
        "admin",
        "root",
        "administrator",
        "support",
        "help",
        "myna",
        "api",
        "oauth",
        "web",
        "settings",
        "about",
        "explore",
        "tags",
    }
)


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    locale: str = ""
    display_name: str = ""
    agreement: bool = True
    role: str = AccountRole.USER
    # For the `invite` and `approval` sign-up modes (policy/spam.py).
    invite_code: str = ""
    reason: str = ""


def check_registration(reg: Registration, *, allow_reserved: bool = False) -> dict[str, str]:
    """Field -> problem, Mastodon's ERR_* style. Empty when the registration is acceptable."""
    errors: dict[str, str] = {}
    if not reg.username:
        errors["username"] = "ERR_BLANK"
    elif not valid_username(reg.username):
        errors["username"] = "ERR_INVALID"
    elif reg.username.lower() in RESERVED and not allow_reserved:
        errors["username"] = "ERR_RESERVED"
    if not reg.email:
        errors["email"] = "ERR_BLANK"
    elif len(reg.email) > 320 or not EMAIL_RE.match(reg.email):
        errors["email"] = "ERR_INVALID"
    if not reg.password:
        errors["password"] = "ERR_BLANK"
    elif len(reg.password) < passwords.MIN_LENGTH:
        errors["password"] = "ERR_TOO_SHORT"
    elif len(reg.password) > passwords.MAX_LENGTH:
        errors["password"] = "ERR_TOO_LONG"
    if not reg.agreement:
        errors["agreement"] = "ERR_ACCEPTED"
    if len(reg.display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = "ERR_TOO_LONG"
    if len(reg.reason) > SIGN_UP_REASON_MAX:
        errors["reason"] = "ERR_TOO_LONG"
    return errors


class RegistrationRejected(ValidationFailed):
    def __init__(self, details: dict[str, str]) -> None:
        fields = ", ".join(f"{name}: {code}" for name, code in details.items())
        super().__init__(f"Validation failed: {fields}")
        self.details = details


class PictureRefused(ValidationFailed):
    """An avatar or header that is not an acceptable picture; `reason` is images.py's."""

    def __init__(self, field: str, reason: str) -> None:
        label = "Avatar" if field == "avatar" else "Header"
        super().__init__(
            f"Validation failed: {label}: {reason.removeprefix('Validation failed: ')}"
        )
        self.field = field
        self.reason = reason


class AccountActions:
    def __init__(
        self,
        db: Database,
        media: MediaActions | None = None,
        search: SearchIndex | None = None,
        broker: Publisher | None = None,
    ) -> None:
        self.db = db
        self.broker = broker  # to tell moderators of sign-ups waiting for approval
        # Where profile pictures are processed and stored (the uploads' storage and limits).
        self.media = media
        self.search = search  # the accounts' name index, written in the same transaction

    async def do_register(self, reg: Registration, *, allow_reserved: bool = False) -> Account:
        """A new account. `allow_reserved` is the operator's path (`myna admin create-user`):
        reserved names are allowed and the server's sign-up rules do not apply. Otherwise the
        sign-up mode, blocked e-mail domains and invites do (policy/spam.py); in the approval
        mode the account waits for a moderator, who is told of it."""
        errors = check_registration(reg, allow_reserved=allow_reserved)
        if errors:
            raise RegistrationRejected(errors)
        password_hash = passwords.hash_password(reg.password)
        async with self.db.transaction() as session:
            server_rules = spam.DEFAULTS
            if not allow_reserved:
                server_rules = await spam.current_rules(session)
                invite = None
                if reg.invite_code:
                    invite = await server_store.invite_by_code_for_update(
                        session, reg.invite_code.strip()
                    )
                invite_ok = spam.invite_usable(invite, utcnow())
                if reg.invite_code and not invite_ok:
                    errors["invite_code"] = "ERR_INVALID"
                    raise RegistrationRejected(errors)
                spam.check_sign_up_allowed(server_rules, invite_ok)
                blocked = await server_store.blocked_email_domains(session)
                if spam.in_domains(spam.email_domain(reg.email), blocked):
                    errors["email"] = "ERR_BLOCKED"
                if invite is not None and invite_ok:
                    await server_store.count_use(session, invite.id)
            if await store.username_taken(session, reg.username):
                errors["username"] = "ERR_TAKEN"
            if await store.email_taken(session, reg.email):
                errors["email"] = "ERR_TAKEN"
            if errors:
                raise RegistrationRejected(errors)
            account = Account(
                id=new_id(),
                username=reg.username,
                username_key=store.username_key(reg.username),
                email=reg.email.strip(),
                password_hash=password_hash,
                display_name=reg.display_name,
                note="",
                locale=reg.locale[:16],
                role=reg.role,
                approved=not spam.needs_approval(server_rules),
                sign_up_reason=reg.reason.strip(),
                created_at=utcnow(),
                followers_count=0,
                following_count=0,
                statuses_count=0,
            )
            await store.add(session, account)
            await index_account(self.search, session, account)
            if not account.approved and self.broker is not None:
                for staff_id in await moderation_store.staff_ids(session):
                    await notify(
                        session,
                        self.broker,
                        recipient_id=staff_id,
                        from_account_id=account.id,
                        type_=NotificationType.ADMIN_SIGN_UP,
                    )
        return account

    async def do_update_credentials(
        self,
        account_id: int,
        *,
        display_name: str | None = None,
        note: str | None = None,
        locked: bool | None = None,
        bot: bool | None = None,
        discoverable: bool | None = None,
        default_visibility: str | None = None,
        default_language: str | None = None,
        locale: str | None = None,
        avatar: bytes | None = None,
        header: bytes | None = None,
        remove_avatar: bool = False,
        remove_header: bool = False,
    ) -> Account:
        """Change what is given. A new avatar or header replaces the old one (whose file is
        deleted after commit); `remove_*` goes back to the default picture. Pictures are
        checked and written before the row changes; if anything fails, the new files are
        removed again and nothing has changed."""
        if display_name is not None and len(display_name) > DISPLAY_NAME_MAX:
            raise ValidationFailed(
                f"Display name is too long (at most {DISPLAY_NAME_MAX} characters)"
            )
        if note is not None and len(note) > NOTE_MAX:
            raise ValidationFailed(f"Note is too long (at most {NOTE_MAX} characters)")
        if default_visibility is not None and not default_visibility_ok(default_visibility):
            raise ValidationFailed(
                "Validation failed: the default privacy is public, unlisted or private"
            )
        written: list[str] = []
        saved = False
        try:
            avatar_key = await self._put_picture("avatar", avatar, AVATAR_SIZE, written)
            header_key = await self._put_picture("header", header, HEADER_SIZE, written)
            async with self.db.transaction() as session:
                account = await store.get_for_update(session, account_id)
                if account is None:
                    raise NotFound()
                if display_name is not None and display_name.strip() != account.display_name:
                    account.display_name = display_name.strip()
                    await index_account(self.search, session, account)
                if note is not None:
                    account.note = note
                if locked is not None:
                    account.locked = locked
                if bot is not None:
                    account.bot = bot
                if discoverable is not None:
                    account.discoverable = discoverable
                if default_visibility is not None:
                    account.default_visibility = default_visibility
                if default_language is not None:
                    account.default_language = default_language[:16]
                if locale is not None:
                    account.locale = locale[:16]
                replaced: list[str] = []
                if avatar_key is not None or remove_avatar:
                    replaced.append(account.avatar_key or "")
                    account.avatar_key = avatar_key
                if header_key is not None or remove_header:
                    replaced.append(account.header_key or "")
                    account.header_key = header_key
                if self.media is not None:
                    self.media.delete_on_commit(session, [key for key in replaced if key])
            saved = True
        finally:
            if not saved and written and self.media is not None:
                await self.media.discard(written)
        return account

    async def _put_picture(
        self, field: str, data: bytes | None, size: tuple[int, int], written: list[str]
    ) -> str | None:
        if data is None:
            return None
        if self.media is None:
            raise RuntimeError("AccountActions was built without media: pictures cannot be kept")
        try:
            key = await self.media.put_fitted(data, size)
        except ValidationFailed as refused:
            raise PictureRefused(field, refused.message) from None
        written.append(key)
        return key

    async def do_set_verified(self, username: str, verified: bool = True) -> Account:
        async with self.db.transaction() as session:
            account = await store.by_username(session, username)
            if account is None:
                raise NotFound(f"No account named {username}")
            account.verified = verified
        return account

    async def do_change_password(self, account_id: int, current: str, new: str) -> None:
        if len(new) < passwords.MIN_LENGTH:
            raise ValidationFailed(
                f"Password is too short (at least {passwords.MIN_LENGTH} characters)"
            )
        if len(new) > passwords.MAX_LENGTH:
            raise ValidationFailed(
                f"Password is too long (at most {passwords.MAX_LENGTH} characters)"
            )
        async with self.db.transaction() as session:
            account = await store.get(session, account_id)
            if account is None or not passwords.verify_password(account.password_hash, current):
                raise ValidationFailed("Current password is wrong")
            account.password_hash = passwords.hash_password(new)
