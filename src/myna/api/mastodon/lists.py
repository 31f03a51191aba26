"""/api/v1/lists: lists of followed accounts, their members, their timelines, and which lists
hold an account. Another account's list is not found, like a missing one."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.lists import ListChange
from myna.api.deps import account_of, base_url, container, scope
from myna.api.mastodon.statuses import render_page
from myna.api.openapi import ID, LIST, array, doc
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.accounts import render_account
from myna.api.schemas.lists import render_list
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1", tags=["lists"])

READ = "read:lists"
WRITE = "write:lists"
TITLE_MAX_CHARS = 10_000  # far above the title limit: only guards memory


def _change(params: Params) -> ListChange:
    return ListChange(
        title=params.text("title", max_length=TITLE_MAX_CHARS),
        replies_policy=params.text("replies_policy", max_length=32),
        exclusive=params.flag("exclusive"),
    )


@router.get("/lists", **doc("Your lists", returns="List[]", scope="read:lists"))
async def my_lists(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    found = await container(request).list_reads.mine(account_of(caller).id)
    return json_response([render_list(x) for x in found])


@router.post(
    "/lists",
    **doc(
        "Create a list: title (1-100 characters), replies_policy (followed, list or none), "
        "exclusive",
        returns="List",
        scope="write:lists",
        body=LIST,
        required=("title",),
    ),
)
async def create_list(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    found = await container(request).list_actions.do_create(account_of(caller).id, _change(params))
    return json_response(render_list(found))


@router.get("/lists/{list_id}", **doc("One of your lists", returns="List", scope="read:lists"))
async def get_list(
    request: Request, list_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    found = await container(request).list_reads.one(account_of(caller).id, path_id(list_id))
    return json_response(render_list(found))


@router.put(
    "/lists/{list_id}",
    **doc(
        "Change a list's title, replies_policy or exclusive",
        returns="List",
        scope="write:lists",
        body=LIST,
    ),
)
async def update_list(
    request: Request, list_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    found = await container(request).list_actions.do_update(
        account_of(caller).id, path_id(list_id), _change(params)
    )
    return json_response(render_list(found))


@router.delete("/lists/{list_id}", **doc("Delete a list", scope="write:lists"))
async def delete_list(
    request: Request, list_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).list_actions.do_delete(account_of(caller).id, path_id(list_id))
    return json_response({})


@router.get(
    "/lists/{list_id}/accounts",
    **doc(
        "The accounts in a list (paged; limit=0 for all)",
        returns="Account[]",
        scope="read:lists",
        paged=True,
    ),
)
async def list_accounts(
    request: Request, list_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    params = await Params.read(request)
    everything = params.integer("limit", minimum=0) == 0
    page = None if everything else page_from(params, default=40, maximum=80)
    members = await container(request).list_reads.members(
        account_of(caller).id, path_id(list_id), page
    )
    base = base_url(request)
    return json_response(
        [render_account(a, base) for a in members.accounts],
        headers={} if everything else link_header(request, members.cursor_ids),
    )


@router.post(
    "/lists/{list_id}/accounts",
    **doc(
        "Add accounts you follow to a list (account_ids[])",
        scope="write:lists",
        body={"account_ids": array(ID)},
        required=("account_ids",),
    ),
)
async def add_accounts(
    request: Request, list_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    await container(request).list_actions.do_add_accounts(
        account_of(caller).id, path_id(list_id), params.ids("account_ids")
    )
    return json_response({})


@router.delete(
    "/lists/{list_id}/accounts",
    **doc(
        "Take accounts out of a list (account_ids[])",
        scope="write:lists",
        body={"account_ids": array(ID)},
        required=("account_ids",),
    ),
)
async def remove_accounts(
    request: Request, list_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    await container(request).list_actions.do_remove_accounts(
        account_of(caller).id, path_id(list_id), params.ids("account_ids")
    )
    return json_response({})


@router.get(
    "/accounts/{account_id}/lists",
    **doc("Which of your lists hold the account", returns="List[]", scope="read:lists"),
)
async def lists_holding(
    request: Request, account_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    found = await container(request).list_reads.holding(account_of(caller).id, path_id(account_id))
    return json_response([render_list(x) for x in found])


@router.get(
    "/timelines/list/{list_id}",
    **doc("A list's timeline (paged)", returns="Status[]", scope="read:lists", paged=True),
)
async def list_timeline(
    request: Request, list_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    params = await Params.read(request)
    bundle = await container(request).list_reads.timeline(
        account_of(caller).id, path_id(list_id), page_from(params)
    )
    return render_page(request, bundle)
