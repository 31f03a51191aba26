"""/api/v2/filters (filters with keywords and statuses, matched by the server) and the older
/api/v1/filters (one phrase each: a v2 keyword). Another account's filter, keyword or filtered
status is not found, like a missing one. Matching: policy/filters.py."""

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.filters import HIDE, FilterChange, KeywordChange
from myna.api.deps import account_of, container, scope
from myna.api.openapi import FILTER, ID, KEYWORD, PHRASE, doc
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.filters import (
    render_filter,
    render_filter_status,
    render_keyword,
    render_phrase,
)
from myna.lib.errors import ValidationFailed
from myna.reads.filters import PhraseFilter
from myna.reads.tokens import Caller

router = APIRouter(tags=["filters"])

READ = "read:filters"
WRITE = "write:filters"
TEXT_MAX_CHARS = 10_000  # far above the title and keyword limits: only guards memory
RECORDS_MAX = 1_000  # keywords_attributes[] entries in one request


def _keyword_change(record: dict[str, Any]) -> KeywordChange:
    item = Params(record, {key: [value] for key, value in record.items()})
    return KeywordChange(
        id=item.id("id"),
        keyword=item.text("keyword", max_length=TEXT_MAX_CHARS),
        whole_word=item.flag("whole_word"),
        destroy=bool(item.flag("_destroy", default=False)),
    )


def _change(params: Params) -> FilterChange:
    records = params.records("keywords_attributes")
    if len(records) > RECORDS_MAX:
        raise ValidationFailed(f"Validation failed: at most {RECORDS_MAX} keywords_attributes")
    return FilterChange(
        title=params.text("title", max_length=TEXT_MAX_CHARS),
        context=params.strings("context") if params.has("context") else None,
        action=params.text("filter_action", max_length=32),
        expires_in=params.integer("expires_in"),
        expires=params.has("expires_in"),
        keywords=[_keyword_change(r) for r in records],
    )


# v2: filters


