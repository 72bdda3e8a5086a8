"""Every form a participant or a judge fills in.

A refused form marks each field at fault (Bootstrap's is-invalid, aria-invalid, and
aria-describedby naming the message beside it), sums them up above the form with a link
to each, and keeps what was typed (never a password). Its intro names exactly the fields
it requires, read from the form's fields."""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from jams.models import SignUp
from judging.models import Review
from submissions.models import Entry, Team
from tests.factories import (
    PASSWORD,
    CriterionFactory,
    EntryFactory,
    JamFactory,
    JudgeFactory,
    TeamFactory,
    UserFactory,
)
from tests.pagehtml import Page, read

pytestmark = pytest.mark.django_db


def assert_marked(page: Page, field_id: str, message: str) -> None:
    assert "is-invalid" in page.classes(field_id)
    assert page.attrs[field_id]["aria-invalid"] == "true"
    assert f"{field_id}_error" in page.attrs[field_id]["aria-describedby"].split()
    assert message in page.text(f"{field_id}_error")


def assert_not_marked(page: Page, field_id: str) -> None:
    assert "is-invalid" not in page.classes(field_id)
    assert "aria-invalid" not in page.attrs[field_id]
    assert f"{field_id}_error" not in page.attrs


def assert_summary(page: Page, heading: str, anchors: list[str]) -> None:
    assert page.text("form-errors").startswith(heading)
    assert page.links["form-errors"] == [f"#{anchor}" for anchor in anchors]
    for anchor in anchors:
        assert anchor in page.attrs  # each link leads to an input on the page


def member_of_a_team(jam) -> User:
    person = UserFactory(display_name="Arthur Conmy")
    TeamFactory(jam=jam, name="Negative Heads", created_by=person)
    return person


# Refused forms --------------------------------------------------------------------------


def test_jam_signup_refused_marks_each_field_and_keeps_what_was_typed(client, running_jam):
    data = {"display_name": "Ada Lovelace", "email": "ada-at-example", "password": "", "show_in_list": "on"}

    page = read(client.post(f"/jams/{running_jam.slug}/signup/", data))

    assert_summary(page, "Please fix the 2 fields marked below.", ["id_email", "id_password"])
    assert_marked(page, "id_email", "Enter a valid email address.")
    assert_marked(page, "id_password", "Please choose a password.")
    assert_not_marked(page, "id_display_name")
    assert page.attrs["id_display_name"]["value"] == "Ada Lovelace"
    assert page.attrs["id_email"]["value"] == "ada-at-example"
    assert not SignUp.objects.exists()


def test_account_signup_refused_marks_each_field_and_keeps_what_was_typed(client):
    data = {"display_name": "", "email": "ada@example.com", "password": "84736251947"}

    response = client.post("/accounts/signup/", data)

    page = read(response)
    assert response.status_code == 400
    assert_summary(page, "Please fix the 2 fields marked below.", ["id_display_name", "id_password"])
    assert_marked(page, "id_display_name", "Please enter your name.")
    assert_marked(page, "id_password", "This password is entirely numeric.")
    assert page.attrs["id_email"]["value"] == "ada@example.com"
    assert "value" not in page.attrs["id_password"]  # a password is never sent back
    assert not User.objects.exists()


def test_login_without_a_password_marks_it_and_keeps_the_email(client):
    page = read(client.post("/accounts/login/", {"username": "ada@example.com", "password": ""}))

    assert_summary(page, "Please fix the field marked below.", ["id_password"])
    assert_marked(page, "id_password", "This field is required.")
    assert_not_marked(page, "id_username")
    assert page.attrs["id_username"]["value"] == "ada@example.com"


def test_login_with_a_wrong_password_says_so_above_and_keeps_the_email(client):
    UserFactory(email="ada@example.com")

    page = read(client.post("/accounts/login/", {"username": "ada@example.com", "password": "wrong-password"}))

    assert "Please enter a correct email address and password." in page.text("form-errors")
    assert page.links["form-errors"] == []  # which of the two is wrong is not told
    assert_not_marked(page, "id_username")
    assert page.attrs["id_username"]["value"] == "ada@example.com"


def test_password_reset_with_a_bad_email_marks_it_and_keeps_it(client):
    page = read(client.post("/accounts/password_reset/", {"email": "ada-at-example"}))

    assert_summary(page, "Please fix the field marked below.", ["id_email"])
    assert_marked(page, "id_email", "Enter a valid email address.")
    assert page.attrs["id_email"]["value"] == "ada-at-example"


