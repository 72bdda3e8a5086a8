from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from jams.models import Track
from jams.services import track_delete, track_save
from tests.factories import EntryFactory, JamFactory, PrizeFactory, TrackFactory, UserFactory
from tests.querycount import count_queries
from tests.test_page_cache import _jam_admin_form

pytestmark = pytest.mark.django_db


def test_jam_page_lists_its_tracks_under_the_description(client, running_jam):
    running_jam.description = "About the jam."
    running_jam.save()
    TrackFactory(jam=running_jam, name="Evals", description="Measure **behaviour**.", order=2)
    TrackFactory(jam=running_jam, name="Interpretability", description="", order=1)

    html = client.get(running_jam.get_absolute_url()).content.decode()

    section = html[html.index('data-testid="jam-tracks"') :]
    assert html.index("About the jam.") < html.index('id="tracks"')
    assert section.index("Interpretability") < section.index("Evals")
    assert "Measure <strong>behaviour</strong>." in section
    assert "Each entry enters one track." in html


def test_jam_page_without_tracks_has_no_tracks_section(client, running_jam):
    html = client.get(running_jam.get_absolute_url()).content.decode()

    assert 'id="tracks"' not in html


def test_jam_page_queries_are_the_same_with_one_track_and_many(client):
    one, many = JamFactory.running(), JamFactory.running(host="Another host")
    TrackFactory(jam=one)
    TrackFactory.create_batch(12, jam=many)
    client.force_login(UserFactory())

    assert count_queries(lambda: client.get(one.get_absolute_url())) == count_queries(
        lambda: client.get(many.get_absolute_url())
    )


def test_track_save_refuses_a_second_track_of_the_same_name():
    jam = JamFactory()
    TrackFactory(jam=jam, name="Hardware")

    with pytest.raises(ValidationError, match="already exists"):
        track_save(track=Track(jam=jam, name="Hardware"))
    assert jam.tracks.count() == 1


def test_a_track_with_prizes_is_not_deleted_with_them():
    track = TrackFactory(name="Hardware")
    PrizeFactory(jam=track.jam, name="Best gadget", track=track)

    with pytest.raises(ValidationError) as refused:
        track_delete(track=track)

    assert refused.value.messages == [
        "The “Hardware” track has prizes (“Best gadget”): make them prizes of the whole jam or of another track first."
    ]
    assert Track.objects.filter(pk=track.pk).exists()


def test_the_jam_admin_refuses_to_delete_a_track_with_prizes(client, running_jam):
    track = TrackFactory(jam=running_jam, name="Hardware")
    PrizeFactory(jam=running_jam, name="Best gadget", track=track)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = _jam_admin_form(running_jam)
    form.update({
        "tracks-TOTAL_FORMS": "1", "tracks-INITIAL_FORMS": "1", "tracks-0-id": track.pk, "tracks-0-jam": running_jam.pk,
        "tracks-0-name": "Hardware", "tracks-0-order": "0", "tracks-0-description": "", "tracks-0-DELETE": "on",
    })  # fmt: skip

    response = client.post(f"/admin/jams/jam/{running_jam.pk}/change/", form)

    assert response.status_code == 200
    assert "Best gadget" in response.content.decode()
    assert Track.objects.filter(pk=track.pk).exists()


def test_one_track_only_is_refused_while_entries_are_in_several(client, running_jam):
    running_jam.multiple_tracks_allowed = True
    running_jam.save()
    tracks = [TrackFactory(jam=running_jam, name=name) for name in ("Hardware", "Software")]
    EntryFactory(team__jam=running_jam).tracks.set(tracks)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    refused = client.post(f"/admin/jams/jam/{running_jam.pk}/change/", _jam_admin_form(running_jam))
    running_jam.refresh_from_db()

    assert refused.status_code == 200
    assert "1 entry is in several tracks: move it to one track each" in refused.content.decode()
    assert running_jam.multiple_tracks_allowed is True
