import csv
import io
from html import unescape

import pytest

from jams.models import SignUp
from judging.models import Assignment, Award, Conflict, Judge, ResultsNotice
from judging.services import assignments_make, review_save
from tests.factories import EntryFactory, JamFactory, JudgeFactory, PrizeFactory, SignUpFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def scored(judging_jam, entries):
    criteria = list(judging_jam.criteria.order_by("order"))
    judge = JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Ada Judge", email="ada@example.com"))
    for i, entry in enumerate(entries):
        review_save(
            judge=judge,
            entry=entry,
            scores={criteria[0].pk: 5 - i, criteria[1].pk: 3},
            feedback=f"Nice {i}",
            private_note=f"=secret {i}",
        )
    return entries


def results_url(jam) -> str:
    return f"/admin/jams/jam/{jam.pk}/results/"


def test_results_table_shows_every_figure(client, organizer, judging_jam, scored):
    response = client.get(results_url(judging_jam))

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Impact" in html and "Rigour" in html
    rows = response.context["rows"]
    assert [row.entry.title for row, _, _ in rows] == ["Entry 0", "Entry 1", "Entry 2"]
    assert rows[0][1] == [5.0, 3.0]


def test_results_table_sorts(client, organizer, judging_jam, scored):
    response = client.get(results_url(judging_jam), {"o": "title"})
    assert [row.entry.title for row, _, _ in response.context["rows"]] == ["Entry 0", "Entry 1", "Entry 2"]
    response = client.get(results_url(judging_jam), {"o": "spread"})
    assert response.status_code == 200


def test_results_csv_has_every_figure_and_every_review(client, organizer, judging_jam, scored):
    response = client.get(results_url(judging_jam), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "rank",
        "tied",
        "too close to call",
        "entry id",
        "title",
        "team",
        "reviews",
        "spread",
        "Impact",
        "Rigour",
        "weighted",
        "weighted standard error",
        "adjusted for judge harshness",
        "adjusted standard error",
    ]
    total = f"{(5 * 2 + 3) / 3:.4f}"
    # One review each: nothing to measure the noise by, so no standard error, and every
    # place too close to call.
    assert rows[1] == [
        "1", "", "yes", str(scored[0].pk), "Entry 0", scored[0].team.name, "1", "0.0000", "5.0000", "3.0000",
        total, "", total, "",
    ]  # fmt: skip
    assert len(rows) == 1 + len(scored)  # one rectangular table: a header, then one row per entry
    assert {len(row) for row in rows} == {len(rows[0])}


