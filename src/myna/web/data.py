"""Settings › Your data (docs/data.md): ask for an archive and download it when it is done;
import Mastodon's CSV files, and follow their progress.

Both run in the background, so the page says where they are and reloads itself (a
`<meta http-equiv="refresh">`) while anything is still running; nothing here needs
JavaScript. The archive is downloaded through this site with the session, like the API's
download with a token, never from a public address."""

from typing import Any

from babel.numbers import format_decimal
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.imports import NOT_HERE, REMOTE, UNKNOWN, check_mode, check_type
from myna.api.responses import private_download
from myna.lib import mastodon_csv
from myna.lib.clock import as_utc
from myna.lib.errors import ValidationFailed
from myna.models import Account, ImportMode, ImportType, JobState
from myna.reads.archive import expires_at
from myna.reads.imports import failures
from myna.web import render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

PAGE = "/settings/data"
REFRESH_SECONDS = 3
FORM_OVERHEAD = 64 * 1024  # the form's other fields and multipart boundaries
UNFINISHED = (JobState.PENDING, JobState.RUNNING)


def _size(size: int, locale: str) -> str:
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)), locale=locale)} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1), locale=locale)} MB"


def _refusal(request: Request, refused: ValidationFailed) -> str:
    """Why the file was refused, in the reader's words."""
    _ = render.translator(request)
    if isinstance(refused, mastodon_csv.FileRefused):
        reason = refused.reason
        if reason == mastodon_csv.EMPTY:
            return _("The file is empty.")
        if reason == mastodon_csv.TOO_LARGE:
            return _("The file is too large (at most 1 MB).")
        if reason == mastodon_csv.TOO_MANY_ROWS:
            return _("The file has too many rows (at most %(n)s).") % {
                "n": format_decimal(mastodon_csv.MAX_ROWS, locale=render.locale_of(request))
            }
        if reason == mastodon_csv.NOT_CSV:
            return _("The file is not a CSV file.")
        return _("Line %(line)s does not fit the type of file you chose.") % {"line": refused.line}
    return render.refusal(request, refused.message)


async def _page(request: Request, me: Account, status: int = 200, **context: Any) -> HTMLResponse:
    c = session.container(request)
    locale = render.locale_of(request)
    _ = render.translator(request)
    export = await c.archive_reads.latest(me.id)
    imports = await c.import_reads.recent(me.id)
    reasons = {REMOTE: _(REMOTE), UNKNOWN: _(UNKNOWN), NOT_HERE: _(NOT_HERE)}
    rows = [
        {
            "row": found,
            "failures": [
                {
                    "row": f.row,
                    "item": f.item,
                    "error": reasons.get(f.error) or render.refusal(request, f.error),
                }
                for f in failures(found)
            ],
        }
        for found in imports
    ]
    running = any(found.state in UNFINISHED for found in imports) or (
        export is not None and export.state in UNFINISHED
    )
    context.setdefault("error", None)
    context.setdefault("chosen_type", ImportType.FOLLOWING.value)
    context.setdefault("chosen_mode", ImportMode.MERGE.value)
    return await render.render(
        request,
        "settings_data.html",
        status,
        section="data",
        export=export,
        export_size=_size(export.size, locale) if export and export.state == JobState.DONE else "",
        expires=expires_at(export) if export is not None else None,
        imports=rows,
        running=running,
        refresh=REFRESH_SECONDS,
        types=[kind.value for kind in ImportType],
        modes=[mode.value for mode in ImportMode],
        requested=request.query_params.get("requested") == "1",
        imported=request.query_params.get("imported") == "1",
        **context,
    )


@router.get(PAGE)
async def data_page(request: Request) -> Response:
    return await _page(request, await render.me(request))


@router.post(f"{PAGE}/export")
async def request_export(request: Request) -> Response:
    me = await render.me(request)
    await render.form(request)
    await session.container(request).archive_actions.do_request(me.id)
    return render.redirect(f"{PAGE}?requested=1")


@router.get(f"{PAGE}/archive.zip")
async def download_export(request: Request) -> Response:
    me = await render.me(request)
    found = await session.container(request).archive_reads.download(me.id)
    day = as_utc(found.export.created_at).strftime("%Y%m%d")
    name = f"{me.username}-{day}.zip"
    return private_download(found.stored.chunks, found.stored.size, name, "application/zip")


@router.post(f"{PAGE}/import")
async def start_import(request: Request) -> Response:
    """The file is checked whole: a refused one changes nothing, and the page says why."""
    me = await render.me(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > mastodon_csv.MAX_BYTES + FORM_OVERHEAD:
        # Refused before the body is read; the page cannot keep what was chosen.
        refused = mastodon_csv.FileRefused(mastodon_csv.TOO_LARGE)
        return await _page(request, me, 422, error=_refusal(request, refused))
    form = await render.form(request)
    kind, mode = render.text(form, "type"), render.text(form, "mode")
    uploads = render.files(form, "data")
    try:
        checked_type, checked_mode = check_type(kind), check_mode(mode or None)
        if not uploads:
            raise mastodon_csv.FileRefused(mastodon_csv.EMPTY)
        data = await uploads[0].read(mastodon_csv.MAX_BYTES + 1)
        await session.container(request).import_actions.do_create(
            me.id, checked_type.value, checked_mode.value, data
        )
    except ValidationFailed as refused:
        return await _page(
            request,
            me,
            422,
            error=_refusal(request, refused),
            chosen_type=kind,
            chosen_mode=mode or ImportMode.MERGE.value,
        )
    return render.redirect(f"{PAGE}?imported=1")
