"""A refused form in a real browser: the fields at fault are highlighted, the summary above
says how many and takes the focus, and its links lead to the fields."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from submissions.models import Entry
from tests.factories import PASSWORD, JamFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INVALID_BORDER = "rgb(176, 42, 55)"  # --bs-form-invalid-border-color in static/css/site.css


def test_submitting_the_entry_form_empty_highlights_the_fields_it_needs(live_server, page, artifacts_dir):
    jam = JamFactory.running()
    person = UserFactory(email="pat@example.com", display_name="Pat Participant")
    TeamFactory(jam=jam, name="Eval Otters", created_by=person)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill("pat@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("current-user")).to_have_text("Pat Participant")

    page.goto(f"{live_server.url}/jams/{jam.slug}/submit/")
    expect(page.get_by_test_id("form-required")).to_have_text("To submit: title, abstract, authors and slides.")
    page.locator("#id_authors").fill("")  # filled in with the team's names
    page.get_by_role("button", name="Submit", exact=True).click()

    summary = page.get_by_test_id("form-errors")
    expect(summary).to_contain_text("Please fix the 4 fields marked below.")
    expect(summary).to_be_focused()
    for name in ("title", "abstract", "authors", "slides"):
        field = page.locator(f"#id_{name}")
        expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#id_{name}_error")).to_be_visible()
        assert field.evaluate("e => getComputedStyle(e).borderTopColor") == INVALID_BORDER
    expect(page.locator("#id_team_name")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_team_name")).to_have_value("Eval Otters")
    page.screenshot(path=str(artifacts_dir / "entry-form-errors.png"), full_page=True)

    summary.get_by_role("link", name="Abstract").click()
    expect(page.locator("#id_abstract")).to_be_focused()
    assert not Entry.objects.exists()
