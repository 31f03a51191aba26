"""The server's settings in the moderation console, driven like a browser without JavaScript:
the rules (an admin saves them and they apply at once; a moderator only reads them), blocked
e-mail domains, invites and the hot topics to hide; bad input shown on the page with a 422
while nothing is written."""

import re

import httpx

from myna.container import Container
from myna.lib.paging import Page
from myna.models import TrendKind
from myna.policy import spam
from tests.conftest import MakeUser, row_counts
from tests.web.conftest import Person, Staff
from tests.web.forms import post_as, press, sign_up, submit

RULES = "/admin/rules"
DOMAINS = "/admin/email_domain_blocks"
INVITES = "/admin/invites"
TOPICS = "/admin/topics"


def rules_form(**change: str) -> dict[str, str]:
    """Every field of the rules form, as a browser sends it (lines end in CRLF)."""
    fields = {
        "registrations": "open",
        "new_account_hours": "24",
        "new_account_posts_per_hour": "0",
        "link_blocklist": "",
        "hidden_keywords": "",
        "hidden_domains": "",
        **{f"rate_{bucket}": "" for bucket in spam.RATE_LIMIT_BUCKETS},
    }
    fields.update(change)
    return fields


def audit_actions(html: str) -> list[str]:
    return re.findall(r'<tr id="audit-\d+" data-action="(\w+)"', html)


def alert(html: str) -> str:
    match = re.search(r'<p class="error" role="alert" id="admin-error">(.*?)</p>', html)
    assert match, "no message on the page"
    return match.group(1)


async def public_texts(client: httpx.AsyncClient) -> list[str]:
    r = await client.get("/api/v1/timelines/public")
    assert r.status_code == 200
    return [s["content"] for s in r.json()]


async def test_the_settings_are_in_the_console_s_navigation(staff: Staff) -> None:
    async with staff("mod", "moderator") as (mod, _m):
        page = (await mod.get("/admin")).text
        for href in (RULES, DOMAINS, INVITES, TOPICS):
            assert f'<a href="{href}"' in page, href
        page = (await mod.get(INVITES)).text
        assert f'<a href="{INVITES}" aria-current="page">Invites</a>' in page


