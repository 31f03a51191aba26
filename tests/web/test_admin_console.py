"""The moderation console (/admin) and the "Report" form under a post, driven like a browser
without JavaScript: who may open it, the dashboard's charts, a report from filing to action,
the audit log that records each step, and the refusals (no CSRF token, a moderator changing a
role, bad input) that write nothing. The settings pages: test_admin_settings.py."""

import re
from datetime import timedelta

import httpx

from myna.actions.moderation import NewReport
from myna.container import Container
from myna.lib.clock import utcnow
from myna.web.dashboard import Figure, period_of
from tests.conftest import MakeUser, row_counts
from tests.web.conftest import Person, Staff
from tests.web.forms import post_as, press, submit

PAGES = [
    "/admin",
    "/admin?days=7",
    "/admin/reports",
    "/admin/reports?resolved=1",
    "/admin/accounts",
    "/admin/audit",
    "/admin/rules",
    "/admin/email_domain_blocks",
    "/admin/invites",
    "/admin/topics",
]


def words(html: str) -> str:
    """The page's text, as a reader sees it."""
    return " ".join(re.sub(r"<[^>]+>", " ", html[html.index("<main") :]).split())


def audit_actions(html: str) -> list[str]:
    return re.findall(r'<tr id="audit-\d+" data-action="(\w+)"', html)


async def report_via_page(
    client: httpx.AsyncClient, author: str, status_id: int, **data: str
) -> httpx.Response:
    return await submit(
        client, f"/web/statuses/{status_id}/report", data, page=f"/@{author}/{status_id}"
    )


async def test_signed_out_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for page in PAGES:
        r = await client.get(page)
        assert r.status_code == 303, page
        assert r.headers["location"].startswith("/auth/sign_in?next=/admin")
    r = await client.get("/admin/reports/123")
    assert r.headers["location"] == "/auth/sign_in?next=/admin/reports/123"


async def test_people_without_a_role_get_403_and_no_link(
    person: Person, container: Container, make_user: MakeUser
) -> None:
    target = await make_user("target")
    async with person("alice") as (alice, _a):
        home = await alice.get("/")
        assert 'href="/admin"' not in home.text
        for page in [*PAGES, f"/admin/accounts/{target.id}"]:
            r = await alice.get(page)
            assert r.status_code == 403, page
            assert "This action is allowed to moderators only" in r.text
        before = await row_counts(container.db)
        for action, data in (
            (f"/web/admin/accounts/{target.id}/action", {"type": "suspend"}),
            (f"/web/admin/accounts/{target.id}/verify", {"reason": "famous"}),
            (f"/web/admin/accounts/{target.id}/role", {"role": "admin"}),
        ):
            r = await submit(alice, action, data)
            assert r.status_code == 403, action
        assert await row_counts(container.db) == before


