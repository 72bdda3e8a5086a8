"""The judge role goes to an address, not to whoever registered it first: the workspace
needs the judge's address verified, and an existing account added as a judge must accept
the invitation (by the emailed link, or a button once verified)."""

from __future__ import annotations

import re
import time
from html import unescape
from unittest import mock

import pytest
from django.core import mail

from judging.invitations import ACCEPT_LINK_MAX_AGE, LINK_BROKEN, LINK_EXPIRED, LINK_STALE, accept_token_make
from judging.models import Judge, Review
from judging.services import NotAllowed, judge_accept, judge_add, judge_remove
from tests.factories import EntryFactory, JudgeFactory, UserFactory
from tests.judging.conftest import score_form

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def workspace_url(jam) -> str:
    return f"/jams/{jam.slug}/judge/"


def accept_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/jams/[^/\s]+/judge/accept/[^/\s]+/)", message.body).group(1)


# The workspace's gate -------------------------------------------------------------------


def test_an_unverified_judge_gets_a_403_that_explains_and_offers_the_link(client, judging_jam):
    judge = JudgeFactory(jam=judging_jam, user=UserFactory(unverified=True, email="jules@example.com"))
    entry = EntryFactory(team__jam=judging_jam, title="Secret entry")
    client.force_login(judge.user)

    workspace = client.get(workspace_url(judging_jam))
    review = client.post(f"/jams/{judging_jam.slug}/judge/{entry.pk}/", score_form(judging_jam, 5, 5))

    assert workspace.status_code == 403
    html = text(workspace)
    assert "Confirm your email address to judge" in html
    assert (
        f"To judge {judging_jam.title}, first confirm that <strong>jules@example.com</strong> is your address" in html
    )
    assert 'action="/accounts/verify/send/"' in html
    assert f'name="next" value="{workspace_url(judging_jam)}"' in html
    assert review.status_code == 403
    assert "Secret entry" not in text(review)
    assert not Review.objects.exists()


def test_the_resend_button_on_the_judge_page_emails_the_judge_and_the_link_leads_back(
    client, judging_jam, django_capture_on_commit_callbacks
):
    judge = JudgeFactory(jam=judging_jam, user=UserFactory(unverified=True, email="jules@example.com"))
    client.force_login(judge.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/verify/send/", {"next": workspace_url(judging_jam)})
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/verify/[^/\s]+/)", message.body).group(1)
    response = client.get(link, follow=True)

    assert message.to == ["jules@example.com"]
    assert response.redirect_chain == [(workspace_url(judging_jam), 302)]
    assert response.status_code == 200
    assert "Judge entries" in text(response)


def test_a_verified_judge_who_accepted_gets_the_workspace(client, judging_jam, judge):
    client.force_login(judge.user)

    response = client.get(workspace_url(judging_jam))

    assert response.status_code == 200
    assert "Judge entries" in text(response)


def test_an_existing_account_added_as_judge_must_accept_before_the_workspace(client, judging_jam):
    judge = JudgeFactory(jam=judging_jam, pending=True)
    entry = EntryFactory(team__jam=judging_jam)
    client.force_login(judge.user)

    asked = client.get(workspace_url(judging_jam))
    review = client.get(f"/jams/{judging_jam.slug}/judge/{entry.pk}/")
    accepted = client.post(f"/jams/{judging_jam.slug}/judge/accept/", follow=True)
    judge.refresh_from_db()

    assert asked.status_code == 403
    assert f"You're invited to judge {judging_jam.title}" in text(asked)
    assert "Accept and start judging" in text(asked)
    assert review.status_code == 403
    assert judge.accepted_at is not None
    assert accepted.redirect_chain == [(workspace_url(judging_jam), 302)]
    assert f"Thank you for judging {judging_jam.title}!" in text(accepted)
    assert "Judge entries" in text(accepted)


def test_an_unverified_account_cannot_accept_by_the_button(client, judging_jam):
    judge = JudgeFactory(jam=judging_jam, pending=True, user=UserFactory(unverified=True))
    client.force_login(judge.user)

    page = client.get(workspace_url(judging_jam))
    response = client.post(f"/jams/{judging_jam.slug}/judge/accept/")
    judge.refresh_from_db()

    assert "Confirm your email address to judge" in text(page)  # verification comes first
    assert response.status_code == 403
    assert judge.accepted_at is None


def test_the_accept_button_is_for_the_jams_judges_only(client, judging_jam):
    client.force_login(UserFactory())

    response = client.post(f"/jams/{judging_jam.slug}/judge/accept/")

    assert response.status_code == 403
    assert not Judge.objects.exists()


def test_accepting_needs_a_verified_address_and_a_judge_still_judging(judging_jam):
    unverified = JudgeFactory(jam=judging_jam, pending=True, user=UserFactory(unverified=True))
    removed = JudgeFactory(jam=judging_jam, pending=True)
    judge_remove(judge=removed)

    with pytest.raises(NotAllowed, match="Confirm your email address"):
        judge_accept(judge=unverified)
    with pytest.raises(NotAllowed, match="took you off judging"):
        judge_accept(judge=removed)
    assert Judge.objects.filter(accepted_at__isnull=False).count() == 0


# The emailed invitation -----------------------------------------------------------------


