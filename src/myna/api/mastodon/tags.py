"""/api/v1/tags: one tag or topic by name, with its last seven days of use. (Followed tags
add follow, unfollow and /followed_tags here.)"""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, base_url, container, read_scope, scope, viewer_id
from myna.api.openapi import doc
from myna.api.pagination import link_header, page_from
from myna.api.params import Params
from myna.api.responses import json_response
from myna.api.schemas.tags import render_tag, render_tags
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1", tags=["tags"])

READ = "read:statuses"


@router.get(
    "/tags/{name}",
    **doc(
        "A #tag or #话题# topic by name, with how many public posts and accounts used it on "
        "each of the last seven days",
        returns="Tag",
        scope=READ,
        anonymous=True,
    ),
)
async def get_tag(
    request: Request, name: str, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    found = await container(request).tag_reads.one(viewer_id(caller), name)
    return json_response(render_tag(found, base_url(request)))


# Followed tags: the tag's public posts reach the follower's home feed (policy/audience.py).
FOLLOWS_WRITE = "write:follows"
FOLLOWS_READ = "read:follows"


@router.post(
    "/tags/{name}/follow",
    **doc(
        "Follow a tag or topic: its public posts come to your home timeline",
        returns="Tag",
        scope=FOLLOWS_WRITE,
        description="A tag nobody used yet is created. An invalid name is a 422.",
    ),
)
async def follow_tag(
    request: Request, name: str, caller: Caller = Depends(scope(FOLLOWS_WRITE))
) -> Response:
    viewer = account_of(caller).id
    tag = await container(request).tag_follow_actions.do_follow(viewer, name)
    found = await container(request).tag_reads.one(viewer, tag.name)
    return json_response(render_tag(found, base_url(request)))


@router.post(
    "/tags/{name}/unfollow",
    **doc("Stop following a tag or topic", returns="Tag", scope=FOLLOWS_WRITE, errors=(404,)),
)
async def unfollow_tag(
    request: Request, name: str, caller: Caller = Depends(scope(FOLLOWS_WRITE))
) -> Response:
    viewer = account_of(caller).id
    tag = await container(request).tag_follow_actions.do_unfollow(viewer, name)
    found = await container(request).tag_reads.one(viewer, tag.name)
    return json_response(render_tag(found, base_url(request)))


@router.get(
    "/followed_tags",
    **doc(
        "The tags and topics you follow, the most recently followed first",
        returns="Tag[]",
        scope=FOLLOWS_READ,
        paged=True,
    ),
)
async def followed_tags(
    request: Request, caller: Caller = Depends(scope(FOLLOWS_READ))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).tag_follow_reads.followed(
        account_of(caller).id, page_from(params, default=100, maximum=200)
    )
    return json_response(
        render_tags(listing.tags, base_url(request)),
        headers=link_header(request, listing.cursor_ids),
    )
