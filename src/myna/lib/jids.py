"""XMPP addresses (RFC 7622), as far as Myna needs them: split into local part, domain and
resource, compared without regard to case in the local part and the domain."""

from dataclasses import dataclass

# Characters a local part may not hold (RFC 7622 section 3.3.1), and none may hold spaces
# or control characters.
_LOCAL_FORBIDDEN = frozenset("\"&'/:<>@")
_PART_LIMIT = 1023  # octets, per part


@dataclass(frozen=True, slots=True)
class Jid:
    local: str
    domain: str
    resource: str = ""

    @property
    def bare(self) -> str:
        return f"{self.local}@{self.domain}" if self.local else self.domain

    @property
    def full(self) -> str:
        return f"{self.bare}/{self.resource}" if self.resource else self.bare


def _fits(part: str) -> bool:
    return len(part.encode()) <= _PART_LIMIT and not any(
        c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in part
    )


def parse(text: str | None) -> Jid | None:
    """The address in `text`, its local part and domain lowercased; None if it is not one."""
    if not text:
        return None
    rest, _, resource = text.partition("/")
    local, at, domain = rest.rpartition("@")
    if not at:
        local, domain = "", rest
    domain = domain.rstrip(".").lower()
    local = local.lower()
    if at and not local:
        return None
    if not domain or not _fits(domain) or any(c in domain for c in "@/\"&'<>:"):
        return None
    if local and (not _fits(local) or any(c in _LOCAL_FORBIDDEN for c in local)):
        return None
    if resource and not _fits(resource.replace(" ", "")):
        return None
    if "/" in text and not resource:
        return None
    return Jid(local, domain, resource)


def person(text: str | None) -> Jid | None:
    """A person's bare address (a local part and a domain), or None."""
    jid = parse(text)
    if jid is None or not jid.local:
        return None
    return Jid(jid.local, jid.domain)