async def test_a_moderator_handles_a_report_from_the_post_page_to_the_audit_log(
    person: Person, staff: Staff, container: Container, client: httpx.AsyncClient
) -> None:
    async with (
        staff("mod", "moderator") as (mod, _m),
        person("alice") as (alice, _a),
        person("loud") as (_loud_client, loud),
    ):
        spam = await post_as(container, loud, "买买买 #限流 http://spam.example")
        # The post's page offers the report to others, not to its author.
        page = (await alice.get(f"/@loud/{spam}")).text
        assert f'action="/web/statuses/{spam}/report"' in page
        assert 'id="report-category"' in page and 'for="report-category"' in page
        own = await _loud_client.get(f"/@loud/{spam}")
        assert "/report" not in own.text

        r = await report_via_page(alice, "loud", spam, category="spam", comment="广告，刷屏")
        assert r.status_code == 303
        assert r.headers["location"] == f"/@loud/{spam}?reported=1#report"
        thanked = await alice.get(r.headers["location"])
        assert 'id="report-sent"' in thanked.text

        # The moderator's navigation has the console; the overview counts the report.
        overview = await mod.get("/admin")
        assert overview.status_code == 200
        assert 'href="/admin" aria-current="page"' in overview.text
        assert re.search(r'id="open-reports"><span class="big">1</span>', overview.text)
        listing = await mod.get("/admin/reports")
        shown = words(listing.text)
        for expected in ("@alice", "@loud", "Spam", "广告，刷屏", "Nobody"):
            assert expected in shown, expected
        report_id = int(re.findall(r'href="/admin/reports/(\d+)"', listing.text)[0])
        here = f"/admin/reports/{report_id}"

        page = (await mod.get(here)).text
        assert "买买买" in page and "广告，刷屏" in page
        r = await press(mod, here, f"/web/admin/reports/{report_id}/assign")
        assert r.status_code == 303 and r.headers["location"] == here
        page = (await mod.get(here)).text
        assert re.search(r'id="report-assigned"><a href="/admin/accounts/\d+">@mod</a>', page)

        # Limit the author from the report, with a note: the report is resolved.
        r = await submit(
            mod,
            f"/web/admin/reports/{report_id}/action",
            {"type": "silence", "text": "spam wave"},
            page=here,
        )
        assert r.status_code == 303 and r.headers["location"] == here
        page = (await mod.get(here)).text
        assert 'id="report-state">Resolved · <a href="/admin/accounts/' in page
        assert "Limited" in page[page.index('id="report-target"') :][:600]
        assert 'id="no-reports"' in (await mod.get("/admin/reports")).text
        resolved = await mod.get("/admin/reports?resolved=1")
        assert f'id="report-{report_id}"' in resolved.text

        # The limit works: the post leaves the public timeline.
        r = await client.get("/api/v1/timelines/public")
        assert str(spam) not in [s["id"] for s in r.json()]

        # The account list finds the limited account; its page offers to lift the limit.
        limited = await mod.get("/admin/accounts?status=silenced")
        assert re.findall(r'<tr id="account-(\d+)"', limited.text) == [str(loud.id)]
        account_page = await mod.get(f"/admin/accounts/{loud.id}")
        assert f'action="/web/admin/accounts/{loud.id}/unsilence"' in account_page.text

        audit = await mod.get("/admin/audit")
        assert audit_actions(audit.text) == ["silence", "report_assign"]
        assert "spam wave" in audit.text and "@loud" in audit.text
        assert f'href="/admin/reports/{report_id}"' in audit.text

        r = await press(
            mod, f"/admin/accounts/{loud.id}", f"/web/admin/accounts/{loud.id}/unsilence"
        )
        assert r.status_code == 303
        assert audit_actions((await mod.get("/admin/audit")).text)[0] == "unsilence"


async def test_a_form_without_its_csrf_token_changes_nothing(
    person: Person, staff: Staff, container: Container
) -> None:
    async with staff("mod", "moderator") as (mod, _m), person("troll") as (_t, troll):
        words_ = await post_as(container, troll, "nasty")
        async with person("alice") as (alice, _a):
            r = await report_via_page(alice, "troll", words_)
            assert r.status_code == 303
            r = await alice.post(f"/web/statuses/{words_}/report", data={"category": "spam"})
            assert r.status_code == 403
        before = await row_counts(container.db)
        report_id = int(
            re.findall(r"/admin/reports/(\d+)", (await mod.get("/admin/reports")).text)[0]
        )
        for action, data in (
            (f"/web/admin/reports/{report_id}/action", {"type": "suspend"}),
            (f"/web/admin/reports/{report_id}/assign", {}),
            (f"/web/admin/accounts/{troll.id}/action", {"type": "suspend"}),
            (f"/web/admin/accounts/{troll.id}/role", {"role": "admin"}),
        ):
            r = await mod.post(action, data=data)
            assert r.status_code == 403, action
            assert "This form has expired" in r.text
            r = await mod.post(action, data={**data, "csrf": "0" * 40})
            assert r.status_code == 403, action
        assert await row_counts(container.db) == before


