"""Tracks in the admin: a judge limited to tracks, a prize's track, an entry's tracks and
the entry list filtered by track."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User
from jams.models import Track
from jams.services import track_delete
from judging.models import Assignment, Award, Judge
from judging.services import assignments_make, award_give
from tests.factories import EntryFactory, JamFactory, JudgeFactory, PrizeFactory, TrackFactory, UserFactory
from tests.test_page_cache import _jam_admin_form

pytestmark = pytest.mark.django_db

ENTRIES = "/admin/submissions/entry/"


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def test_judge_page_offers_the_jams_tracks_and_limits_the_judge(admin_client, judging_jam):
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    TrackFactory(jam=JamFactory(), name="Elsewhere")
    judge = JudgeFactory(jam=judging_jam)
    robot = EntryFactory(team__jam=judging_jam, title="Robot")
    robot.tracks.set([hardware])
    app = EntryFactory(team__jam=judging_jam, title="App")
    app.tracks.set([software])
    assignments_make(jam=judging_jam)
    assert Assignment.objects.filter(judge=judge).count() == 2

    page = text(admin_client.get(f"/admin/judging/judge/{judge.pk}/change/"))
    response = admin_client.post(
        f"/admin/judging/judge/{judge.pk}/change/",
        {"jam": judging_jam.pk, "user": judge.user_id, "max_entries": "", "tracks": [software.pk]},
    )

    assert "Limit to tracks" in page
    assert 'type="checkbox" name="tracks"' in page
    assert "Hardware" in page and "Elsewhere" not in page
    assert response.status_code == 302
    assert list(judge.tracks.all()) == [software]
    # Assigned already: the hardware entry, not reviewed, went back to the pool.
    assert list(Assignment.objects.filter(judge=judge).values_list("entry__title", flat=True)) == ["App"]


def test_judge_page_refuses_another_jams_track(admin_client, judging_jam):
    judge = JudgeFactory(jam=judging_jam)
    foreign = TrackFactory(jam=JamFactory(), name="Elsewhere")

    response = admin_client.post(
        f"/admin/judging/judge/{judge.pk}/change/",
        {"jam": judging_jam.pk, "user": judge.user_id, "max_entries": "", "tracks": [foreign.pk]},
    )

    assert response.status_code == 200
    assert judge.tracks.count() == 0


def test_add_judge_form_offers_tracks_and_limits_the_new_judge(
    admin_client, judging_jam, django_capture_on_commit_callbacks
):
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    TrackFactory(jam=JamFactory(title="Other Jam"), name="Elsewhere")
    JudgeFactory(jam=judging_jam)
    EntryFactory(team__jam=judging_jam, title="Robot").tracks.set([hardware])
    EntryFactory(team__jam=judging_jam, title="App").tracks.set([software])
    assignments_make(jam=judging_jam)  # two reviews an entry, one judge: a gap on each entry

    page = text(admin_client.get("/admin/judging/judge/add/"))
    own_jam_page = text(admin_client.get(f"/admin/judging/judge/add/?jam={judging_jam.pk}"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/judging/judge/add/",
            {
                "jam": judging_jam.pk,
                "email": "new@example.com",
                "display_name": "",
                "max_entries": "",
                "tracks": [software.pk],
            },
        )

    assert "Limit to tracks" in page
    assert 'type="checkbox" name="tracks"' in page
    assert f"{judging_jam.title} — Hardware" in page and "Other Jam — Elsewhere" in page
    assert f"{judging_jam.title} — Software" in own_jam_page and "Elsewhere" not in own_jam_page
    assert response.status_code == 302
    judge = Judge.objects.get(user__email="new@example.com")
    assert list(judge.tracks.all()) == [software]
    # Assigned already: the new judge fills the gap in their track only (judge_tracks_set).
    assert list(Assignment.objects.filter(judge=judge).values_list("entry__title", flat=True)) == ["App"]


def test_add_judge_with_another_jams_track_is_refused_and_nothing_saved(admin_client, judging_jam, mailoutbox):
    TrackFactory(jam=judging_jam, name="Hardware")
    foreign = TrackFactory(jam=JamFactory(title="Other Jam"), name="Elsewhere")

    response = admin_client.post(
        "/admin/judging/judge/add/",
        {
            "jam": judging_jam.pk,
            "email": "new@example.com",
            "display_name": "Neel",
            "max_entries": "3",
            "tracks": [foreign.pk],
        },
    )

    html = text(response)
    assert response.status_code == 200
    assert f"“Elsewhere” is a track of Other Jam, not of {judging_jam.title}: pick tracks of the judge's jam" in html
    assert 'value="new@example.com"' in html and 'value="Neel"' in html  # what was typed is kept
    assert re.search(rf'<input type="checkbox" name="tracks" value="{foreign.pk}"[^>]* checked>', html)
    assert not Judge.objects.exists()
    assert not User.objects.filter(email="new@example.com").exists()
    assert mailoutbox == []


def test_prize_inline_on_the_jam_page_offers_the_jams_tracks(admin_client, judging_jam):
    TrackFactory(jam=judging_jam, name="Hardware")
    TrackFactory(jam=JamFactory(), name="Elsewhere")

    html = text(admin_client.get(f"/admin/jams/jam/{judging_jam.pk}/change/"))

    assert 'name="prizes-__prefix__-track"' in html
    prize_part = html[html.index('id="prizes-group"') :]
    assert "Hardware" in prize_part and "Elsewhere" not in prize_part


def test_entry_admin_shows_and_sets_the_entrys_tracks_and_filters_by_track(admin_client, running_jam):
    hardware, software = TrackFactory(jam=running_jam, name="Hardware"), TrackFactory(jam=running_jam, name="Software")
    robot = EntryFactory(team__jam=running_jam, title="Robot")
    robot.tracks.set([hardware])
    EntryFactory(team__jam=running_jam, title="App").tracks.set([software])

    page = text(admin_client.get(f"{ENTRIES}{robot.pk}/change/"))
    filtered = admin_client.get(ENTRIES, {"track": software.pk})
    moved = admin_client.post(
        f"{ENTRIES}{robot.pk}/change/",
        {
            "team": robot.team_id, "title": "Robot", "abstract": robot.abstract, "authors": robot.authors,
            "video_url": "", "repository_url": "", "state": "submitted", "tracks": [software.pk],
            "submitted_at_0": "2031-06-11", "submitted_at_1": "21:00:00",
        },
    )  # fmt: skip

    assert 'type="checkbox" name="tracks"' in page
    assert [entry.title for entry in filtered.context["cl"].result_list] == ["App"]
    assert f"{running_jam.title}: Hardware" in text(filtered)
    assert moved.status_code == 302
    assert list(robot.tracks.all()) == [software]


def test_entry_admin_refuses_two_tracks_where_the_jam_allows_one(admin_client, running_jam):
    tracks = [TrackFactory(jam=running_jam, name=name) for name in ("Hardware", "Software")]
    robot = EntryFactory(team__jam=running_jam, title="Robot")

    response = admin_client.post(
        f"{ENTRIES}{robot.pk}/change/",
        {
            "team": robot.team_id, "title": "Robot", "abstract": robot.abstract, "authors": robot.authors,
            "video_url": "", "repository_url": "", "state": "submitted", "tracks": [t.pk for t in tracks],
            "submitted_at_0": "2031-06-11", "submitted_at_1": "21:00:00",
        },
    )  # fmt: skip

    assert response.status_code == 200
    assert "lets an entry enter one track only" in text(response)
    assert robot.tracks.count() == 0


def _prize_form(jam, prize, track) -> dict:
    return _jam_admin_form(jam, **({"multiple_tracks_allowed": "on"} if jam.multiple_tracks_allowed else {}), **{
        "prizes-TOTAL_FORMS": "1", "prizes-INITIAL_FORMS": "1", "prizes-0-id": prize.pk, "prizes-0-jam": jam.pk,
        "prizes-0-name": prize.name, "prizes-0-order": "0", "prizes-0-description": "Typed here",
        "prizes-0-track": track.pk if track else "",
    })  # fmt: skip


def test_moving_a_prize_to_a_track_its_winner_is_not_in_is_refused(admin_client, judging_jam):
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    robot = EntryFactory(team__jam=judging_jam, title="Robot")
    robot.tracks.set([hardware])
    prize = PrizeFactory(jam=judging_jam, name="Best gadget", track=hardware, description="")
    award_give(prize=prize, entry=robot)

    response = admin_client.post(f"/admin/jams/jam/{judging_jam.pk}/change/", _prize_form(judging_jam, prize, software))

    html = text(response)
    assert response.status_code == 200
    assert (
        "“Best gadget” went to “Robot”, not in the “Software” track: remove that award first, or pick a track it is in."
        in html
    )
    assert "Typed here" in html  # what was typed is kept
    prize.refresh_from_db()
    assert (prize.track, prize.description) == (hardware, "")
    assert list(Award.objects.values_list("entry__title", flat=True)) == ["Robot"]


def test_moving_a_prize_to_its_winners_track_or_to_the_whole_jam_is_saved(admin_client, judging_jam):
    judging_jam.multiple_tracks_allowed = True
    judging_jam.save()
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    robot = EntryFactory(team__jam=judging_jam, title="Robot")
    robot.tracks.set([hardware, software])
    prize = PrizeFactory(jam=judging_jam, name="Best gadget", track=hardware)
    award_give(prize=prize, entry=robot)

    to_software = admin_client.post(
        f"/admin/jams/jam/{judging_jam.pk}/change/", _prize_form(judging_jam, prize, software)
    )
    prize.refresh_from_db()
    moved = prize.track
    to_jam = admin_client.post(f"/admin/jams/jam/{judging_jam.pk}/change/", _prize_form(judging_jam, prize, None))
    prize.refresh_from_db()

    assert (to_software.status_code, to_jam.status_code) == (302, 302)
    assert (moved, prize.track) == (software, None)


def _entry_form(entry, tracks) -> dict:
    return {
        "team": entry.team_id, "title": entry.title, "abstract": "Typed abstract", "authors": entry.authors,
        "video_url": "", "repository_url": "", "state": "submitted", "tracks": [t.pk for t in tracks],
        "submitted_at_0": "2031-06-11", "submitted_at_1": "21:00:00",
    }  # fmt: skip


def test_taking_an_entry_out_of_the_track_of_a_prize_it_won_is_refused(admin_client, judging_jam):
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    robot = EntryFactory(team__jam=judging_jam, title="Robot")
    robot.tracks.set([hardware])
    award_give(prize=PrizeFactory(jam=judging_jam, name="Best gadget", track=hardware), entry=robot)
    abstract = robot.abstract

    response = admin_client.post(f"{ENTRIES}{robot.pk}/change/", _entry_form(robot, [software]))

    html = text(response)
    assert response.status_code == 200
    assert (
        "“Robot” won “Best gadget”, a prize of the “Hardware” track: keep it in that track, or remove the award "
        "first (on the jam's results page)." in html
    )
    assert "Typed abstract" in html
    robot.refresh_from_db()
    assert (list(robot.tracks.all()), robot.abstract) == ([hardware], abstract)


def test_changing_the_tracks_of_an_entry_keeping_its_prizes_track_is_saved(admin_client, judging_jam):
    judging_jam.multiple_tracks_allowed = True
    judging_jam.save()
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    robot = EntryFactory(team__jam=judging_jam, title="Robot")
    robot.tracks.set([hardware])
    award_give(prize=PrizeFactory(jam=judging_jam, name="Best gadget", track=hardware), entry=robot)
    award_give(prize=PrizeFactory(jam=judging_jam, name="First place"), entry=robot)  # the whole jam's

    response = admin_client.post(f"{ENTRIES}{robot.pk}/change/", _entry_form(robot, [hardware, software]))

    assert response.status_code == 302
    assert set(robot.tracks.all()) == {hardware, software}


def _tracks_form(jam, tracks, deleted) -> dict:
    data = {"tracks-TOTAL_FORMS": str(len(tracks)), "tracks-INITIAL_FORMS": str(len(tracks))}
    for i, track in enumerate(tracks):
        data.update({
            f"tracks-{i}-id": track.pk, f"tracks-{i}-jam": jam.pk, f"tracks-{i}-name": track.name,
            f"tracks-{i}-order": str(i), f"tracks-{i}-description": "",
        })  # fmt: skip
        if track in deleted:
            data[f"tracks-{i}-DELETE"] = "on"
    return _jam_admin_form(jam, **data)


def test_deleting_the_only_track_judges_are_limited_to_is_refused(admin_client, judging_jam):
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    for name in ("Pat Pairs", "Jo Judge"):
        JudgeFactory(jam=judging_jam, user=UserFactory(display_name=name)).tracks.set([hardware])
    JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Both")).tracks.set([hardware, software])
    JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Everywhere"))

    response = admin_client.post(
        f"/admin/jams/jam/{judging_jam.pk}/change/", _tracks_form(judging_jam, [hardware, software], [hardware])
    )

    assert response.status_code == 200
    assert (
        "“Hardware” can't be deleted: Jo Judge and Pat Pairs judge only this track. "
        "Limit them to other tracks first, or to none." in text(response)
    )
    assert set(judging_jam.tracks.all()) == {hardware, software}
    assert Judge.objects.filter(tracks=hardware).count() == 3


def test_deleting_every_track_a_judge_is_limited_to_at_once_is_refused(admin_client, judging_jam):
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Pat Pairs")).tracks.set([hardware, software])

    both = [hardware, software]
    response = admin_client.post(f"/admin/jams/jam/{judging_jam.pk}/change/", _tracks_form(judging_jam, both, both))

    assert response.status_code == 200
    assert (
        "“Hardware” and “Software” can't be deleted together: Pat Pairs judges only these tracks. "
        "Limit them to other tracks first, or to none." in text(response)
    )
    assert judging_jam.tracks.count() == 2


def test_deleting_a_track_judges_are_limited_to_with_others_is_allowed(admin_client, judging_jam):
    hardware, software = TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")
    judge = JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Pat Pairs"))
    judge.tracks.set([hardware, software])
    JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Everywhere"))

    response = admin_client.post(
        f"/admin/jams/jam/{judging_jam.pk}/change/", _tracks_form(judging_jam, [hardware, software], [hardware])
    )

    assert response.status_code == 302
    assert list(judging_jam.tracks.all()) == [software]
    assert list(judge.tracks.all()) == [software]  # narrowed, not widened


def test_track_delete_service_refuses_the_only_track_of_a_judge(judging_jam):
    hardware = TrackFactory(jam=judging_jam, name="Hardware")
    JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Pat Pairs")).tracks.set([hardware])

    with pytest.raises(ValidationError) as refused:
        track_delete(track=hardware)

    assert refused.value.messages == [
        "“Hardware” can't be deleted: Pat Pairs judges only this track. Limit them to other tracks first, or to none."
    ]
    assert Track.objects.filter(pk=hardware.pk).exists()
