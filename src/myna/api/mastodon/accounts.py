"""/api/v1/accounts, follow requests, blocks and mutes."""

from fastapi import APIRouter, Depends
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.accounts import SIGN_UP_REASON_MAX, Registration
from myna.api.deps import (
    account_of,
    base_url,
    container,
    media_url,
    read_scope,
    scope,
    viewer_id,
)
from myna.api.mastodon.bookmarks import render_kept
from myna.api.mastodon.media import FORM_OVERHEAD, _bounded
from myna.api.mastodon.statuses import render_page
from myna.api.openapi import BOOL, CREDENTIALS, ID, REGISTRATION, STR, array, doc, text
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.accounts import render_account, render_relationship
from myna.api.schemas.enums import visibility_from_wire
from myna.lib.errors import Forbidden
from myna.models import Account
from myna.reads.accounts import AccountList
from myna.reads.search import ACCOUNTS, SearchQuery
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def _accounts_response(request: Request, listing: AccountList) -> Response:
    base, url = base_url(request), media_url(request)
    return json_response(
        [render_account(a, base, media_url=url) for a in listing.accounts],
        headers=link_header(request, listing.cursor_ids),
    )


async def _credential_account(request: Request, account: Account) -> Response:
    """The CredentialAccount: the account with its `source` and pending follow requests."""
    pending = await container(request).account_reads.follow_requests_count(account.id)
    return json_response(
        render_account(
            account,
            base_url(request),
            source=True,
            follow_requests_count=pending,
            media_url=media_url(request),
        )
    )


async def _picture(params: Params, name: str, limit: int) -> bytes | None:
    """An uploaded file's bytes (one byte over `limit` is enough for the action to refuse);
    None when no file was sent under `name`."""
    upload = params.raw(name)
    if not isinstance(upload, UploadFile):
        return None
    return await upload.read(limit + 1)


async def _relationship(request: Request, viewer: int, target: int) -> Response:
    rel = await container(request).account_reads.relations(viewer, [target])
    return json_response(render_relationship(target, rel))


@router.post(
    "/accounts",
    **doc(
        "Register an account (needs an app token)",
        returns="Token",
        scope="write:accounts",
        body=REGISTRATION,
        required=("username", "email", "password", "agreement"),
        description="Needs an app token (client_credentials grant); answers the new user's token.",
    ),
)
async def register(
    request: Request, caller: Caller = Depends(scope("write:accounts", user=False))
) -> Response:
    c = container(request)
    if not (await c.server_reads.sign_up()).enabled:
        raise Forbidden("Registrations are closed")
    if caller.account is not None:
        raise Forbidden("Signed-in users cannot register accounts")
    params = await Params.read(request)
    reg = Registration(
        username=(params.text("username", max_length=100) or "").strip(),
        email=(params.text("email", max_length=400) or "").strip(),
        password=params.text("password", max_length=2000) or "",
        locale=params.text("locale", max_length=16) or "",
        agreement=bool(params.flag("agreement", default=False)),
        invite_code=params.text("invite_code", max_length=100) or "",
        reason=params.text("reason", max_length=SIGN_UP_REASON_MAX * 4) or "",
    )
    account = await c.account_actions.do_register(reg)
    token, raw = await c.app_actions.do_issue_token(caller.app.id, account.id, caller.token.scopes)
    return json_response(
        {
            "access_token": raw,
            "token_type": "Bearer",
            "scope": token.scopes,
            "created_at": int(token.created_at.timestamp()),
        }
    )


@router.get(
    "/accounts/verify_credentials",
    **doc(
        "The signed-in account, with its source", returns="CredentialAccount", scope="read:accounts"
    ),
)
async def verify_credentials(
    request: Request, caller: Caller = Depends(scope("read:accounts"))
) -> Response:
    account = await container(request).account_reads.one(account_of(caller).id)
    return await _credential_account(request, account)


@router.patch(
    "/accounts/update_credentials",
    **doc(
        "Change display name, bio, locked, avatar, header (multipart), ...",
        returns="CredentialAccount",
        scope="write:accounts",
        body=CREDENTIALS,
        upload=True,
        errors=(413,),
    ),
)
async def update_credentials(
    request: Request, caller: Caller = Depends(scope("write:accounts"))
) -> Response:
    c = container(request)
    limit = c.settings.media_max_bytes
    # Room for both pictures; each is held to the limit again on its own.
    request = await _bounded(request, 2 * limit + FORM_OVERHEAD)
    params = await Params.read(request)
    source_privacy = params.text("source[privacy]") or params.text("privacy")
    account = await c.account_actions.do_update_credentials(
        account_of(caller).id,
        display_name=params.text("display_name", max_length=1000),
        note=params.text("note", max_length=10_000),
        locked=params.flag("locked"),
        bot=params.flag("bot"),
        discoverable=params.flag("discoverable"),
        default_visibility=(v.value if (v := visibility_from_wire(source_privacy)) else None),
        default_language=params.text("source[language]", max_length=16),
        avatar=await _picture(params, "avatar", limit),
        header=await _picture(params, "header", limit),
    )
    return await _credential_account(request, account)


