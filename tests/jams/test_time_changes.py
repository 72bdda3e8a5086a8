"""The public change log of a jam's times (issue 11): an organizer moving the start, the
deadline, the grace period or the end of judging of a saved (so public) jam is recorded in
the save's transaction, listed on the jam page and in the announcements feed, and told to
the apps above by jams.signals.jam_times_changed with the admin's checkbox."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jams.models import Jam, JamTimeChange
from jams.services import TIME_CHANGES_SHOWN, jam_times_log
from jams.signals import jam_times_changed
from jams.times import format_jam_time
from tests.factories import JamFactory, JamTimeChangeFactory, SignUpFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ATOM = "{http://www.w3.org/2005/Atom}"


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def jam():
    # In winter time (UTC+0) throughout: summer time begins on 28 March 2027.
    return JamFactory(
        title="Interpretability Jam",
        slug="interp",
        timezone="Europe/London",
        starts_at=london(2027, 3, 12, 9, 0),
        submission_deadline=london(2027, 3, 14, 18, 0),
        grace_minutes=30,
        judging_ends_at=london(2027, 3, 21, 18, 0),
    )


@pytest.fixture
def organizer():
    return UserFactory(is_staff=True, is_superuser=True, display_name="Jo Organizer")


@pytest.fixture
def organizer_client(organizer):
    client = Client()
    client.force_login(organizer)
    return client


@pytest.fixture
def sent():
    """The jam_times_changed signals sent during the test, as their keyword arguments."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    jam_times_changed.connect(receiver, dispatch_uid="test-time-changes")
    yield received
    jam_times_changed.disconnect(dispatch_uid="test-time-changes")


def admin_form(jam: Jam, **changes) -> dict:
    """The jam's change form as the admin posts it, its times typed in the jam's zone."""

    def split(name: str) -> dict:
        value = timezone.localtime(getattr(jam, name), jam.tzinfo)
        return {f"{name}_0": value.strftime("%Y-%m-%d"), f"{name}_1": value.strftime("%H:%M:%S")}

    data = {
        "title": jam.title, "slug": jam.slug, "tagline": jam.tagline, "host": jam.host,
        "description": jam.description, "timezone": jam.timezone,
        **split("starts_at"), **split("submission_deadline"), **split("judging_ends_at"),
        "signups_open": "on", "max_team_size": jam.max_team_size, "grace_minutes": jam.grace_minutes,
        "judging_mode": getattr(jam, "judging_mode", "rubric"),
        "reviews_per_entry": jam.reviews_per_entry, "ranking_method": jam.ranking_method,
        "resources-TOTAL_FORMS": "0", "resources-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "0", "speakers-INITIAL_FORMS": "0",
        "tracks-TOTAL_FORMS": "0", "tracks-INITIAL_FORMS": "0",
        "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0",
        "prizes-TOTAL_FORMS": "0", "prizes-INITIAL_FORMS": "0",
    }  # fmt: skip
    return {**data, **changes}


