"""/api/v1/polls: see a poll and vote in it; `poll_from` reads the poll[...] parameters of a
new or edited status."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.polls import CHOICES_MAX, NewPoll
from myna.api.deps import account_of, container, read_scope, scope, viewer_id
from myna.api.openapi import array, doc
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.polls import render_poll
from myna.lib.errors import ValidationFailed
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/polls", tags=["polls"])

OPTION_MAX_CHARS = 10_000  # far above any option limit: only guards memory


def poll_from(params: Params) -> NewPoll | None:
    """`poll[options][]`, `poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]` (form) or
    `{"poll": {...}}` (JSON); None when no poll was given. Limits are the action's to check."""
    if not params.nested("poll"):
        return None
    options = params.strings("poll[options]")
    if any(len(option) > OPTION_MAX_CHARS for option in options):
        raise ValidationFailed("Validation failed: poll[options] are too long")
    expires_in = params.integer("poll[expires_in]")
    if expires_in is None:
        raise ValidationFailed("Validation failed: poll[expires_in] can't be blank")
    return NewPoll(
        options=tuple(options),
        expires_in=expires_in,
        multiple=bool(params.flag("poll[multiple]", default=False)),
        hide_totals=bool(params.flag("poll[hide_totals]", default=False)),
    )


@router.get(
    "/{poll_id}",
    **doc(
        "A poll, if you may see its status", returns="Poll", scope="read:statuses", anonymous=True
    ),
)
async def get_poll(
    request: Request, poll_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    view = await container(request).poll_reads.one(viewer_id(caller), path_id(poll_id))
    return json_response(render_poll(view))


@router.post(
    "/{poll_id}/votes",
    **doc(
        "Vote: choices[] are option indexes, from 0",
        returns="Poll",
        scope="write:statuses",
        body={"choices": array({"type": "integer", "minimum": 0})},
        required=("choices",),
    ),
)
async def vote(
    request: Request, poll_id: str, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    c = container(request)
    params = await Params.read(request)
    choices = params.integers("choices")
    if len(choices) > CHOICES_MAX:
        raise ValidationFailed("Validation failed: The chosen vote option does not exist")
    me = account_of(caller).id
    poll = await c.poll_actions.do_vote(me, path_id(poll_id), choices)
    return json_response(render_poll(await c.poll_reads.one(me, poll.id)))
