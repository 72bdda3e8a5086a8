"""Every browser journey runs under the site's Content-Security-Policy, and a violation
fails it: Chromium reports each one on the console ("Refused to ... because it violates
the following Content Security Policy directive")."""

from __future__ import annotations

import pytest

VIOLATIONS: list[str] = []


def _record(message) -> None:
    if "Content Security Policy" in message.text:
        VIOLATIONS.append(f"{message.text} (at {message.location.get('url', '?')})")


class WatchedBrowser:
    """The browser, whose new contexts report CSP violations (unless made to bypass CSP,
    as the accessibility check must to inject axe-core)."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        if not options.get("bypass_csp"):
            context.on("console", _record)
        return context


@pytest.fixture(scope="session")
def browser(browser):
    return WatchedBrowser(browser)


@pytest.fixture(autouse=True)
def _no_csp_violations():
    VIOLATIONS.clear()
    yield
    assert VIOLATIONS == [], "Content-Security-Policy violations:\n" + "\n".join(VIOLATIONS)
