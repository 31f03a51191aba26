"""/api/v1/timelines: home, public and tag."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, container, read_scope, scope, viewer_id
from myna.api.mastodon.statuses import render_page
from myna.api.openapi import BOOL, doc
from myna.api.pagination import page_from
from myna.api.params import Params, path_id
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/timelines", tags=["timelines"])


@router.get(
    "/home",
    **doc(
        "Statuses from accounts you follow, and your own",
        returns="Status[]",
        scope="read:statuses",
        paged=True,
    ),
)
async def home(request: Request, caller: Caller = Depends(scope("read:statuses"))) -> Response:
    params = await Params.read(request)
    bundle = await container(request).status_reads.home(account_of(caller).id, page_from(params))
    return render_page(request, bundle)


@router.get(
    "/public",
    **doc(
        "Public statuses (local=true: this server's; all are local)",
        returns="Status[]",
        scope="read:statuses",
        anonymous=True,
        paged=True,
        query={"local": BOOL, "remote": BOOL, "only_media": BOOL},
    ),
)
async def public(
    request: Request, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    page = page_from(params)
    reads = container(request).status_reads
    # Nothing is remote (no federation): that filter matches nothing.
    if params.flag("remote", default=False):
        return render_page(request, await reads.many(viewer_id(caller), []))
    only_media = bool(params.flag("only_media", default=False))
    return render_page(request, await reads.public(viewer_id(caller), page, only_media=only_media))


@router.get(
    "/tag/{hashtag}",
    **doc(
        "Public statuses with a #tag or #话题# topic",
        returns="Status[]",
        scope="read:statuses",
        anonymous=True,
        paged=True,
    ),
)
async def tag(
    request: Request, hashtag: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    name = hashtag.strip().strip("#")
    bundle = await container(request).status_reads.tag(viewer_id(caller), name, page_from(params))
    return render_page(request, bundle)


@router.get(
    "/group/{group_id}",
    **doc(
        "A group's posts (members only, unless the group is public)",
        returns="Status[]",
        scope="read:statuses",
        anonymous=True,
        paged=True,
    ),
)
async def group(
    request: Request, group_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    bundle = await container(request).status_reads.group(
        viewer_id(caller), path_id(group_id), page_from(params)
    )
    return render_page(request, bundle)
