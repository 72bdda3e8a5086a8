"""The API's interactive docs work in a real browser under the site's strict
Content-Security-Policy (the e2e conftest fails the test on any violation): Swagger UI
comes from our own static files and starts from a script file, and "Try it out" calls
the API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_api_docs_list_every_endpoint_and_try_one(live_server, page, running_jam):
    page.goto(live_server.url + "/api/v1/docs")

    page.get_by_text("Alignment Jams API").first.wait_for()
    for path in ("/api/v1/jams", "/api/v1/jams/{slug}", "/api/v1/jams/{slug}/entries", "/api/v1/jams/{slug}/results"):
        assert page.locator(f'[data-path="{path}"]').count() == 1
    page.locator('[data-path="/api/v1/jams"]').click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    body = page.locator(".live-responses-table .microlight").first  # the server's answer, not the example
    body.wait_for()
    assert running_jam.slug in body.inner_text()
