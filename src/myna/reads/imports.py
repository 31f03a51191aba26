"""An account's imports and their progress (docs/data.md). Another account's import is not
found, like a missing one."""

from dataclasses import dataclass
from typing import Any

import orjson

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.models import DataImport
from myna.store import archive as store

RECENT = 50  # imports listed, newest first


@dataclass(frozen=True)
class Failure:
    row: int  # 1-based, among the file's data rows
    item: str  # the address or URL the row named
    error: str


def failures(found: DataImport) -> list[Failure]:
    """The first rows that failed, and why."""
    kept: list[dict[str, Any]] = orjson.loads(found.failures or "[]")
    return [Failure(int(f["row"]), str(f["item"]), str(f["error"])) for f in kept]


class ImportReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recent(self, account_id: int, limit: int = RECENT) -> list[DataImport]:
        async with self.db.session() as session:
            return await store.imports_of(session, account_id, limit)

    async def one(self, account_id: int, import_id: int) -> DataImport:
        async with self.db.session() as session:
            found = await store.own_import(session, account_id, import_id)
        if found is None:
            raise NotFound()
        return found