@router.delete(
    "/profile/avatar",
    **doc("Go back to the default avatar", returns="CredentialAccount", scope="write:accounts"),
)
async def delete_avatar(
    request: Request, caller: Caller = Depends(scope("write:accounts"))
) -> Response:
    account = await container(request).account_actions.do_update_credentials(
        account_of(caller).id, remove_avatar=True
    )
    return await _credential_account(request, account)


@router.delete(
    "/profile/header",
    **doc("Go back to the default header", returns="CredentialAccount", scope="write:accounts"),
)
async def delete_header(
    request: Request, caller: Caller = Depends(scope("write:accounts"))
) -> Response:
    account = await container(request).account_actions.do_update_credentials(
        account_of(caller).id, remove_header=True
    )
    return await _credential_account(request, account)


@router.get(
    "/accounts/relationships",
    **doc(
        "Relationships with the given accounts",
        returns="Relationship[]",
        scope="read:follows",
        query={"id[]": array(ID)},
    ),
)
async def relationships(
    request: Request, caller: Caller = Depends(scope("read:follows"))
) -> Response:
    params = await Params.read(request)
    ids = params.ids("id")[:100]
    rel = await container(request).account_reads.relations(account_of(caller).id, ids)
    return json_response([render_relationship(i, rel) for i in ids])


@router.get(
    "/accounts/lookup",
    **doc(
        "Find an account by its acct (username)",
        returns="Account",
        scope="read:accounts",
        anonymous=True,
        query={"acct": text("alice")},
        required=("acct",),
        errors=(404,),
    ),
)
async def lookup(
    request: Request, _caller: Caller | None = Depends(read_scope("read:accounts"))
) -> Response:
    params = await Params.read(request)
    account = await container(request).account_reads.lookup(
        params.required_text("acct", max_length=300)
    )
    return json_response(render_account(account, base_url(request), media_url=media_url(request)))


@router.get(
    "/accounts/search",
    **doc(
        "Accounts by username prefix or by the words of their display name (as "
        "/api/v2/search?type=accounts finds them)",
        returns="Account[]",
        scope="read:accounts",
        query={
            "q": text("ali"),
            "limit": {"type": "integer", "minimum": 1, "maximum": 80},
            "offset": {"type": "integer", "minimum": 0, "maximum": 10_000},
            "following": BOOL,
            "resolve": BOOL,
        },
    ),
)
async def search(request: Request, caller: Caller = Depends(scope("read:accounts"))) -> Response:
    params = await Params.read(request)
    limit = params.integer("limit", default=40, minimum=1, maximum=80) or 40
    offset = params.integer("offset", default=0, minimum=0, maximum=10_000) or 0
    params.flag("resolve")  # checked; nothing is remote
    q = params.text("q", max_length=300) or ""
    if not q.strip():
        return json_response([])
    query = SearchQuery(
        q=q,
        type=ACCOUNTS,
        following=bool(params.flag("following", default=False)),
        offset=offset,
        limit=limit,
    )
    found = await container(request).search_reads.search(viewer_id(caller), query)
    base, url = base_url(request), media_url(request)
    return json_response([render_account(a, base, media_url=url) for a in found.accounts])


@router.get(
    "/accounts/{account_id}",
    **doc("A profile", returns="Account", scope="read:accounts", anonymous=True),
)
async def get_account(
    request: Request, account_id: str, _caller: Caller | None = Depends(read_scope("read:accounts"))
) -> Response:
    account = await container(request).account_reads.one(path_id(account_id))
    return json_response(render_account(account, base_url(request), media_url=media_url(request)))


