"""Importing Mastodon's CSV exports (docs/data.md): following, blocks, mutes, lists and
bookmarks, merged into what the account has or overwriting it.

`do_create` checks the whole file first (lib/mastodon_csv.py: too large, not CSV, rows that do
not fit the type) and refuses it with nothing written, or records the import with its parsed
rows and pushes the job. The job works through the rows in chunks with the same actions the API
calls (follow, block, mute, list members, bookmarks), so counts, feeds, notifications and
events come out as if each row had been done by hand, and records the progress after every
chunk. A row that cannot be done (an unknown or remote account, a post that is not here)
counts as failed, with the reason among the first few kept. Overwriting first undoes what the
file does not hold: unfollows, unblocks, unmutes, removes list members and lists,
unbookmarks."""

import contextlib
import logging
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson

from myna.actions.collections import CollectionActions
from myna.actions.lists import ACCOUNTS_PER_REQUEST, ListActions, ListChange
from myna.actions.relations import RelationActions
from myna.backends.background import Background
from myna.db.database import Database, on_commit
from myna.lib import mastodon_csv
from myna.lib.clock import utcnow
from myna.lib.errors import MynaError, ValidationFailed
from myna.lib.ids import new_id
from myna.models import (
    Account,
    Block,
    DataImport,
    Follow,
    FollowRequest,
    ImportMode,
    ImportType,
    JobState,
    Mute,
)
from myna.store import accounts as account_store
from myna.store import archive as store
from myna.store import lists as list_store

log = logging.getLogger("myna.imports")

JOB = "run_import"
CHUNK = 50  # rows between two records of progress
TIME_SLICE = 30.0  # seconds one job works before it hands the rest to a new job
STALL = timedelta(minutes=5)  # an unfinished import that did not move for this long lost its job
FAILURES_KEPT = 100
LOOKUP_BATCH = 500
UNFINISHED = (JobState.PENDING, JobState.RUNNING)

# Why a row failed, besides the actions' own messages.
REMOTE = "The account is on another server"
UNKNOWN = "No account has this address here"
NOT_HERE = "Not a post on this server"

# Mastodon's names for the types, as its import form sends them.
ALIASES = {"blocking": "blocks", "muting": "mutes"}


def check_type(value: str) -> ImportType:
    try:
        return ImportType(ALIASES.get(value.strip(), value.strip()))
    except ValueError:
        kinds = ", ".join(kind.value for kind in ImportType)
        raise ValidationFailed(f"Validation failed: type must be one of {kinds}") from None


def check_mode(value: str | None) -> ImportMode:
    try:
        return ImportMode((value or ImportMode.MERGE).strip())
    except ValueError:
        raise ValidationFailed("Validation failed: mode must be merge or overwrite") from None


@dataclass
class _Chunk:
    """What one chunk's rows share: accounts by username key, lists by title."""

    accounts: dict[str, Account] = field(default_factory=dict)
    lists: dict[str, int] = field(default_factory=dict)


