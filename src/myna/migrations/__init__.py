"""Alembic migrations; `run_migrations(url)` upgrades a database to the newest schema."""

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def run_migrations(url: str, revision: str = "head") -> None:
    """Blocking: call it before the event loop starts, or in a thread."""
    if url.startswith("sqlite"):
        _ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


def _ensure_sqlite_directory(url: str) -> None:
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if path and ":memory:" not in path:
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