async def test_only_admins_change_roles(person: Person, staff: Staff, container: Container) -> None:
    async with (
        staff("boss", "admin") as (boss, _b),
        staff("mod", "moderator") as (mod, _m),
        person("alice") as (_a, alice),
    ):
        page = await mod.get(f"/admin/accounts/{alice.id}")
        assert "/role" not in page.text
        before = await row_counts(container.db)
        r = await submit(mod, f"/web/admin/accounts/{alice.id}/role", {"role": "moderator"})
        assert r.status_code == 403
        assert "This action is allowed to admins only" in r.text
        assert await row_counts(container.db) == before

        here = f"/admin/accounts/{alice.id}"
        assert 'id="account-role-choice"' in (await boss.get(here)).text
        r = await submit(
            boss, f"/web/admin/accounts/{alice.id}/role", {"role": "moderator"}, page=here
        )
        assert r.status_code == 303
        page = await boss.get(here)
        assert re.search(r'id="account-role">Moderator<', page.text)
        # Now staff herself: a moderator cannot act on her; the page says so.
        page = await mod.get(here)
        assert "You cannot act on an account of an equal or higher role." in page.text
        r = await submit(mod, f"/web/admin/accounts/{alice.id}/action", {"type": "suspend"})
        assert r.status_code == 403
        assert audit_actions((await boss.get("/admin/audit")).text) == ["role"]


async def test_bad_input_is_shown_on_the_page_and_writes_nothing(
    person: Person, staff: Staff, container: Container
) -> None:
    async with staff("mod", "moderator") as (mod, moderator), person("bob") as (bob_client, bob):
        own = await post_as(container, bob, "my own words")
        here = f"/admin/accounts/{bob.id}"
        before = await row_counts(container.db)
        r = await report_via_page(bob_client, "bob", own, category="spam")
        assert r.status_code == 422 and "You cannot report yourself" in r.text
        r = await report_via_page(mod, "bob", own, category="rude")
        assert r.status_code == 422 and "Category must be one of" in r.text
        r = await submit(mod, f"/web/admin/accounts/{bob.id}/action", {"type": "ban"}, page=here)
        assert r.status_code == 422
        assert 'id="admin-error"' in r.text and "Type must be one of" in r.text
        r = await submit(
            mod,
            f"/web/admin/accounts/{bob.id}/action",
            {"type": "none", "text": "x" * 5001},
            page=here,
        )
        assert r.status_code == 422 and "x" * 100 in r.text  # what was typed is kept
        r = await submit(mod, f"/web/admin/accounts/{bob.id}/verify", {"reason": "  "}, page=here)
        assert r.status_code == 422 and "A verified badge needs a reason" in r.text
        r = await submit(mod, f"/web/admin/accounts/{moderator.id}/action", {"type": "none"})
        assert r.status_code == 422 and "You cannot act on your own account" in r.text
        assert (await mod.get("/admin/accounts/999999")).status_code == 404
        assert (await mod.get("/admin/reports/999999")).status_code == 404
        assert (await mod.get("/admin/reports/nope")).status_code == 404
        r = await submit(mod, f"/web/admin/accounts/{bob.id}/explode")
        assert r.status_code == 404
        assert await row_counts(container.db) == before

        # A badge with a reason, then revoked; both logged.
        r = await submit(mod, f"/web/admin/accounts/{bob.id}/verify", {"reason": "记者"}, page=here)
        assert r.status_code == 303
        page = await mod.get(here)
        assert "记者" in page.text
        r = await press(mod, here, f"/web/admin/accounts/{bob.id}/unverify")
        assert r.status_code == 303
        log = audit_actions((await mod.get("/admin/audit")).text)
        assert log == ["unverify", "verify"]


async def test_the_console_in_chinese(staff: Staff, make_user: MakeUser) -> None:
    await make_user("someone")
    async with staff("mod", "moderator") as (mod, _m):
        r = await submit(mod, "/web/language", {"locale": "zh_CN"})
        assert r.status_code == 303
        for page in PAGES:
            r = await mod.get(page)
            assert r.status_code == 200
            assert '<html lang="zh-CN">' in r.text
        home = await mod.get("/")
        assert re.search(r'<a href="/admin">管理</a>', home.text)


