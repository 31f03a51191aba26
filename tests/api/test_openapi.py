"""/openapi.json is a reference a developer can build on: a valid OpenAPI 3.1 document whose
every operation says what it takes, which scope it needs, what it answers (success and errors)
with an example; whose examples fit their schemas; whose scopes are those the routes enforce;
and whose entity schemas fit what the API really answers. /docs works without a CDN."""

import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from tests.conftest import MakeUser

# A 1x1 PNG, small enough to inline.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()
    ]


def conforms(document: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """Where `value` breaks `schema` (whose $refs point into the document's components)."""
    root = {**schema, "components": document["components"]}
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(root).iter_errors(value)
    ]


def entity(document: dict[str, Any], name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


async def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)


async def test_every_operation_is_documented(document: dict[str, Any]) -> None:
    ops = operations(document)
    assert len(ops) > 120
    for method, path, op in ops:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        assert "security" in op, where
        success = [code for code in op["responses"] if code.startswith("2")]
        assert len(success) == 1, where
        answer = op["responses"][success[0]]
        (media_type, content), *_ = answer["content"].items()
        assert "schema" in content, where
        if media_type == "application/json":
            assert "example" in content or "examples" in content, where
        # Everything may be rate limited; an operation with a scope may meet a bad token.
        assert op["responses"]["429"]["$ref"].endswith("/Error429"), where
        if op["security"]:
            assert {"401", "403"} <= set(op["responses"]), where
        if "{" in path:
            assert "404" in op["responses"], where