class ImportActions:
    def __init__(
        self,
        db: Database,
        relations: RelationActions,
        lists: ListActions,
        collections: CollectionActions,
        background: Background,
        *,
        domain: str,
        base_url: str,
    ) -> None:
        self.db = db
        self.relations = relations
        self.lists = lists
        self.collections = collections
        self.background = background
        self.domain = domain
        self.base_url = base_url.rstrip("/")
        self.chunk = CHUNK

    async def do_create(
        self, account_id: int, kind: str, mode: str | None, data: bytes
    ) -> DataImport:
        """Checks the file whole (a refusal writes nothing), records it, starts the job."""
        checked_type, checked_mode = check_type(kind), check_mode(mode)
        rows = mastodon_csv.parse(checked_type.value, data)
        now = utcnow()
        row = DataImport(
            id=new_id(),
            account_id=account_id,
            type=checked_type.value,
            mode=checked_mode.value,
            state=JobState.PENDING,
            rows=orjson.dumps(rows).decode(),
            total_items=len(rows),
            processed_items=0,
            failed_items=0,
            failures="[]",
            created_at=now,
            updated_at=now,
        )
        async with self.db.transaction() as session:
            await store.add_import(session, row)
            on_commit(session, lambda: self.background.push(JOB, row.id))
        return row

    # The job ----------------------------------------------------------------------------------

    async def run(self, import_id: int) -> None:
        """The job: chunks until done, or until its time slice is used (then a new job goes on
        from where it stopped). A second run of the same import loses the race to record a
        chunk and stops; rows done twice are done with set semantics."""
        started = time.monotonic()
        try:
            while await self.step(import_id):
                if time.monotonic() - started > TIME_SLICE:
                    await self.background.push(JOB, import_id)
                    return
        except Exception:
            log.exception("import %d failed", import_id)
            async with self.db.transaction() as session:
                await store.finish_import(session, import_id, JobState.FAILED, utcnow())

    async def step(self, import_id: int) -> bool:
        """One chunk of rows (after an overwrite's undoing, for the first); whether more
        remain."""
        async with self.db.session() as session:
            found = await store.get_import(session, import_id)
        if found is None or found.state not in UNFINISHED:
            return False
        rows: list[list[str]] = orjson.loads(found.rows)
        if found.state == JobState.PENDING:
            if found.mode == ImportMode.OVERWRITE:
                await self._undo_missing(found, rows)
            async with self.db.transaction() as session:
                if not await store.start_import(session, import_id, utcnow()):
                    return False
        start = found.processed_items
        chunk = rows[start : start + self.chunk]
        column = -1 if found.type == ImportType.LISTS else 0
        named = [] if found.type == ImportType.BOOKMARKS else [row[column] for row in chunk]
        shared = _Chunk(accounts=await self._accounts(self._local_usernames(named)))
        failures: list[dict[str, object]] = orjson.loads(found.failures)
        failed = found.failed_items
        for number, row in enumerate(chunk, start=start + 1):
            error = await self._apply(found, row, shared)
            if error is not None:
                failed += 1
                if len(failures) < FAILURES_KEPT:
                    item = row[-1] if found.type == ImportType.LISTS else row[0]
                    failures.append({"row": number, "item": item, "error": error})
        processed = start + len(chunk)
        now = utcnow()
        async with self.db.transaction() as session:
            recorded = await store.advance_import(
                session, import_id, start, processed, failed, orjson.dumps(failures).decode(), now
            )
            if recorded and processed >= len(rows):
                await store.finish_import(session, import_id, JobState.DONE, now)
        return recorded and processed < len(rows)

    async def _apply(self, found: DataImport, row: list[str], shared: _Chunk) -> str | None:
        """Does one row; None, or why it could not be done."""
        me = found.account_id
        try:
            if found.type == ImportType.BOOKMARKS:
                status_id = mastodon_csv.status_id_of(row[0], self.base_url)
                if status_id is None:
                    return NOT_HERE
                await self.collections.do_bookmark(me, status_id)
                return None
            named = row[-1] if found.type == ImportType.LISTS else row[0]
            target, error = self._target(named, shared)
            if target is None:
                return error
            if found.type == ImportType.FOLLOWING:
                await self.relations.do_follow(
                    me, target.id, reblogs=row[1] == "true", notify_posts=row[2] == "true"
                )
            elif found.type == ImportType.BLOCKS:
                await self.relations.do_block(me, target.id)
            elif found.type == ImportType.MUTES:
                await self.relations.do_mute(me, target.id, notifications=row[1] == "true")
            else:
                # Only followed accounts can be list members: follow first, as Mastodon does
                # (a locked account's request must be accepted before it can be added).
                list_id = await self._list_titled(me, row[0], shared)
                await self.relations.do_follow(me, target.id)
                await self.lists.do_add_accounts(me, list_id, [target.id])
        except MynaError as refused:
            return refused.message
        return None

    def _target(self, text: str, shared: _Chunk) -> tuple[Account | None, str]:
        address = mastodon_csv.parse_address(text)
        if address is None:
            return None, UNKNOWN
        if not address.is_local(self.domain):
            return None, REMOTE
        account = shared.accounts.get(account_store.username_key(address.username))
        return (account, "") if account is not None else (None, UNKNOWN)

    async def _accounts(self, usernames: Iterable[str]) -> dict[str, Account]:
        """Accounts of this server by username key, looked up in batches."""
        wanted = list(dict.fromkeys(usernames))
        found: dict[str, Account] = {}
        for start in range(0, len(wanted), LOOKUP_BATCH):
            async with self.db.session() as session:
                batch = await account_store.by_usernames(
                    session, wanted[start : start + LOOKUP_BATCH]
                )
            found.update({account.username_key: account for account in batch})
        return found

    def _local_usernames(self, texts: Iterable[str]) -> list[str]:
        names = []
        for text in texts:
            address = mastodon_csv.parse_address(text)
            if address is not None and address.is_local(self.domain):
                names.append(address.username)
        return names

    async def _list_titled(self, owner_id: int, title: str, shared: _Chunk) -> int:
        """The owner's list with this title, made if there is none."""
        wanted = title.strip()
        if not shared.lists:
            async with self.db.session() as session:
                for held in await list_store.of_owner(session, owner_id):
                    shared.lists.setdefault(held.title, held.id)
        if wanted not in shared.lists:
            made = await self.lists.do_create(owner_id, ListChange(title=wanted))
            shared.lists[made.title] = made.id
        return shared.lists[wanted]

    # Overwriting ------------------------------------------------------------------------------

    async def _undo_missing(self, found: DataImport, rows: list[list[str]]) -> None:
        """Undoes what the account has and the file does not hold. Each undoing is its own
        action (and transaction), so running this twice is harmless."""
        me = found.account_id
        if found.type == ImportType.BOOKMARKS:
            kept = {mastodon_csv.status_id_of(row[0], self.base_url) for row in rows}
            async with self.db.session() as session:
                current = await store.bookmarked(session, me)
            for status_id in current:
                if status_id not in kept:
                    await _quietly(self.collections.do_unbookmark(me, status_id))
            return
        column = -1 if found.type == ImportType.LISTS else 0
        accounts = await self._accounts(self._local_usernames(row[column] for row in rows))
        if found.type == ImportType.LISTS:
            await self._undo_lists(me, rows, accounts)
            return
        wanted = {account.id for account in accounts.values()}
        async with self.db.session() as session:
            if found.type == ImportType.FOLLOWING:
                current = await store.targets(session, Follow, me)
                current += await store.targets(session, FollowRequest, me)
            elif found.type == ImportType.BLOCKS:
                current = await store.targets(session, Block, me)
            else:
                current = await store.targets(session, Mute, me)
        undo = {
            ImportType.FOLLOWING: self.relations.do_unfollow,
            ImportType.BLOCKS: self.relations.do_unblock,
            ImportType.MUTES: self.relations.do_unmute,
        }[ImportType(found.type)]
        for target_id in dict.fromkeys(current):
            if target_id not in wanted:
                await _quietly(undo(me, target_id))

    async def _undo_lists(
        self, me: int, rows: list[list[str]], accounts: dict[str, Account]
    ) -> None:
        """Lists the file does not name are deleted; named ones keep only its members."""
        members: dict[str, set[int]] = {}
        for title, text in rows:
            address = mastodon_csv.parse_address(text)
            account = (
                accounts.get(account_store.username_key(address.username)) if address else None
            )
            held = members.setdefault(title.strip(), set())
            if account is not None:
                held.add(account.id)
        async with self.db.session() as session:
            lists = await store.lists_with_members(session, me)
        for list_id, title, current in lists:
            if title not in members:
                await _quietly(self.lists.do_delete(me, list_id))
                continue
            gone = [member for member in current if member not in members[title]]
            for start in range(0, len(gone), ACCOUNTS_PER_REQUEST):
                batch = gone[start : start + ACCOUNTS_PER_REQUEST]
                await _quietly(self.lists.do_remove_accounts(me, list_id, batch))

    # Housekeeping -----------------------------------------------------------------------------

    async def sweep(self, now: datetime) -> int:
        """Pushes again the jobs of imports that stopped moving (a restart lost them)."""
        async with self.db.transaction() as session:
            lost = await store.lost_imports(session, now, now - STALL)
        for import_id in lost:
            await self.background.push(JOB, import_id)
        return len(lost)


async def _quietly(undoing: Awaitable[object]) -> None:
    """An undoing that finds nothing to undo (gone meanwhile) is not an error."""
    with contextlib.suppress(MynaError):
        await undoing