async def test_rules_saved_by_an_admin_apply_at_once(
    staff: Staff, container: Container, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    author = await make_user("author")
    await post_as(container, author, "今天 Special Offer 大甩卖")
    await post_as(container, author, "今天天气很好")
    assert len(await public_texts(client)) == 2
    assert 'action="/auth/sign_up"' in (await client.get("/auth/sign_up")).text
    async with staff("boss", "admin") as (boss, admin):
        page = (await boss.get(RULES)).text
        assert 'id="mode-open" name="registrations" value="open" checked' in page
        assert "Save the rules" in page and "disabled" not in page
        for control in ("mode-closed", "rule-new_account_hours", "rule-hidden_keywords"):
            assert f'for="{control}"' in page, control

        r = await submit(
            boss,
            "/web/admin/rules",
            rules_form(
                registrations="closed",
                new_account_hours="48",
                new_account_posts_per_hour="5",
                hidden_keywords="special offer\r\n\r\n大甩卖\r\n",
                link_blocklist="https://Spam.Example/buy\r\n",
            ),
            page=RULES,
        )
        assert r.status_code == 303 and r.headers["location"] == "/admin/rules?saved=1"
        page = (await boss.get(r.headers["location"])).text
        assert 'id="rules-saved"' in page
        assert 'id="mode-closed" name="registrations" value="closed" checked' in page
        assert 'value="48"' in page and 'value="5"' in page
        assert ">special offer\n大甩卖</textarea>" in page
        assert ">spam.example</textarea>" in page
        assert audit_actions((await boss.get("/admin/audit")).text) == ["settings"]

    rules = await container.server_reads.rules(await container.account_reads.one(admin.id))
    assert rules.new_account_hours == 48 and rules.new_account_posts_per_hour == 5
    # Closed: the sign-up form is gone. The hidden keyword: the post left the public timeline.
    assert 'action="/auth/sign_up"' not in (await client.get("/auth/sign_up")).text
    assert await public_texts(client) == ["<p>今天天气很好</p>"]


async def test_a_moderator_reads_the_rules_but_cannot_save_them(
    staff: Staff, container: Container, client: httpx.AsyncClient
) -> None:
    async with staff("mod", "moderator") as (mod, _m):
        page = (await mod.get(RULES)).text
        assert 'id="rules-read-only"' in page
        assert '<fieldset class="plain" disabled>' in page
        assert "Save the rules" not in page
        before = await row_counts(container.db)
        r = await submit(mod, "/web/admin/rules", rules_form(registrations="closed"), page=RULES)
        assert r.status_code == 403
        assert "This action is allowed to admins only" in r.text
        assert await row_counts(container.db) == before
    assert 'action="/auth/sign_up"' in (await client.get("/auth/sign_up")).text


async def test_bad_rules_show_the_message_keep_what_was_typed_and_write_nothing(
    staff: Staff, container: Container
) -> None:
    async with staff("boss", "admin") as (boss, _b):
        before = await row_counts(container.db)
        cases = [
            ({"hidden_domains": "ok.example\r\nnot a domain"}, "“not a domain” is not a domain."),
            ({"link_blocklist": "localhost"}, "“localhost” is not a domain."),
            (
                {"new_account_hours": "abc"},
                "Hours an account counts as new: a whole number from 0 to 10000.",
            ),
            (
                {"new_account_posts_per_hour": "10001"},
                "Posts per hour a new account may write: a whole number from 0 to 10000.",
            ),
            (
                {"hidden_keywords": "x" * 101},
                "Hidden keywords: each line holds at most 100 characters.",
            ),
            (
                {"hidden_keywords": "\n".join(f"w{i}" for i in range(spam.MAX_LIST + 1))},
                "Hidden keywords: at most 500 lines.",
            ),
            ({"registrations": "sometimes"}, "Choose how people sign up."),
            ({"registrations": ""}, "Choose how people sign up."),
        ]
        for change, message in cases:
            r = await submit(boss, "/web/admin/rules", rules_form(**change), page=RULES)
            assert r.status_code == 422, change
            assert alert(r.text) == message, change
        r = await submit(
            boss, "/web/admin/rules", rules_form(hidden_domains="not a domain"), page=RULES
        )
        assert ">not a domain</textarea>" in r.text  # what was typed is kept
        assert await row_counts(container.db) == before

        # In Chinese, with the field's name.
        await submit(boss, "/web/language", {"locale": "zh_CN"})
        r = await submit(boss, "/web/admin/rules", rules_form(new_account_hours="-1"), page=RULES)
        assert r.status_code == 422
        assert alert(r.text) == "新账号期（小时）：请填写 0 到 10000 之间的整数。"
        assert await row_counts(container.db) == before


async def test_email_domain_blocks_are_added_and_removed(
    staff: Staff, container: Container, client: httpx.AsyncClient
) -> None:
    async with staff("mod", "moderator") as (mod, _m):
        assert 'id="no-email-domain-blocks"' in (await mod.get(DOMAINS)).text
        r = await submit(
            mod, "/web/admin/email_domain_blocks", {"domain": " Spam.Example "}, page=DOMAINS
        )
        assert r.status_code == 303 and r.headers["location"] == DOMAINS
        page = (await mod.get(DOMAINS)).text
        [block_id] = re.findall(r'<tr id="email-domain-(\d+)">', page)
        assert '<td class="domain">spam.example</td>' in page

        r = await sign_up(client, "spammer", email="spammer@mail.spam.example")
        assert r.status_code == 422 and "e-mail domain are not accepted" in r.text

        r = await press(mod, DOMAINS, f"/web/admin/email_domain_blocks/{block_id}/delete")
        assert r.status_code == 303
        assert 'id="no-email-domain-blocks"' in (await mod.get(DOMAINS)).text
        r = await sign_up(client, "welcome", email="welcome@mail.spam.example")
        assert r.status_code == 303
        log = audit_actions((await mod.get("/admin/audit")).text)
        assert log == ["email_domain_unblock", "email_domain_block"]

        before = await row_counts(container.db)
        for typed, message in (
            ("not a domain", "“not a domain” is not a domain."),
            ("localhost", "“localhost” is not a domain."),
            ("", "Enter a domain, such as spam.example."),
        ):
            r = await submit(mod, "/web/admin/email_domain_blocks", {"domain": typed}, page=DOMAINS)
            assert r.status_code == 422, typed
            assert alert(r.text) == message
            assert f'name="domain" value="{typed}"' in r.text
        r = await submit(mod, "/web/admin/email_domain_blocks/123456/delete", page=DOMAINS)
        assert r.status_code == 404
        assert await row_counts(container.db) == before


async def test_invites_are_created_and_revoked(
    staff: Staff, container: Container, client: httpx.AsyncClient
) -> None:
    async with staff("mod", "moderator") as (mod, _m):
        assert 'id="no-invites"' in (await mod.get(INVITES)).text
        r = await submit(
            mod, "/web/admin/invites", {"max_uses": "2", "expires_in_days": "7"}, page=INVITES
        )
        assert r.status_code == 303
        invite_id = re.fullmatch(r"/admin/invites\?created=(\d+)#invite-\d+", r.headers["location"])
        assert invite_id
        page = (await mod.get(r.headers["location"])).text
        row = re.search(
            rf'<tr id="invite-{invite_id.group(1)}" data-state="usable">(.*?)</tr>', page, re.S
        )
        assert row
        code = re.findall(r"<code>([\w-]+)</code>", row.group(1))[0]
        assert f">http://testserver/invite/{code}</a>" in row.group(1)
        assert "0 of 2" in row.group(1) and "<time" in row.group(1)
        assert (
            f'id="invite-created">Invite created. Send this link: <a href="/invite/{code}">' in page
        )

        # The link fills in the sign-up form; a sign-up uses it.
        assert f'value="{code}"' in (await client.get(f"/invite/{code}")).text
        r = await sign_up(client, "friend", invite_code=code)
        assert r.status_code == 303

        # Without a limit or an expiry.
        r = await submit(
            mod, "/web/admin/invites", {"max_uses": "", "expires_in_days": ""}, page=INVITES
        )
        assert r.status_code == 303
        page = (await mod.get(INVITES)).text
        assert "0, no limit" in page and "Never" in page and "1 of 2" in page

        revoke = f"/web/admin/invites/{invite_id.group(1)}/revoke"
        r = await press(mod, INVITES, revoke)
        assert r.status_code == 303 and r.headers["location"] == INVITES
        page = (await mod.get(INVITES)).text
        assert f'<tr id="invite-{invite_id.group(1)}" data-state="revoked">' in page
        assert f'action="{revoke}"' not in page
        client.cookies.clear()
        r = await sign_up(client, "late", invite_code=code)
        assert r.status_code == 422 and "This invite code is not valid" in r.text
        log = audit_actions((await mod.get("/admin/audit")).text)
        assert log == ["invite_revoke", "invite_create", "invite_create"]

        before = await row_counts(container.db)
        for fields, message in (
            ({"max_uses": "0"}, "Uses: a whole number from 1 to 1000."),
            ({"max_uses": "lots"}, "Uses: a whole number from 1 to 1000."),
            ({"expires_in_days": "9999"}, "Days until it expires: a whole number from 1 to 365."),
            ({"expires_in_days": "1.5"}, "Days until it expires: a whole number from 1 to 365."),
        ):
            r = await submit(mod, "/web/admin/invites", fields, page=INVITES)
            assert r.status_code == 422, fields
            assert alert(r.text) == message
        r = await submit(mod, "/web/admin/invites/123456/revoke", page=INVITES)
        assert r.status_code == 404
        assert await row_counts(container.db) == before


async def test_settings_pages_refuse_people_without_a_role(
    person: Person, container: Container, make_user: MakeUser
) -> None:
    boss = await make_user("boss", role="admin")
    block = await container.server_actions.do_block_email_domain(boss.id, "spam.example")
    invite = await container.server_actions.do_create_invite(
        boss.id, max_uses=None, expires_in_days=None
    )
    async with person("alice") as (alice, _a):
        before = await row_counts(container.db)
        for action, data in (
            ("/web/admin/rules", rules_form(registrations="closed")),
            ("/web/admin/email_domain_blocks", {"domain": "other.example"}),
            (f"/web/admin/email_domain_blocks/{block.id}/delete", {}),
            ("/web/admin/invites", {"max_uses": "1"}),
            (f"/web/admin/invites/{invite.id}/revoke", {}),
        ):
            r = await submit(alice, action, data)
            assert r.status_code == 403, action
            assert "allowed to" in r.text
            r = await alice.post(action, data=data)  # and without the form's token
            assert r.status_code == 403, action
        assert await row_counts(container.db) == before


async def many_post(make_user: MakeUser, container: Container, text: str, n: int) -> None:
    for i in range(n):
        await post_as(container, await make_user(f"fan{i}"), text)


async def test_hot_topics_are_hidden_and_shown_again_from_the_console(
    staff: Staff, container: Container, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    await many_post(make_user, container, "#双十一# 买买买", 6)
    await container.trend_actions.do_refresh()
    tag_id = await container.trend_actions.tag_id("双十一")
    hide = f"/web/trends/tags/{tag_id}/hide"
    unhide = f"/web/trends/tags/{tag_id}/unhide"
    async with staff("mod", "moderator") as (mod, _m):
        page = (await mod.get(TOPICS)).text
        shown = page[page.index('id="topics-ranked"') : page.index('id="topics-hidden"')]
        assert "#双十一#" in shown and f'action="{hide}"' in shown
        assert "No topic is hidden." in page

        r = await press(mod, TOPICS, hide)
        assert r.status_code == 303 and r.headers["location"] == TOPICS
        assert await container.trend_reads.tags(0, 10) == []
        assert "双十一" not in (await client.get("/hot")).text
        page = (await mod.get(TOPICS)).text
        hidden = page[page.index('id="topics-hidden"') :]
        assert "#双十一#" in hidden and f'action="{unhide}"' in hidden
        assert "Nothing is trending right now." in page

        r = await press(mod, TOPICS, unhide)
        assert r.status_code == 303 and r.headers["location"] == TOPICS
        assert [t.name for t in await container.trend_reads.tags(0, 10)] == ["双十一"]

    # A hidden keyword keeps a topic off the board too; the console says so.
    async with staff("boss", "admin") as (boss, _b):
        r = await submit(boss, "/web/admin/rules", rules_form(hidden_keywords="双十一"), page=RULES)
        assert r.status_code == 303
        assert await container.trend_reads.tags(0, 10) == []
        page = (await boss.get(TOPICS)).text
        assert "Kept off by a hidden keyword" in page


async def test_rate_limits_are_set_from_the_console(staff: Staff, container: Container) -> None:
    async with staff("boss", "admin") as (boss, _admin):
        page = (await boss.get(RULES)).text
        assert 'for="rule-rate_statuses"' in page and 'placeholder="300/3 hours"' in page
        r = await submit(boss, "/web/admin/rules", rules_form(rate_statuses="lots"), page=RULES)
        assert r.status_code == 422 and "300/5 minutes" in alert(r.text)
        assert 'value="lots"' in r.text
        assert (await container.server_reads.current()).rate_limits == ()
        r = await submit(
            boss, "/web/admin/rules", rules_form(rate_statuses="20/1 hour"), page=RULES
        )
        assert r.status_code == 303
        assert 'value="20/1 hour"' in (await boss.get(RULES)).text
    assert (await container.server_reads.current()).rate_limits == (("statuses", "20/1 hour"),)


async def test_hiding_a_topic_is_in_the_audit_log(
    staff: Staff, container: Container, make_user: MakeUser
) -> None:
    author = await make_user("author")
    await post_as(container, author, "#审计话题 hello")
    tag_id = await container.trend_actions.tag_id("审计话题")
    async with staff("mod", "moderator") as (mod, moderator):
        await container.trend_actions.do_hide(moderator.id, TrendKind.TAG, tag_id)
        await container.trend_actions.do_unhide(moderator.id, TrendKind.TAG, tag_id)
        page = (await mod.get("/admin/audit")).text
        assert audit_actions(page) == ["trend_show", "trend_hide"]
        assert "#审计话题" in page and 'href="/admin/topics"' in page
    # The operator at the command line is not a moderator: nothing to log.
    await container.trend_actions.do_hide(None, TrendKind.TAG, tag_id)
    entries = await container.moderation_reads.audit_log(
        await container.account_reads.one(moderator.id), Page()
    )
    assert len(entries) == 2