async def test_errors_are_documented_as_mastodon_errors(document: dict[str, Any]) -> None:
    responses = document["components"]["responses"]
    for code in ("400", "401", "403", "404", "409", "422", "429"):
        schema = responses[f"Error{code}"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert not conforms(document, entity(document, "Error"), {"error": "Record not found"})
    assert conforms(document, entity(document, "Error"), {"message": "no"})
    assert "Retry-After" in responses["Error429"]["headers"]


async def test_examples_fit_their_schemas(document: dict[str, Any]) -> None:
    examples = document["components"]["examples"]
    for name in document["components"]["schemas"]:
        assert not conforms(document, entity(document, name), examples[name]["value"]), name
    for method, path, op in operations(document):
        for answer in op["responses"].values():
            content = answer.get("content", {}).get("application/json")
            if content and "example" in content:
                problems = conforms(document, content["schema"], content["example"])
                assert not problems, (method, path, problems)


async def test_anonymous_operations_say_so(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert paths["/api/v1/instance"]["get"]["security"] == []
    assert paths["/api/v1/apps"]["post"]["security"] == []
    public = paths["/api/v1/timelines/public"]["get"]["security"]
    assert public == [{}, {"OAuth2": ["read:statuses"]}]
    assert paths["/api/v1/timelines/home"]["get"]["security"] == [{"OAuth2": ["read:statuses"]}]
    flows = document["components"]["securitySchemes"]["OAuth2"]["flows"]
    code = flows["authorizationCode"]
    assert code["authorizationUrl"] == "/oauth/authorize" and code["tokenUrl"] == "/oauth/token"
    assert {"read", "write:statuses", "read:notifications"} <= set(code["scopes"])


def _enforced_scope(route: APIRoute) -> tuple[str, bool] | None:
    """(scope, anonymous allowed) as the route's dependency really checks it: the `needed`
    string held by api.deps.scope's or read_scope's closure."""
    for dependency in route.dependant.dependencies:
        call = dependency.call
        cells = getattr(call, "__closure__", None) or ()
        values = [cell.cell_contents for cell in cells]
        scopes = [v for v in values if isinstance(v, str)]
        if scopes:
            return scopes[0], "read_scope" in getattr(call, "__qualname__", "")
    return None


async def test_documented_scopes_are_the_enforced_ones(
    app: FastAPI, document: dict[str, Any]
) -> None:
    checked = 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        enforced = _enforced_scope(route)
        if enforced is None:
            continue
        for method in route.methods:
            op = document["paths"][context.path][method.lower()]
            scope, anonymous = enforced
            wanted = [{"OAuth2": [scope]}]
            if anonymous:
                wanted.insert(0, {})
            assert op["security"] == wanted, (method, route.path)
            checked += 1
    assert checked > 100


async def test_entities_fit_what_the_api_answers(
    client: httpx.AsyncClient, document: dict[str, Any], make_user: MakeUser
) -> None:
    """Real answers, with the optional parts filled in (poll, media, reply, reblog, quote,
    filter match, group), checked against the component schemas."""
    alice, bob = await make_user("alice"), await make_user("bob")

    def check(name: str, value: Any) -> None:
        schema = {"type": "array", "items": entity(document, name)}
        if not isinstance(value, list):
            schema = entity(document, name)
        assert not conforms(document, schema, value), (name, conforms(document, schema, value))

    r = await client.post(
        "/api/v2/media", files={"file": ("a.png", PNG, "image/png")}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    check("MediaAttachment", r.json())
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "图 @bob", "media_ids": [r.json()["id"]], "sensitive": True},
        headers=alice.headers,
    )
    assert r.status_code == 200 and r.json()["media_attachments"], r.text
    check("Status", r.json())
    r = await client.post(
        "/api/v1/statuses",
        json={
            "status": "你好 #话题# @bob",
            "poll": {"options": ["茶", "咖啡"], "expires_in": 3600},
        },
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    status = r.json()
    check("Status", status)
    r = await client.post(
        "/api/v1/statuses",
        json={
            "status": "@alice 回复",
            "in_reply_to_id": status["id"],
            "quoted_status_id": status["id"],
        },
        headers=bob.headers,
    )
    check("Status", r.json())
    r = await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    check("Status", r.json())
    await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bob.headers)
    r = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    check("Relationship", r.json())
    r = await client.post(
        f"/api/v1/polls/{status['poll']['id']}/votes", json={"choices": [0]}, headers=bob.headers
    )
    check("Poll", r.json())
    r = await client.post(
        "/api/v2/filters",
        json={"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "你好"}]},
        headers=bob.headers,
    )
    check("Filter", r.json())
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert any(s["filtered"] for s in r.json())
    check("Status", r.json())
    r = await client.get(f"/api/v1/statuses/{status['id']}/context", headers=alice.headers)
    check("Context", r.json())
    r = await client.get("/api/v1/notifications", headers=alice.headers)
    assert {n["type"] for n in r.json()} >= {"reblog", "favourite", "follow", "mention"}
    check("Notification", r.json())
    r = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    check("CredentialAccount", r.json())
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "悄悄话 @alice", "visibility": "direct"},
        headers=bob.headers,
    )
    r = await client.get("/api/v1/conversations", headers=alice.headers)
    assert r.json()
    check("Conversation", r.json())
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "later", "scheduled_at": "2999-01-01T00:00:00Z"},
        headers=alice.headers,
    )
    check("ScheduledStatus", r.json())
    r = await client.post(
        "/api/v1/groups", json={"handle": "tea", "name": "喝茶"}, headers=alice.headers
    )
    check("Group", r.json())
    r = await client.get(f"/api/v1/groups/{r.json()['id']}/members", headers=alice.headers)
    check("GroupMember", r.json())
    r = await client.post("/api/v1/lists", json={"title": "友"}, headers=alice.headers)
    check("List", r.json())
    r = await client.put(
        f"/api/v1/statuses/{status['id']}", json={"status": "改"}, headers=alice.headers
    )
    check("Status", r.json())
    r = await client.get(f"/api/v1/statuses/{status['id']}/history", headers=alice.headers)
    check("StatusEdit", r.json())
    r = await client.post(
        "/api/v1/markers", json={"home": {"last_read_id": status["id"]}}, headers=alice.headers
    )
    check("Markers", r.json())
    for path, name in (
        ("/api/v1/instance", "InstanceV1"),
        ("/api/v2/instance", "Instance"),
        ("/api/v1/preferences", "Preferences"),
        ("/api/v1/apps/verify_credentials", "Application"),
        ("/.well-known/oauth-authorization-server", "OAuthMetadata"),
    ):
        check(name, (await client.get(path, headers=alice.headers)).json())
    r = await client.post(
        "/api/v1/apps", data={"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )
    check("CredentialApplication", r.json())
    r = await client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert r.json()["text"]
    check("Status", r.json())


async def test_docs_work_offline(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "/docs/assets/swagger-ui-bundle.js" in r.text and "/openapi.json" in r.text
    assert "cdn" not in r.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        r = await client.get(f"/docs/assets/{asset}")
        assert r.status_code == 200 and len(r.content) > 10_000, asset
    r = await client.get("/docs/oauth2-redirect")
    assert r.status_code == 200 and "oauth2" in r.text.lower()
