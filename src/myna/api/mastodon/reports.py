"""POST /api/v1/reports: report an account, and some of its posts, to the moderators (and,
for posts in a group, to the group's owner and admins)."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.moderation import MAX_COMMENT_CHARS, NewReport
from myna.api.deps import account_of, base_url, container, scope
from myna.api.openapi import BOOL, ID, array, doc, text
from myna.api.params import Params
from myna.api.responses import json_response
from myna.api.schemas.moderation import render_report
from myna.lib.errors import ValidationFailed
from myna.models import ReportCategory
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1", tags=["reports"])

WRITE = "write:reports"


@router.post(
    "/reports",
    **doc(
        "Report an account (account_id), optionally some of its posts (status_ids[]), with a "
        f"category ({', '.join(c.value for c in ReportCategory)}) and a comment of at most "
        f"{MAX_COMMENT_CHARS} characters. Posts must be the account's and visible to you.",
        returns="Report",
        scope=WRITE,
        body={
            "account_id": ID,
            "status_ids": array(ID),
            "comment": text("Spam links in every reply"),
            "category": {"type": "string", "enum": [c.value for c in ReportCategory]},
            "forward": {**BOOL, "description": "Ignored: Myna does not federate"},
            "rule_ids": array(ID),
        },
        required=("account_id",),
        errors=(404,),
    ),
)
async def file_report(request: Request, caller: Caller = Depends(scope(WRITE))) -> Response:
    params = await Params.read(request)
    target = params.id("account_id")
    if target is None:
        raise ValidationFailed("Validation failed: account_id can't be blank")
    c = container(request)
    new = NewReport(
        target_account_id=target,
        status_ids=params.ids("status_ids"),
        category=params.text("category", default=ReportCategory.OTHER, max_length=32)
        or ReportCategory.OTHER,
        comment=params.text("comment", default="", max_length=MAX_COMMENT_CHARS * 4) or "",
    )
    report = await c.moderation_actions.do_report(account_of(caller).id, new)
    target_account = await c.account_reads.one(report.target_account_id)
    return json_response(
        render_report(
            report, list(dict.fromkeys(new.status_ids)), target_account, base_url(request)
        )
    )
