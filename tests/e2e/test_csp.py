"""The journeys' CSP watch (tests/e2e/conftest.py) sees a violation: an image from a host
the policy doesn't name, added to a page, is refused and reported."""

from __future__ import annotations

from tests.e2e import conftest as e2e


def test_a_violation_is_refused_and_reported(live_server, page, running_jam):
    page.goto(live_server.url + running_jam.get_absolute_url())

    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"https://example.org/x.png\">')")
    page.wait_for_timeout(500)
    seen = list(e2e.VIOLATIONS)
    e2e.VIOLATIONS.clear()  # seen on purpose: this test's own teardown check must pass

    assert len(seen) == 1
    assert "img-src" in seen[0]