def test_reviews_csv_has_every_review(client, organizer, judging_jam, scored):
    response = client.get(results_url(judging_jam), {"format": "reviews-csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == f'attachment; filename="{judging_jam.slug}-reviews.csv"'
    assert rows[0] == ["entry id", "title", "judge", "judge email", "Impact", "Rigour", "feedback", "private note"]
    assert rows[1] == [str(scored[0].pk), "Entry 0", "Ada Judge", "ada@example.com", "5", "3", "Nice 0", "'=secret 0"]
    assert len(rows) == 1 + 3


def test_judges_csv_has_one_row_per_judge(client, organizer, judging_jam, scored):
    response = client.get(results_url(judging_jam), {"format": "judges-csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["judge", "judge email", "reviews done", "reviews left"]
    assert [row[:3] for row in rows[1:]] == [["Ada Judge", "ada@example.com", "3"]]


def test_results_award_a_prize_and_remove_it(client, organizer, judging_jam, scored):
    prize = PrizeFactory(jam=judging_jam, name="First place")

    client.post(results_url(judging_jam), {"prize": prize.pk, "entry": scored[0].pk})
    assert list(Award.objects.values_list("prize__name", "entry__title")) == [("First place", "Entry 0")]

    client.post(results_url(judging_jam), {"prize": prize.pk, "entry": scored[0].pk, "remove": "1"})
    assert not Award.objects.exists()


def test_results_award_of_another_jams_entry_is_refused(client, organizer, judging_jam):
    prize = PrizeFactory(jam=judging_jam)
    stranger = EntryFactory(team__jam=JamFactory.judging())
    response = client.post(results_url(judging_jam), {"prize": prize.pk, "entry": stranger.pk})
    assert response.status_code == 404
    assert not Award.objects.exists()


def test_results_table_is_for_organizers_only(client, judging_jam):
    client.force_login(UserFactory())
    assert client.get(results_url(judging_jam)).status_code == 302


def test_publish_action_asks_first_naming_who_is_emailed(client, organizer, judging_jam, scored):
    SignUpFactory(jam=judging_jam, user=UserFactory(display_name="Pat Participant", email="pat@example.com"))
    SignUpFactory(jam=judging_jam, user=UserFactory(display_name="Quinn", email="quinn@example.com"))
    told = SignUpFactory(jam=judging_jam, user=UserFactory(email="told@example.com"))
    ResultsNotice.objects.create(jam=judging_jam, user=told.user)

    response = client.post("/admin/jams/jam/", {"action": "publish_results", "_selected_action": [judging_jam.pk]})

    html = unescape(response.content.decode())
    judging_jam.refresh_from_db()
    assert judging_jam.results_published_at is None
    expected = SignUp.objects.filter(jam=judging_jam).exclude(user=told.user).count()
    assert expected == 2 + len(scored)  # each entry's team member is signed up too
    assert f"{expected} people" in html
    assert "Pat Participant <pat@example.com>" in html
    assert "Quinn <quinn@example.com>" in html
    assert "told@example.com" not in html
    assert f'value="Yes, publish and email {expected} people"' in html


def test_results_page_publish_button_asks_then_publishes(
    client, organizer, judging_jam, scored, mailoutbox, django_capture_on_commit_callbacks
):
    SignUp.objects.filter(jam=judging_jam).delete()
    SignUpFactory(jam=judging_jam, user=UserFactory(email="pat@example.com"))
    assert f"{results_url(judging_jam)}publish/" in client.get(results_url(judging_jam)).content.decode()

    page = client.get(f"{results_url(judging_jam)}publish/")
    assert "1 person" in unescape(page.content.decode())
    judging_jam.refresh_from_db()
    assert judging_jam.results_published_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{results_url(judging_jam)}publish/", {"confirm": "yes"})

    judging_jam.refresh_from_db()
    assert response["Location"] == results_url(judging_jam)
    assert judging_jam.results_published_at is not None
    assert [m.to for m in mailoutbox] == [["pat@example.com"]]


def test_results_publish_page_refuses_staff_without_change_permission(client, judging_jam):
    client.force_login(UserFactory(is_staff=True))

    response = client.post(f"{results_url(judging_jam)}publish/", {"confirm": "yes"})

    judging_jam.refresh_from_db()
    assert response.status_code == 403
    assert judging_jam.results_published_at is None


def test_publish_action_publishes_once(client, organizer, judging_jam, scored):
    data = {"action": "publish_results", "_selected_action": [judging_jam.pk], "confirm": "yes"}

    client.post("/admin/jams/jam/", data)
    judging_jam.refresh_from_db()
    first = judging_jam.results_published_at
    response = client.post("/admin/jams/jam/", data, follow=True)

    judging_jam.refresh_from_db()
    assert first is not None
    assert judging_jam.results_published_at == first
    assert "were already published" in unescape(response.content.decode())


def test_assign_action(client, organizer, judging_jam, entries):
    JudgeFactory.create_batch(3, jam=judging_jam)
    client.post("/admin/jams/jam/", {"action": "assign_judges", "_selected_action": [judging_jam.pk]})
    assert Assignment.objects.count() == len(entries) * judging_jam.reviews_per_entry


def test_jam_change_page_gathers_judgings_inlines_and_results_link(client, organizer, judging_jam):
    # jams' admin knows nothing of judging: judging/admin.py adds its parts to the jam's page.
    response = client.get(f"/admin/jams/jam/{judging_jam.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    names = [formset.opts.__class__.__name__ for formset in response.context["inline_admin_formsets"]]
    assert names == ["ResourceInline", "SpeakerInline", "CriterionInline", "PrizeInline"]
    assert f'href="{results_url(judging_jam)}"' in html


def test_add_a_judge_by_email_in_the_admin(
    client, organizer, judging_jam, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/judging/judge/add/",
            {"jam": judging_jam.pk, "email": "fresh@example.com", "display_name": "Fresh Judge", "max_entries": ""},
        )
    assert response.status_code == 302
    judge = Judge.objects.get(user__email="fresh@example.com")
    assert judge.user.display_name == "Fresh Judge"
    assert [m.to for m in mailoutbox] == [["fresh@example.com"]]


def test_adding_an_existing_judge_in_the_admin_says_so(client, organizer, judging_jam):
    judge = JudgeFactory(jam=judging_jam)
    response = client.post(
        "/admin/judging/judge/add/",
        {"jam": judging_jam.pk, "email": judge.user.email, "display_name": "", "max_entries": ""},
        follow=True,
    )
    assert "is already a judge of" in unescape(response.content.decode())
    assert Judge.objects.count() == 1


def test_organizer_marks_a_conflict_and_the_assignment_goes(client, organizer, judging_jam, judge, entries):
    assignments_make(jam=judging_jam)
    assert Assignment.objects.filter(judge=judge, entry=entries[0]).exists()

    client.post("/admin/judging/conflict/add/", {"judge": judge.pk, "entry": entries[0].pk, "note": "Co-author"})

    assert Conflict.objects.filter(judge=judge, entry=entries[0], source="organizer").exists()
    assert not Assignment.objects.filter(judge=judge, entry=entries[0]).exists()


def test_results_award_without_a_prize_chosen_says_so(client, organizer, judging_jam, scored):
    PrizeFactory(jam=judging_jam)
    response = client.post(results_url(judging_jam), {"prize": "", "entry": scored[0].pk}, follow=True)
    assert "Choose a prize first" in unescape(response.content.decode())
    assert not Award.objects.exists()


def test_conflict_form_picks_judge_and_entry_by_autocomplete(client, organizer, judging_jam, judge, entries):
    page = client.get("/admin/judging/conflict/add/").content.decode()
    assert page.count("admin-autocomplete") >= 2
    assert 'name="judge"' in page and 'name="entry"' in page

    def search(field: str, term: str) -> list[str]:
        params = {"app_label": "judging", "model_name": "conflict", "field_name": field, "term": term}
        return [r["text"] for r in client.get("/admin/autocomplete/", params).json()["results"]]

    entries[1].team.name = "Owls of Minerva"
    entries[1].team.save()
    assert search("entry", "owls") == ["Entry 1"]
    assert search("judge", "jules") == [str(judge)]


def test_conflict_between_a_judge_and_another_jams_entry_is_refused(client, organizer, judging_jam, judge):
    stranger = EntryFactory(team__jam=JamFactory.judging(), title="Elsewhere")

    response = client.post("/admin/judging/conflict/add/", {"judge": judge.pk, "entry": stranger.pk, "note": ""})

    assert response.status_code == 200
    assert "pick an entry of the judge's jam" in unescape(response.content.decode())
    assert not Conflict.objects.exists()


def test_adding_an_existing_account_as_judge_in_the_admin_emails_them(
    client, organizer, judging_jam, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email="known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/judging/judge/add/",
            {"jam": judging_jam.pk, "email": "known@example.com", "display_name": "", "max_entries": ""},
        )

    assert Judge.objects.get(jam=judging_jam).user == person
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["known@example.com"], f"You're a judge of {judging_jam.title}")
    ]
