"""What clients call at start-up must answer (not 404), in the shapes they parse."""

import re

from tests.conftest import MakeUser


async def test_instance_v1_and_v2_with_and_without_slash(client) -> None:
    for path in ("/api/v1/instance", "/api/v1/instance/"):
        body = (await client.get(path)).json()
        assert re.match(r"^\d+\.\d+\.\d+ ", body["version"]), body["version"]
        assert body["configuration"]["statuses"]["max_characters"] == 140
        assert body["urls"]["streaming_api"].startswith("ws://")
    for path in ("/api/v2/instance", "/api/v2/instance/"):
        body = (await client.get(path)).json()
        assert isinstance(body["api_versions"]["mastodon"], int)
        assert body["configuration"]["statuses"]["max_characters"] == 140
        assert body["configuration"]["urls"]["streaming"].startswith("ws://")


async def test_oauth_metadata_lists_password_grant(client) -> None:
    body = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert "password" in body["grant_types_supported"]
    assert body["token_endpoint"] == "http://testserver/oauth/token"
    assert "S256" in body["code_challenge_methods_supported"]
    assert "read:statuses" in body["scopes_supported"]


async def test_start_up_endpoints(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    prefs = (await client.get("/api/v1/preferences", headers=alice.headers)).json()
    assert prefs["posting:default:visibility"] == "public"
    assert (await client.get("/api/v1/custom_emojis")).json() == []
    assert (await client.get("/api/v1/markers", headers=alice.headers)).json() == {}
    r = await client.get("/api/v1/notifications/unread_count", headers=alice.headers)
    assert r.json() == {"count": 0}


async def test_errors_are_json_even_for_unknown_routes(client) -> None:
    r = await client.get("/api/v1/nothing/here")
    assert r.status_code == 404 and r.json() == {"error": "Record not found"}
    r = await client.delete("/api/v1/instance")
    assert r.status_code == 405 and "error" in r.json()


async def test_openapi_documents_the_api(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "Myna"
    for path in ("/api/v1/statuses", "/api/v1/timelines/home", "/oauth/token", "/api/v1/accounts"):
        assert path in spec["paths"], path


async def test_oauth_over_plain_http_off_loopback_is_a_clear_400(client) -> None:
    # The test server's public URL is http://testserver: not https, not loopback.
    r = await client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert r.status_code == 400
    assert r.json()["error"] == "insecure_transport"
    assert "MYNA_BASE_URL" in r.json()["error_description"]
