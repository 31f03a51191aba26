"""/api/v1/conversations: direct messages grouped by their participants."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, base_url, container, media_url, scope
from myna.api.openapi import doc
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.conversations import render_conversations
from myna.lib.errors import NotFound
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


async def _list(request: Request, caller: Caller) -> Response:
    params = await Params.read(request)
    page = await container(request).conversation_reads.page(
        account_of(caller).id, page_from(params)
    )
    return json_response(
        render_conversations(page, base_url(request), media_url(request)),
        headers=link_header(request, page.cursor_ids),
    )


@router.get(
    "",
    **doc(
        "Your conversations (direct messages), newest message first",
        returns="Conversation[]",
        scope="read:statuses",
        paged=True,
    ),
)
async def list_conversations(
    request: Request, caller: Caller = Depends(scope("read:statuses"))
) -> Response:
    return await _list(request, caller)


# Mastodon.py asks for the list with a trailing slash.
@router.get("/", include_in_schema=False)
async def list_conversations_slash(
    request: Request, caller: Caller = Depends(scope("read:statuses"))
) -> Response:
    return await _list(request, caller)


@router.post(
    "/{conversation_id}/read",
    **doc(
        "Mark a conversation as read (for you only)",
        returns="Conversation",
        scope="write:conversations",
    ),
)
async def read_conversation(
    request: Request, conversation_id: str, caller: Caller = Depends(scope("write:conversations"))
) -> Response:
    c = container(request)
    viewer = account_of(caller).id
    cid = path_id(conversation_id)
    page = await c.conversation_reads.one(viewer, cid)  # 404 before anything is written
    await c.conversation_actions.do_read(viewer, cid)
    page.conversations[0].unread = False
    rendered = render_conversations(page, base_url(request), media_url(request))
    if not rendered:
        raise NotFound()
    return json_response(rendered[0])


@router.delete(
    "/{conversation_id}",
    **doc("Remove a conversation from your list (for you only)", scope="write:conversations"),
)
async def delete_conversation(
    request: Request, conversation_id: str, caller: Caller = Depends(scope("write:conversations"))
) -> Response:
    await container(request).conversation_actions.do_hide(
        account_of(caller).id, path_id(conversation_id)
    )
    return json_response({})
