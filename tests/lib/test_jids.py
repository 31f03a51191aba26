"""XMPP addresses (lib/jids.py): what parse and person accept, how they normalise it, and what
they refuse."""

import pytest

from myna.lib.jids import Jid, parse, person


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alice@example.org", Jid("alice", "example.org")),
        # Local part and domain compare without case; the resource keeps its own.
        ("Alice@Example.ORG/Phone", Jid("alice", "example.org", "Phone")),
        ("ÄLICE@Ex.org", Jid("älice", "ex.org")),
        ("张三@例子.中国", Jid("张三", "例子.中国")),
        # A domain alone is an address (a server, a component), with or without a resource.
        ("example.org", Jid("", "example.org")),
        ("example.org/admin", Jid("", "example.org", "admin")),
        # The trailing dot of a fully qualified domain is not part of its name.
        ("example.org.", Jid("", "example.org")),
        ("alice@example.org.", Jid("alice", "example.org")),
        # Everything after the first slash is the resource: spaces and slashes included.
        ("alice@example.org/Phone Home", Jid("alice", "example.org", "Phone Home")),
        ("alice@example.org/a/b@c", Jid("alice", "example.org", "a/b@c")),
        ("a.b-c_d+e@example.org", Jid("a.b-c_d+e", "example.org")),
    ],
)
def test_parse_accepts_and_normalises(text: str, expected: Jid) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "@example.org",  # an empty local part
        "alice@",  # no domain
        "alice@.",
        ".",
        "alice@example.org/",  # an empty resource
        "example.org/",
        "a@b@example.org",  # the local part may hold no @
        'a"b@example.org',
        "a&b@example.org",
        "a'b@example.org",
        "a:b@example.org",
        "a<b@example.org",
        "a>b@example.org",
        "al ice@example.org",  # no spaces in the local part
        "alice@exam ple.org",  # nor in the domain
        "alice\t@example.org",
        "alice@example.org\n",
        "alice@example.org/a\tb",  # nor control characters in the resource
        "alice@example.org/\x00",
        "alice@example.org/\x7f",
        "alice@example.org:5222",  # a port is not part of an address
        "alice@exa<mple.org",
    ],
)
def test_parse_refuses(text: str | None) -> None:
    assert parse(text) is None
    assert person(text) is None


def test_parts_are_limited_to_1023_octets() -> None:
    longest = "a" * 1023
    assert parse(f"{longest}@example.org") == Jid(longest, "example.org")
    assert parse(f"{longest}x@example.org") is None
    # Octets, not characters: 512 two-octet characters are 1024 octets.
    assert parse(f"{'é' * 511}@example.org") is not None
    assert parse(f"{'é' * 512}@example.org") is None
    assert parse(f"alice@{'d' * 1023}") is not None
    assert parse(f"alice@{'d' * 1024}") is None
    assert parse(f"alice@example.org/{'r' * 1023}") is not None
    assert parse(f"alice@example.org/{'r' * 1024}") is None


def test_person_needs_a_local_part_and_drops_the_resource() -> None:
    assert person("Alice@Example.org/Phone Home") == Jid("alice", "example.org")
    assert person("alice@example.org.") == Jid("alice", "example.org")
    assert person("example.org") is None
    assert person("example.org/admin") is None


def test_bare_and_full() -> None:
    jid = parse("Alice@Example.org/Phone")
    assert jid is not None
    assert jid.bare == "alice@example.org"
    assert jid.full == "alice@example.org/Phone"
    server = parse("example.org")
    assert server is not None
    assert server.bare == server.full == "example.org"
