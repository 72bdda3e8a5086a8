from __future__ import annotations

from html import unescape

import pytest
from django.core.exceptions import ValidationError

from submissions.models import Entry
from submissions.services import entry_tracks_set
from tests.factories import EntryFactory, JamFactory, TeamFactory, TrackFactory, UserFactory
from tests.files import slides
from tests.submissions.test_entries import entry_form, submit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(running_jam):
    person = UserFactory(display_name="Arthur Conmy")
    TeamFactory(jam=running_jam, name="Negative Heads", created_by=person)
    return person


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def tracks(running_jam):
    return TrackFactory(jam=running_jam, name="Interpretability"), TrackFactory(jam=running_jam, name="Evals")


def text(response) -> str:
    return unescape(response.content.decode())


def test_form_without_tracks_asks_for_none(member_client, running_jam):
    response = member_client.get(submit_url(running_jam))

    assert "tracks" not in response.context["form"].fields
    assert 'data-testid="entry-tracks"' not in text(response)


def test_one_track_is_picked_with_radio_buttons(member_client, running_jam, tracks):
    _interp, evals = tracks
    page = text(member_client.get(submit_url(running_jam)))
    assert page.count('type="radio"') == 2
    assert 'name="tracks"' in page
    assert "Interpretability" in page and "Evals" in page

    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(), tracks=evals.pk))

    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.is_submitted
    assert list(entry.tracks.all()) == [evals]


def test_several_tracks_with_checkboxes_where_the_jam_allows(member_client, running_jam, tracks):
    running_jam.multiple_tracks_allowed = True
    running_jam.save()
    interp, evals = tracks
    assert (
        text(member_client.get(submit_url(running_jam))).count(
            'type="checkbox" class="form-check-input"  name="tracks"'
        )
        == 2
    )

    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(), tracks=[interp.pk, evals.pk]))

    assert response.status_code == 302
    assert set(Entry.objects.get().tracks.all()) == {interp, evals}


def test_submitting_without_a_track_is_refused_when_the_jam_has_tracks(member_client, running_jam, tracks):
    response = member_client.post(submit_url(running_jam), entry_form(slides=slides()))

    assert response.status_code == 400
    assert response.context["form"].errors["tracks"] == ["To submit, pick the track your entry enters."]
    assert response.context["form"]["title"].value() == "Why Might Negative Name Mover Heads Exist?"
    assert Entry.objects.count() == 0


def test_a_draft_may_leave_the_track_for_later(member_client, running_jam, tracks):
    response = member_client.post(submit_url(running_jam), entry_form(action="draft"))

    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.state == Entry.State.DRAFT
    assert entry.tracks.count() == 0


def test_a_track_of_another_jam_is_refused_and_nothing_saved(member_client, running_jam, tracks):
    foreign = TrackFactory(jam=JamFactory(), name="Hardware")

    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(), tracks=foreign.pk))

    assert response.status_code == 400
    assert response.context["form"].errors["tracks"] == [
        "That is not one of this jam's tracks: pick one of those listed."
    ]
    assert response.context["form"]["abstract"].value().startswith("We form a theory")
    assert Entry.objects.count() == 0


def test_a_foreign_track_among_several_is_refused(member_client, running_jam, tracks):
    running_jam.multiple_tracks_allowed = True
    running_jam.save()
    foreign = TrackFactory(jam=JamFactory(), name="Hardware")

    response = member_client.post(
        submit_url(running_jam), entry_form(slides=slides(), tracks=[tracks[0].pk, foreign.pk])
    )

    assert response.status_code == 400
    assert "tracks" in response.context["form"].errors
    assert Entry.objects.count() == 0


def test_the_service_refuses_a_foreign_track_and_several_where_one_is_allowed(running_jam, tracks):
    entry = EntryFactory(team__jam=running_jam)
    foreign = TrackFactory(jam=JamFactory(), name="Hardware")

    with pytest.raises(ValidationError) as refused:
        entry_tracks_set(entry=entry, tracks=[foreign])
    assert refused.value.message_dict["tracks"] == [
        f"“Hardware” is not a track of {running_jam.title}: pick one of its own tracks."
    ]
    with pytest.raises(ValidationError) as refused:
        entry_tracks_set(entry=entry, tracks=list(tracks))
    assert refused.value.message_dict["tracks"] == [
        f"{running_jam.title} lets an entry enter one track only: pick one."
    ]
    assert entry.tracks.count() == 0


def test_editing_keeps_and_shows_the_chosen_track(member_client, running_jam, tracks, member):
    member_client.post(submit_url(running_jam), entry_form(slides=slides(), tracks=tracks[1].pk))

    response = member_client.get(submit_url(running_jam))

    assert response.context["form"]["tracks"].value() == tracks[1].pk


def test_entry_page_names_its_tracks(client, running_jam, tracks):
    entry = EntryFactory(team__jam=running_jam)
    entry.tracks.set([tracks[1]])

    page = text(client.get(entry.get_absolute_url()))

    assert '<p data-testid="entry-tracks"><span class="badge text-bg-light border">Evals</span>' in page


def test_after_the_close_the_entry_form_shows_the_chosen_track(client):
    jam = JamFactory.judging()
    track = TrackFactory(jam=jam, name="Evals")
    entry = EntryFactory(team__jam=jam)
    entry.tracks.set([track])
    client.force_login(entry.team.created_by)

    page = text(client.get(submit_url(jam)))

    assert 'data-testid="submissions-closed"' in page
    assert "<dt>Track</dt><dd>Evals</dd>" in page


def test_editing_an_entry_out_of_the_track_of_a_prize_it_won_is_refused(member_client, member, running_jam, tracks):
    """Awarded early, while submissions are still open: the team's edit may not take the
    entry out of the prize's track (judging's check, registered with entry_tracks_set)."""
    from judging.models import Award
    from tests.factories import PrizeFactory

    interp, evals = tracks
    member_client.post(submit_url(running_jam), entry_form(slides=slides(), tracks=interp.pk))
    entry = Entry.objects.get()
    prize = PrizeFactory(jam=running_jam, name="Best interpretability", track=interp)
    Award.objects.create(prize=prize, entry=entry)

    edit = entry_form(title="Renamed", tracks=evals.pk, version=entry.version)
    response = member_client.post(submit_url(running_jam), edit)

    assert response.status_code == 400  # the form again, as for any refusal
    assert "won “Best interpretability”, a prize of the “Interpretability” track: keep it in that track" in text(
        response
    )
    entry.refresh_from_db()
    assert list(entry.tracks.all()) == [interp]
    assert entry.title != "Renamed"  # nothing of the edit saved
    assert 'value="Renamed"' in text(response)  # what was typed is kept
