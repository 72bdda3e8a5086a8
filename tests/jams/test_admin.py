import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from jams.models import Jam, SignUp
from tests.factories import JamFactory, SignUpFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


JUDGING_FORMS = {
    "judging_mode": "rubric", "reviews_per_entry": "3", "ranking_method": "calibrated",
    "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0",
    "prizes-TOTAL_FORMS": "0", "prizes-INITIAL_FORMS": "0",
    "tracks-TOTAL_FORMS": "0", "tracks-INITIAL_FORMS": "0",
}  # fmt: skip


def test_admin_jam_list_shows_phase_and_signup_count(client, organizer):
    jam = JamFactory.running(title="Counted Jam")
    SignUpFactory.create_batch(3, jam=jam)

    response = client.get("/admin/jams/jam/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Submissions open" in html
    row = html.split("Counted Jam", 1)[1].split("</tr>", 1)[0]
    assert '<td class="field-signup_count">3</td>' in row


def test_admin_jam_list_counts_signups_in_one_query(client, organizer):
    SignUpFactory(jam=JamFactory.running())
    one = count_queries(lambda: client.get("/admin/jams/jam/"))
    for _ in range(30):
        SignUpFactory.create_batch(2, jam=JamFactory.running())

    many = count_queries(lambda: client.get("/admin/jams/jam/"))

    assert one == many


def test_admin_jam_phase_filter(client, organizer):
    JamFactory.running(title="Now Jam")
    JamFactory.finished(title="Old Jam")

    html = client.get("/admin/jams/jam/?phase=finished").content.decode()

    assert "Old Jam" in html
    assert "Now Jam" not in html


def test_admin_adds_a_jam_with_resources_and_speakers(client, organizer):
    data = {
        "title": "New Jam", "slug": "new-jam", "tagline": "", "host": "ARENA", "description": "Hi",
        "timezone": "Europe/London",
        "starts_at_0": "2031-06-10", "starts_at_1": "10:00:00",
        "submission_deadline_0": "2031-06-11", "submission_deadline_1": "22:00:00",
        "judging_ends_at_0": "2031-06-25", "judging_ends_at_1": "22:00:00",
        "signups_open": "on", "max_team_size": "4", "grace_minutes": "0",
        "resources-TOTAL_FORMS": "1", "resources-INITIAL_FORMS": "0",
        "resources-0-order": "0", "resources-0-title": "Notebook", "resources-0-kind": "notebook",
        "resources-0-url": "https://example.com/nb", "resources-0-description": "",
        "speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "0",
        "speakers-0-order": "0", "speakers-0-name": "Neel Nanda", "speakers-0-role": "", "speakers-0-url": "",
        **JUDGING_FORMS,
    }  # fmt: skip

    response = client.post("/admin/jams/jam/add/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    jam = Jam.objects.get(slug="new-jam")
    assert [r.title for r in jam.resources.all()] == ["Notebook"]
    assert [s.name for s in jam.speakers.all()] == ["Neel Nanda"]


def test_admin_refuses_a_deadline_before_the_start(client, organizer):
    data = {
        "title": "Bad Jam", "slug": "bad-jam", "host": "ARENA", "timezone": "UTC",
        "starts_at_0": "2031-06-10", "starts_at_1": "10:00:00",
        "submission_deadline_0": "2031-06-09", "submission_deadline_1": "10:00:00",
        "judging_ends_at_0": "2031-06-25", "judging_ends_at_1": "22:00:00",
        "max_team_size": "4", "grace_minutes": "0",
        "resources-TOTAL_FORMS": "0", "resources-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "0", "speakers-INITIAL_FORMS": "0",
        "tracks-TOTAL_FORMS": "0", "tracks-INITIAL_FORMS": "0",
        **JUDGING_FORMS,
    }  # fmt: skip

    response = client.post("/admin/jams/jam/add/", data)

    assert response.status_code == 200
    assert "The submission deadline must be after the start." in response.content.decode()
    assert not Jam.objects.filter(slug="bad-jam").exists()


def test_admin_signups_search(client, organizer):
    SignUpFactory(user__display_name="Lucy Farnik")
    SignUpFactory(user__display_name="Jan Betley")

    html = client.get("/admin/jams/signup/?q=farnik").content.decode()

    assert "Lucy Farnik" in html
    assert "Jan Betley" not in html


def test_admin_signups_csv_export(client, organizer):
    jam = JamFactory.running(title="Export Jam")
    first = SignUpFactory(jam=jam, user__display_name="Can Rager", user__email="can@example.com")
    SignUpFactory(jam=jam, user__display_name="=HYPERLINK(1)", user__email="evil@example.com")
    SignUpFactory(user__display_name="Not Selected")

    response = client.post(
        "/admin/jams/signup/",
        {"action": "export_csv", "_selected_action": [s.pk for s in SignUp.objects.filter(jam=jam)]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["name", "email", "jam", "signed up at"]
    assert rows[1] == ["Can Rager", "can@example.com", "Export Jam", first.created_at.isoformat()]
    assert rows[2][0] == "'=HYPERLINK(1)"
    assert len(rows) == 3


def test_admin_is_closed_to_participants(client):
    client.force_login(UserFactory())
    response = client.get("/admin/jams/signup/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _jam_dates_form(zone: str, start: tuple[str, str], deadline: tuple[str, str], end: tuple[str, str]) -> dict:
    return {
        "title": "Zoned Jam", "slug": "zoned-jam", "host": "ARENA", "timezone": zone,
        "starts_at_0": start[0], "starts_at_1": start[1],
        "submission_deadline_0": deadline[0], "submission_deadline_1": deadline[1],
        "judging_ends_at_0": end[0], "judging_ends_at_1": end[1],
        "max_team_size": "4", "grace_minutes": "0",
        "resources-TOTAL_FORMS": "0", "resources-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "0", "speakers-INITIAL_FORMS": "0",
        "tracks-TOTAL_FORMS": "0", "tracks-INITIAL_FORMS": "0",
        **JUDGING_FORMS,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("zone", "start", "deadline", "start_utc", "deadline_utc"),
    [
        # The case: typed 01:46 in Los Angeles (PDT, UTC-7 in June).
        ("America/Los_Angeles", ("2031-06-09", "09:00"), ("2031-06-10", "01:46"),
         "2031-06-09 16:00", "2031-06-10 08:46"),
        # Across London's change to summer time (30 March 2031): GMT start, BST deadline.
        ("Europe/London", ("2031-03-29", "10:00"), ("2031-03-30", "10:00"), "2031-03-29 10:00", "2031-03-30 09:00"),
        ("Asia/Kolkata", ("2031-06-09", "09:00"), ("2031-06-10", "18:00"), "2031-06-09 03:30", "2031-06-10 12:30"),
    ],
)  # fmt: skip
def test_admin_reads_typed_times_in_the_jams_zone(client, organizer, zone, start, deadline, start_utc, deadline_utc):
    data = _jam_dates_form(zone, start, deadline, ("2031-07-01", "12:00"))

    response = client.post("/admin/jams/jam/add/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    jam = Jam.objects.get(slug="zoned-jam")
    assert jam.starts_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == start_utc
    assert jam.submission_deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == deadline_utc


def test_admin_change_form_shows_times_in_the_jams_zone_with_its_offset(client, organizer):
    jam = JamFactory(
        timezone="Europe/London",
        starts_at=datetime(2031, 3, 29, 10, 0, tzinfo=UTC),
        submission_deadline=datetime(2031, 3, 30, 9, 0, tzinfo=UTC),
        judging_ends_at=datetime(2031, 4, 30, 9, 0, tzinfo=UTC),
    )

    html = client.get(f"/admin/jams/jam/{jam.pk}/change/").content.decode()

    assert 'name="submission_deadline_1" value="10:00:00"' in html
    assert 'name="starts_at_1" value="10:00:00"' in html
    assert "Europe/London, UTC+1 on that date." in html
    assert "Europe/London, UTC+0 on that date." in html


def test_admin_saving_a_jam_unchanged_keeps_its_instants(client, organizer):
    jam = JamFactory.running(timezone="America/Los_Angeles")
    response = client.get(f"/admin/jams/jam/{jam.pk}/change/")
    form = response.context["adminform"].form
    data = _jam_dates_form("America/Los_Angeles", *(
        (form.initial[name].strftime("%Y-%m-%d"), form.initial[name].strftime("%H:%M:%S"))
        for name in ("starts_at", "submission_deadline", "judging_ends_at")
    ))  # fmt: skip
    data["slug"] = jam.slug

    assert client.post(f"/admin/jams/jam/{jam.pk}/change/", data).status_code == 302

    saved = Jam.objects.get(pk=jam.pk)
    assert saved.submission_deadline == jam.submission_deadline.replace(microsecond=0)


def test_admin_refuses_a_time_that_does_not_exist_in_the_zone(client, organizer):
    # 01:30 on 30 March 2031 is skipped in London: clocks go from 01:00 to 02:00.
    data = _jam_dates_form("Europe/London", ("2031-03-29", "10:00"), ("2031-03-30", "01:30"), ("2031-07-01", "12:00"))

    response = client.post("/admin/jams/jam/add/", data)

    assert response.status_code == 200
    assert "couldn’t be interpreted in time zone Europe/London" in response.content.decode().replace("&#x27;", "’")
    assert not Jam.objects.filter(slug="zoned-jam").exists()


def test_admin_phase_filter_tells_grace_from_judging(client, organizer):
    now = timezone.now()
    JamFactory(
        title="Grace Jam", starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=5),
        grace_minutes=30,
    )  # fmt: skip
    JamFactory.judging(title="Judging Jam")

    grace = client.get("/admin/jams/jam/?phase=grace").content.decode()
    judging = client.get("/admin/jams/jam/?phase=judging").content.decode()

    assert "Grace Jam" in grace
    assert "Judging Jam" not in grace
    assert "Judging Jam" in judging
    assert "Grace Jam" not in judging


# Lists that fit a laptop screen ----------------------------------------------------------


def test_admin_signup_list_shows_name_and_email_in_one_column(client, organizer):
    SignUpFactory(user__display_name="Lucy Farnik", user__email="lucy@example.com")

    html = client.get("/admin/jams/signup/").content.decode()

    assert 'Lucy Farnik<span class="secondary">lucy<wbr>@example.com</span>' in html
    assert "column-confirmation_sent_at" not in html


def test_admin_signup_list_query_count_does_not_grow(client, organizer):
    SignUpFactory()
    one = count_queries(lambda: client.get("/admin/jams/signup/"))
    for _ in range(30):
        SignUpFactory()  # each of its own jam and person

    many = count_queries(lambda: client.get("/admin/jams/signup/"))

    assert client.get("/admin/jams/signup/").context["cl"].result_count == 31
    assert one == many


def test_admin_signup_list_of_one_jam_leaves_out_the_jam_column(client, organizer):
    jam = JamFactory.running()
    SignUpFactory(jam=jam)

    every = client.get("/admin/jams/signup/").content.decode()
    one_jam = client.get("/admin/jams/signup/", {"jam__id__exact": jam.pk}).content.decode()

    assert 'class="sortable column-jam"' in every
    assert "column-jam" not in one_jam
