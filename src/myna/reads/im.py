"""What the IM gateway reads (docs/im-gateway.md): who an address is, and rooms as a member
would see them. Who may see which status is not decided here: the gateway hears statuses
through streaming connections and reads them through `StatusReads`, like every client."""

from dataclasses import dataclass

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.models import GroupBan, ImLink
from myna.policy import access as access_rules
from myna.policy import groups as group_rules
from myna.store import accounts as account_store
from myna.store import groups as group_store
from myna.store import im_links as store


@dataclass(frozen=True)
class Room:
    """A group as a room, for one would-be occupant."""

    group_id: int
    handle: str
    name: str
    description: str
    listed: bool  # shown to anyone in service discovery (policy/groups.py `listed`)
    role: str | None  # the occupant's role in the group; None: not a member
    banned: bool


class ImReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def link(self, account_id: int) -> ImLink | None:
        async with self.db.session() as session:
            return await store.of_account(session, account_id)

    async def sender(self, address: str) -> int | None:
        """The account whose confirmed link is this bare address; None: not to be trusted."""
        async with self.db.session() as session:
            return await store.confirmed_account(session, address)

    async def confirmed_links(self) -> list[ImLink]:
        async with self.db.session() as session:
            return await store.confirmed(session)

    async def account_id(self, username: str) -> int | None:
        async with self.db.session() as session:
            account = await account_store.by_username(session, username)
            return account.id if account is not None else None

    async def usernames(self, account_ids: list[int]) -> dict[int, str]:
        async with self.db.session() as session:
            accounts = await account_store.get_many(session, account_ids)
        return {a.id: a.username for a in accounts.values()}

    async def blocked_either_way(self, a: int, b: int) -> bool:
        async with self.db.session() as session:
            return await access_rules.blocked_either_way(session, a, b)

    async def room(self, viewer_id: int | None, handle: str) -> Room:
        """The group behind a room, as `viewer_id` may know it: a secret group is NotFound to
        anyone who is neither a member nor invited, as everywhere else."""
        async with self.db.session() as session:
            group_id = await group_store.id_by_handle(session, handle)
            if group_id is None:
                raise NotFound()
            group, role = await group_rules.access_group(session, viewer_id, group_id)
            banned = viewer_id is not None and await group_store.exists(
                session, GroupBan, group.id, viewer_id
            )
        return Room(
            group.id,
            group.handle,
            group.name,
            group.description,
            group_rules.listed(group.privacy),
            role,
            banned,
        )

    async def listed_rooms(self, limit: int = 500) -> list[Room]:
        """Rooms service discovery lists: every group but the secret ones."""
        async with self.db.session() as session:
            groups = await group_store.biggest(session, group_rules.listed_sql(None), limit)
        return [
            Room(g.id, g.handle, g.name, g.description, group_rules.listed(g.privacy), None, False)
            for g in groups
        ]

    async def newest_keyed(
        self, account_id: int, conversation_id: int, prefix: str
    ) -> tuple[int, str] | None:
        async with self.db.session() as session:
            return await store.newest_keyed(session, account_id, conversation_id, prefix)
