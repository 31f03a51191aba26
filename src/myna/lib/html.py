"""Status HTML: built by us from parsed tokens, then sanitised with nh3 as a second fence."""

from collections.abc import Callable, Mapping
from html import escape
from urllib.parse import quote

import nh3

from myna.lib.text import Parsed

_ALLOWED_TAGS = {"p", "br", "a", "span"}
_ALLOWED_ATTRIBUTES = {"a": {"href", "class", "target"}, "span": {"class"}}


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener noreferrer",
    )


def _text(fragment: str) -> str:
    return escape(fragment, quote=False).replace("\n", "<br>")


def render_status(
    parsed: Parsed,
    *,
    base_url: str,
    mention_urls: Mapping[str, str],
    tag_url: Callable[[str], str] | None = None,
) -> str:
    """HTML for a post. `mention_urls` maps lower-cased usernames that exist to profile URLs;
    a mention of nobody stays plain text."""
    tag_href = tag_url or (lambda name: f"{base_url}/tags/{quote(name, safe='')}")
    parts: list[str] = []
    for token in parsed.tokens:
        if token.kind == "link":
            url = escape(token.value)
            parts.append(f'<a href="{url}" target="_blank">{escape(token.text)}</a>')
        elif token.kind == "mention" and token.value.lower() in mention_urls:
            href = escape(mention_urls[token.value.lower()])
            parts.append(
                f'<span class="h-card"><a href="{href}" class="u-url mention">'
                f"@<span>{escape(token.value)}</span></a></span>"
            )
        elif token.kind in ("tag", "topic"):
            href = escape(tag_href(token.value))
            label = _text(token.text)
            parts.append(f'<a href="{href}" class="mention hashtag">{label}</a>')
        else:
            parts.append(_text(token.text))
    paragraphs = "".join(parts).split("<br><br>")
    body = "".join(f"<p>{p}</p>" for p in paragraphs if p)
    return sanitize(body)


def render_plain(text: str) -> str:
    """HTML for plain text fields such as a profile note."""
    if not text:
        return ""
    return sanitize("".join(f"<p>{_text(p)}</p>" for p in text.split("\n\n") if p))
