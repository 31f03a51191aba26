"""Playwright driving Debian's Chromium (`/usr/bin/chromium`, or MYNA_CHROMIUM): no browser is
downloaded. Each person gets a browser context of their own (their own cookies, language and
screen), as two people on two machines would.

Without Chromium the browser tests are skipped, except in CI (CI=true), where `.ci/run`
installs it and its absence is a failure."""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = os.environ.get("MYNA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's notes advise: no sandbox (root in CI), and none of Chromium's own calls home,
# which this machine's closed network refuses.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The page's form controls and buttons that have no accessible name: no <label>, no
# aria-label(ledby), no title, and (buttons, links) no text.
UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href]'
  )).filter(el => {
    if (el.closest('[hidden]')) return false;
    if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
    if (el.title) return false;
    if (el.labels && el.labels.length) return false;
    if ((el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim()) return false;
    if (el.tagName === 'A' && el.getAttribute('aria-hidden') === 'true') return false;
    return true;
  }).map(el => el.outerHTML.slice(0, 120))"""
# Long enough for a live event to cross the server; only reached when something is wrong.
LIVE_TIMEOUT_MS = 10_000


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium")
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt install chromium)")


@dataclass
class Person:
    """One person at one browser: a context with their language, and the page they look at."""

    name: str
    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)  # what the page's scripts threw or logged

    def shot(self, name: str) -> Path:
        """Saves what this person sees as docs/screenshots/<name>.png, after checking that
        every control on the page has a name a screen reader can say."""
        unnamed = self.page.evaluate(UNLABELLED)
        assert not unnamed, f"controls without a label on {self.page.url}: {unnamed}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path


def open_person(
    browser: Browser, base: str, name: str, locale: str, *, phone: bool = False
) -> Person:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1100, "height": 900}
    context = browser.new_context(
        base_url=base, locale=locale, viewport=viewport, device_scale_factor=1
    )
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    person = Person(name, context, context.new_page())
    person.page.on("pageerror", lambda error: person.errors.append(str(error)))
    person.page.on("console", lambda m: person.errors.append(m.text) if m.type == "error" else None)
    return person
