from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from jams.models import Track
from jams.services import track_save
from tests.factories import JamFactory, TrackFactory, UserFactory
from tests.querycount import count_queries

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