def post_change(client: Client, jam: Jam, **changes):
    response = client.post(f"/admin/jams/jam/{jam.pk}/change/", admin_form(jam, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def text(response) -> str:
    return unescape(response.content.decode())


def visible(response) -> str:
    """The page without `{% local_time %}`'s markup: a time's <time> tags and the empty
    slot for the visitor's own time beside it."""
    markup = r'</?time[^>]*>|<span class="local-time" data-local-time-text hidden></span>'
    return unescape(re.sub(markup, "", response.content.decode()))


# What is recorded ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "old", "new"),
    [
        (
            {"starts_at_1": "10:30:00"},
            JamTimeChange.Field.START,
            london(2027, 3, 12, 9, 0),
            london(2027, 3, 12, 10, 30),
        ),
        (
            {"submission_deadline_0": "2027-03-15", "submission_deadline_1": "12:00:00"},
            JamTimeChange.Field.DEADLINE,
            london(2027, 3, 14, 18, 0),
            london(2027, 3, 15, 12, 0),
        ),
        (
            {"grace_minutes": "90"},
            JamTimeChange.Field.GRACE,
            london(2027, 3, 14, 18, 30),
            london(2027, 3, 14, 19, 30),
        ),
        (
            {"judging_ends_at_1": "20:00:00"},
            JamTimeChange.Field.JUDGING_END,
            london(2027, 3, 21, 18, 0),
            london(2027, 3, 21, 20, 0),
        ),
    ],
    ids=["start", "deadline", "grace", "end-of-judging"],
)
def test_moving_each_time_in_the_admin_records_it_as_instants(
    jam, organizer, organizer_client, changes, field, old, new
):
    post_change(organizer_client, jam, **changes)

    change = JamTimeChange.objects.get()
    assert (change.jam, change.field, change.changed_by) == (jam, field, organizer)
    assert (change.old_value, change.new_value) == (old, new)


def test_times_typed_in_a_zone_away_from_utc_are_recorded_as_that_instant(organizer_client):
    tokyo = ZoneInfo("Asia/Tokyo")
    jam = JamFactory(
        timezone="Asia/Tokyo",
        starts_at=datetime(2027, 3, 12, 9, 0, tzinfo=tokyo),
        submission_deadline=datetime(2027, 3, 14, 18, 0, tzinfo=tokyo),
        judging_ends_at=datetime(2027, 3, 21, 18, 0, tzinfo=tokyo),
    )

    post_change(organizer_client, jam, submission_deadline_1="20:00:00")

    change = JamTimeChange.objects.get()
    assert change.new_value == datetime(2027, 3, 14, 11, 0, tzinfo=ZoneInfo("UTC"))  # 20:00 in Tokyo


def test_moving_the_deadline_is_one_change_though_late_submissions_close_later_with_it(jam, organizer_client):
    post_change(organizer_client, jam, submission_deadline_1="19:00:00")

    assert list(JamTimeChange.objects.values_list("field", flat=True)) == [JamTimeChange.Field.DEADLINE]


def test_moving_several_times_at_once_records_each(jam, organizer_client):
    post_change(organizer_client, jam, starts_at_1="10:00:00", submission_deadline_1="19:00:00", grace_minutes="0")

    fields = set(JamTimeChange.objects.values_list("field", flat=True))
    assert fields == {JamTimeChange.Field.START, JamTimeChange.Field.DEADLINE, JamTimeChange.Field.GRACE}
    grace = JamTimeChange.objects.get(field=JamTimeChange.Field.GRACE)
    assert (grace.old_value, grace.new_value) == (london(2027, 3, 14, 18, 30), london(2027, 3, 14, 19, 0))


def test_a_save_that_moves_no_time_records_nothing_and_says_nobody_was_emailed(jam, organizer_client, sent):
    response = post_change(organizer_client, jam, title="Renamed", notify_signed_up="on")

    assert (JamTimeChange.objects.count(), sent) == (0, [])
    assert "No time moved, so nobody was emailed." in text(organizer_client.get(response.url))


def test_a_jam_being_created_records_no_change(organizer_client, sent):
    # Before its first save a jam is not public: nobody saw earlier times.
    jam = JamFactory.build(slug="new-jam", timezone="Europe/London")
    response = organizer_client.post("/admin/jams/jam/add/", admin_form(jam))

    assert response.status_code == 302
    assert Jam.objects.filter(slug="new-jam").exists()
    assert (JamTimeChange.objects.count(), sent) == (0, [])


def test_the_add_form_has_no_email_checkbox_and_the_change_form_has_it_unticked(jam, organizer_client):
    add = organizer_client.get("/admin/jams/jam/add/")
    change = organizer_client.get(f"/admin/jams/jam/{jam.pk}/change/")

    assert 'name="notify_signed_up"' not in text(add)
    assert (
        '<input type="checkbox" name="notify_signed_up" aria-describedby="id_notify_signed_up_helptext" '
        'id="id_notify_signed_up">'
    ) in text(change)  # unticked
    assert "Email everyone signed up about this change" in text(change)
    assert "Only when you change the start, the deadline, the grace period or the end of judging" in text(change)


def test_a_refused_form_records_no_change_and_keeps_what_was_typed(jam, organizer_client, sent):
    response = organizer_client.post(
        f"/admin/jams/jam/{jam.pk}/change/",
        admin_form(jam, submission_deadline_0="2027-03-11", notify_signed_up="on"),  # before the start
    )

    assert response.status_code == 200
    assert "The submission deadline must be after the start." in text(response)
    assert 'value="2027-03-11"' in text(response)
    jam.refresh_from_db()
    assert jam.submission_deadline == london(2027, 3, 14, 18, 0)
    assert (JamTimeChange.objects.count(), sent) == (0, [])


def test_an_admin_save_reads_the_saved_jam_row_once(jam, organizer_client):
    # The admin reads the jam to edit it (with its counts, another query); the form reads
    # the row as saved once, for its judging-mode check and for the save to tell which
    # times moved.
    with CaptureQueriesContext(connection) as context:
        post_change(organizer_client, jam, submission_deadline_1="20:00:00")

    by_pk = f'FROM "jams_jam" WHERE "jams_jam"."id" = {jam.pk}'
    reads = [q["sql"] for q in context.captured_queries if q["sql"].startswith("SELECT") and by_pk in q["sql"]]
    assert len(reads) == 1, reads
    assert JamTimeChange.objects.count() == 1


# The signal and the checkbox ----------------------------------------------------------------


@pytest.mark.parametrize(("ticked", "notify"), [({"notify_signed_up": "on"}, True), ({}, False)])
def test_the_signal_carries_the_changes_the_checkbox_and_the_organizer(
    jam, organizer, organizer_client, sent, ticked, notify
):
    post_change(organizer_client, jam, submission_deadline_1="20:00:00", **ticked)

    [kwargs] = sent
    assert kwargs["jam"] == jam
    moved = [(change.field, change.old_value, change.new_value) for change in kwargs["changes"]]
    assert moved == [(JamTimeChange.Field.DEADLINE, london(2027, 3, 14, 18, 0), london(2027, 3, 14, 20, 0))]
    assert kwargs["changes"] == list(JamTimeChange.objects.all())
    assert (kwargs["notify"], kwargs["by_user"]) == (notify, organizer)


def test_ticked_the_change_is_emailed_to_everyone_signed_up(
    jam, organizer_client, django_capture_on_commit_callbacks, mailoutbox
):
    SignUpFactory.create_batch(3, jam=jam)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(organizer_client, jam, submission_deadline_1="20:00:00", notify_signed_up="on")

    assert len(mailoutbox) == 3
    assert "The jam page now lists the moved times; everyone signed up is being emailed about it." in text(
        organizer_client.get(f"/admin/jams/jam/{jam.pk}/change/")
    )
    assert {m.subject for m in mailoutbox} == {"Interpretability Jam: the deadline moved"}
    assert "Sun 14 Mar 2027, 20:00 Europe/London (UTC+0)" in mailoutbox[0].body


def test_unticked_nobody_is_emailed(jam, organizer_client, django_capture_on_commit_callbacks, mailoutbox):
    SignUpFactory.create_batch(3, jam=jam)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(organizer_client, jam, submission_deadline_1="20:00:00")

    assert (JamTimeChange.objects.count(), mailoutbox) == (1, [])
    assert "The jam page now lists the moved times; nobody was emailed." in text(
        organizer_client.get(f"/admin/jams/jam/{jam.pk}/change/")
    )


# The jam page --------------------------------------------------------------------------------


def test_the_jam_page_lists_the_change_in_the_jams_zone(jam, organizer_client):
    post_change(organizer_client, jam, submission_deadline_1="20:00:00")
    change = JamTimeChange.objects.get()

    response = Client().get(jam.get_absolute_url())
    page = text(response)

    assert (
        "Submission deadline moved from Sun 14 Mar 2027, 18:00 Europe/London (UTC+0) "
        f"to Sun 14 Mar 2027, 20:00 Europe/London (UTC+0), on {format_jam_time(change.changed_at, jam)}."
    ) in visible(response)
    assert 'id="changes"' in page


def test_the_jam_pages_change_log_leaves_room_for_the_visitors_own_time(jam, organizer_client):
    # As the times list above it: the jam's time in a <time> element, and beside it an
    # empty hidden slot that static/js/local-time.js fills in the browser (the page is
    # cached and shared, so nothing of the visitor's is written on the server).
    post_change(organizer_client, jam, submission_deadline_1="20:00:00")

    changes = text(Client().get(jam.get_absolute_url())).split('id="changes"')[1].split("</section>")[0]

    assert (
        '<time datetime="2027-03-14T20:00:00+00:00" data-local-time data-offset="0">'
        "Sun 14 Mar 2027, 20:00 Europe/London (UTC+0)</time>"
        '<span class="local-time" data-local-time-text hidden></span>'
    ) in changes
    assert changes.count("data-local-time-text hidden></span>") == 2  # from and to


def test_a_jam_with_no_change_shows_no_changes_notice(jam):
    assert 'id="changes"' not in text(Client().get(jam.get_absolute_url()))


def test_the_change_shows_on_the_next_request_for_everyone(jam, django_capture_on_commit_callbacks):
    # The service marks the cached page stale itself (not only the admin's middleware).
    url = jam.get_absolute_url()
    Client().get(url)
    assert Client().get(url).context is None  # served from the cache
    before = Jam.objects.get(pk=jam.pk)
    jam.judging_ends_at = london(2027, 3, 22, 18, 0)

    with django_capture_on_commit_callbacks(execute=True):
        jam.save()
        jam_times_log(before=before, jam=jam, by_user=None)

    assert "End of judging moved from Sun 21 Mar 2027, 18:00" in visible(Client().get(url))


def test_the_page_shows_the_latest_changes_with_a_link_to_the_rest(jam):
    now = timezone.now()
    for minutes in range(TIME_CHANGES_SHOWN + 2):
        JamTimeChangeFactory(jam=jam, changed_at=now - timedelta(minutes=minutes))

    response = Client().get(jam.get_absolute_url())

    assert len(response.context["time_changes"].latest) == TIME_CHANGES_SHOWN
    assert text(response).count("Submission deadline moved from") == TIME_CHANGES_SHOWN
    assert f'href="/jams/{jam.slug}/announcements.atom">announcements feed' in text(response)


def test_the_jam_page_runs_the_same_queries_with_1_and_many_changes(jam, user):
    other = JamFactory(slug="other")
    JamTimeChangeFactory(jam=jam)
    JamTimeChangeFactory.create_batch(40, jam=other)
    client = Client()
    client.force_login(user)

    one = count_queries(lambda: client.get(jam.get_absolute_url()))
    many = count_queries(lambda: client.get(other.get_absolute_url()))

    assert one == many


# The announcements feed ----------------------------------------------------------------------


def test_the_change_is_in_the_announcements_feeds(jam, organizer_client):
    post_change(organizer_client, jam, starts_at_1="10:00:00")

    for url in ("/feeds/announcements.atom", f"/jams/{jam.slug}/announcements.atom"):
        feed = ET.fromstring(Client().get(url).content)  # noqa: S314 - our own feed
        [entry] = feed.iter(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == "Interpretability Jam: the start moved"
        assert "Start moved from Fri 12 Mar 2027, 09:00 Europe/London (UTC+0) to Fri 12 Mar 2027, 10:00" in (
            entry.findtext(f"{ATOM}summary")
        )
        assert entry.find(f"{ATOM}link").get("href").endswith(f"/jams/{jam.slug}/#changes")
