"""An entry's submission time in the admin is the jam's: typed, shown and listed in the
zone of the team's jam, labelled with it and its offset on that date."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import LogEntry

from tests.factories import EntryFactory, JamFactory, TeamFactory

pytestmark = pytest.mark.django_db

ENTRIES = "/admin/submissions/entry/"


def london_entry(**kwargs):
    # London's clocks go forward at 01:00 UTC on Sunday 30 March 2031.
    jam = JamFactory(
        timezone="Europe/London",
        starts_at=datetime(2031, 3, 28, 10, tzinfo=UTC),
        submission_deadline=datetime(2031, 3, 30, 12, tzinfo=UTC),
        judging_ends_at=datetime(2031, 4, 30, 12, tzinfo=UTC),
    )
    return EntryFactory(team=TeamFactory(jam=jam), **kwargs)


def entry_form(entry, date: str, time: str, **changes) -> dict:
    return {
        "team": entry.team_id, "title": entry.title, "abstract": entry.abstract, "authors": entry.authors,
        "video_url": "", "repository_url": "", "state": "submitted",
        "submitted_at_0": date, "submitted_at_1": time, **changes,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "stored_utc"),
    [
        (("2031-03-30", "00:30:00"), datetime(2031, 3, 30, 0, 30, tzinfo=UTC)),  # GMT, UTC+0
        (("2031-03-30", "02:30:00"), datetime(2031, 3, 30, 1, 30, tzinfo=UTC)),  # BST, UTC+1
        (("2031-10-26", "12:00:00"), datetime(2031, 10, 26, 12, 0, tzinfo=UTC)),  # back on GMT
    ],
)
def test_entry_submitted_at_is_typed_in_the_jams_zone_across_a_dst_change(client, organizer, typed, stored_utc):
    entry = london_entry()

    response = client.post(f"{ENTRIES}{entry.pk}/change/", entry_form(entry, *typed))

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.submitted_at == stored_utc


def test_entry_change_form_shows_submitted_at_in_the_jams_zone_with_that_dates_offset(client, organizer):
    entry = london_entry(submitted_at=datetime(2031, 3, 30, 1, 30, tzinfo=UTC))

    html = client.get(f"{ENTRIES}{entry.pk}/change/").content.decode()

    assert 'name="submitted_at_0" value="2031-03-30"' in html
    assert 'name="submitted_at_1" value="02:30:00"' in html
    assert "In the jam's time zone: Europe/London, UTC+1 on that date." in html


def test_entry_submitted_at_that_the_zone_skips_is_refused_and_kept(client, organizer):
    entry = london_entry(submitted_at=datetime(2031, 3, 29, 12, 0, tzinfo=UTC))

    # 01:30 on 30 March 2031 doesn't exist in London: clocks go from 01:00 to 02:00.
    response = client.post(f"{ENTRIES}{entry.pk}/change/", entry_form(entry, "2031-03-30", "01:30:00"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["submitted_at"]
    assert errors == [
        "2031-03-30 01:30:00 couldn’t be interpreted in time zone Europe/London; "
        "it may be ambiguous or it may not exist."
    ]
    assert 'name="submitted_at_1" value="01:30:00"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.submitted_at == datetime(2031, 3, 29, 12, 0, tzinfo=UTC)


def test_new_entry_reads_its_time_in_the_zone_of_the_team_it_names(client, organizer):
    jam = JamFactory(
        timezone="Asia/Kolkata",
        starts_at=datetime(2031, 6, 9, 3, 30, tzinfo=UTC),
        submission_deadline=datetime(2031, 6, 10, 12, 30, tzinfo=UTC),
        judging_ends_at=datetime(2031, 7, 1, tzinfo=UTC),
    )
    team = TeamFactory(jam=jam)
    data = {
        "team": team.pk, "title": "New", "abstract": "A", "authors": "B", "video_url": "", "repository_url": "",
        "state": "submitted", "submitted_at_0": "2031-06-10", "submitted_at_1": "18:00:00",
    }  # fmt: skip

    response = client.post(f"{ENTRIES}add/", data)

    assert response.status_code == 302
    entry = team.entry if hasattr(team, "entry") else team.entries.get()
    assert entry.submitted_at == datetime(2031, 6, 10, 12, 30, tzinfo=UTC)


def test_entry_add_form_says_where_the_zone_comes_from(client, organizer):
    html = client.get(f"{ENTRIES}add/").content.decode()

    assert "In the time zone of the team's jam." in html


def test_an_unchanged_submission_time_is_not_logged_as_changed(client, organizer):
    entry = london_entry(submitted_at=datetime(2031, 3, 30, 1, 30, tzinfo=UTC))

    client.post(f"{ENTRIES}{entry.pk}/change/", entry_form(entry, "2031-03-30", "02:30:00", title="Renamed"))

    (change,) = json.loads(LogEntry.objects.get(object_id=str(entry.pk)).change_message)
    assert change["changed"]["fields"] == ["Title"]


def test_entry_list_shows_the_submission_time_in_the_jams_zone(client, organizer):
    london_entry(submitted_at=datetime(2031, 3, 30, 1, 30, tzinfo=UTC))

    html = client.get(ENTRIES).content.decode()

    assert "Sun 30 Mar 2031, 02:30 Europe/London (UTC+1)" in html
