"""Groups (微群) as live group chats: my groups, invitations, search and creating one; a
group's page with its posts as a chat; joining, leaving and asking to join; members and their
management, join requests, invitations, settings and deletion.

Who may do what is decided by the group actions and reads (policy/groups.py); the pages only
choose which buttons to offer. A group is shown by id (`/groups/123`) or, as the API's
Group entity links it, by handle (`/groups/Birders`)."""

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.groups import NewGroup
from myna.actions.statuses import NewStatus
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import parse_id
from myna.lib.paging import Page
from myna.models import Account, GroupPrivacy, GroupRole, Visibility
from myna.policy.groups import MANAGERS, may_read_posts
from myna.reads.bundle import StatusBundle
from myna.reads.groups import GroupView
from myna.web import render, session
from myna.web.messages import (
    bodies,
    bubbles,
    check_message,
    idempotency_key,
)
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

MINE_PAGE = 20
CHAT_PAGE = 40
MEMBERS_PAGE = 40
SEARCH_LIMIT = 20
PRIVACIES = [p.value for p in GroupPrivacy]


async def _account_named(request: Request, form: FormData, field: str = "username") -> Account:
    """The account a form names by username; ValidationFailed when it names nobody."""
    _ = render.translator(request)
    name = render.text(form, field).strip().lstrip("@")
    if not name:
        raise ValidationFailed(_("Enter a username."))
    try:
        return await session.container(request).account_reads.lookup(name[:100])
    except NotFound:
        raise ValidationFailed(
            _("There is nobody called @%(name)s here.") % {"name": name[:30]}
        ) from None


# My groups, invitations, search, creating a group.


