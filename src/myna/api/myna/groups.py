"""/api/v1/groups: groups (a Myna extension; docs/groups.md). Mastodon has no group scopes:
joining is like following, so writes need `write:follows` and reads `read:follows`; public
and restricted groups (and their member lists) can be read anonymously."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.groups import NewGroup
from myna.api.deps import account_of, base_url, container, read_scope, scope, viewer_id
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.accounts import render_account
from myna.api.schemas.groups import render_group, render_member
from myna.lib.errors import ValidationFailed
from myna.models import GroupPrivacy
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/groups", tags=["groups"])

WRITE = "write:follows"
READ = "read:follows"


async def _group_after(request: Request, me: int, group_id: int) -> Response:
    view = await container(request).group_reads.after_write(me, group_id)
    return json_response(render_group(view, base_url(request)))


async def _account_param(request: Request) -> int:
    params = await Params.read(request)
    account_id = params.id("account_id")
    if account_id is None:
        raise ValidationFailed("Validation failed: account_id can't be blank")
    return account_id


@router.post("", summary="Create a group; you become its owner and first member")
async def create_group(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    me = account_of(caller).id
    group_id = await container(request).group_actions.do_create(
        me,
        NewGroup(
            handle=(params.text("handle", max_length=100) or "").strip(),
            name=params.text("name", max_length=1000) or "",
            description=params.text("description", max_length=10_000) or "",
            privacy=params.text("privacy", max_length=32) or GroupPrivacy.PUBLIC,
        ),
    )
    return await _group_after(request, me, group_id)


@router.get("", summary="The groups you belong to, most recently joined first (paged)")
async def my_groups(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    params = await Params.read(request)
    listing = await container(request).group_reads.mine(
        account_of(caller).id, page_from(params, maximum=80)
    )
    base = base_url(request)
    return json_response(
        [render_group(g, base) for g in listing.groups],
        headers=link_header(request, listing.cursor_ids),
    )


@router.get(
    "/search",
    summary="Public and restricted groups (and secret ones you belong to) whose handle starts "
    "with q or whose name contains it",
)
async def search_groups(
    request: Request, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    params = await Params.read(request)
    limit = params.integer("limit", default=20, minimum=1, maximum=40) or 20
    found = await container(request).group_reads.search(
        viewer_id(caller), params.text("q", max_length=300) or "", limit
    )
    base = base_url(request)
    return json_response([render_group(g, base) for g in found])


@router.get("/{group_id}", summary="A group, with your role in it")
async def get_group(
    request: Request, group_id: str, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    view = await container(request).group_reads.one(viewer_id(caller), path_id(group_id))
    return json_response(render_group(view, base_url(request)))


@router.patch("/{group_id}", summary="Change name, description or privacy (owner or admin)")
async def update_group(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_update(
        me,
        gid,
        name=params.text("name", max_length=1000),
        description=params.text("description", max_length=10_000),
        privacy=params.text("privacy", max_length=32),
    )
    return await _group_after(request, me, gid)


@router.delete("/{group_id}", summary="Delete the group and its posts (owner only)")
async def delete_group(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).group_actions.do_delete(account_of(caller).id, path_id(group_id))
    return json_response({})


@router.post(
    "/{group_id}/join",
    summary="Join a public group, ask to join a restricted one, or accept an invitation",
)
async def join_group(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_join(me, gid)
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/leave",
    summary="Leave, withdraw your join request or decline an invitation (not for the owner)",
)
async def leave_group(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_leave(me, gid)
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/home", summary="Whether the group's posts show in your home timeline (in_home)"
)
async def set_home(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    in_home = params.flag("in_home")
    if in_home is None:
        raise ValidationFailed("Validation failed: in_home can't be blank")
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_set_home(me, gid, in_home)
    return await _group_after(request, me, gid)


@router.get(
    "/{group_id}/members",
    summary="Members with their roles, newest first (paged; of a secret group, members only)",
)
async def members(
    request: Request, group_id: str, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).group_reads.members(
        viewer_id(caller), path_id(group_id), page_from(params, maximum=80)
    )
    base = base_url(request)
    return json_response(
        [render_member(m, base) for m in listing.members],
        headers=link_header(request, listing.cursor_ids),
    )


@router.get(
    "/{group_id}/presence",
    summary="The group's other members who are online now: [{account_id, online: true}] "
    "(members only)",
)
async def presence(
    request: Request, group_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    online = await container(request).group_reads.members_online(
        account_of(caller).id, path_id(group_id)
    )
    return json_response([{"account_id": str(a), "online": True} for a in online])


@router.post(
    "/{group_id}/members/{account_id}/role",
    summary="Make a member an admin or a plain member (owner only)",
)
async def set_role(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_set_role(
        me, gid, path_id(account_id), params.required_text("role", max_length=32)
    )
    return await _group_after(request, me, gid)


@router.delete(
    "/{group_id}/members/{account_id}",
    summary="Remove a member; they may join again (owner, or admin for plain members)",
)
async def remove_member(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_remove(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/members/{account_id}/ban",
    summary="Ban an account: removed, and cannot join, ask or be invited until unbanned",
)
async def ban(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_ban(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.delete("/{group_id}/members/{account_id}/ban", summary="Lift a ban (owner or admin)")
async def unban(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_unban(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.get("/{group_id}/requests", summary="Pending join requests (owner or admin; paged)")
async def join_requests(
    request: Request, group_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).group_reads.requests(
        account_of(caller).id, path_id(group_id), page_from(params, maximum=80)
    )
    base = base_url(request)
    return json_response(
        [render_account(a, base) for a in listing.accounts],
        headers=link_header(request, listing.cursor_ids),
    )


@router.post(
    "/{group_id}/requests/{account_id}/authorize",
    summary="Accept a join request (owner or admin)",
)
async def authorize_request(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_authorize(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/requests/{account_id}/reject", summary="Reject a join request (owner or admin)"
)
async def reject_request(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_reject(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.post("/{group_id}/invites", summary="Invite an account (account_id; owner or admin)")
async def invite(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    target = await _account_param(request)
    await container(request).group_actions.do_invite(me, gid, target)
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/transfer",
    summary="Hand ownership to another member (account_id); you become an admin (owner only)",
)
async def transfer(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    target = await _account_param(request)
    await container(request).group_actions.do_transfer(me, gid, target)
    return await _group_after(request, me, gid)
