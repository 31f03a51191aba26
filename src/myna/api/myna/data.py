"""/api/v1/myna/archive and /api/v1/myna/imports: your data, taken out and brought in
(docs/data.md).

An archive holds everything readable about the account, so its routes need `read`; it is
built in the background and downloaded here, with the token, never from a public address.
Importing needs `write:accounts` and, for each type, the scope of what it changes
(`write:follows` for following, `write:blocks`, ...), as if the rows were sent one by one."""

from fastapi import APIRouter, Depends
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.imports import check_type
from myna.api.deps import account_of, base_url, container, scope
from myna.api.mastodon.media import _bounded
from myna.api.openapi import BINARY, doc
from myna.api.params import Params, path_id
from myna.api.responses import json_response, private_download
from myna.api.schemas.data import render_archive, render_import
from myna.lib import mastodon_csv
from myna.lib.clock import as_utc
from myna.lib.errors import Forbidden, ValidationFailed
from myna.models import ImportType
from myna.policy import scopes as scope_rules
from myna.reads.tokens import Caller

router = APIRouter(tags=["myna"])

ARCHIVE = "/api/v1/myna/archive"
IMPORTS = "/api/v1/myna/imports"
READ = "read"
IMPORT_READ = "read:accounts"
IMPORT_WRITE = "write:accounts"
FORM_OVERHEAD = 64 * 1024  # the other fields and multipart boundaries around the file
# What each type of import changes, beyond `write:accounts`.
TYPE_SCOPES = {
    ImportType.FOLLOWING: ("write:follows",),
    ImportType.BLOCKS: ("write:blocks",),
    ImportType.MUTES: ("write:mutes",),
    ImportType.LISTS: ("write:lists", "write:follows"),
    ImportType.BOOKMARKS: ("write:bookmarks",),
}
IMPORT_BODY = {
    "data": {**BINARY, "description": "The CSV file (at most 1 MB and 20,000 rows)"},
    "type": {
        "type": "string",
        "enum": [kind.value for kind in ImportType],
        "description": "What the file holds, as Mastodon exports it",
    },
    "mode": {
        "type": "string",
        "enum": ["merge", "overwrite"],
        "description": "`overwrite` also undoes what the file does not hold (default `merge`)",
    },
}


@router.post(
    ARCHIVE,
    **doc(
        "Ask for an archive of your data; it is built in the background (poll GET). A new "
        "one replaces the last; while one is being built, that one is answered",
        returns="Archive",
        scope=READ,
        status=202,
    ),
)
async def request_archive(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    export = await container(request).archive_actions.do_request(account_of(caller).id)
    return json_response(render_archive(export, base_url(request)), 202)


@router.get(
    ARCHIVE,
    **doc("Your archive: its state, size and download URL", returns="Archive", scope=READ),
)
async def show_archive(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    export = await container(request).archive_reads.latest(account_of(caller).id)
    return json_response(render_archive(export, base_url(request)))


@router.get(
    f"{ARCHIVE}/download",
    **doc(
        "Download your archive (a zip), once it is done",
        returns={"type": "string", "format": "binary"},
        scope=READ,
        errors=(404,),
        media_type="application/zip",
    ),
)
async def download_archive(request: Request, caller: Caller = Depends(scope(READ))) -> Response:
    account = account_of(caller)
    found = await container(request).archive_reads.download(account.id)
    day = as_utc(found.export.created_at).strftime("%Y%m%d")
    name = f"{account.username}-{day}.zip"
    return private_download(found.stored.chunks, found.stored.size, name, "application/zip")


async def _file(request: Request) -> tuple[Params, bytes]:
    """The form and its file, refused as too large before more than the cap is read."""
    try:
        request = await _bounded(request, mastodon_csv.MAX_BYTES + FORM_OVERHEAD)
    except ValidationFailed:
        raise mastodon_csv.FileRefused(mastodon_csv.TOO_LARGE) from None
    params = await Params.read(request)
    upload = params.raw("data")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed("Validation failed: data can't be blank")
    return params, await upload.read(mastodon_csv.MAX_BYTES + 1)


@router.post(
    IMPORTS,
    **doc(
        "Import a CSV file exported from Mastodon (or Myna): follows, blocks, mutes, lists or "
        "bookmarks. The file is checked whole first: a refused file (too large, not CSV, not "
        "of its type) changes nothing. Its rows are then done in the background",
        returns="Import",
        scope=IMPORT_WRITE,
        body=IMPORT_BODY,
        required=("data", "type"),
        upload=True,
        status=202,
    ),
)
async def create_import(
    request: Request, caller: Caller = Depends(scope(IMPORT_WRITE))
) -> Response:
    params, data = await _file(request)
    kind = params.required_text("type", max_length=100)
    mode = params.text("mode", max_length=100)
    checked = check_type(kind)
    for needed in TYPE_SCOPES[checked]:
        if not scope_rules.allows(caller.scopes, needed):
            raise Forbidden("This action is outside the authorized scopes")
    found = await container(request).import_actions.do_create(
        account_of(caller).id, checked.value, mode, data
    )
    return json_response(render_import(found), 202)


@router.get(
    IMPORTS,
    **doc(
        "Your imports, newest first (the last 50), with their progress",
        returns="Import[]",
        scope=IMPORT_READ,
    ),
)
async def list_imports(request: Request, caller: Caller = Depends(scope(IMPORT_READ))) -> Response:
    found = await container(request).import_reads.recent(account_of(caller).id)
    return json_response([render_import(one) for one in found])


@router.get(
    IMPORTS + "/{import_id}",
    **doc("One of your imports, with its progress", returns="Import", scope=IMPORT_READ),
)
async def show_import(
    request: Request, import_id: str, caller: Caller = Depends(scope(IMPORT_READ))
) -> Response:
    found = await container(request).import_reads.one(account_of(caller).id, path_id(import_id))
    return json_response(render_import(found))
