"""/api/v1/myna/im: link an XMPP address for the IM gateway (docs/im-gateway.md). Asking for a
link sends a code to the address; confirming it with that code makes the link. Reading needs
`read:accounts`, changing it `write:accounts`, as for the rest of an account's settings."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, container, scope
from myna.api.openapi import BOOL, doc, text
from myna.api.params import Params
from myna.api.responses import json_response
from myna.api.schemas.im import render_im_link
from myna.lib.errors import ValidationFailed
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/myna/im", tags=["myna"])

READ = "read:accounts"
WRITE = "write:accounts"


async def _link(request: Request, caller: Caller) -> Response:
    account = account_of(caller)
    services = container(request)
    link = await services.im_reads.link(account.id)
    return json_response(render_im_link(link, account, services.settings))


@router.get("", **doc("Your IM link and the gateway's addresses", returns="ImLink", scope=READ))
async def show(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    return await _link(request, caller)


@router.post(
    "",
    **doc(
        "Link an XMPP address: the gateway sends a code to it (once a minute at most, per "
        "account and per address); another address replaces a pending or made link",
        returns="ImLink",
        scope=WRITE,
        body={"address": text("alice@example.org")},
        required=("address",),
        errors=(422,),
    ),
)
async def start(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    address = params.required_text("address", max_length=1000)
    await container(request).im_link_actions.do_start(account_of(caller).id, address)
    return await _link(request, caller)


@router.post(
    "/confirm",
    **doc(
        "Confirm the link with the code the gateway sent; five wrong codes void it",
        returns="ImLink",
        scope=WRITE,
        body={"code": text("123456")},
        required=("code",),
        errors=(404, 422),
    ),
)
async def confirm(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    code = params.required_text("code", max_length=100)
    await container(request).im_link_actions.do_confirm(account_of(caller).id, code)
    return await _link(request, caller)


@router.patch(
    "",
    **doc(
        "Whether mentions and other notifications are pushed to the linked address",
        returns="ImLink",
        scope=WRITE,
        body={"notify": BOOL},
        required=("notify",),
        errors=(404, 422),
    ),
)
async def update(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    notify = params.flag("notify")
    if notify is None:
        raise ValidationFailed("Validation failed: notify can't be blank")
    await container(request).im_link_actions.do_set_notify(account_of(caller).id, notify)
    return await _link(request, caller)


@router.delete(
    "", **doc("Unlink the address, at once", returns="ImLink", scope=WRITE, errors=(404,))
)
async def unlink(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    await container(request).im_link_actions.do_unlink(account_of(caller).id)
    return await _link(request, caller)