@router.get(
    "/accounts/{account_id}/statuses",
    **doc(
        "An account's statuses the caller may see",
        returns="Status[]",
        scope="read:statuses",
        anonymous=True,
        paged=True,
        query={
            "pinned": BOOL,
            "exclude_replies": BOOL,
            "exclude_reblogs": BOOL,
            "only_media": BOOL,
            "tagged": STR,
        },
    ),
)
async def account_statuses(
    request: Request, account_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    if params.flag("pinned", default=False):
        # Pins page by pin id, newest pin first.
        pins = await container(request).collection_reads.pinned(
            viewer_id(caller), path_id(account_id), page_from(params)
        )
        return render_kept(request, pins)
    bundle = await container(request).status_reads.by_account(
        viewer_id(caller),
        path_id(account_id),
        page_from(params),
        exclude_replies=bool(params.flag("exclude_replies", default=False)),
        exclude_reblogs=bool(params.flag("exclude_reblogs", default=False)),
        only_media=bool(params.flag("only_media", default=False)),
        tagged=params.text("tagged", max_length=200),
    )
    return render_page(request, bundle)


@router.get(
    "/accounts/{account_id}/followers",
    **doc(
        "Who follows the account",
        returns="Account[]",
        scope="read:accounts",
        anonymous=True,
        paged=True,
    ),
)
async def followers(
    request: Request, account_id: str, _caller: Caller | None = Depends(read_scope("read:accounts"))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).account_reads.followers(
        path_id(account_id), page_from(params, maximum=80)
    )
    return _accounts_response(request, listing)


@router.get(
    "/accounts/{account_id}/following",
    **doc(
        "Whom the account follows",
        returns="Account[]",
        scope="read:accounts",
        anonymous=True,
        paged=True,
    ),
)
async def following(
    request: Request, account_id: str, _caller: Caller | None = Depends(read_scope("read:accounts"))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).account_reads.following(
        path_id(account_id), page_from(params, maximum=80)
    )
    return _accounts_response(request, listing)


@router.post(
    "/accounts/{account_id}/follow",
    **doc(
        "Follow (or request to follow a locked account)",
        returns="Relationship",
        scope="write:follows",
        body={"reblogs": BOOL, "notify": BOOL},
    ),
)
async def follow(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:follows"))
) -> Response:
    params = await Params.read(request)
    me, target = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_follow(
        me, target, reblogs=params.flag("reblogs"), notify_posts=params.flag("notify")
    )
    return await _relationship(request, me, target)


@router.post(
    "/accounts/{account_id}/unfollow",
    **doc("Unfollow, or withdraw a follow request", returns="Relationship", scope="write:follows"),
)
async def unfollow(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:follows"))
) -> Response:
    me, target = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_unfollow(me, target)
    return await _relationship(request, me, target)


@router.post(
    "/accounts/{account_id}/remove_from_followers",
    **doc("Make an account stop following you", returns="Relationship", scope="write:follows"),
)
async def remove_from_followers(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:follows"))
) -> Response:
    me, target = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_remove_follower(me, target)
    return await _relationship(request, me, target)


@router.post(
    "/accounts/{account_id}/block",
    **doc("Block: also ends follows both ways", returns="Relationship", scope="write:blocks"),
)
async def block(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:blocks"))
) -> Response:
    me, target = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_block(me, target)
    return await _relationship(request, me, target)


@router.post(
    "/accounts/{account_id}/unblock", **doc("Unblock", returns="Relationship", scope="write:blocks")
)
async def unblock(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:blocks"))
) -> Response:
    me, target = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_unblock(me, target)
    return await _relationship(request, me, target)


@router.post(
    "/accounts/{account_id}/mute",
    **doc(
        "Mute (notifications too unless notifications=false)",
        returns="Relationship",
        scope="write:mutes",
        body={"notifications": BOOL},
    ),
)
async def mute(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:mutes"))
) -> Response:
    params = await Params.read(request)
    me, target = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_mute(
        me, target, notifications=bool(params.flag("notifications", default=True))
    )
    return await _relationship(request, me, target)


@router.post(
    "/accounts/{account_id}/unmute", **doc("Unmute", returns="Relationship", scope="write:mutes")
)
async def unmute(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:mutes"))
) -> Response:
    me, target = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_unmute(me, target)
    return await _relationship(request, me, target)


@router.get(
    "/follow_requests",
    **doc("Pending requests to follow you", returns="Account[]", scope="read:follows", paged=True),
)
async def follow_requests(
    request: Request, caller: Caller = Depends(scope("read:follows"))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).account_reads.follow_requests(
        account_of(caller).id, page_from(params, maximum=80)
    )
    return _accounts_response(request, listing)


@router.post(
    "/follow_requests/{account_id}/authorize",
    **doc("Accept a follow request", returns="Relationship", scope="write:follows"),
)
async def authorize_request(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:follows"))
) -> Response:
    me, requester = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_authorize_request(me, requester)
    return await _relationship(request, me, requester)


@router.post(
    "/follow_requests/{account_id}/reject",
    **doc("Reject a follow request", returns="Relationship", scope="write:follows"),
)
async def reject_request(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:follows"))
) -> Response:
    me, requester = account_of(caller).id, path_id(account_id)
    await container(request).relation_actions.do_reject_request(me, requester)
    return await _relationship(request, me, requester)


@router.get(
    "/blocks", **doc("Accounts you block", returns="Account[]", scope="read:blocks", paged=True)
)
async def blocks(request: Request, caller: Caller = Depends(scope("read:blocks"))) -> Response:
    params = await Params.read(request)
    listing = await container(request).account_reads.blocks(
        account_of(caller).id, page_from(params, maximum=80)
    )
    return _accounts_response(request, listing)


@router.get(
    "/mutes", **doc("Accounts you mute", returns="Account[]", scope="read:mutes", paged=True)
)
async def mutes(request: Request, caller: Caller = Depends(scope("read:mutes"))) -> Response:
    params = await Params.read(request)
    listing = await container(request).account_reads.mutes(
        account_of(caller).id, page_from(params, maximum=80)
    )
    return _accounts_response(request, listing)
