"""One format for every time: 24 h with its zone and the zone's offset on that date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template

from jams.models import Jam
from jams.times import format_jam_time, format_jam_time_and_utc, format_utc


def jam_in(zone: str) -> Jam:
    return Jam(timezone=zone)  # unsaved: only its zone matters here


@pytest.mark.parametrize(
    ("zone", "when", "shown"),
    [
        # London: GMT until the last Sunday of March at 01:00 UTC, then BST.
        ("Europe/London", datetime(2026, 3, 14, 18, 0, tzinfo=UTC), "Sat 14 Mar 2026, 18:00 Europe/London (UTC+0)"),
        ("Europe/London", datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Sun 29 Mar 2026, 00:59 Europe/London (UTC+0)"),
        ("Europe/London", datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Sun 29 Mar 2026, 02:00 Europe/London (UTC+1)"),
        ("Europe/London", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Sun 25 Oct 2026, 01:30 Europe/London (UTC+1)"),
        ("Europe/London", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Sun 25 Oct 2026, 01:30 Europe/London (UTC+0)"),
        # New York changes two weeks before London, and on other hours.
        ("America/New_York", datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "Sun 8 Mar 2026, 01:59 America/New_York (UTC-5)"),
        ("America/New_York", datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "Sun 8 Mar 2026, 03:00 America/New_York (UTC-4)"),
        # Offsets in half and quarter hours, and the date changing with the zone.
        ("Asia/Kolkata", datetime(2026, 6, 30, 20, 0, tzinfo=UTC), "Wed 1 Jul 2026, 01:30 Asia/Kolkata (UTC+5:30)"),
        ("Asia/Kathmandu", datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "Thu 1 Jan 2026, 05:45 Asia/Kathmandu (UTC+5:45)"),
        (
            "America/St_Johns",
            datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
            "Thu 1 Jan 2026, 08:30 America/St_Johns (UTC-3:30)",
        ),
        (
            "America/St_Johns",
            datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
            "Wed 1 Jul 2026, 09:30 America/St_Johns (UTC-2:30)",
        ),
        # Southern summer: Sydney is UTC+11 in January, UTC+10 in July.
        (
            "Australia/Sydney",
            datetime(2026, 1, 10, 23, 0, tzinfo=UTC),
            "Sun 11 Jan 2026, 10:00 Australia/Sydney (UTC+11)",
        ),
        (
            "Australia/Sydney",
            datetime(2026, 7, 10, 23, 0, tzinfo=UTC),
            "Sat 11 Jul 2026, 09:00 Australia/Sydney (UTC+10)",
        ),
        # UTC is said once.
        ("UTC", datetime(2026, 3, 14, 23, 5, tzinfo=UTC), "Sat 14 Mar 2026, 23:05 UTC"),
    ],
)
def test_jam_time_is_24_hours_in_the_jams_zone_with_that_dates_offset(zone, when, shown):
    assert format_jam_time(when, jam_in(zone)) == shown
    assert Template("{% load times %}{{ when|jam_time:jam }}").render(Context({"when": when, "jam": jam_in(zone)})) == (
        shown
    )


def test_jam_time_of_a_time_stored_in_another_zone_is_the_same_moment():
    when = datetime(2026, 3, 14, 19, 0, tzinfo=jam_in("Europe/Paris").tzinfo)  # 18:00 UTC

    assert format_jam_time(when, jam_in("Europe/London")) == "Sat 14 Mar 2026, 18:00 Europe/London (UTC+0)"


def test_jam_time_and_utc_adds_the_moment_in_utc_for_emails():
    when = datetime(2026, 3, 14, 16, 0, tzinfo=UTC)

    shown = format_jam_time_and_utc(when, jam_in("Asia/Tokyo"))

    assert shown == "Sun 15 Mar 2026, 01:00 Asia/Tokyo (UTC+9), which is Sat 14 Mar 2026, 16:00 UTC"


def test_jam_time_and_utc_says_utc_once_for_a_jam_in_utc():
    assert format_jam_time_and_utc(datetime(2026, 3, 14, 16, 0, tzinfo=UTC), jam_in("UTC")) == (
        "Sat 14 Mar 2026, 16:00 UTC"
    )


def test_utc_time_is_for_times_of_no_jam():
    when = datetime(2026, 7, 1, 12, 0, tzinfo=UTC) + timedelta(hours=1)

    assert format_utc(when) == "Wed 1 Jul 2026, 13:00 UTC"
    assert Template("{% load times %}{{ when|utc_time }}").render(Context({"when": when})) == format_utc(when)


def test_local_time_tag_gives_the_script_the_moment_and_the_jams_zone():
    when = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)

    html = Template("{% load times %}{% local_time when jam %}").render(
        Context({"when": when, "jam": jam_in("Europe/London")})
    )

    assert html.strip() == (
        '<time datetime="2026-03-29T09:00:00+00:00" data-local-time data-offset="60">'
        "Sun 29 Mar 2026, 10:00 Europe/London (UTC+1)</time>"
        '<span class="local-time" data-local-time-text hidden></span>'
    )


@pytest.mark.parametrize(
    "tag", ["{{ when|jam_time:jam }}", "{{ when|jam_time_and_utc:jam }}", "{% local_time when jam %}"]
)
def test_no_time_prints_nothing(tag):
    assert Template("{% load times %}" + tag).render(Context({"when": None, "jam": jam_in("UTC")})).strip() == ""
