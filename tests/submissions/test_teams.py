import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from jams.models import SignUp
from submissions.models import Team, TeamMembership
from submissions.services import TeamError, team_join
from tests.factories import PASSWORD, EntryFactory, JamFactory, SignUpFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def test_team_create_makes_the_creator_a_member_and_signs_them_up(client, running_jam, user):
    client.force_login(user)

    response = client.post(f"/jams/{running_jam.slug}/team/", {"name": "Truthers"}, follow=True)

    team = Team.objects.get(jam=running_jam)
    assert team.name == "Truthers"
    assert team.created_by == user
    assert list(team.memberships.values_list("user", flat=True)) == [user.pk]
    assert SignUp.objects.filter(jam=running_jam, user=user).exists()
    assert "Team “Truthers” created" in text(response)
    assert team.get_invite_url() in text(response)


def test_team_page_needs_login(client, running_jam):
    response = client.get(f"/jams/{running_jam.slug}/team/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_team_name_taken_in_the_jam_is_refused(client, running_jam, user):
    TeamFactory(jam=running_jam, name="Truthers")
    client.force_login(user)

    response = client.post(f"/jams/{running_jam.slug}/team/", {"name": "truthers"})

    assert "A team called “truthers” already exists in this jam." in text(response)
    assert 'value="truthers"' in text(response)
    assert not TeamMembership.objects.filter(user=user).exists()


def test_join_by_invite_confirms_then_joins_and_signs_up(client, running_jam):
    team = TeamFactory(jam=running_jam, name="ACDC++")
    joiner = UserFactory()
    client.force_login(joiner)

    confirm = client.get(team.get_invite_url())
    assert "Join “ACDC++”?" in text(confirm)
    assert not TeamMembership.objects.filter(user=joiner).exists()

    client.post(team.get_invite_url())

    assert TeamMembership.objects.filter(team=team, user=joiner, jam=running_jam).exists()
    assert SignUp.objects.filter(jam=running_jam, user=joiner).exists()


def test_join_with_a_wrong_token_is_404(client, running_jam, user):
    TeamFactory(jam=running_jam)
    client.force_login(user)
    assert client.get(f"/jams/{running_jam.slug}/team/join/not-a-token/").status_code == 404


def test_join_a_full_team_is_refused(client):
    jam = JamFactory.running(max_team_size=2)
    team = TeamFactory(jam=jam, name="Pair", members=[UserFactory()])
    joiner = UserFactory()
    client.force_login(joiner)

    response = client.post(team.get_invite_url(), follow=True)

    assert "“Pair” is full: teams in" in text(response)
    assert "have at most 2 members." in text(response)
    assert team.memberships.count() == 2
    assert not TeamMembership.objects.filter(user=joiner).exists()


def test_a_second_team_in_the_same_jam_is_refused(client, running_jam):
    person = UserFactory()
    TeamFactory(jam=running_jam, name="First", created_by=person)
    other = TeamFactory(jam=running_jam, name="Second")
    client.force_login(person)

    joined = client.post(other.get_invite_url(), follow=True)
    created = client.post(f"/jams/{running_jam.slug}/team/", {"name": "Third"}, follow=True)

    assert "You're already in the team “First” for this jam. Leave it first to join “Second”." in text(joined)
    assert TeamMembership.objects.filter(user=person).count() == 1
    assert not Team.objects.filter(name="Third").exists()
    assert "Team “First”" in text(created)


def test_a_person_can_be_in_teams_of_different_jams(client, user):
    first, second = JamFactory.running(), JamFactory.running()
    client.force_login(user)
    client.post(f"/jams/{first.slug}/team/", {"name": "A"})
    client.post(f"/jams/{second.slug}/team/", {"name": "B"})
    assert TeamMembership.objects.filter(user=user).count() == 2


def test_leave_the_team(client, running_jam):
    member = UserFactory()
    team = TeamFactory(jam=running_jam, members=[member])
    client.force_login(member)

    client.post(f"/jams/{running_jam.slug}/team/leave/")

    assert not team.memberships.filter(user=member).exists()
    assert team.memberships.count() == 1


def test_last_member_leaving_removes_the_team(client, running_jam, user):
    team = TeamFactory(jam=running_jam, created_by=user)
    client.force_login(user)
    client.post(f"/jams/{running_jam.slug}/team/leave/")
    assert not Team.objects.filter(pk=team.pk).exists()


def test_last_member_of_a_team_with_an_entry_cannot_leave(client, running_jam, user):
    entry = EntryFactory(team=TeamFactory(jam=running_jam, created_by=user))
    client.force_login(user)

    response = client.post(f"/jams/{running_jam.slug}/team/leave/", follow=True)

    assert "You're the last member of a team with an entry." in text(response)
    assert entry.team.memberships.count() == 1


def test_leave_is_post_only(client, running_jam, user):
    TeamFactory(jam=running_jam, created_by=user)
    client.force_login(user)
    assert client.get(f"/jams/{running_jam.slug}/team/leave/").status_code == 405


def test_reset_invite_link_kills_the_old_one(client, running_jam, user):
    team = TeamFactory(jam=running_jam, created_by=user)
    old_url = team.get_invite_url()
    client.force_login(user)

    client.post(f"/jams/{running_jam.slug}/team/invite/reset/")

    team.refresh_from_db()
    assert team.get_invite_url() != old_url
    client.force_login(UserFactory())
    assert client.get(old_url).status_code == 404
    assert client.get(team.get_invite_url()).status_code == 200


def test_reset_invite_by_a_non_member_is_refused(client, running_jam):
    team = TeamFactory(jam=running_jam)
    token = team.invite_token
    client.force_login(UserFactory())

    assert client.post(f"/jams/{running_jam.slug}/team/invite/reset/").status_code == 404
    team.refresh_from_db()
    assert team.invite_token == token


def test_teams_freeze_when_submissions_close(client):
    now = timezone.now()
    jam = JamFactory(starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=1))
    team = TeamFactory(jam=jam)
    joiner = UserFactory()
    SignUpFactory(jam=jam, user=joiner)
    client.force_login(joiner)

    response = client.post(team.get_invite_url(), follow=True)

    assert "have closed, so teams can no longer change." in text(response)
    assert team.memberships.count() == 1


