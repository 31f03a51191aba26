"""The PostgreSQL search index's two ways to the newest matches: walking the newest documents
along the primary key (a common phrase) and the GIN index (a rare one). Whichever it takes, a
query gets the same matches."""

import pytest

from myna.actions.statuses import NewStatus
from myna.backends.search import PostgresSearch, Window
from myna.container import Container
from myna.lib import search_text
from tests.conftest import MakeUser


async def hits(index: PostgresSearch, container: Container, q: str, window: Window) -> list[int]:
    match = search_text.query(q)
    assert match is not None
    async with container.db.session() as session:
        return [h.status_id for h in await index.hits(session, match, window, [], {})]


async def test_walking_and_the_gin_index_find_the_same_newest_matches(
    container: Container, make_user: MakeUser
) -> None:
    if container.db.is_sqlite:
        pytest.skip("PostgreSQL's index (SQLite's FTS5 walks its own doclists newest first)")
    author = await make_user("author")
    ids = []
    for i in range(12):
        text = f"今天的咖啡很香 {i}" if i % 3 else f"下班路上看晚霞 {i}"
        status = await container.status_actions.do_post(author.id, NewStatus(text=text))
        ids.append(status.id)
    coffee = [i for n, i in enumerate(ids) if n % 3][::-1]  # newest first
    walker = PostgresSearch(probe=100)  # the newest documents hold enough matches
    indexer = PostgresSearch(probe=2)  # they do not: the GIN index answers
    for window, expected in (
        (Window(scan=3, limit=10), coffee[:3]),
        (Window(scan=3, limit=10, max_id=coffee[1]), coffee[2:5]),
        (Window(scan=3, limit=10, min_id=coffee[5]), coffee[:3]),
        (Window(scan=20, limit=20), coffee),
    ):
        assert await hits(walker, container, "咖啡", window) == expected
        assert await hits(indexer, container, "咖啡", window) == expected
    # No match either way.
    assert await hits(walker, container, "量子纠缠", Window(scan=3, limit=10)) == []
