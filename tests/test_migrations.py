"""The migrations build exactly the schema the models describe, on both databases."""

from alembic import command

from myna.migrations import alembic_config


def test_models_and_migrations_agree(migrated_database: str) -> None:
    url = (
        migrated_database
        if "://" in migrated_database
        else f"sqlite+aiosqlite:///{migrated_database}"
    )
    # Raises when autogenerate would emit any operation: a model changed without a migration.
    command.check(alembic_config(url))