def test_an_existing_account_added_as_judge_accepts_by_the_emailed_link(
    client, judging_jam, django_capture_on_commit_callbacks
):
    person = UserFactory(email="known@example.com", unverified=True)
    with django_capture_on_commit_callbacks(execute=True):
        judge = judge_add(jam=judging_jam, email="known@example.com")
    (message,) = mail.outbox
    path = accept_path(message)

    asked = client.get(path)
    judge.refresh_from_db()
    pending_after_get = judge.accepted_at is None
    accepted = client.post(path)
    judge.refresh_from_db()
    person.refresh_from_db()
    client.force_login(person)

    assert (message.to, message.subject) == (["known@example.com"], f"You're invited to judge {judging_jam.title}")
    assert path in message.alternatives[0].content
    assert asked.status_code == 200
    assert "Accept the invitation" in text(asked)
    assert pending_after_get  # opening the link (a mail scanner does) accepts nothing
    assert accepted.status_code == 302
    assert accepted["Location"] == workspace_url(judging_jam)
    assert judge.accepted_at is not None
    assert person.email_verified  # the link went to the address: it proves it
    assert client.get(workspace_url(judging_jam)).status_code == 200


def test_an_altered_invitation_link_is_refused_and_says_why(client, judging_jam):
    judge = JudgeFactory(jam=judging_jam, pending=True)
    token = accept_token_make(judge=judge)
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = client.post(f"/jams/{judging_jam.slug}/judge/accept/{altered}/")
    judge.refresh_from_db()

    assert response.status_code == 400
    assert LINK_BROKEN in text(response)
    assert judge.accepted_at is None


def test_an_expired_invitation_link_is_refused_and_says_why(client, judging_jam):
    judge = JudgeFactory(jam=judging_jam, pending=True)
    with mock.patch("time.time", return_value=time.time() - ACCEPT_LINK_MAX_AGE.total_seconds() - 60):
        token = accept_token_make(judge=judge)

    response = client.post(f"/jams/{judging_jam.slug}/judge/accept/{token}/")
    judge.refresh_from_db()

    assert response.status_code == 400
    assert LINK_EXPIRED in text(response)
    assert judge.accepted_at is None


@pytest.mark.parametrize("change", ["removed", "address changed", "another jam"])
def test_an_invitation_that_no_longer_stands_is_refused(client, judging_jam, change):
    judge = JudgeFactory(jam=judging_jam, pending=True, user=UserFactory(unverified=True))
    token = accept_token_make(judge=judge)
    slug = judging_jam.slug
    if change == "removed":
        judge_remove(judge=judge)
    elif change == "address changed":
        type(judge.user).objects.filter(pk=judge.user_id).update(email="someone.else@example.com")
    else:
        slug = JudgeFactory().jam.slug

    response = client.post(f"/jams/{slug}/judge/accept/{token}/")
    judge.refresh_from_db()
    judge.user.refresh_from_db()

    assert response.status_code == 400
    assert LINK_STALE in text(response)
    assert (judge.accepted_at, judge.user.email_verified_at) == (None, None)


# A new account made by the invitation ---------------------------------------------------


def test_a_judge_invited_without_an_account_is_accepted_and_verified_by_setting_the_password(
    client, judging_jam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        judge = judge_add(jam=judging_jam, email="new.judge@example.com", display_name="Neel")
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "judge-secret-9876", "new_password2": "judge-secret-9876"}
    )
    client.login(username="new.judge@example.com", password="judge-secret-9876")

    response = client.get(workspace_url(judging_jam))

    judge.refresh_from_db()
    assert judge.accepted_at is not None
    assert judge.user.email_verified
    assert response.status_code == 200


# The attack of the issue, start to end ------------------------------------------------


def test_an_account_registered_with_someone_elses_address_never_gets_the_workspace(
    client, judging_jam, django_capture_on_commit_callbacks
):
    """An attacker makes an account with a famous researcher's address; the organizer adds
    that address as a judge. The invitation and every link go to the researcher."""
    signup = {"display_name": "Famous Researcher", "email": "famous@example.org", "password": "attacker-pass-42"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", signup)  # the attacker is now signed in to it
        judge_add(jam=judging_jam, email="famous@example.org")
        client.post("/accounts/verify/send/")

    workspace = client.get(workspace_url(judging_jam))
    accept = client.post(f"/jams/{judging_jam.slug}/judge/accept/")
    judge = Judge.objects.get(jam=judging_jam)

    assert workspace.status_code == 403
    assert accept.status_code == 403
    assert (judge.accepted_at, judge.user.email_verified_at) == (None, None)
    assert {tuple(m.to) for m in mail.outbox} == {("famous@example.org",)}  # only the researcher's mailbox


def test_the_admins_judge_list_says_who_has_not_accepted_or_confirmed(client, judging_jam):
    JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Ready Rita"))
    JudgeFactory(jam=judging_jam, pending=True, user=UserFactory(display_name="Pending Paul", unverified=True))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = text(client.get(f"/admin/judging/judge/?jam__id__exact={judging_jam.pk}"))

    rows = {name: html.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Ready Rita", "Pending Paul")}
    assert "invited, not accepted yet, email not confirmed" in rows["Pending Paul"]
    assert ">judging<" in rows["Ready Rita"]
