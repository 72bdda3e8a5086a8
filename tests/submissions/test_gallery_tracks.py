"""The gallery's track filter: by slug or id, a bad value falls back to every track,
each choice its own cached copy, and the same queries for one entry as for many."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import EntryFactory, JamFactory, TrackFactory, UserFactory
from tests.querycount import count_queries

from .test_gallery_choices import BOUND, gallery, judged_entries, text, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracked(running_jam):
    hardware = TrackFactory(jam=running_jam, name="Hardware Hacks")
    software = TrackFactory(jam=running_jam, name="Software")
    for title, tracks in [("Robot", [hardware]), ("App", [software]), ("Both", [hardware, software])]:
        EntryFactory(team__jam=running_jam, title=title).tracks.set(tracks)
    return hardware, software


def test_gallery_offers_the_tracks_and_narrows_by_slug_or_id(client, running_jam, tracked):
    software = tracked[1]

    by_slug = gallery(client, running_jam, track="hardware-hacks")
    by_id = gallery(client, running_jam, track=str(software.pk))

    assert sorted(titles(by_slug)) == ["Both", "Robot"]
    assert sorted(titles(by_id)) == ["App", "Both"]
    assert '<option value="hardware-hacks" selected>Hardware Hacks</option>' in text(by_slug)
    assert '<option value="software" selected>Software</option>' in text(by_id)


@pytest.mark.parametrize("value", ["nope", "999999", "", "hardware hacks"])
def test_a_track_not_offered_falls_back_to_every_entry(client, running_jam, tracked, value):
    response = gallery(client, running_jam, track=value)

    assert response.status_code == 200
    assert sorted(titles(response)) == ["App", "Both", "Robot"]


def test_another_jams_track_id_falls_back_to_every_entry(client, running_jam, tracked):
    foreign = TrackFactory(jam=JamFactory.running(), name="Hardware Hacks")

    assert sorted(titles(gallery(client, running_jam, track=str(foreign.pk)))) == ["App", "Both", "Robot"]


def test_a_jam_without_tracks_offers_no_track_choice(client, running_jam):
    EntryFactory(team__jam=running_jam)

    assert 'name="track"' not in text(gallery(client, running_jam))


def test_tracks_whose_names_make_the_same_slug_are_chosen_by_id(client, running_jam):
    ai, a_i = TrackFactory(jam=running_jam, name="AI"), TrackFactory(jam=running_jam, name="A.I.")
    EntryFactory(team__jam=running_jam, title="One").tracks.set([ai])
    EntryFactory(team__jam=running_jam, title="Two").tracks.set([a_i])

    assert titles(gallery(client, running_jam, track=str(a_i.pk))) == ["Two"]


def test_each_track_is_cached_as_its_own_page(running_jam, tracked):
    url = f"/jams/{running_jam.slug}/entries/"

    hardware = Client().get(url, {"track": "hardware-hacks"})
    software = Client().get(url, {"track": "software"})
    hardware_again = Client().get(url, {"track": "hardware-hacks"})

    assert sorted(titles(hardware)) == ["Both", "Robot"]
    assert sorted(titles(software)) == ["App", "Both"]
    assert hardware_again.context is None  # served from the cache
    assert hardware_again.content == hardware.content


@pytest.mark.parametrize("params", [{"track": "t"}, {"track": "t", "sort": "rank"}, {"track": "t", "q": "entry"}])
def test_gallery_track_filter_queries_do_not_grow_with_entries(client, params):
    small, large = judged_entries(1), judged_entries(60)
    for jam in (small, large):
        track = TrackFactory(jam=jam, name="T")
        TrackFactory(jam=jam, name="Other")
        for entry in jam.entries.all():
            entry.tracks.add(track)
    client.force_login(UserFactory())

    one = count_queries(lambda: gallery(client, small, **params))
    response = gallery(client, large, **params)
    many = count_queries(lambda: gallery(client, large, **params))

    assert len(response.context["entries"]) == 24
    assert one == many
    assert many <= BOUND + 1  # the tracks, read once