def test_new_password_that_does_not_match_is_marked(client):
    user = UserFactory()
    link = f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    data = {"new_password1": "brand-new-secret-77", "new_password2": "brand-new-secret-78"}
    page = read(client.post(form_url, data))

    assert_summary(page, "Please fix the field marked below.", ["id_new_password2"])
    assert_marked(page, "id_new_password2", "The two password fields didn’t match.")
    assert "value" not in page.attrs["id_new_password1"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_with_a_wrong_old_password_marks_it(client):
    user = UserFactory()
    client.force_login(user)

    data = {"old_password": "not-my-password", "new_password1": "brand-new-secret-77", "new_password2": ""}
    page = read(client.post("/accounts/password_change/", data))

    assert_summary(page, "Please fix the 2 fields marked below.", ["id_old_password", "id_new_password2"])
    assert_marked(page, "id_old_password", "Your old password was entered incorrectly.")
    assert_marked(page, "id_new_password2", "This field is required.")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_team_create_with_a_taken_name_marks_it_and_keeps_it(client, running_jam, user):
    TeamFactory(jam=running_jam, name="Truthers")
    client.force_login(user)

    page = read(client.post(f"/jams/{running_jam.slug}/team/", {"name": "truthers"}))

    assert_summary(page, "Please fix the field marked below.", ["id_name"])
    assert_marked(page, "id_name", "A team called “truthers” already exists in this jam.")
    assert page.attrs["id_name"]["value"] == "truthers"


def test_team_create_without_a_name_asks_for_one(client, running_jam, user):
    client.force_login(user)

    page = read(client.post(f"/jams/{running_jam.slug}/team/", {"name": ""}))

    assert_marked(page, "id_name", "Please give your team a name.")
    assert Team.objects.count() == 0


def test_invite_newcomer_refused_marks_each_field_and_keeps_what_was_typed(client, running_jam):
    team = TeamFactory(jam=running_jam, name="Lantern")
    data = {"display_name": "Nia Newcomer", "email": "nia-at-example", "password": "", "show_in_list": "on"}

    response = client.post(team.get_invite_url(), data)

    page = read(response)
    assert response.status_code == 400
    assert_summary(page, "Please fix the 2 fields marked below.", ["id_email", "id_password"])
    assert_marked(page, "id_email", "Enter a valid email address.")
    assert_marked(page, "id_password", "Please choose a password.")
    assert page.attrs["id_display_name"]["value"] == "Nia Newcomer"
    assert page.attrs["id_email"]["value"] == "nia-at-example"


def test_entry_submitted_incomplete_marks_what_submitting_needs_and_keeps_the_rest(client, running_jam):
    client.force_login(member_of_a_team(running_jam))
    data = {"title": "Half an idea", "abstract": "", "authors": "", "team_name": "Negative Heads", "action": "submit"}

    response = client.post(f"/jams/{running_jam.slug}/submit/", data)

    page = read(response)
    assert response.status_code == 400
    assert_summary(page, "Please fix the 3 fields marked below.", ["id_abstract", "id_authors", "id_slides"])
    assert "To submit, your entry needs an abstract, the authors and slides." in page.text("form-errors")
    assert_marked(page, "id_abstract", "To submit, add an abstract.")
    assert_marked(page, "id_authors", "To submit, add the authors.")
    assert_marked(page, "id_slides", "To submit, add slides.")
    assert_not_marked(page, "id_title")
    assert page.attrs["id_title"]["value"] == "Half an idea"
    assert not Entry.objects.exists()


def test_entry_draft_with_a_bad_link_marks_only_the_link(client, running_jam):
    client.force_login(member_of_a_team(running_jam))
    data = {"title": "Half an idea", "repository_url": "http://example.com/code", "action": "draft"}

    page = read(client.post(f"/jams/{running_jam.slug}/submit/", data))

    assert_summary(page, "Please fix the field marked below.", ["id_repository_url"])
    assert_marked(page, "id_repository_url", "Please give an https:// link.")
    assert_not_marked(page, "id_abstract")  # a draft may leave it empty
    assert page.attrs["id_title"]["value"] == "Half an idea"
    assert page.attrs["id_repository_url"]["value"] == "http://example.com/code"
    assert not Entry.objects.exists()


def test_review_without_every_score_marks_the_missing_one_and_keeps_the_rest(client):
    jam = JamFactory.judging()
    impact, rigour = (
        CriterionFactory(jam=jam, name="Impact", order=0),
        CriterionFactory(jam=jam, name="Rigour", order=1),
    )
    judge = JudgeFactory(jam=jam)
    entry = EntryFactory(team__jam=jam)
    client.force_login(judge.user)
    data = {f"criterion_{impact.pk}": "3", "feedback": "Clear and careful.", "then": "stay"}

    response = client.post(f"/jams/{jam.slug}/judge/{entry.pk}/", data)

    page = read(response)
    missing = f"id_criterion_{rigour.pk}"
    assert response.status_code == 400
    assert_summary(page, "Please fix the field marked below.", [f"{missing}_0"])
    assert page.attrs[missing]["aria-describedby"] == f"{missing}_error"  # the fieldset
    assert page.attrs[f"{missing}_0"]["aria-invalid"] == "true"
    assert page.text(f"{missing}_error") == "Please score “Rigour”."
    assert "aria-invalid" not in page.attrs[f"id_criterion_{impact.pk}_0"]
    assert "checked" in page.attrs[f"id_criterion_{impact.pk}_2"]  # the 3 chosen
    assert page.text("id_feedback") == "Clear and careful."
    assert not Review.objects.exists()


# Intros ---------------------------------------------------------------------------------


def _jam_signup(client) -> str:
    return f"/jams/{JamFactory.running().slug}/signup/"


def _jam_signup_signed_in(client) -> str:
    client.force_login(UserFactory())
    return _jam_signup(client)


def _password_reset_confirm(client) -> str:
    user = UserFactory()
    return f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"


def _password_change(client) -> str:
    client.force_login(UserFactory())
    return "/accounts/password_change/"


def _team_create(client) -> str:
    client.force_login(UserFactory())
    return f"/jams/{JamFactory.running().slug}/team/"


def _invite(client) -> str:
    return TeamFactory(jam=JamFactory.running()).get_invite_url()


def _entry(client) -> str:
    jam = JamFactory.running()
    client.force_login(member_of_a_team(jam))
    return f"/jams/{jam.slug}/submit/"


def _entry_with_slides(client) -> str:
    jam = JamFactory.running()
    person = member_of_a_team(jam)
    EntryFactory(team=Team.objects.get(jam=jam), slides="jams/x/entries/1/slides.pdf", state=Entry.State.DRAFT)
    client.force_login(person)
    return f"/jams/{jam.slug}/submit/"


def _review(client) -> str:
    jam = JamFactory.judging()
    CriterionFactory(jam=jam, name="Impact", order=0)
    CriterionFactory(jam=jam, name="AI safety relevance", order=1)
    judge = JudgeFactory(jam=jam)
    client.force_login(judge.user)
    return f"/jams/{jam.slug}/judge/{EntryFactory(team__jam=jam).pk}/"


INTROS = {
    "jam signup": (_jam_signup, "Required: your name, email and password."),
    "jam signup, signed in": (_jam_signup_signed_in, "Nothing here is required."),
    "account signup": (lambda client: "/accounts/signup/", "Required: your name, email and password."),
    "login": (lambda client: "/accounts/login/", "Required: email address and password."),
    "password reset": (lambda client: "/accounts/password_reset/", "Required: email."),
    "new password": (_password_reset_confirm, "Required: new password and new password confirmation."),
    "password change": (_password_change, "Required: old password, new password and new password confirmation."),
    "team create": (_team_create, "Required: team name."),
    "invite newcomer": (_invite, "Required: your name, email and password."),
    "entry": (_entry, "To submit: title, abstract, authors and slides."),
    "entry with slides": (_entry_with_slides, "To submit: title, abstract and authors."),
    "review": (_review, "Required: impact and AI safety relevance."),
}


@pytest.mark.parametrize(("open_page", "intro"), INTROS.values(), ids=INTROS.keys())
def test_each_forms_intro_names_exactly_its_required_fields(client, open_page, intro):
    response = client.get(open_page(client), follow=True)

    said = read(response).text("form-required")
    assert said == intro
    for field in response.context["form"].visible_fields():
        assert (str(field.label).lower() in said.lower()) == field.field.required, field.name
