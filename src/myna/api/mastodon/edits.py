"""/api/v1/statuses/:id edits: edit, version history, source text."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.statuses import StatusChange
from myna.api.deps import account_of, base_url, container, read_scope, scope, viewer_id
from myna.api.mastodon.polls import poll_from
from myna.api.mastodon.statuses import TEXT_MAX_CHARS, render_one
from myna.api.openapi import EDIT, doc
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.edits import render_history, render_source
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/statuses", tags=["statuses"])


@router.put(
    "/{status_id}",
    **doc(
        "Edit your status: text, spoiler, sensitive, language",
        returns="Status",
        scope="write:statuses",
        body=EDIT,
    ),
)
async def edit_status(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    c = container(request)
    params = await Params.read(request)
    change = StatusChange(
        text=params.text("status", max_length=TEXT_MAX_CHARS) or "",
        spoiler_text=params.text("spoiler_text", max_length=TEXT_MAX_CHARS) or "",
        sensitive=bool(params.flag("sensitive", default=False)),
        language=params.text("language", max_length=64) or None,
        poll=poll_from(params),
        # Clients send the whole list (the pictures kept, in order); absent keeps them.
        media_ids=tuple(params.ids("media_ids")) if params.has("media_ids") else None,
    )
    me = account_of(caller).id
    status = await c.status_actions.do_edit(me, path_id(status_id), change)
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.get(
    "/{status_id}/history",
    **doc(
        "Every version of a status, oldest first",
        returns="StatusEdit[]",
        scope="read:statuses",
        anonymous=True,
    ),
)
async def history(
    request: Request, status_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    found = await container(request).edit_reads.history(viewer_id(caller), path_id(status_id))
    return json_response(render_history(found, base_url(request)))


@router.get(
    "/{status_id}/source",
    **doc("Your status's source text, for editing", returns="StatusSource", scope="read:statuses"),
)
async def source(
    request: Request, status_id: str, caller: Caller = Depends(scope("read:statuses"))
) -> Response:
    status = await container(request).edit_reads.source(account_of(caller).id, path_id(status_id))
    return json_response(render_source(status))