def test_join_when_signups_are_closed_and_not_signed_up_is_refused(client):
    jam = JamFactory.running(signups_open=False)
    team = TeamFactory(jam=jam)
    joiner = UserFactory()
    client.force_login(joiner)

    response = client.post(team.get_invite_url(), follow=True)

    assert f"Sign-ups for {jam.title} are closed. Only people signed up to it can be in a team." in text(response)
    assert not TeamMembership.objects.filter(user=joiner).exists()


def _newcomer(**overrides) -> dict:
    data = {"display_name": "Ada Newcomer", "email": "ada@example.com", "password": "analytical-engine-1843"}
    data["show_in_list"] = "on"
    data.update(overrides)
    return data


def test_invite_link_logged_out_names_the_team_and_jam_and_offers_both_ways_in(client, running_jam):
    team = TeamFactory(jam=running_jam, name="Truthers")

    response = client.get(team.get_invite_url())

    html = text(response)
    assert response.status_code == 200
    assert "Join “Truthers”?" in html
    assert f'Truthers is a team in <a href="{running_jam.get_absolute_url()}">{running_jam.title}</a>' in html
    assert 'name="email"' in html
    assert f'href="/accounts/login/?next=/jams/{running_jam.slug}/team/join/{team.invite_token}/"' in html


