"""The minimal web front page (the full web interface is a later issue)."""

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)


@router.get("/")
async def front(request: Request) -> Response:
    return HTMLResponse("<!doctype html><title>Myna</title><h1>Myna</h1>")
