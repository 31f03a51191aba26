"""The developer portal, driven through its forms like a browser without JavaScript."""

import re

import httpx

from myna.container import Container
from myna.lib import secrets
from myna.models import OAuthApp
from tests.conftest import MakeUser, row_counts
from tests.web.conftest import Person
from tests.web.forms import csrf_of, sign_in, submit

REDIRECT = "http://127.0.0.1:8765/callback"


async def register(client: httpx.AsyncClient, **fields: str | list[str]) -> httpx.Response:
    form: dict[str, str | list[str]] = {
        "name": "Birdwatch",
        "website": "https://birdwatch.example",
        "redirect_uris": f"{REDIRECT}\r\nurn:ietf:wg:oauth:2.0:oob",
        "scopes": ["read", "write:statuses"],
    }
    form.update(fields)
    csrf = csrf_of((await client.get("/developers")).text)
    return await client.post("/developers/apps", data={"csrf": csrf, **form})


def app_id_of(page: str) -> int:
    match = re.search(r'action="/developers/apps/(\d+)/rotate_secret"', page)
    assert match, "not an app page"
    return int(match.group(1))


def secret_of(page: str) -> str:
    match = re.search(r'<code id="client-secret">([^<]+)</code>', page)
    assert match, "no secret on the page"
    return match.group(1)


async def owned(container: Container, account_id: int) -> list[OAuthApp]:
    return await container.app_reads.owned_apps(account_id)


