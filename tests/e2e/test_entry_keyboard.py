"""The entry form sent with the keyboard. The server refuses a form that comes without
its button (action=submit or draft, submissions/views.py); Enter in a field must still
save, with the first button's action, through upload.js's own sending of the form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from submissions.models import Entry
from tests.factories import PASSWORD, JamFactory, TeamFactory, UserFactory
from tests.files import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_enter_in_the_title_submits_the_entry(live_server, page):
    jam = JamFactory.running()
    person = UserFactory(email="pat@example.com", display_name="Pat Participant")
    TeamFactory(jam=jam, name="Eval Otters", created_by=person)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill("pat@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("current-user")).to_have_text("Pat Participant")

    page.goto(f"{live_server.url}/jams/{jam.slug}/submit/")
    page.locator("#id_abstract").fill("Models agree with the user more under pressure.")
    page.locator("#id_slides").set_input_files(
        files=[{"name": "slides.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.locator("#id_title").fill("Sycophancy under pressure")
    page.locator("#id_title").press("Enter")

    expect(page.get_by_text("You have successfully submitted!")).to_be_visible()
    entry = Entry.objects.get()
    assert entry.is_submitted
    assert entry.title == "Sycophancy under pressure"
