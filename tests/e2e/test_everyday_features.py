"""Issue 5's acceptance, with Mastodon.py against a real `myna serve`: a picture with alt text,
lists and a list audience (Weibo's 分组可见), bookmarks, an edit with its history, a poll
and a filter that hides a word."""

import io

import httpx
import pytest
from mastodon import Mastodon
from mastodon.errors import MastodonNotFoundError
from PIL import Image

from tests.e2e.test_mastodon_client import SCOPES, _register

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def credentials(server: str) -> tuple[str, str]:
    return Mastodon.create_app("Myna e2e extras", api_base_url=server, scopes=SCOPES)


@pytest.fixture(scope="module")
def people(server: str, credentials: tuple[str, str]) -> dict[str, Mastodon]:
    """alice posts; bob and carol follow her; dave follows nobody."""
    apis = {
        name: _register(server, credentials, name) for name in ("alice", "bob", "carol", "dave")
    }
    alice_id = apis["alice"].account_verify_credentials().id
    for name in ("bob", "carol"):
        apis[name].account_follow(alice_id)
    # alice follows bob and carol back, so she can put them in lists.
    for name in ("bob", "carol"):
        apis["alice"].account_follow(apis[name].account_verify_credentials().id)
    return apis


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 800), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "MynaCam"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_picture_with_alt_text(server: str, people: dict[str, Mastodon]) -> None:
    alice, bob = people["alice"], people["bob"]
    media = alice.media_post(
        io.BytesIO(jpeg_with_gps()),
        mime_type="image/jpeg",
        description="一只八哥 (a myna)",
        focus=(0.25, -0.5),
        synchronous=True,
    )
    assert media.type == "image"
    assert media.description == "一只八哥 (a myna)"
    assert media.meta["original"]["width"] == 1200
    assert media.meta["focus"] == {"x": 0.25, "y": -0.5}
    assert media.blurhash

    status = alice.status_post("看图 look", media_ids=[media])
    assert [m.id for m in status.media_attachments] == [media.id]
    seen = bob.status(status.id)
    assert seen.media_attachments[0].description == "一只八哥 (a myna)"

    original = httpx.get(seen.media_attachments[0].url)
    assert original.status_code == 200
    assert original.headers["content-type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(original.content))
    assert picture.size == (1200, 800)
    assert not picture.getexif(), "EXIF (and GPS) must be stripped"
    preview = httpx.get(seen.media_attachments[0].preview_url)
    assert preview.status_code == 200
    assert max(Image.open(io.BytesIO(preview.content)).size) <= 640

    only_media = bob.account_statuses(alice.account_verify_credentials().id, only_media=True)
    assert [s.id for s in only_media] == [status.id]


def test_list_and_list_audience(server: str, people: dict[str, Mastodon]) -> None:
    alice, bob, carol, dave = (people[n] for n in ("alice", "bob", "carol", "dave"))
    bob_id = bob.account_verify_credentials().id
    close = alice.list_create("密友 close friends")
    alice.list_accounts_add(close, [bob_id])
    assert [a.id for a in alice.list_accounts(close)] == [bob_id]

    from_bob = bob.status_post("hello from bob")
    from_carol = carol.status_post("carol is not in the list")
    listed = alice.timeline_list(close)
    assert from_bob.id in [s.id for s in listed]
    assert from_carol.id not in [s.id for s in listed]
    assert from_carol.id in [s.id for s in alice.timeline_home()]

    # A post to the list as its audience: only bob (a member who follows alice) may see it.
    r = httpx.post(
        f"{server}/api/v1/statuses",
        headers={"Authorization": f"Bearer {alice.access_token}"},
        json={"status": "只给密友 for close friends", "visibility": "private", "list_id": close.id},
    )
    assert r.status_code == 200, r.text
    circle_id = r.json()["id"]
    assert bob.status(circle_id).content
    assert circle_id in [s.id for s in bob.timeline_home()]
    for outsider in (carol, dave):
        with pytest.raises(MastodonNotFoundError):
            outsider.status(circle_id)
        assert circle_id not in [s.id for s in outsider.timeline_home()]
    anonymous = httpx.get(f"{server}/api/v1/statuses/{circle_id}")
    assert anonymous.status_code == 404


def test_bookmark_and_edit_with_history(people: dict[str, Mastodon]) -> None:
    alice, bob = people["alice"], people["bob"]
    status = alice.status_post("first version")
    assert bob.status_bookmark(status).bookmarked is True
    assert status.id in [s.id for s in bob.bookmarks()]

    edited = alice.status_update(status, "second version")
    assert edited.edited_at is not None
    history = bob.status_history(status)
    assert [v.content for v in history] == ["<p>first version</p>", "<p>second version</p>"]
    assert bob.bookmarks()[0].content == "<p>second version</p>"
    bob.status_unbookmark(status)
    assert status.id not in [s.id for s in bob.bookmarks()]


def test_vote_in_a_poll(people: dict[str, Mastodon]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    poll = alice.make_poll(["豆浆 soy milk", "咖啡 coffee", "茶 tea"], expires_in=3600)
    status = alice.status_post("早上喝什么? breakfast?", poll=poll)
    assert [o.title for o in status.poll.options] == ["豆浆 soy milk", "咖啡 coffee", "茶 tea"]

    voted = bob.poll_vote(status.poll.id, [1])
    assert voted.voted is True and voted.own_votes == [1]
    carol.poll_vote(status.poll.id, 1)
    counts = alice.poll(status.poll.id)
    assert [o.votes_count for o in counts.options] == [0, 2, 0]
    assert counts.votes_count == 2


def test_filter_hides_a_word(people: dict[str, Mastodon]) -> None:
    alice, bob = people["alice"], people["bob"]
    bob.create_filter_v2(
        "no spoilers",
        context=["home"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "剧透", "whole_word": False}],
    )
    hidden = alice.status_post("大结局剧透: 他是凶手")
    shown = alice.status_post("今天天气很好")
    home = [s.id for s in bob.timeline_home()]
    assert shown.id in home
    assert hidden.id not in home
    # Only bob filtered it: carol's home and a direct fetch still have it.
    assert hidden.id in [s.id for s in people["carol"].timeline_home()]
    assert bob.status(hidden.id).id == hidden.id
    assert [f.title for f in bob.filters_v2()] == ["no spoilers"]
