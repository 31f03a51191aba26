"""The search leak matrix (issue 9, acceptance 1): every visibility x every kind of viewer, and
every group privacy x every kind of group viewer, through GET /api/v2/search on a real
database. The worlds are those of the visibility and group matrices (their fixtures, reused);
what each viewer may find is written out below by hand from the rule of policy/search.py:
what the viewer may see in a list (blocks and mutes applied), less other people's unlisted
statuses, as Mastodon leaves unlisted statuses out of search.

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


def test_the_table_covers_every_viewer() -> None:
    assert set(SEARCH) == set(matrix.VIEWERS)


async def _search(world: Any, viewer: str, q: str, **params: Any) -> tuple[dict[str, Any], str]:
    r = await world.client.get(
        URL, params={"q": q, "limit": 40, **params}, headers=world.headers(viewer)
    )
    assert r.status_code == 200, r.text
    return r.json(), r.text


@in_module_loop
@pytest.mark.parametrize("viewer", matrix.VIEWERS)
@pytest.mark.parametrize("vis", matrix.VISIBILITIES)
async def test_statuses(visibility_world: Any, viewer: str, vis: str) -> None:
    world = visibility_world
    expected = SEARCH[viewer][matrix.VISIBILITIES.index(vis)]
    body, raw = await _search(world, viewer, matrix.marker(vis), type="statuses")
    ids = [s["id"] for s in body["statuses"]]
    assert ids == ([str(world.target[vis])] if expected else []), f"{viewer} searching {vis}"
    if not expected:
        assert matrix.marker(vis) not in raw
    # The same through a query of every kind at once, and in a mixed-script query.
    body, raw = await _search(world, viewer, f"{matrix.marker(vis)} {matrix.TAG}")
    assert [s["id"] for s in body["statuses"]] == ids
    if not expected:
        assert matrix.marker(vis) not in raw


@in_module_loop
@pytest.mark.parametrize("viewer", matrix.VIEWERS)
async def test_hashtags_tell_only_of_findable_posts(visibility_world: Any, viewer: str) -> None:
    """Only the targets carry the tag: it shows exactly to those who may find one of them."""
    body, _raw = await _search(visibility_world, viewer, matrix.TAG, type="hashtags")
    shown = [t["name"] for t in body["hashtags"]]
    assert shown == ([matrix.TAG] if any(SEARCH[viewer]) else []), viewer


@in_module_loop
@pytest.mark.parametrize("viewer", matrix.VIEWERS)
async def test_accounts_across_a_block_are_not_found(visibility_world: Any, viewer: str) -> None:
    body, _raw = await _search(visibility_world, viewer, "author", type="accounts")
    found = "author" in {a["username"] for a in body["accounts"]}
    assert found == (viewer not in ("blocked", "blocker")), viewer


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
