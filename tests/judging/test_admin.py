import csv
import io
from html import unescape

import pytest
from django.contrib import admin as django_admin
from django.utils import timezone

from jams.models import Jam, SignUp
from judging.models import Assignment, Award, Conflict, Judge, ResultsNotice, Review
from judging.services import assignments_make, review_save
from tests.factories import EntryFactory, JamFactory, JudgeFactory, PrizeFactory, SignUpFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


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
    assert names == ["ResourceInline", "SpeakerInline", "TrackInline", "CriterionInline", "PrizeInline"]
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


@pytest.mark.parametrize("entry", ["abc", "", "1.5", "-1", "²", "①"])
@pytest.mark.parametrize("remove", [False, True])
def test_results_award_with_an_entry_that_is_no_number_says_so(client, organizer, judging_jam, scored, entry, remove):
    prize = PrizeFactory(jam=judging_jam, name="First place")
    Award.objects.create(prize=prize, entry=scored[1])
    data = {"prize": prize.pk, "entry": entry, **({"remove": "1"} if remove else {})}

    response = client.post(results_url(judging_jam), data, follow=True)

    assert response.status_code == 200
    assert "Choose an entry for “First place”, then click “Award”; nothing was changed." in unescape(
        response.content.decode()
    )
    assert list(Award.objects.values_list("entry__title", flat=True)) == ["Entry 1"]


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

    judge = Judge.objects.get(jam=judging_jam)
    assert judge.user == person
    assert judge.accepted_at is None  # an invitation to accept, not the role
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["known@example.com"], f"You're invited to judge {judging_jam.title}")
    ]
    assert f"/jams/{judging_jam.slug}/judge/accept/" in mailoutbox[0].body


# The jam's page and the lists on a laptop screen ------------------------------------------


def test_every_inline_of_the_jam_page_follows_one_of_its_fieldsets(rf, organizer, judging_jam):
    # The change form template places an inline after the fieldset it names; one naming no
    # fieldset of the page would be left out of the form.
    request = rf.get("/")
    request.user = organizer
    jam_admin = django_admin.site._registry[Jam]

    names = {name for name, _ in jam_admin.get_fieldsets(request, judging_jam)}
    places = {inline.after_fieldset for inline in jam_admin.get_inline_instances(request, judging_jam)}

    assert places == {"Content", "Tracks", "Judging", "Results"}
    assert places <= names


def test_jam_page_shows_each_inline_after_its_fieldset_with_its_count(client, organizer, judging_jam):
    PrizeFactory(jam=judging_jam)

    html = client.get(f"/admin/jams/jam/{judging_jam.pk}/change/").content.decode()

    order = [
        "Content</h2>", 'id="resources-group"', 'id="speakers-group"', "Tracks</h2>", 'id="tracks-group"',
        "Judging</h2>", 'id="criteria-group"',
        "Results</h2>", "See the results table", 'id="prizes-group"', 'name="_save"',
    ]  # fmt: skip
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "Criteria (2)" in html
    assert "Prizes (1)" in html
    assert "Resources (0)" in html


def judging_rows(count: int) -> None:
    """`count` rows of every judging list, each in its own jam with its own judge; every
    other entry is untitled, so its name comes from its team."""
    for i in range(count):
        jam = JamFactory.judging()
        judge = JudgeFactory(jam=jam)
        entry = EntryFactory(team__jam=jam, title="" if i % 2 else f"Listed entry {i}")
        Assignment.objects.create(judge=judge, entry=entry)
        Review.objects.create(judge=judge, entry=entry, feedback="Fine.")
        Conflict.objects.create(judge=judge, entry=EntryFactory(team__jam=jam, title=""), note="Co-author")
        Award.objects.create(prize=PrizeFactory(jam=jam), entry=entry)


@pytest.mark.parametrize("name", ["judge", "review", "assignment", "conflict", "prize"])
def test_admin_judging_list_query_count_does_not_grow(client, organizer, name):
    path = f"/admin/judging/{name}/"
    judging_rows(1)
    one = count_queries(lambda: client.get(path))
    judging_rows(30)

    many = count_queries(lambda: client.get(path))

    assert client.get(path).context["cl"].result_count == 31
    assert one == many


def test_admin_judge_list_shows_reviews_done_of_assigned(client, organizer, judging_jam, judge, entries):
    for entry in entries[:2]:
        Assignment.objects.create(judge=judge, entry=entry)
    Review.objects.create(judge=judge, entry=entries[0])

    html = client.get("/admin/judging/judge/").content.decode()

    assert '<td class="field-reviewed">1 of 2 assigned</td>' in html
    assert '<td class="field-cap">no cap</td>' in html


def test_admin_judge_list_filters_removed_judges(client, organizer, judging_jam):
    JudgeFactory(jam=judging_jam, user__display_name="Still Here")
    JudgeFactory(jam=judging_jam, user__display_name="Gone Away", removed_at=timezone.now())

    removed = client.get("/admin/judging/judge/", {"removed": "yes"}).content.decode()
    judging = client.get("/admin/judging/judge/", {"removed": "no"}).content.decode()

    assert "Gone Away" in removed and "Still Here" not in removed
    assert "Still Here" in judging and "Gone Away" not in judging


def test_admin_assignment_list_filters_the_unreviewed(client, organizer, judging_jam, judge, entries):
    for entry in entries[:2]:
        Assignment.objects.create(judge=judge, entry=entry)
    Review.objects.create(judge=judge, entry=entries[0])

    waiting = client.get("/admin/judging/assignment/", {"reviewed": "no"})
    done = client.get("/admin/judging/assignment/", {"reviewed": "yes"})

    assert [a.entry for a in waiting.context["cl"].result_list] == [entries[1]]
    assert [a.entry for a in done.context["cl"].result_list] == [entries[0]]


def test_admin_review_list_of_one_jam_leaves_out_the_jam_column(client, organizer, judging_jam, judge, entries):
    Review.objects.create(judge=judge, entry=entries[0])

    every = client.get("/admin/judging/review/").content.decode()
    one_jam = client.get("/admin/judging/review/", {"judge__jam__id__exact": judging_jam.pk}).content.decode()

    assert "column-judge_jam" in every
    assert "column-judge_jam" not in one_jam
    assert "Jules Judge" in one_jam
