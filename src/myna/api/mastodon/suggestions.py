"""/api/v2/suggestions and /api/v1/suggestions: accounts to follow, and dismissing one."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, base_url, container, media_url, scope
from myna.api.openapi import doc
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.accounts import render_account
from myna.api.schemas.suggestions import render_suggestion
from myna.reads.suggestions import Suggestion
from myna.reads.tokens import Caller

router = APIRouter(tags=["suggestions"])

READ = "read:accounts"
LIMIT = {"limit": {"type": "integer", "minimum": 1, "maximum": 80, "examples": [40]}}


async def _suggestions(request: Request, caller: Caller) -> list[Suggestion]:
    params = await Params.read(request)
    limit = params.integer("limit", default=40, minimum=1, maximum=80) or 40
    return await container(request).suggestion_reads.suggestions(account_of(caller).id, limit)


@router.get(
    "/api/v2/suggestions",
    **doc(
        "Accounts to follow, with why each is suggested",
        returns="Suggestion[]",
        scope=READ,
        query=LIMIT,
        description=(
            "Friends of friends (accounts followed by those you follow, the most shared "
            "first) and the most followed verified accounts. Never yourself, accounts you "
            "follow or asked to, blocked either way, muted or dismissed."
        ),
    ),
)
async def suggestions_v2(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    found = await _suggestions(request, caller)
    base, url = base_url(request), media_url(request)
    return json_response([render_suggestion(s, base, media_url=url) for s in found])


@router.get(
    "/api/v1/suggestions",
    **doc("Accounts to follow (the older form)", returns="Account[]", scope=READ, query=LIMIT),
)
async def suggestions_v1(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    found = await _suggestions(request, caller)
    base, url = base_url(request), media_url(request)
    return json_response([render_account(s.account, base, media_url=url) for s in found])


@router.delete(
    "/api/v1/suggestions/{account_id}",
    **doc("Never suggest this account again", scope="write:accounts", errors=(404,)),
)
async def dismiss(
    request: Request, account_id: str, caller: Caller = Depends(scope("write:accounts"))
) -> Response:
    await container(request).suggestion_actions.do_dismiss(
        account_of(caller).id, path_id(account_id)
    )
    return json_response({})
