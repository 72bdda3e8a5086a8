"""The judging journey, in Debian's Chromium driven by Playwright: the demo judge reviews
entries of the demo jam in its judging phase, the organizer awards prizes and publishes in
the admin, the public sees the winners and a team reads its feedback.

Files are on moto's S3 server, as in production, so the thumbnails in the screenshots load.
Tasks run in-process (eager) and mail goes to the in-memory outbox."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from jams.models import Jam, SignUp
from judging.models import Judge, Review
from judging.selectors import results_for_jam
from submissions.models import Entry, TeamMembership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JAM = "ai-safety-ideathon"
PASSWORD = "demo-password-123"
TEAM_PASSWORD = "a-team-password-for-this-test"
SCORES = {"Impact": "4", "Rigour": "3", "Clarity": "5"}
FEEDBACK = "A clear question and an honest write-up; one more baseline would make the result convincing."
PRIVATE_NOTE = "Private: I would shortlist this one."
PRIZES = ["First place", "Second place", "Honourable mention"]
PUBLISH = "Publish the results of the selected jams (emails every participant)"


def seed_demo(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    settings.DEBUG = False


def log_in(page: Page, base_url: str, email: str, password: str, name: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("current-user")).to_have_text(name)


def test_judge_reviews_organizer_publishes_public_and_team_see_results(
    live_server, page, s3_storage, settings, mailoutbox, artifacts_dir
):
    seed_demo(settings)
    jam = Jam.objects.get(slug=JAM)
    judge = Judge.objects.select_related("user").get(jam=jam, user__email="judge@example.com")
    assigned = list(Entry.objects.filter(assignments__judge=judge).order_by("id"))
    first, second = assigned[0], assigned[1]
    base = live_server.url

    judge_reviews_and_saves_and_goes_on(page, base, jam, judge, assigned, artifacts_dir)
    review = Review.objects.get(judge=judge, entry=first)
    assert {s.criterion.name: str(s.value) for s in review.scores.select_related("criterion")} == SCORES
    assert (review.feedback, review.private_note) == (FEEDBACK, PRIVATE_NOTE)
    assert not Review.objects.filter(judge=judge, entry=second).exists()

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "organizer@example.com", PASSWORD, "Olivia Organizer")
    winners = organizer_awards_the_top_three(page, base, jam, artifacts_dir)
    organizer_publishes(page, base, jam)
    jam.refresh_from_db()
    assert jam.results_published_at is not None
    assert len(mailoutbox) == SignUp.objects.filter(jam=jam).count() > 0

    visitor = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        public = visitor.new_page()
        public.set_default_timeout(15_000)
        public_sees_the_winners(public, base, winners, artifacts_dir)
        team_reads_its_feedback(public, base, first, artifacts_dir)
    finally:
        visitor.close()


def judge_reviews_and_saves_and_goes_on(page, base, jam, judge, assigned, artifacts_dir) -> None:
    first, second = assigned[0], assigned[1]
    log_in(page, base, "judge@example.com", PASSWORD, "Jules Judge")
    page.goto(f"{base}/jams/{jam.slug}/")
    page.get_by_role("link", name="Judge entries").click()

    expect(page.get_by_test_id("judge-progress")).to_have_text(f"0 of {len(assigned)} assigned reviewed")
    expect(page.get_by_test_id("judge-queue").get_by_role("link")).to_have_text([e.title for e in assigned])
    expect(page.get_by_test_id("queue-state")).to_have_text(["Not started"] * len(assigned))
    page.screenshot(path=str(artifacts_dir / "judging-workspace.png"), full_page=True)

    page.get_by_test_id("judge-queue").get_by_role("link", name=first.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    for criterion, value in SCORES.items():
        group = page.get_by_role("group", name=re.compile(rf"^{criterion} \(1 = weakest, 5 = strongest\)"))
        button = group.locator("label.score-button", has_text=re.compile(rf"^{value}$"))
        box = button.bounding_box()
        assert box["width"] >= 40 and box["height"] >= 40, box  # large targets
        button.click()
        expect(group.get_by_label(value, exact=True)).to_be_checked()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{base}/jams/{jam.slug}/judge/{first.pk}/")  # Save stays on the entry
    expect(page.get_by_role("status")).to_have_text(f"Your review of “{first.title}” is saved.")
    for criterion, value in SCORES.items():
        group = page.get_by_role("group", name=re.compile(rf"^{criterion} \(1 = weakest, 5 = strongest\)"))
        expect(group.get_by_label(value, exact=True)).to_be_checked()
    page.get_by_label("Feedback for the team").fill(FEEDBACK)
    page.get_by_label("Private note for the organizers").fill(PRIVATE_NOTE)
    page.screenshot(path=str(artifacts_dir / "judging-review-form.png"), full_page=True)
    page.get_by_role("button", name="Save and next").click()

    expect(page).to_have_url(f"{base}/jams/{jam.slug}/judge/{second.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)
    expect(page.get_by_role("status")).to_have_text(f"Your review of “{first.title}” is saved.")
    for criterion in SCORES:
        group = page.get_by_role("group", name=re.compile(rf"^{criterion} \(1 = weakest, 5 = strongest\)"))
        expect(group.get_by_role("radio", checked=True)).to_have_count(0)

    page.get_by_role("link", name="← Your queue").click()
    expect(page.get_by_test_id("judge-progress")).to_have_text(f"1 of {len(assigned)} assigned reviewed")
    expect(page.get_by_test_id("judge-queue").get_by_role("link")).to_have_text([e.title for e in assigned])
    expect(page.get_by_test_id("queue-state")).to_have_text(["Saved"] + ["Not started"] * (len(assigned) - 1))


def organizer_awards_the_top_three(page, base, jam, artifacts_dir) -> dict[str, str]:
    """Awards the prizes in rank order on the admin's results page; returns prize → title."""
    _criteria, rows = results_for_jam(jam=jam)
    winners = dict(zip(PRIZES, [row.entry.title for row in rows], strict=False))
    page.goto(f"{base}/admin/jams/jam/{jam.pk}/results/")
    expect(page.get_by_role("heading", name=f"Results of {jam.title}")).to_be_visible()
    table = page.get_by_test_id("results-table")
    expect(table.locator("tbody tr")).to_have_count(12)
    for prize, title in winners.items():
        row = table.locator("tbody tr").filter(has=page.get_by_role("link", name=title, exact=True))
        row.get_by_role("combobox", name=f"Prize for {title}").select_option(label=prize)
        row.get_by_role("button", name="Award").click()
        expect(page.locator(".messagelist")).to_have_text(f"“{prize}” goes to “{title}”.")
        expect(row.locator("strong")).to_have_text(prize)
    page.screenshot(path=str(artifacts_dir / "judging-admin-results.png"), full_page=True)
    return winners


