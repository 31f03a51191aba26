"""The interface in Chinese and English: picking the language, formatting per locale, and a
catalog that covers every message the templates and web code can show."""

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from fastapi import FastAPI

from myna.lib.clock import utcnow
from myna.web import i18n
from tests.conftest import BASE_URL, MakeUser
from tests.web.forms import sign_in, submit

WEB = Path(i18n.__file__).parent


@pytest.mark.parametrize(
    ("chosen", "accept", "expected"),
    [
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        (None, "zh", "zh_CN"),
        (None, "zh-TW,en;q=0.5", "zh_CN"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "en;q=0.5, zh-Hans;q=0.9", "zh_CN"),
        (None, "fr-FR,fr;q=0.9", "en"),
        (None, "", "en"),
        (None, "!!;q=x,,", "en"),
        ("en", "zh-CN", "en"),
        ("zh_CN", "en-US", "zh_CN"),
        ("xx", "zh-CN", "zh_CN"),
    ],
)
def test_the_language_is_the_choice_else_the_browser_s(
    chosen: str | None, accept: str, expected: str
) -> None:
    assert i18n.negotiate(chosen, accept) == expected


def test_counts_are_written_the_way_each_language_writes_them() -> None:
    assert i18n.count(12_345, "zh_CN") == "1.2万"
    assert i18n.count(12_345, "en") == "12.3K"
    assert i18n.count(1_234_567, "zh_CN") == "123.5万"
    assert i18n.count(9_999, "en") == "9,999"
    assert i18n.count(42, "zh_CN") == "42"


def test_recent_times_are_relative_and_older_ones_dated() -> None:
    now = utcnow()
    assert i18n.when(now - timedelta(minutes=5), "zh_CN", now) == "5分钟前"
    assert i18n.when(now - timedelta(minutes=5), "en", now) == "5 minutes ago"
    assert i18n.when(now - timedelta(seconds=10), "en", now) == "just now"
    assert i18n.when(now - timedelta(seconds=10), "zh_CN", now) == "刚刚"
    old = now - timedelta(days=40)
    assert str(old.year) in i18n.when(old, "zh_CN", now)
    assert "ago" not in i18n.when(old, "en", now)


def _messages() -> dict[str, list[str]]:
    """Every msgid the templates and the web package's Python code can show, and where."""
    found: dict[str, list[str]] = {}
    method_map = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options
    ):
        # A plural message (ngettext) is catalogued under its singular.
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(filename)
    return found


def test_every_message_has_a_chinese_translation() -> None:
    messages = _messages()
    assert len(messages) > 50, "the extractor found too little: is it reading the templates?"
    catalog = i18n.catalog_of("zh_CN")
    missing = {
        m: where for m, where in messages.items() if not (catalog.get(m) and catalog.get(m).string)
    }
    assert not missing, f"no zh_CN translation for: {missing}"


def test_translations_keep_their_placeholders() -> None:
    for message in i18n.catalog_of("zh_CN"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(_placeholders(ids[-1]))
        for string in strings:
            assert sorted(_placeholders(string)) == wanted, (message.id, string)


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\((\w+)\)s", text)


async def test_pages_follow_accept_language_and_the_switch(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    r = await client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in r.text
    assert "登录" in r.text
    r = await client.get("/", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in r.text
    assert "Sign in" in r.text and "登录" not in r.text

    await make_user("alice")
    await sign_in(client, "alice")
    r = await submit(client, "/web/language", {"locale": "zh_CN", "next": "/notifications"})
    assert r.status_code == 303
    assert r.headers["location"] == "/notifications"
    home = await client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in home.text  # the choice wins over the browser
    assert "首页" in home.text

    r = await submit(client, "/web/language", {"locale": "klingon"})
    assert r.status_code == 422
    r = await submit(client, "/web/language", {"locale": "en", "next": "https://evil.example/"})
    assert r.headers["location"] == "/"  # never off the site
    assert '<html lang="en">' in (await client.get("/")).text


async def test_the_chosen_language_follows_the_person_to_another_browser(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    await submit(client, "/web/language", {"locale": "zh_CN"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as other:
        assert '<html lang="en">' in (await other.get("/")).text
        await sign_in(other, "alice")
        home = await other.get("/", headers={"Accept-Language": "en"})
        assert '<html lang="zh-CN">' in home.text
