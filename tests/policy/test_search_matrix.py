"""The search leak matrix (issue 9, acceptance 1): every visibility x every kind of viewer, and
every group privacy x every kind of group viewer, through GET /api/v2/search on a real
database. The worlds are those of the visibility and group matrices (their fixtures, reused);
what each viewer may find is written out below by hand from the rule of policy/search.py:
what the viewer may see in a list (blocks and mutes applied), less other people's unlisted
statuses, as Mastodon leaves unlisted statuses out of search. The visibility world's authors
are three (issue 11): a limited author's posts, and the account itself, are found by the author
and its followers only; nothing of a suspended author is found by anyone.

Each target post holds a word no other post has (`marker`): searching for it must find the
post exactly when the table says so, and otherwise leave no trace of it in the answer.

The visibility cells run first, then the group cells (on PostgreSQL the two worlds share one
database, and the group world is built, truncating it, only when its first cell runs).
"""

from typing import Any

import pytest

from tests.policy import test_group_matrix as groups
from tests.policy import test_visibility_matrix as matrix

in_module_loop = pytest.mark.asyncio(loop_scope="module")

# The two worlds, under names of their own in this module.
visibility_world = matrix.world
group_world = groups.world

URL = "/api/v2/search"
Y, N = True, False

# Columns: public, unlisted, private, direct, list (matrix.VISIBILITIES).
SEARCH = {
    "author": (Y, Y, Y, Y, Y),  # everything of one's own, unlisted included
    "follower": (Y, N, Y, N, Y),
    "outsider": (Y, N, Y, N, N),  # a follower outside the list
    "listmember": (Y, N, N, N, N),  # in the list, not a follower
    "mentioned": (Y, N, Y, Y, N),  # a mention opens private and direct, never a list post
    "stranger": (Y, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),  # search is a list: mutes apply
    "anonymous": (Y, N, N, N, N),
}
# A limited author's posts: the author's followers find what SEARCH gives them; nobody else
# finds anything, a mention (of the private and the direct post) included.
SEARCH_LIMITED = {
    "author": (Y, Y, Y, Y, Y),
    "follower": (Y, N, Y, N, Y),
    "outsider": (Y, N, Y, N, N),
    "listmember": (N, N, N, N, N),  # followed by the author, not following it
    "mentioned": (N, N, N, N, N),
    "stranger": (N, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
    "anonymous": (N, N, N, N, N),
}
# A suspended author's posts: nobody finds any (its own row stands for the rule: it cannot
# sign in to search, matrix.SIGNED_OUT).
SEARCH_SUSPENDED = {
    "author": (N, N, N, N, N),
    "follower": (N, N, N, N, N),
    "outsider": (N, N, N, N, N),
    "listmember": (N, N, N, N, N),
    "mentioned": (N, N, N, N, N),
    "stranger": (N, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
    "anonymous": (N, N, N, N, N),
}
SEARCHES = {"normal": SEARCH, "limited": SEARCH_LIMITED, "suspended": SEARCH_SUSPENDED}

# Searching for an author's username: columns normal, limited, suspended (matrix.STATES); the
# `author` row is each author looking for itself. Blocks hide an account either way; a limited
# one shows to itself and its followers (a mute hides posts, not the account); a suspended one
# to nobody (and cannot sign in to look for itself: that cell is not run, matrix.SIGNED_OUT).
FOUND = {
    "author": (Y, Y, N),
    "follower": (Y, Y, N),
    "outsider": (Y, Y, N),
    "listmember": (Y, N, N),
    "mentioned": (Y, N, N),
    "stranger": (Y, N, N),
    "blocked": (N, N, N),
    "blocker": (N, N, N),
    "muted": (Y, Y, N),
    "anonymous": (Y, N, N),
}


def test_the_table_covers_every_viewer() -> None:
    for table in (*SEARCHES.values(), FOUND):
        assert set(table) == set(matrix.VIEWERS)


async def _search(world: Any, viewer: str, q: str, **params: Any) -> tuple[dict[str, Any], str]:
    r = await world.client.get(
        URL, params={"q": q, "limit": 40, **params}, headers=world.headers(viewer)
    )
    assert r.status_code == 200, r.text
    return r.json(), r.text


STATUS_CELLS = [
    pytest.param(state, viewer, vis, id=matrix.cell_id(state, vis, viewer))
    for state in matrix.STATES
    for viewer in matrix.VIEWERS
    if (state, viewer) not in matrix.SIGNED_OUT
    for vis in matrix.VISIBILITIES
]


@in_module_loop
@pytest.mark.parametrize(("state", "viewer", "vis"), STATUS_CELLS)
async def test_statuses(visibility_world: Any, state: str, viewer: str, vis: str) -> None:
    world = visibility_world
    who, word = matrix.account_of(viewer, state), matrix.marker(vis, state)
    expected = SEARCHES[state][viewer][matrix.VISIBILITIES.index(vis)]
    body, raw = await _search(world, who, word, type="statuses")
    ids = [s["id"] for s in body["statuses"]]
    wanted = [str(world.target[state, vis])] if expected else []
    assert ids == wanted, f"{viewer} searching the {state} author's {vis} post"
    if not expected:
        assert word not in raw
    # The same through a query of every kind at once, and in a mixed-script query.
    body, raw = await _search(world, who, f"{word} {matrix.TAG}")
    assert [s["id"] for s in body["statuses"]] == ids
    if not expected:
        assert word not in raw


@in_module_loop
@pytest.mark.parametrize("viewer", matrix.VIEWERS)
async def test_hashtags_tell_only_of_findable_posts(visibility_world: Any, viewer: str) -> None:
    """Only the targets carry the tag: it shows exactly to those who may find one of them.
    (The other authors' targets carry it too, but whoever may find one of theirs may find one
    of the author in good standing's: SEARCH_LIMITED's rows lie within SEARCH's, and the author
    in good standing is a stranger to them.)"""
    body, _raw = await _search(visibility_world, viewer, matrix.TAG, type="hashtags")
    shown = [t["name"] for t in body["hashtags"]]
    assert shown == ([matrix.TAG] if any(SEARCH[viewer]) else []), viewer


@in_module_loop
@pytest.mark.parametrize("viewer", matrix.VIEWERS)
async def test_accounts_across_a_block_are_not_found(visibility_world: Any, viewer: str) -> None:
    body, _raw = await _search(visibility_world, viewer, "author", type="accounts")
    found = "author" in {a["username"] for a in body["accounts"]}
    assert found == (viewer not in ("blocked", "blocker")), viewer


ACCOUNT_CELLS = [
    pytest.param(state, viewer, id=matrix.cell_id(state, "account", viewer))
    for state in matrix.STATES
    for viewer in matrix.VIEWERS
    if (state, viewer) not in matrix.SIGNED_OUT
]


@in_module_loop
@pytest.mark.parametrize(("state", "viewer"), ACCOUNT_CELLS)
async def test_accounts(visibility_world: Any, state: str, viewer: str) -> None:
    """Each author searched for by its whole username: found exactly as FOUND says, and when
    not found, its id appears nowhere in the answer."""
    username = matrix.AUTHORS[state]
    who = matrix.account_of(viewer, state)
    body, raw = await _search(visibility_world, who, username, type="accounts")
    found = username in {a["username"] for a in body["accounts"]}
    assert found == FOUND[viewer][matrix.STATES.index(state)], f"{viewer} searching {username}"
    if not found:
        assert str(visibility_world.users[username].id) not in raw


# Group posts: members find every post of their group; anyone else, signed in or not, every
# post of a public group and nothing of the others (a removed member or one who left loses
# their own old posts too). Blocks play no part in this world.
GROUP_SEARCH = groups.LOOKUP


@in_module_loop
@pytest.mark.parametrize("viewer", groups.VIEWERS)
@pytest.mark.parametrize("privacy", groups.PRIVACIES)
async def test_group_posts(group_world: Any, viewer: str, privacy: str) -> None:
    world = group_world
    expected = GROUP_SEARCH[viewer][groups.PRIVACIES.index(privacy)]
    r = await world.get(privacy, viewer, URL, q=groups.marker(privacy), limit=40)
    assert r.status_code == 200, r.text
    shown = world.labels(privacy, {s["id"] for s in r.json()["statuses"]})
    assert shown == expected, f"{viewer} of the {privacy} group"
    if not expected:
        assert groups.marker(privacy) not in r.text
