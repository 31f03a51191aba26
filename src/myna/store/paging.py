from typing import Any, TypeVarTuple

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from myna.lib.paging import Page

Ts = TypeVarTuple("Ts")


def paged(stmt: Select[*Ts], column: InstrumentedAttribute[int], page: Page) -> Select[*Ts]:
    """Apply max_id/since_id/min_id/limit to `stmt` on the id-like `column`.
    With min_id the rows come oldest first; callers reverse them (see `newest_first`)."""
    if page.max_id is not None:
        stmt = stmt.where(column < page.max_id)
    if page.since_id is not None:
        stmt = stmt.where(column > page.since_id)
    if page.min_id is not None:
        return stmt.where(column > page.min_id).order_by(column.asc()).limit(page.limit)
    return stmt.order_by(column.desc()).limit(page.limit)


def newest_first(rows: list[Any], page: Page) -> list[Any]:
    return list(reversed(rows)) if page.forwards else rows
