"""/api/v1/groups: groups (a Myna extension; docs/groups.md). Mastodon has no group scopes:
joining is like following, so writes need `write:follows` and reads `read:follows`; public
and restricted groups (and their member lists) can be read anonymously."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.groups import NewGroup
from myna.api.deps import account_of, base_url, container, read_scope, scope, viewer_id
from myna.api.openapi import BOOL, DATETIME, GROUP, ID, URL, array, doc, null, obj, text
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.accounts import render_account
from myna.api.schemas.groups import render_group, render_member
from myna.lib.clock import iso
from myna.lib.errors import ValidationFailed
from myna.models import GroupApp, GroupPrivacy, OAuthApp
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


@router.post(
    "",
    **doc(
        "Create a group; you become its owner and first member",
        returns="Group",
        scope="write:follows",
        body=GROUP,
        required=("handle", "name"),
    ),
)
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


@router.get(
    "",
    **doc(
        "The groups you belong to, most recently joined first (paged)",
        returns="Group[]",
        scope="read:follows",
        paged=True,
    ),
)
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
    **doc(
        "Public and restricted groups (and secret ones you belong to) whose handle starts "
        "with q or whose name contains it",
        returns="Group[]",
        scope="read:follows",
        anonymous=True,
        query={"q": text("tea"), "limit": {"type": "integer", "minimum": 1, "maximum": 40}},
    ),
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


@router.get(
    "/{group_id}",
    **doc("A group, with your role in it", returns="Group", scope="read:follows", anonymous=True),
)
async def get_group(
    request: Request, group_id: str, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    view = await container(request).group_reads.one(viewer_id(caller), path_id(group_id))
    return json_response(render_group(view, base_url(request)))


@router.patch(
    "/{group_id}",
    **doc(
        "Change name, description or privacy (owner or admin)",
        returns="Group",
        scope="write:follows",
        body=GROUP,
    ),
)
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


@router.delete(
    "/{group_id}", **doc("Delete the group and its posts (owner only)", scope="write:follows")
)
async def delete_group(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).group_actions.do_delete(account_of(caller).id, path_id(group_id))
    return json_response({})


@router.post(
    "/{group_id}/join",
    **doc(
        "Join a public group, ask to join a restricted one, or accept an invitation",
        returns="Group",
        scope="write:follows",
    ),
)
async def join_group(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_join(me, gid)
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/leave",
    **doc(
        "Leave, withdraw your join request or decline an invitation (not for the owner)",
        returns="Group",
        scope="write:follows",
    ),
)
async def leave_group(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_leave(me, gid)
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/home",
    **doc(
        "Whether the group's posts show in your home timeline (in_home)",
        returns="Group",
        scope="write:follows",
        body={"in_home": BOOL},
        required=("in_home",),
    ),
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
    **doc(
        "Members with their roles, newest first (paged; of a secret group, members only)",
        returns="GroupMember[]",
        scope="read:follows",
        anonymous=True,
        paged=True,
    ),
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
    **doc(
        "The group's other members who are online now: [{account_id, online: true}] (members only)",
        returns="Presence[]",
        scope="read:follows",
    ),
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
    **doc(
        "Make a member an admin or a plain member (owner only)",
        returns="Group",
        scope="write:follows",
        body={"role": {"type": "string", "enum": ["admin", "member"]}},
        required=("role",),
    ),
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
    **doc(
        "Remove a member; they may join again (owner, or admin for plain members)",
        returns="Group",
        scope="write:follows",
    ),
)
async def remove_member(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_remove(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/members/{account_id}/ban",
    **doc(
        "Ban an account: removed, and cannot join, ask or be invited until unbanned",
        returns="Group",
        scope="write:follows",
    ),
)
async def ban(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_ban(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.delete(
    "/{group_id}/members/{account_id}/ban",
    **doc("Lift a ban (owner or admin)", returns="Group", scope="write:follows"),
)
async def unban(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_unban(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.get(
    "/{group_id}/requests",
    **doc(
        "Pending join requests (owner or admin; paged)",
        returns="Account[]",
        scope="read:follows",
        paged=True,
    ),
)
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
    **doc("Accept a join request (owner or admin)", returns="Group", scope="write:follows"),
)
async def authorize_request(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_authorize(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/requests/{account_id}/reject",
    **doc("Reject a join request (owner or admin)", returns="Group", scope="write:follows"),
)
async def reject_request(
    request: Request, group_id: str, account_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    await container(request).group_actions.do_reject(me, gid, path_id(account_id))
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/invites",
    **doc(
        "Invite an account (account_id; owner or admin)",
        returns="Group",
        scope="write:follows",
        body={"account_id": ID},
        required=("account_id",),
        errors=(404,),
    ),
)
async def invite(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    target = await _account_param(request)
    await container(request).group_actions.do_invite(me, gid, target)
    return await _group_after(request, me, gid)


@router.post(
    "/{group_id}/transfer",
    **doc(
        "Hand ownership to another member (account_id); you become an admin (owner only)",
        returns="Group",
        scope="write:follows",
        body={"account_id": ID},
        required=("account_id",),
        errors=(404,),
    ),
)
async def transfer(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    me, gid = account_of(caller).id, path_id(group_id)
    target = await _account_param(request)
    await container(request).group_actions.do_transfer(me, gid, target)
    return await _group_after(request, me, gid)


# Apps added to the group: their webhook subscriptions hear of the group's events
# (docs/api.md, "Webhooks"). Owner and admins only.

GROUP_APP = obj(
    {
        "id": ID,
        "name": text("Weather bot"),
        "website": null(URL),
        "added_by_id": ID,
        "created_at": DATETIME,
    },
    description="Myna: an app added to a group (its webhooks hear of the group's events)",
)


def _render_group_app(row: GroupApp, app: OAuthApp) -> dict[str, object]:
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "added_by_id": str(row.added_by),
        "created_at": iso(row.created_at),
    }


@router.get(
    "/{group_id}/apps",
    **doc(
        "The apps added to the group, most recently added first (owner or admin)",
        returns=array(GROUP_APP),
        scope="read:follows",
    ),
)
async def group_apps(
    request: Request, group_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    found = await container(request).group_app_reads.apps(account_of(caller).id, path_id(group_id))
    return json_response([_render_group_app(row, app) for row, app in found])


@router.post(
    "/{group_id}/apps",
    **doc(
        "Add an app (client_id) to the group: its webhooks hear of group.status.created and "
        "group.member.joined (owner or admin)",
        returns=GROUP_APP,
        scope="write:follows",
        body={"client_id": text("h2nLp8Sx...")},
        required=("client_id",),
        errors=(404,),
    ),
)
async def add_group_app(
    request: Request, group_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    client_id = params.text("client_id", max_length=1000) or ""
    row, app = await container(request).group_app_actions.do_add(
        account_of(caller).id, path_id(group_id), client_id
    )
    return json_response(_render_group_app(row, app))


@router.delete(
    "/{group_id}/apps/{app_id}",
    **doc(
        "Remove an app from the group; its pending group events are not sent (owner or admin)",
        scope="write:follows",
        errors=(404,),
    ),
)
async def remove_group_app(
    request: Request, group_id: str, app_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).group_app_actions.do_remove(
        account_of(caller).id, path_id(group_id), path_id(app_id)
    )
    return json_response({})