async def test_the_portal_needs_signing_in_and_is_in_the_settings_menu(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    r = await client.get("/developers")
    assert r.status_code == 303 and r.headers["location"] == "/auth/sign_in?next=/developers"
    await make_user("alice")
    await sign_in(client, "alice")
    assert 'href="/developers"' in (await client.get("/settings/profile")).text
    page = (await client.get("/developers")).text
    assert 'href="/developers" aria-current="page"' in page
    assert "You have not registered any applications yet." in page
    for scope in ("read", "write", "follow", "push", "read:statuses", "write:media"):
        assert f'name="scopes" value="{scope}"' in page


async def test_registering_an_app_shows_its_secret_once_and_lists_it(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await register(client)
    assert r.status_code == 201, r.text
    app_id = app_id_of(r.text)
    secret = secret_of(r.text)
    [app] = await owned(container, alice.id)
    assert app.id == app_id and app.owner_id == alice.id
    assert app.name == "Birdwatch" and app.website == "https://birdwatch.example"
    assert app.redirect_uris == f"{REDIRECT}\nurn:ietf:wg:oauth:2.0:oob"
    assert app.scopes == "read write:statuses"
    assert app.client_secret_digest == secrets.digest(secret)
    assert f'<code id="client-id">{app.client_id}</code>' in r.text

    # Later the secret is gone from the page (only its digest is kept); the list shows the app.
    page = (await client.get(f"/developers/apps/{app_id}")).text
    assert secret not in page and app.client_id in page
    listing = (await client.get("/developers")).text
    assert f'href="/developers/apps/{app_id}">Birdwatch</a>' in listing
    assert app.client_id in listing


async def test_bad_registrations_say_why_and_write_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    cases = [
        ({"name": "  "}, "Application name can&#39;t be blank"),
        ({"name": "x" * 201}, "Application name is too long"),
        ({"redirect_uris": ""}, "Redirect URI can&#39;t be blank"),
        ({"redirect_uris": "not a uri"}, "Redirect URI must be an absolute URI"),
        ({"redirect_uris": "https://x.example/cb#frag"}, "Redirect URI must be an absolute URI"),
        ({"website": "ftp://x.example"}, "Website must be an http(s) URL"),
        ({"scopes": ["read", "admin:everything"]}, "Scopes are not known: admin:everything"),
    ]
    for fields, message in cases:
        r = await register(client, **fields)
        assert r.status_code == 422, fields
        assert message in r.text, (fields, r.text)
        assert 'role="alert"' in r.text
    # What was typed is kept.
    r = await register(client, website="ftp://x.example")
    assert 'value="ftp://x.example"' in r.text and "Birdwatch" in r.text
    assert await row_counts(container.db) == before

    # In Chinese, the fixed messages are translated.
    client.cookies.set("myna_lang", "zh_CN")
    r = await register(client, name=" ")
    assert r.status_code == 422 and "应用名称不能为空" in r.text


async def test_a_form_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await client.post(
        "/developers/apps",
        data={"csrf": "0" * 64, "name": "x", "redirect_uris": REDIRECT},
    )
    assert r.status_code == 403 and "This form has expired" in r.text
    assert await row_counts(container.db) == before
    app_id = app_id_of((await register(client)).text)
    r = await client.post(f"/developers/apps/{app_id}/delete", data={"confirm": "1"})
    assert r.status_code == 403
    assert [a.id for a in await owned(container, alice.id)] == [app_id]


async def test_another_person_s_app_is_not_found(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, person: Person
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    app_id = app_id_of((await register(client)).text)
    anonymous = await container.app_actions.do_create_app(
        name="Anon", redirect_uris=REDIRECT, scopes="read", website=None
    )
    async with person("mallory") as (mallory, _user):
        before = await row_counts(container.db)
        for target in (app_id, anonymous.app.id, 12345, "nope"):
            assert (await mallory.get(f"/developers/apps/{target}")).status_code == 404
            for action, data in [
                ("", {"name": "pwned", "redirect_uris": REDIRECT}),
                ("/rotate_secret", {"confirm": "1"}),
                ("/delete", {"confirm": "1"}),
                ("/webhooks", {"url": "https://x.example/h", "events": "mention"}),
                ("/webhooks/1/delete", {}),
                ("/webhooks/1/deliveries/2/replay", {}),
            ]:
                r = await submit(mallory, f"/developers/apps/{target}{action}", data, page="/")
                assert r.status_code == 404, (target, action)
        assert await row_counts(container.db) == before
        assert "Birdwatch" not in (await mallory.get("/developers")).text


async def test_edit_an_app(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    app_id = app_id_of((await register(client)).text)
    page = f"/developers/apps/{app_id}"
    r = await submit(
        client,
        page,
        {"name": "Birdwatch 2", "website": "", "redirect_uris": REDIRECT, "scopes": "follow"},
        page=page,
    )
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=saved"
    assert "The application is saved." in (await client.get(r.headers["location"])).text
    [app] = await owned(container, alice.id)
    assert (app.name, app.website, app.redirect_uris, app.scopes) == (
        "Birdwatch 2",
        None,
        REDIRECT,
        "follow",
    )
    r = await submit(client, page, {"name": "B3", "redirect_uris": "nope"}, page=page)
    assert r.status_code == 422 and "Redirect URI must be an absolute URI" in r.text
    [app] = await owned(container, alice.id)
    assert app.name == "Birdwatch 2"


async def test_rotating_the_secret_needs_confirming_and_stops_the_old_one(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    made = await register(client)
    app_id, old = app_id_of(made.text), secret_of(made.text)
    [app] = await owned(container, alice.id)
    _token, raw = await container.app_actions.do_issue_token(app.id, alice.id, "read")
    page = f"/developers/apps/{app_id}"

    r = await submit(client, f"{page}/rotate_secret", {}, page=page)
    assert r.status_code == 422 and "Tick the box" in r.text
    assert (await owned(container, alice.id))[0].client_secret_digest == secrets.digest(old)

    r = await submit(client, f"{page}/rotate_secret", {"confirm": "1"}, page=page)
    assert r.status_code == 200
    new = secret_of(r.text)
    assert new != old

    # The token endpoint compares digests (the e2e journey uses the new secret for real).
    [app] = await owned(container, alice.id)
    assert app.client_secret_digest == secrets.digest(new) != secrets.digest(old)
    # Tokens already issued keep working.
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {raw}"}
    )
    assert me.status_code == 200


async def test_deleting_an_app_needs_confirming_and_revokes_its_tokens(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    app_id = app_id_of((await register(client)).text)
    _token, raw = await container.app_actions.do_issue_token(app_id, alice.id, "read")
    page = f"/developers/apps/{app_id}"
    r = await submit(client, f"{page}/delete", {}, page=page)
    assert r.status_code == 422 and "Tick the box" in r.text
    assert len(await owned(container, alice.id)) == 1

    r = await submit(client, f"{page}/delete", {"confirm": "1"}, page=page)
    assert r.status_code == 303 and r.headers["location"] == "/developers?deleted=1"
    assert await owned(container, alice.id) == []
    assert (await client.get(page)).status_code == 404
    r = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {raw}"}
    )
    assert r.status_code == 401
    # The web session (another app) is untouched.
    assert "The application is deleted." in (await client.get("/developers?deleted=1")).text


async def test_webhooks_in_the_portal(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    app_id = app_id_of((await register(client)).text)
    page = f"/developers/apps/{app_id}"
    before = await row_counts(container.db)
    r = await submit(client, f"{page}/webhooks", {"url": "https://hooks.example/h"}, page=page)
    assert r.status_code == 422 and "events can&#39;t be blank" in r.text
    assert 'value="https://hooks.example/h"' in r.text
    r = await submit(
        client, f"{page}/webhooks", {"url": "http://127.0.0.1/h", "events": "mention"}, page=page
    )
    assert r.status_code == 422 and "url is not allowed" in r.text  # loopback, by default
    assert await row_counts(container.db) == before

    r = await client.post(
        f"{page}/webhooks",
        data={
            "csrf": csrf_of((await client.get(page)).text),
            "url": "https://93.184.215.14/hooks/myna",
            "events": ["status.created", "mention"],
        },
    )
    assert r.status_code == 201, r.text
    match = re.search(r'<code id="webhook-secret">([^<]+)</code>', r.text)
    assert match
    [subscription] = await container.webhook_reads.subscriptions(app_id)
    assert subscription.secret == match.group(1)
    assert subscription.events == ["status.created", "mention"]
    later = (await client.get(page)).text
    assert match.group(1) not in later and "https://93.184.215.14/hooks/myna" in later
    assert "Nothing sent yet." in later

    r = await submit(client, f"{page}/webhooks/{subscription.id}/delete", {}, page=page)
    assert r.status_code == 303
    assert await container.webhook_reads.subscriptions(app_id) == []
    r = await submit(client, f"{page}/webhooks/{subscription.id}/delete", {}, page=page)
    assert r.status_code == 404


async def test_the_usage_chart_shows_calls_and_errors(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    app_id = app_id_of((await register(client)).text)
    _token, raw = await container.app_actions.do_issue_token(app_id, alice.id, "read")
    bearer = {"Authorization": f"Bearer {raw}"}
    for _ in range(3):
        assert (await client.get("/api/v1/timelines/home", headers=bearer)).status_code == 200
    assert (await client.get("/api/v1/statuses/1", headers=bearer)).status_code == 404
    await container.app_usage.flush()
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=bearer)).is_success

    page = (await client.get(f"/developers/apps/{app_id}")).text  # flushed and pending
    assert 'role="img"' in page
    assert "5 calls and 1 errors in all" in page
    today = (await container.app_reads.usage(alice.id, app_id))[-1]
    assert (today.calls, today.errors) == (5, 1)
    assert f'<th scope="row">{today.day.isoformat()}</th><td>5</td><td>1</td>' in page
