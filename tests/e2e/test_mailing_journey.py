"""The organizer's announcement, in Debian's Chromium: signs in to the admin, writes to the
people signed up without a submitted entry, previews it (the count, the email as the first
of them gets it), sends it; the real worker delivers it to exactly those people through the
test SMTP server, and the outbox's list shows them sent. On a 1366 px laptop screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from outbox.models import OutboxItem
from submissions.models import Entry
from tests.e2e.test_admin_layout import LAPTOP, OVERFLOW
from tests.factories import PASSWORD, EntryFactory, JamFactory, SignUpFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def person(name: str, **extra):
    return UserFactory(display_name=name, email=f"{name.split()[0].lower()}@example.com", **extra)


def test_organizer_writes_previews_and_sends_to_those_without_an_entry(
    live_server, browser, celery_worker, smtp_sink, artifacts_dir
):
    jam = JamFactory.running(title="AI Evaluations Sprint", timezone="Europe/Berlin")
    SignUpFactory(jam=jam, user=person("Ada Lovelace"))  # no team
    TeamFactory(jam=jam, created_by=person("Barbara Liskov"))  # a team, nothing submitted
    drafting = TeamFactory(jam=jam, created_by=person("Claude Shannon"), members=[person("Dorothy Vaughan")])
    EntryFactory(team=drafting, state=Entry.State.DRAFT, submitted_at=None)
    EntryFactory(team=TeamFactory(jam=jam, created_by=person("Edsger Dijkstra")))  # submitted: not told
    SignUpFactory(jam=jam, user=person("Frances Allen", announcements_opt_out=True))  # unsubscribed
    SignUpFactory(jam=JamFactory.running(title="Another jam"), user=person("Grace Hopper"))
    organizer = UserFactory(is_staff=True, is_superuser=True, display_name="Olivia Organizer")
    expected = ["ada@example.com", "barbara@example.com", "claude@example.com", "dorothy@example.com"]
    base = live_server.url
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(base + "/admin/")
        page.fill("#id_username", organizer.email)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Announcements", exact=True).click()
        page.get_by_role("link", name="Add announcement").click()

        page.select_option("#id_jam", label="AI Evaluations Sprint")
        page.select_option("#id_audience", value="not_submitted")
        page.fill("#id_subject", "{{ jam }}: submissions close soon")
        page.fill("#id_body", "Hi {{ name }},\n\nYour entry isn't in yet. Submissions close **{{ deadline_local }}**.")
        assert page.evaluate(OVERFLOW) == {"page": 0, "boxes": []}
        page.screenshot(path=str(artifacts_dir / "mailing-write.png"), full_page=True)
        page.get_by_role("button", name="Save and preview").click()

        expect(page.get_by_test_id("mailing-count")).to_contain_text("To 4 people")
        expect(page.get_by_test_id("mailing-subject")).to_have_text("AI Evaluations Sprint: submissions close soon")
        expect(page.get_by_test_id("mailing-body")).to_contain_text("Hi Ada Lovelace,")
        expect(page.get_by_test_id("mailing-body")).to_contain_text("Europe/Berlin")
        assert page.evaluate(OVERFLOW) == {"page": 0, "boxes": []}
        page.screenshot(path=str(artifacts_dir / "mailing-preview.png"), full_page=True)
        assert OutboxItem.objects.filter(kind="Announcement").count() == 0

        page.get_by_test_id("mailing-send").click()
        expect(page.locator(".messagelist")).to_contain_text("is on its way to 4 people")
        assert page.evaluate(OVERFLOW) == {"page": 0, "boxes": []}
        page.screenshot(path=str(artifacts_dir / "mailing-sent.png"), full_page=True)  # read-only now
        page.goto(base + "/admin/mailings/mailing/")
        expect(page.locator("#result_list")).to_contain_text("Sent to 4 people")
        assert page.evaluate(OVERFLOW) == {"page": 0, "boxes": []}
        page.screenshot(path=str(artifacts_dir / "mailing-list.png"), full_page=True)

        messages = smtp_sink.wait_for(4, timeout=60)
        assert sorted(m["To"] for m in messages) == expected
        assert {m["Subject"] for m in messages} == {"AI Evaluations Sprint: submissions close soon"}
        page.goto(base + "/admin/outbox/outboxitem/?kind=Announcement")
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(4)
        for row in rows.all():
            expect(row).to_contain_text("Done")  # the outbox's word for sent
        expect(page.locator("#result_list")).to_contain_text("ada@example.com")
        assert page.evaluate(OVERFLOW)["page"] == 0
        page.screenshot(path=str(artifacts_dir / "mailing-outbox.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(artifacts_dir / "mailing-journey-failure.png"), full_page=True)
        raise
    finally:
        context.close()
    assert len(smtp_sink.messages) == 4  # nobody twice, nobody else
