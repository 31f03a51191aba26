"""Status HTML: user text is escaped, links are nofollow, unknown mentions stay text."""

import pytest

from myna.lib.html import render_plain, render_status
from myna.lib.text import parse

BASE = "https://myna.test"
KNOWN = {"bob": f"{BASE}/@bob"}


def render(text: str, mention_urls: dict[str, str] | None = None) -> str:
    return render_status(
        parse(text), base_url=BASE, mention_urls=KNOWN if mention_urls is None else mention_urls
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("a & b", "a &amp; b"),
        ("<b>你好</b>", "&lt;b&gt;你好&lt;/b&gt;"),
    ],
)
def test_user_text_is_escaped(text: str, escaped: str) -> None:
    html = render(text)
    assert escaped in html
    assert "<script" not in html and "<img" not in html and "<b>" not in html


def test_link_is_an_anchor_with_nofollow() -> None:
    html = render("看这里https://a.cn/x你好")
    assert '<a href="https://a.cn/x"' in html
    assert 'rel="nofollow noopener noreferrer"' in html
    assert ">https://a.cn/x</a>你好" in html


def test_link_with_quotes_cannot_break_out_of_the_attribute() -> None:
    html = render('http://x.y/"onmouseover=alert(1)')
    assert " onmouseover=" not in html  # never an attribute of its own
    assert 'href="http://x.y/&quot;onmouseover=alert(1"' in html


def test_javascript_text_is_not_a_link() -> None:
    html = render("javascript:alert(1)")
    assert "<a" not in html


def test_known_mention_links_to_the_profile() -> None:
    html = render("hi @bob")
    assert f'href="{BASE}/@bob"' in html
    assert 'class="u-url mention"' in html


@pytest.mark.parametrize("text", ["hi @nobody", "hi @Nobody!", "你好@nobody"])
def test_unknown_mention_stays_plain_text(text: str) -> None:
    html = render(text)
    assert "<a" not in html
    assert "@nobody" in html.lower()


def test_mention_lookup_ignores_case() -> None:
    assert f'href="{BASE}/@bob"' in render("hi @BOB")


def test_tags_and_topics_link_to_tag_pages() -> None:
    html = render("#猫 #话题#")
    assert f'href="{BASE}/tags/%E7%8C%AB"' in html
    assert f'href="{BASE}/tags/%E8%AF%9D%E9%A2%98"' in html
    assert ">#话题#</a>" in html


def test_paragraphs_and_line_breaks() -> None:
    assert render("a\n\nb\nc") == "<p>a</p><p>b<br>c</p>"


def test_render_plain_escapes() -> None:
    assert render_plain("<b>x</b>\n\ny") == "<p>&lt;b&gt;x&lt;/b&gt;</p><p>y</p>"
    assert render_plain("") == ""
