"""The Archive and Import entities (Myna extensions, docs/data.md)."""

from typing import Any

from myna.lib.clock import iso
from myna.models import ArchiveExport, DataImport, JobState
from myna.reads.archive import expires_at
from myna.reads.imports import failures

DOWNLOAD_PATH = "/api/v1/myna/archive/download"


def render_archive(export: ArchiveExport | None, base_url: str) -> dict[str, Any]:
    """`state` "none" while the account never asked for one (or it was deleted)."""
    if export is None:
        return {
            "id": None,
            "state": "none",
            "size": None,
            "created_at": None,
            "finished_at": None,
            "expires_at": None,
            "download_url": None,
        }
    done = export.state == JobState.DONE
    return {
        "id": str(export.id),
        "state": export.state,
        "size": export.size if done else None,
        "created_at": iso(export.created_at),
        "finished_at": iso(export.finished_at) if export.finished_at else None,
        "expires_at": iso(expires_at(export)),
        "download_url": f"{base_url}{DOWNLOAD_PATH}" if done else None,
    }


def render_import(found: DataImport) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "type": found.type,
        "mode": found.mode,
        "state": found.state,
        "total_items": found.total_items,
        "processed_items": found.processed_items,
        "failed_items": found.failed_items,
        "failures": [{"row": f.row, "item": f.item, "error": f.error} for f in failures(found)],
        "created_at": iso(found.created_at),
        "finished_at": iso(found.finished_at) if found.finished_at else None,
    }