def measure_table(html: str, key: str) -> dict[str, list[int]]:
    """A dashboard chart's text alternative, its hidden table: day -> the day's values."""
    match = re.search(rf'<table [^>]*id="measure-{key}-table">(.*?)</table>', html, re.S)
    assert match, f"no table for {key}"
    rows = re.findall(r'<tr><th scope="row">([\d-]+)</th>(.*?)</tr>', match.group(1))
    return {day: [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)] for day, cells in rows}


def days_with_something(table: dict[str, list[int]]) -> dict[str, list[int]]:
    return {day: values for day, values in table.items() if any(values)}


async def test_the_dashboard_charts_real_sign_ups_posts_and_reports(
    person: Person, staff: Staff, container: Container
) -> None:
    async with (
        staff("mod", "moderator") as (mod, moderator),
        person("alice") as (_alice_client, alice),
        person("bob") as (_bob_client, bob),
    ):
        today = {utcnow().date().isoformat(), (utcnow().date() + timedelta(days=1)).isoformat()}
        first = await post_as(container, bob, "第一条微博")
        await post_as(container, bob, "第二条微博")
        await post_as(container, alice, "你好", in_reply_to_id=first)  # a post, and a comment
        await container.status_actions.do_favourite(alice.id, first)
        await container.status_actions.do_reblog(alice.id, first, None)
        report = await container.moderation_actions.do_report(
            alice.id, NewReport(target_account_id=bob.id, status_ids=[first], category="spam")
        )
        await container.moderation_actions.do_report(
            bob.id, NewReport(target_account_id=alice.id, category="other")
        )
        await container.moderation_actions.do_resolve(moderator.id, report.id, resolved=True)

        page = await mod.get("/admin")
        assert page.status_code == 200
        html = page.text
        # 30 days by default, one row each; everything happened today (or, just past
        # midnight, tomorrow).
        signups = measure_table(html, "new_users")
        assert len(signups) == 30
        [(day, values)] = days_with_something(signups).items()
        assert day in today and values == [3]  # mod, alice and bob
        expected = {
            "statuses": [3],  # two posts and the comment; the repost is not a post
            "active_users": [2],  # bob posted; alice posted, liked and reposted
            "interactions": [3],  # the like, the repost and the comment
            "reports": [2, 1],  # opened, resolved
        }
        for key, wanted in expected.items():
            [(day, values)] = days_with_something(measure_table(html, key)).items()
            assert day in today and values == wanted, key
        # The totals beside each chart, against the 30 days before (nothing then).
        statuses = html[html.index('id="measure-statuses"') :]
        assert '<span class="total">3</span>' in statuses[:1500]
        assert "None in the previous 30 days" in statuses[:1500]
        reports = html[html.index('id="measure-reports"') :]
        assert re.search(r'id="dashboard-open-reports">1</a>', reports)
        assert reports.count('<rect class="series-0"') == 1
        assert reports.count('<rect class="series-1"') == 1
        assert re.search(r'<svg class="bars" aria-hidden="true"', html)

        # The period switch: 7 or 90 days; anything else is the default.
        for asked, rows in (("7", 7), ("90", 90), ("12", 30), ("x", 30)):
            r = await mod.get("/admin", params={"days": asked})
            assert r.status_code == 200
            assert len(measure_table(r.text, "statuses")) == rows, asked
        week = (await mod.get("/admin?days=7")).text
        assert 'href="/admin?days=7" aria-current="page"' in week

        r = await submit(mod, "/web/language", {"locale": "zh_CN"})
        zh = (await mod.get("/admin")).text
        assert "最近 30 天每天的注册" in zh and "之前 30 天为零" in zh


def test_previous_period_changes_read_as_a_percentage() -> None:
    assert Figure("statuses", 15, 10).percent == 50
    assert Figure("statuses", 15, 10).direction == "up"
    assert Figure("statuses", 5, 10).percent == -50
    assert Figure("statuses", 5, 10).direction == "down"
    assert Figure("statuses", 5, 0).percent is None
    assert Figure("statuses", 0, 0).direction == "same"
    assert [period_of(v) for v in ("7", "30", "90", "", None, "8", "-7")] == [
        7,
        30,
        90,
        30,
        30,
        30,
        30,
    ]
