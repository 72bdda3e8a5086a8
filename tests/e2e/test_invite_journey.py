"""A newcomer joins a team by its invite link, in Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jams.models import SignUp
from judging.services import judge_add
from submissions.models import TeamMembership
from tests.factories import JamFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_makes_an_account_and_joins_from_the_invite_link(
    live_server, browser, page, artifacts_dir, mailoutbox
):
    jam = JamFactory.running(title="Invite Jam")
    founder = UserFactory(display_name="Founder Fay", email="fay@example.com", password="founder-password-1")
    team = TeamFactory(jam=jam, name="Lantern", created_by=founder)

    # The founder copies the link from the team page.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    founder_page = context.new_page()
    founder_page.goto(live_server.url + "/accounts/login/?next=" + team.get_absolute_url())
    founder_page.get_by_label("Email").fill("fay@example.com")
    founder_page.get_by_label("Password").fill("founder-password-1")
    founder_page.get_by_role("button", name="Log in").click()
    founder_page.get_by_role("button", name="Copy").click()
    expect(founder_page.get_by_role("button", name="Copied!")).to_be_visible()
    link = founder_page.evaluate("navigator.clipboard.readText()")
    assert link == live_server.url + team.get_invite_url()
    founder_page.screenshot(path=str(artifacts_dir / "invite-team-page.png"), full_page=True)
    context.close()

    # A logged-out newcomer opens it.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join “Lantern”?")
    expect(page.get_by_text("Lantern is a team in Invite Jam")).to_be_visible()
    login_link = page.get_by_role("link", name="Log in and join")
    assert login_link.get_attribute("href") == f"/accounts/login/?next={team.get_invite_url()}"
    page.screenshot(path=str(artifacts_dir / "invite-newcomer.png"), full_page=True)

    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account and join the team").click()
    # Refused: what was typed stays, the field says why.
    expect(page.get_by_label("Your name")).to_have_value("Nia Newcomer")
    expect(page.locator(".invalid-feedback").first).to_be_visible()

    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Create account and join the team").click()

    # The account and the sign-up are made; joining waits for the address to be confirmed.
    expect(page.get_by_text("Thanks, Nia Newcomer! We've sent an email to nia@example.com")).to_be_visible()
    expect(page.get_by_test_id("verify-needed")).to_contain_text("To join “Lantern”, first confirm")
    expect(page.get_by_test_id("current-user")).to_have_text("Nia Newcomer")
    page.screenshot(path=str(artifacts_dir / "invite-confirm-first.png"), full_page=True)
    assert SignUp.objects.filter(jam=jam, user__email="nia@example.com").exists()
    assert not TeamMembership.objects.filter(team=team, user__email="nia@example.com").exists()

    # The link in the email brings her back to the invitation, where she joins.
    page.goto(live_server.url + verification_path(mailoutbox, "nia@example.com"))
    expect(page.get_by_text("Thank you: your email address, nia@example.com, is confirmed.")).to_be_visible()
    page.get_by_role("button", name="Join the team").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Team “Lantern”")
    expect(page.get_by_test_id("team-members")).to_contain_text("Nia Newcomer")
    expect(page.get_by_text("You joined “Lantern”.")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "invite-joined.png"), full_page=True)
    assert TeamMembership.objects.filter(team=team, user__email="nia@example.com").exists()


def verification_path(outbox, address: str) -> str:
    """The link of the latest email to `address` that confirms it (Django's in-memory outbox:
    the live server runs in this process, with the outbox's tasks in-process too)."""
    (message,) = [m for m in outbox if m.to == [address] and "Confirm your email address" in m.subject][-1:]
    return re.search(r"https?://[^/\s]+(/accounts/verify/\S+/)", message.body).group(1)


def test_a_newcomer_signs_up_confirms_the_address_and_accepts_a_judge_invitation(
    live_server, page, artifacts_dir, mailoutbox
):
    jam = JamFactory.judging(title="Judged Jam")

    # A researcher makes an account on her own.
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Your name").fill("Rosa Researcher")
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label("Password").fill("a-researchers-passphrase")
    page.get_by_role("button", name="Make my account").click()
    expect(page.get_by_text("Thanks, Rosa Researcher! We've sent an email to rosa@example.org")).to_be_visible()

    # The organizers add her address as a judge: she is invited, by email.
    judge = judge_add(jam=jam, email="rosa@example.org")
    (invitation,) = [m for m in mailoutbox if m.subject == "You're invited to judge Judged Jam"]

    # Her judge page waits for a confirmed address.
    page.goto(live_server.url + f"/jams/{jam.slug}/judge/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address to judge")
    page.screenshot(path=str(artifacts_dir / "judge-confirm-first.png"), full_page=True)

    page.goto(live_server.url + verification_path(mailoutbox, "rosa@example.org"))
    expect(page.get_by_text("Thank you: your email address, rosa@example.org, is confirmed.")).to_be_visible()

    # The invitation's link asks, and accepting opens the workspace.
    page.goto(live_server.url + re.search(r"https?://[^/\s]+(/jams/\S+/judge/accept/\S+/)", invitation.body).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Judge Judged Jam?")
    page.screenshot(path=str(artifacts_dir / "judge-accept.png"), full_page=True)
    page.get_by_role("button", name="Accept the invitation").click()

    expect(page.get_by_text("You're a judge of Judged Jam. Thank you!")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Judge entries")
    judge.refresh_from_db()
    assert judge.accepted_at is not None
    assert judge.user.email_verified


def test_someone_with_an_account_logs_in_from_the_invite_and_comes_back_to_join(live_server, page):
    jam = JamFactory.running(title="Invite Jam")
    team = TeamFactory(jam=jam, name="Lantern")
    UserFactory(display_name="Olu Old", email="olu@example.com", password="old-hand-password-1")

    page.goto(live_server.url + team.get_invite_url())
    page.get_by_role("link", name="Log in and join").click()
    page.get_by_label("Email").fill("olu@example.com")
    page.get_by_label("Password").fill("old-hand-password-1")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("button", name="Join the team")).to_be_visible()
    page.get_by_role("button", name="Join the team").click()
    expect(page.get_by_test_id("team-members")).to_contain_text("Olu Old")