def test_invite_link_makes_the_account_and_sign_up_and_joins_once_the_address_is_confirmed(
    client, running_jam, django_capture_on_commit_callbacks
):
    team = TeamFactory(jam=running_jam, name="Truthers")

    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(team.get_invite_url(), _newcomer(), follow=True)
    user = User.objects.get(email="ada@example.com")
    (verification,) = [m for m in mail.outbox if m.subject == "Confirm your email address for Alignment Jams"]
    link = re.search(r"https?://[^/\s]+(/accounts/verify/\S+/)", verification.body).group(1)
    confirmed = client.get(link, follow=True)
    joined = client.post(team.get_invite_url(), follow=True)

    assert made.redirect_chain == [(team.get_invite_url(), 302)]
    assert made.wsgi_request.user == user
    assert SignUp.objects.filter(jam=running_jam, user=user).exists()
    assert "Thanks, Ada Newcomer! We've sent an email to ada@example.com" in text(made)
    assert 'data-testid="verify-needed"' in text(made)  # not in the team yet
    assert confirmed.redirect_chain == [(team.get_invite_url(), 302)]
    assert "Join the team" in text(confirmed)
    assert TeamMembership.objects.filter(team=team, user=user).exists()
    assert "You joined “Truthers”." in text(joined)


def test_invite_link_with_an_accounts_own_password_signs_in_and_joins_at_once(client, running_jam):
    team = TeamFactory(jam=running_jam, name="Truthers")
    owner = UserFactory(email="ada@example.com")

    response = client.post(team.get_invite_url(), _newcomer(password=PASSWORD), follow=True)

    assert response.wsgi_request.user == owner
    assert TeamMembership.objects.filter(team=team, user=owner).exists()
    assert response.redirect_chain[-1][0] == f"/jams/{running_jam.slug}/team/"
    assert "that was its password: you're signed in. You joined “Truthers”." in text(response)


def test_an_unverified_account_sees_why_it_cant_join_by_invite_and_the_resend_button(client, running_jam):
    team = TeamFactory(jam=running_jam, name="Truthers")
    client.force_login(UserFactory(unverified=True, email="ada@example.com"))

    page = client.get(team.get_invite_url())
    refused = client.post(team.get_invite_url())

    assert page.status_code == 200
    assert "To join “Truthers”, first confirm that <strong>ada@example.com</strong> is your address" in text(page)
    assert 'action="/accounts/verify/send/"' in text(page)
    assert f'name="next" value="{team.get_invite_url()}"' in text(page)
    assert "Join the team" not in text(page)
    assert refused.status_code == 403
    assert not TeamMembership.objects.filter(team=team).exclude(user=team.created_by).exists()


def test_team_join_service_refuses_an_unverified_address(running_jam):
    team = TeamFactory(jam=running_jam)

    with pytest.raises(TeamError, match="Confirm your email address"):
        team_join(team=team, user=UserFactory(unverified=True))
    assert team.memberships.count() == 1


def test_invite_link_to_a_full_team_makes_no_account(client):
    jam = JamFactory.running(max_team_size=1)
    team = TeamFactory(jam=jam, name="Solo")

    response = client.post(team.get_invite_url(), _newcomer())

    assert response.status_code == 400
    assert "“Solo” is full" in text(response)
    assert 'value="ada@example.com"' in text(response)
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not SignUp.objects.filter(jam=jam, user__email="ada@example.com").exists()


def test_invite_link_with_an_email_that_has_an_account_and_another_password_changes_nothing(
    client, running_jam, django_capture_on_commit_callbacks
):
    team = TeamFactory(jam=running_jam)
    UserFactory(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(team.get_invite_url(), _newcomer(), follow=True)

    assert response.redirect_chain == [(team.get_invite_url(), 302)]
    assert "Thanks, Ada Newcomer! We've sent an email to ada@example.com" in text(response)
    assert response.wsgi_request.user.is_anonymous
    assert not TeamMembership.objects.filter(team=team, user__email="ada@example.com").exists()
    assert not SignUp.objects.filter(user__email="ada@example.com").exists()
    assert [m.subject for m in mail.outbox] == ["Someone tried to make an account with your address"]