def organizer_publishes(page, base, jam) -> None:
    page.goto(f"{base}/admin/jams/jam/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=jam.title, exact=True))
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option(label=PUBLISH)
    page.get_by_role("button", name="Go").click()
    told = SignUp.objects.filter(jam=jam).count()
    expect(page.get_by_test_id("publish-count")).to_contain_text(f"{told} people")
    page.get_by_role("button", name=f"Yes, publish and email {told} people").click()
    published = f"{jam.title}: results published; participants are being emailed."
    expect(page.locator(".messagelist")).to_have_text(published)


def public_sees_the_winners(page, base, winners, artifacts_dir) -> None:
    page.goto(f"{base}/jams/{JAM}/results/")
    sections = page.get_by_test_id("prize")
    expect(sections.get_by_role("heading", level=2)).to_have_text(PRIZES)
    for index, title in enumerate(winners.values()):
        card = sections.nth(index).get_by_test_id("entry-card")
        expect(card.get_by_role("link")).to_have_text(title)
        thumbnail = card.get_by_test_id("entry-thumbnail")
        thumbnail.scroll_into_view_if_needed()  # they load lazily
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    expect(page.get_by_test_id("ranking").locator("tbody tr")).to_have_count(12)
    page.screenshot(path=str(artifacts_dir / "judging-public-results.png"), full_page=True)


def team_reads_its_feedback(page, base, entry, artifacts_dir) -> None:
    member = TeamMembership.objects.select_related("user").filter(team=entry.team).first().user
    member.set_password(TEAM_PASSWORD)
    member.save()
    log_in(page, base, member.email, TEAM_PASSWORD, member.display_name)

    page.goto(base + entry.get_absolute_url())

    verdict = page.get_by_test_id("team-feedback")
    expect(verdict.get_by_role("heading", name="The judges' verdict")).to_be_visible()
    expect(verdict).to_contain_text(FEEDBACK)
    expect(verdict.locator("blockquote")).to_have_count(entry.reviews.exclude(feedback="").count())
    body = page.locator("body")
    expect(body).not_to_contain_text(PRIVATE_NOTE)
    for name in Judge.objects.filter(jam=entry.jam).values_list("user__display_name", flat=True):
        expect(body).not_to_contain_text(name)
    page.screenshot(path=str(artifacts_dir / "judging-team-feedback.png"), full_page=True)