@router.get(
    "/api/v2/filters",
    **doc(
        "Your filters, with their keywords and statuses", returns="Filter[]", scope="read:filters"
    ),
)
async def list_filters(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    groups = await container(request).filter_reads.mine(account_of(caller).id)
    return json_response([render_filter(g) for g in groups])


@router.post(
    "/api/v2/filters",
    **doc(
        "Create a filter: title, context[] (home, notifications, public, thread, account), "
        "filter_action (warn, hide, blur), expires_in (seconds), "
        "keywords_attributes[][keyword] and [whole_word]",
        returns="Filter",
        scope="write:filters",
        body=FILTER,
        required=("title", "context"),
    ),
)
async def create_filter(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    group = await container(request).filter_actions.do_create(
        account_of(caller).id, _change(params)
    )
    return json_response(render_filter(group))


# Mastodon's paths for one keyword or one filtered status sit beside /filters/:id; Myna also
# answers them as /filter_keywords/:id and /filter_statuses/:id.


@router.get(
    "/api/v2/filters/keywords/{keyword_id}",
    **doc("One keyword of your filters", returns="FilterKeyword", scope="read:filters"),
)
@router.get("/api/v2/filter_keywords/{keyword_id}", include_in_schema=False)
async def get_keyword(
    request: Request, keyword_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    keyword = await container(request).filter_reads.keyword(
        account_of(caller).id, path_id(keyword_id)
    )
    return json_response(render_keyword(keyword))


@router.put(
    "/api/v2/filters/keywords/{keyword_id}",
    **doc(
        "Change a keyword or whole_word",
        returns="FilterKeyword",
        scope="write:filters",
        body=KEYWORD,
    ),
)
@router.put("/api/v2/filter_keywords/{keyword_id}", include_in_schema=False)
async def update_keyword(
    request: Request, keyword_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    keyword = await container(request).filter_actions.do_update_keyword(
        account_of(caller).id,
        path_id(keyword_id),
        params.text("keyword", max_length=TEXT_MAX_CHARS),
        params.flag("whole_word"),
    )
    return json_response(render_keyword(keyword))


@router.delete(
    "/api/v2/filters/keywords/{keyword_id}", **doc("Remove a keyword", scope="write:filters")
)
@router.delete("/api/v2/filter_keywords/{keyword_id}", include_in_schema=False)
async def delete_keyword(
    request: Request, keyword_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).filter_actions.do_delete_keyword(
        account_of(caller).id, path_id(keyword_id)
    )
    return json_response({})


@router.get(
    "/api/v2/filters/statuses/{filter_status_id}",
    **doc("One filtered status", returns="FilterStatus", scope="read:filters"),
)
@router.get("/api/v2/filter_statuses/{filter_status_id}", include_in_schema=False)
async def get_filter_status(
    request: Request, filter_status_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    row = await container(request).filter_reads.filter_status(
        account_of(caller).id, path_id(filter_status_id)
    )
    return json_response(render_filter_status(row))


@router.delete(
    "/api/v2/filters/statuses/{filter_status_id}",
    **doc("Remove a filtered status", scope="write:filters"),
)
@router.delete("/api/v2/filter_statuses/{filter_status_id}", include_in_schema=False)
async def delete_filter_status(
    request: Request, filter_status_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).filter_actions.do_delete_status(
        account_of(caller).id, path_id(filter_status_id)
    )
    return json_response({})


@router.get(
    "/api/v2/filters/{filter_id}",
    **doc("One of your filters", returns="Filter", scope="read:filters"),
)
async def get_filter(
    request: Request, filter_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    group = await container(request).filter_reads.one(account_of(caller).id, path_id(filter_id))
    return json_response(render_filter(group))


@router.put(
    "/api/v2/filters/{filter_id}",
    **doc(
        "Change a filter; keywords_attributes[] with id changes (with _destroy removes) "
        "that keyword, without id adds one",
        returns="Filter",
        scope="write:filters",
        body=FILTER,
    ),
)
async def update_filter(
    request: Request, filter_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    group = await container(request).filter_actions.do_update(
        account_of(caller).id, path_id(filter_id), _change(params)
    )
    return json_response(render_filter(group))


@router.delete("/api/v2/filters/{filter_id}", **doc("Delete a filter", scope="write:filters"))
async def delete_filter(
    request: Request, filter_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).filter_actions.do_delete(account_of(caller).id, path_id(filter_id))
    return json_response({})


@router.get(
    "/api/v2/filters/{filter_id}/keywords",
    **doc("A filter's keywords", returns="FilterKeyword[]", scope="read:filters"),
)
async def list_keywords(
    request: Request, filter_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    keywords = await container(request).filter_reads.keywords(
        account_of(caller).id, path_id(filter_id)
    )
    return json_response([render_keyword(k) for k in keywords])


@router.post(
    "/api/v2/filters/{filter_id}/keywords",
    **doc(
        "Add a keyword (and whole_word)",
        returns="FilterKeyword",
        scope="write:filters",
        body=KEYWORD,
        required=("keyword",),
    ),
)
async def add_keyword(
    request: Request, filter_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    keyword = await container(request).filter_actions.do_add_keyword(
        account_of(caller).id,
        path_id(filter_id),
        params.text("keyword", max_length=TEXT_MAX_CHARS),
        params.flag("whole_word"),
    )
    return json_response(render_keyword(keyword))


@router.get(
    "/api/v2/filters/{filter_id}/statuses",
    **doc("A filter's statuses", returns="FilterStatus[]", scope="read:filters"),
)
async def list_filter_statuses(
    request: Request, filter_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    rows = await container(request).filter_reads.statuses(account_of(caller).id, path_id(filter_id))
    return json_response([render_filter_status(s) for s in rows])


@router.post(
    "/api/v2/filters/{filter_id}/statuses",
    **doc(
        "Add a status (status_id)",
        returns="FilterStatus",
        scope="write:filters",
        body={"status_id": ID},
        required=("status_id",),
        errors=(404,),
    ),
)
async def add_filter_status(
    request: Request, filter_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    status_id = params.id("status_id")
    if status_id is None:
        raise ValidationFailed("Validation failed: Status can't be blank")
    row = await container(request).filter_actions.do_add_status(
        account_of(caller).id, path_id(filter_id), status_id
    )
    return json_response(render_filter_status(row))


# v1: each phrase is a keyword of a v2 filter, with its filter's context, action and expiry.


@router.get(
    "/api/v1/filters",
    **doc(
        "Your filters, one per phrase (v1; use /api/v2/filters)",
        returns="V1Filter[]",
        scope="read:filters",
    ),
)
async def list_phrases(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    phrases = await container(request).filter_reads.phrases(account_of(caller).id)
    return json_response([render_phrase(p) for p in phrases])


@router.post(
    "/api/v1/filters",
    **doc(
        "Create a filter of one phrase (v1): phrase, context[], irreversible, whole_word, "
        "expires_in",
        returns="V1Filter",
        scope="write:filters",
        body=PHRASE,
        required=("phrase", "context"),
    ),
)
async def create_phrase(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    keyword, found = await container(request).filter_actions.do_create_v1(
        account_of(caller).id,
        params.text("phrase", max_length=TEXT_MAX_CHARS),
        params.strings("context"),
        irreversible=bool(params.flag("irreversible", default=False)),
        whole_word=bool(params.flag("whole_word", default=False)),
        expires_in=params.integer("expires_in"),
    )
    return json_response(render_phrase(PhraseFilter(keyword, found)))


@router.get(
    "/api/v1/filters/{keyword_id}",
    **doc("One phrase filter (v1)", returns="V1Filter", scope="read:filters"),
)
async def get_phrase(
    request: Request, keyword_id: str, caller: Caller = Depends(scope(READ))
) -> Response:
    phrase = await container(request).filter_reads.phrase(
        account_of(caller).id, path_id(keyword_id)
    )
    return json_response(render_phrase(phrase))


@router.put(
    "/api/v1/filters/{keyword_id}",
    **doc(
        "Change a phrase filter (v1); context, irreversible and expires_in only when it is "
        "its filter's only phrase",
        returns="V1Filter",
        scope="write:filters",
        body=PHRASE,
    ),
)
async def update_phrase(
    request: Request, keyword_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    params = await Params.read(request)
    irreversible = params.flag("irreversible")
    keyword, found = await container(request).filter_actions.do_update_v1(
        account_of(caller).id,
        path_id(keyword_id),
        params.text("phrase", max_length=TEXT_MAX_CHARS),
        params.flag("whole_word"),
        FilterChange(
            context=params.strings("context") if params.has("context") else None,
            action=None if irreversible is None else (HIDE if irreversible else "warn"),
            expires_in=params.integer("expires_in"),
            expires=params.has("expires_in"),
        ),
    )
    return json_response(render_phrase(PhraseFilter(keyword, found)))


@router.delete(
    "/api/v1/filters/{keyword_id}",
    **doc("Remove a phrase (v1): its filter stays", scope="write:filters"),
)
async def delete_phrase(
    request: Request, keyword_id: str, caller: Caller = Depends(scope(WRITE))
) -> Response:
    await container(request).filter_actions.do_delete_v1(account_of(caller).id, path_id(keyword_id))
    return json_response({})
