"""/api/v1/myna/presence: which of your conversation partners are connected right now (the
same shape as the `presence` streaming event; docs/streaming.md)."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, container, scope
from myna.api.openapi import doc
from myna.api.responses import json_response
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/myna", tags=["myna"])


@router.get(
    "/presence",
    **doc(
        "Your conversation partners who are online now: [{account_id, online: true}]",
        returns="Presence[]",
        scope="read:statuses",
    ),
)
async def presence(request: Request, caller: Caller = Depends(scope("read:statuses"))) -> Response:
    online = await container(request).conversation_reads.partners_online(account_of(caller).id)
    return json_response([{"account_id": str(a), "online": True} for a in online])