async def groups_page(
    request: Request,
    viewer: Account,
    *,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    c = session.container(request)
    max_id = render.max_id(request)
    query = request.query_params.get("q", "")[:100].strip()
    mine = await c.group_reads.mine(viewer.id, Page(max_id=max_id, limit=MINE_PAGE))
    found = await c.group_reads.search(viewer.id, query, SEARCH_LIMIT) if query else []
    invitations = await c.group_reads.invitations(viewer.id) if max_id is None else []
    older = mine.cursor_ids[-1] if len(mine.cursor_ids) >= MINE_PAGE else None
    return await render.render(
        request,
        "groups.html",
        status,
        mine=mine.groups,
        found=found,
        query=query,
        invitations=invitations,
        older=older,
        paged=max_id is not None,
        error=error,
        values=values or {"privacy": GroupPrivacy.PUBLIC.value},
        privacies=PRIVACIES,
    )


@router.get("/groups")
async def groups(request: Request) -> Response:
    viewer = await render.me(request)
    return await groups_page(request, viewer)


@router.post("/web/groups")
async def create(request: Request) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    values = {
        "handle": render.text(form, "handle").strip()[:100],
        "name": render.text(form, "name")[:1000],
        "description": render.text(form, "description")[:10_000],
        "privacy": render.text(form, "privacy")[:32],
    }
    try:
        group_id = await session.container(request).group_actions.do_create(
            viewer.id,
            NewGroup(
                handle=values["handle"],
                name=values["name"],
                description=values["description"],
                privacy=values["privacy"] or GroupPrivacy.PUBLIC.value,
            ),
        )
    except ValidationFailed as rejected:
        return await groups_page(
            request,
            viewer,
            status=422,
            error=render.refusal(request, rejected.message),
            values=values,
        )
    return render.redirect(f"/groups/{group_id}")


# A group's page: the group chat.


async def _group(request: Request, viewer_id: int | None, ref: str) -> GroupView:
    """The group named in the path, by id or by handle, as the viewer may see it."""
    reads = session.container(request).group_reads
    group_id = parse_id(ref)
    if group_id is not None:
        try:
            return await reads.one(viewer_id, group_id)
        except NotFound:
            pass
    if not ref or len(ref) > 30:
        raise NotFound()
    return await reads.by_handle(viewer_id, ref)


async def group_page(
    request: Request,
    view: GroupView,
    *,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
) -> HTMLResponse:
    c = session.container(request)
    caller = await render.caller(request)
    viewer = caller.account if caller is not None else None
    viewer_id = viewer.id if viewer is not None else None
    group = view.group
    max_id = render.max_id(request)
    readable = may_read_posts(group.privacy, view.role)
    bundle = (
        await c.status_reads.group(viewer_id, group.id, Page(max_id=max_id, limit=CHAT_PAGE))
        if readable
        else StatusBundle(viewer_id=viewer_id, statuses=[])
    )
    online_ids: list[int] = []
    if view.role is not None and viewer_id is not None:
        online_ids = await c.group_reads.members_online(viewer_id, group.id)
    online = await c.account_reads.many(online_ids)
    here = f"/groups/{group.id}"
    shown = bundle.statuses
    return await render.render(
        request,
        "group.html",
        status,
        view=view,
        group=group,
        readable=readable,
        bundle=bundle,
        bodies=bodies(request, bundle),
        moderator=view.role in MANAGERS,
        online=online,
        older_url=f"{here}?max_id={shown[-1].id}" if len(shown) >= CHAT_PAGE else "",
        newest_url=here if max_id is not None else "",
        draft=draft,
        error=error,
        idempotency_key=render.idempotency_key(),
    )


@router.get("/groups/{ref}")
async def group(request: Request, ref: str) -> Response:
    caller = await render.caller(request)
    viewer_id = caller.account.id if caller is not None and caller.account is not None else None
    return await group_page(request, await _group(request, viewer_id, ref))


@router.post("/web/groups/{group_id}/posts")
async def post(request: Request, group_id: str) -> Response:
    """A post to the group (members only), as a message of its chat."""
    caller = await render.signed_in(request)
    viewer = caller.account
    assert viewer is not None
    gid = render.path_id(group_id)
    form = await render.form(request)
    c = session.container(request)
    view = await c.group_reads.one(viewer.id, gid)  # NotFound before anything else
    text = render.text(form, "text")
    try:
        full = check_message(request, text, "")
    except ValidationFailed as rejected:
        return await group_page(request, view, status=422, error=rejected.message, draft=text)
    posted = await c.status_actions.do_post(
        viewer.id,
        NewStatus(
            text=full,
            visibility=Visibility.GROUP,
            group_id=gid,
            idempotency_key=idempotency_key(form),
            app_id=caller.app.id,
        ),
    )
    if render.wants_fragment(request):
        bundle = await c.status_reads.many(viewer.id, [posted.id])
        return await bubbles(request, viewer, bundle, moderator=view.role in MANAGERS)
    return render.redirect(f"/groups/{gid}")


@router.get("/web/fragments/groups/{group_id}/since/{status_id}")
async def group_since(request: Request, group_id: str, status_id: str) -> Response:
    """The group's posts after `status_id`, oldest first: what a chat page missed while its
    connection was down."""
    viewer = await render.me(request)
    c = session.container(request)
    gid = render.path_id(group_id)
    view = await c.group_reads.one(viewer.id, gid)
    bundle = await c.status_reads.group(
        viewer.id, gid, Page(min_id=render.path_id(status_id), limit=CHAT_PAGE)
    )
    return await bubbles(request, viewer, bundle, moderator=view.role in MANAGERS)


@router.post("/web/groups/{group_id}/join")
async def join(request: Request, group_id: str) -> Response:
    """Join a public group, ask to join a restricted one, or accept an invitation."""
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    await session.container(request).group_actions.do_join(viewer.id, gid)
    return render.back(request, form, f"/groups/{gid}")


@router.post("/web/groups/{group_id}/leave")
async def leave(request: Request, group_id: str) -> Response:
    """Leave, withdraw a request to join, or decline an invitation."""
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    c = session.container(request)
    view = await c.group_reads.one(viewer.id, gid)
    await c.group_actions.do_leave(viewer.id, gid)
    if view.group.privacy == GroupPrivacy.SECRET:
        return render.redirect("/groups")  # out of sight once left: its page is a 404 now
    return render.back(request, form, f"/groups/{gid}")


@router.post("/web/groups/{group_id}/home")
async def home_setting(request: Request, group_id: str) -> Response:
    """Whether the group's posts also show in the member's home timeline."""
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    in_home = render.text(form, "in_home") == "1"
    await session.container(request).group_actions.do_set_home(viewer.id, gid, in_home)
    return render.back(request, form, f"/groups/{gid}")


# Members and their management.


async def members_page(
    request: Request, group_id: int, *, status: int = 200, error: str | None = None
) -> HTMLResponse:
    caller = await render.caller(request)
    viewer_id = caller.account.id if caller is not None and caller.account is not None else None
    c = session.container(request)
    view = await c.group_reads.one(viewer_id, group_id)
    max_id = render.max_id(request)
    listing = await c.group_reads.members(
        viewer_id, group_id, Page(max_id=max_id, limit=MEMBERS_PAGE)
    )
    older = listing.cursor_ids[-1] if len(listing.cursor_ids) >= MEMBERS_PAGE else None
    return await render.render(
        request,
        "group_members.html",
        status,
        view=view,
        group=view.group,
        members=listing.members,
        older=older,
        paged=max_id is not None,
        error=error,
        owner=view.role == GroupRole.OWNER,
        manager=view.role in MANAGERS,
    )


@router.get("/groups/{group_id}/members")
async def members(request: Request, group_id: str) -> Response:
    return await members_page(request, render.path_id(group_id))


async def _manage(request: Request, group_id: str, account_id: str | None, what: str) -> Response:
    """One management action on a member (or a named account), then back to the list.
    A username that names nobody re-renders the list with the error and a 422."""
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    actions = session.container(request).group_actions
    try:
        target = render.path_id(account_id) if account_id is not None else None
        if target is None:
            target = (await _account_named(request, form)).id
        if what == "role":
            await actions.do_set_role(viewer.id, gid, target, render.text(form, "role")[:32])
        elif what == "remove":
            await actions.do_remove(viewer.id, gid, target)
        elif what == "ban":
            await actions.do_ban(viewer.id, gid, target)
        elif what == "unban":
            await actions.do_unban(viewer.id, gid, target)
        elif what == "invite":
            await actions.do_invite(viewer.id, gid, target)
        elif what == "transfer":
            if not render.text(form, "confirm"):
                _ = render.translator(request)
                raise ValidationFailed(_("Tick the box to confirm the transfer."))
            await actions.do_transfer(viewer.id, gid, target)
    except ValidationFailed as rejected:
        return await members_page(
            request, gid, status=422, error=render.refusal(request, rejected.message)
        )
    return render.back(request, form, f"/groups/{gid}/members")


@router.post("/web/groups/{group_id}/members/{account_id}/role")
async def set_role(request: Request, group_id: str, account_id: str) -> Response:
    return await _manage(request, group_id, account_id, "role")


@router.post("/web/groups/{group_id}/members/{account_id}/remove")
async def remove(request: Request, group_id: str, account_id: str) -> Response:
    return await _manage(request, group_id, account_id, "remove")


@router.post("/web/groups/{group_id}/members/{account_id}/ban")
async def ban(request: Request, group_id: str, account_id: str) -> Response:
    return await _manage(request, group_id, account_id, "ban")


@router.post("/web/groups/{group_id}/members/{account_id}/transfer")
async def transfer(request: Request, group_id: str, account_id: str) -> Response:
    return await _manage(request, group_id, account_id, "transfer")


@router.post("/web/groups/{group_id}/bans")
async def ban_by_name(request: Request, group_id: str) -> Response:
    return await _manage(request, group_id, None, "ban")


@router.post("/web/groups/{group_id}/unbans")
async def unban_by_name(request: Request, group_id: str) -> Response:
    return await _manage(request, group_id, None, "unban")


@router.post("/web/groups/{group_id}/invites")
async def invite(request: Request, group_id: str) -> Response:
    return await _manage(request, group_id, None, "invite")


# Join requests.


@router.get("/groups/{group_id}/requests")
async def requests(request: Request, group_id: str) -> Response:
    viewer = await render.me(request)
    gid = render.path_id(group_id)
    c = session.container(request)
    max_id = render.max_id(request)
    listing = await c.group_reads.requests(viewer.id, gid, Page(max_id=max_id, limit=MEMBERS_PAGE))
    view = await c.group_reads.one(viewer.id, gid)
    older = listing.cursor_ids[-1] if len(listing.cursor_ids) >= MEMBERS_PAGE else None
    return await render.render(
        request,
        "group_requests.html",
        view=view,
        group=view.group,
        accounts=listing.accounts,
        older=older,
        paged=max_id is not None,
    )


@router.post("/web/groups/{group_id}/requests/{account_id}/authorize")
async def authorize(request: Request, group_id: str, account_id: str) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    await session.container(request).group_actions.do_authorize(
        viewer.id, gid, render.path_id(account_id)
    )
    return render.back(request, form, f"/groups/{gid}/requests")


@router.post("/web/groups/{group_id}/requests/{account_id}/reject")
async def reject(request: Request, group_id: str, account_id: str) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    await session.container(request).group_actions.do_reject(
        viewer.id, gid, render.path_id(account_id)
    )
    return render.back(request, form, f"/groups/{gid}/requests")


# Settings and deletion.


async def settings_page(
    request: Request,
    viewer: Account,
    group_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    delete_error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    view = await session.container(request).group_reads.one(viewer.id, group_id)
    if view.role not in MANAGERS:
        return await render.message(
            request, 403, "That did not work", "Only the group's owner and admins may do this"
        )
    group = view.group
    return await render.render(
        request,
        "group_settings.html",
        status,
        view=view,
        group=group,
        owner=view.role == GroupRole.OWNER,
        error=error,
        delete_error=delete_error,
        values=values
        or {"name": group.name, "description": group.description, "privacy": group.privacy},
        privacies=PRIVACIES,
    )


@router.get("/groups/{group_id}/settings")
async def settings(request: Request, group_id: str) -> Response:
    viewer = await render.me(request)
    return await settings_page(request, viewer, render.path_id(group_id))


@router.post("/web/groups/{group_id}/settings")
async def update(request: Request, group_id: str) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    values = {
        "name": render.text(form, "name")[:1000],
        "description": render.text(form, "description")[:10_000],
        "privacy": render.text(form, "privacy")[:32],
    }
    try:
        await session.container(request).group_actions.do_update(
            viewer.id,
            gid,
            name=values["name"],
            description=values["description"],
            privacy=values["privacy"],
        )
    except ValidationFailed as rejected:
        return await settings_page(
            request,
            viewer,
            gid,
            status=422,
            error=render.refusal(request, rejected.message),
            values=values,
        )
    return render.redirect(f"/groups/{gid}")


@router.post("/web/groups/{group_id}/delete")
async def delete(request: Request, group_id: str) -> Response:
    """Deletes the group and its posts (owner only), once the box is ticked."""
    viewer = await render.me(request)
    form = await render.form(request)
    gid = render.path_id(group_id)
    if not render.text(form, "confirm"):
        _ = render.translator(request)
        return await settings_page(
            request,
            viewer,
            gid,
            status=422,
            delete_error=_("Tick the box to confirm that the group and its posts go for good."),
        )
    await session.container(request).group_actions.do_delete(viewer.id, gid)
    return render.redirect("/groups")
