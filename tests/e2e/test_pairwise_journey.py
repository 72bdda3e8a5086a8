"""Pairwise judging on a phone (390 by 844, Chromium): a judge is sent from entry to entry,
makes five comparisons always preferring the entry with the lower table number, skips one
team that isn't there (undoing the skip once); the organizer publishes; the public ranking follows the votes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from jams.models import Jam
from judging.models import Comparison, Skip
from judging.services import results_publish
from tests.factories import PASSWORD, EntryFactory, JamFactory, JudgeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sideways_scroll(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def table_of(page: Page, role: str) -> int:
    return int(re.sub(r"\D", "", page.get_by_test_id(f"pairwise-{role}-table").inner_text()))


def test_judge_compares_on_a_phone_and_results_follow_the_votes(live_server, browser, artifacts_dir):
    jam = JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE, show_ranking=True, title="Expo Jam")
    entries = [
        EntryFactory(
            team__jam=jam, team__name=f"Team {n}", title=f"Project number {n} with a long title", table=f"Table {n}"
        )
        for n in range(1, 9)
    ]
    user = UserFactory(email="pat@example.com", display_name="Pat Pairs")
    judge = JudgeFactory(jam=jam, user=user)
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/jams/{jam.slug}/judge/pairs/")
        expect(page.get_by_test_id("pairwise-progress")).to_have_text("0 comparisons made")
        page.get_by_test_id("pairwise-start").click()
        expect(page.get_by_test_id("pairwise-current-table")).to_be_visible()
        page.get_by_test_id("pairwise-seen").click()

        made = skipped = 0
        while made < 5:
            expect(page.get_by_test_id("pairwise-vote")).to_be_visible()
            if made == 2 and not skipped:
                page.screenshot(path=str(artifacts_dir / "pairwise-phone.png"), full_page=True)
                assert sideways_scroll(page) <= 0
                for button in ("pairwise-choose-previous", "pairwise-skip-absent", "pairwise-skip-conflict"):
                    assert page.get_by_test_id(button).bounding_box()["height"] >= 44
                absent = table_of(page, "current")
                page.get_by_test_id("pairwise-skip-absent").click()
                expect(page.get_by_text("its team wasn't there")).to_be_visible()
                # Undone (they were there after all), then skipped for good.
                page.get_by_test_id("pairwise-undo").click()
                expect(page.get_by_text("is undone: you're back at it")).to_be_visible()
                assert table_of(page, "current") == absent
                page.get_by_test_id("pairwise-skip-absent").click()
                expect(page.get_by_text("its team wasn't there")).to_be_visible()
                skipped += 1
                continue
            lower = "previous" if table_of(page, "previous") < table_of(page, "current") else "current"
            page.get_by_test_id(f"pairwise-choose-{lower}").click()
            made += 1
            expect(page.get_by_test_id("pairwise-progress")).to_have_text(
                f"{made} comparison{'s' if made > 1 else ''} made"
            )
    finally:
        context.close()

    votes = list(Comparison.objects.filter(judge=judge).select_related("winner", "loser"))
    assert len(votes) == 5
    assert all(int(v.winner.table.split()[1]) < int(v.loser.table.split()[1]) for v in votes)
    assert Skip.objects.get(judge=judge).entry.table == f"Table {absent}"

    results_publish(jam=jam)

    visitor = browser.new_context(viewport=PHONE, locale="en-GB")
    try:
        public = visitor.new_page()
        public.goto(f"{live_server.url}/jams/{jam.slug}/results/")
        rows = public.get_by_test_id("ranking-row")
        expect(rows.first).to_be_visible()
        public.screenshot(path=str(artifacts_dir / "pairwise-results-phone.png"), full_page=True)
        ranked = []
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            if cells.nth(0).inner_text().strip().startswith("not"):
                continue
            ranked.append(cells.nth(1).inner_text())
    finally:
        visitor.close()
    # Every vote the judge cast is respected by the published order.
    position = {title: i for i, title in enumerate(ranked)}
    for vote in votes:
        assert position[vote.winner.title] < position[vote.loser.title]
    compared = {e.title for v in votes for e in (v.winner, v.loser)}
    assert set(ranked) == compared
    assert len(entries) == 8


def test_pairwise_page_fits_a_phone_and_passes_axe(live_server, browser, artifacts_dir):
    """The judge's page with a pair, and the first-entry page, as the main pages are
    checked (tests/e2e/test_accessibility.py): no sideways scroll, headings in order, no
    serious axe-core violation."""
    from judging.pairwise_services import pairwise_next
    from tests.e2e.test_accessibility import check, phone_context

    jam = JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE)
    for n in range(3):
        EntryFactory(team__jam=jam, title=f"A rather long project title number {n} for a phone", table=f"Hall B, {n}")
    judge = JudgeFactory(jam=jam)
    shots = artifacts_dir / "a11y"
    shots.mkdir(exist_ok=True)
    context = phone_context(browser, live_server.url, judge.user.email)
    page = context.new_page()
    try:
        problems = []
        state = pairwise_next(judge=judge, current_id=None)
        problems += check(page, live_server.url, f"/jams/{jam.slug}/judge/pairs/", shots, "pairwise-first")
        pairwise_next(judge=judge, current_id=state.current_id)
        problems += check(page, live_server.url, f"/jams/{jam.slug}/judge/pairs/", shots, "pairwise-pair")
    finally:
        context.close()
    assert problems == []
