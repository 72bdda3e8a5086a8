"""The API with tracks: jams list their tracks, entries and prizes carry their tracks'
names, with the same queries for one as for many."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from judging.services import results_publish
from tests.factories import EntryFactory, JamFactory, PrizeFactory, TrackFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def get(path: str, **params):
    return Client().get(path, params)


def test_a_jam_lists_its_tracks_in_order(running_jam):
    TrackFactory(jam=running_jam, name="Evals", description="Measure *it*.", order=2)
    TrackFactory(jam=running_jam, name="Interpretability", description="", order=1)

    jam = get(f"/api/v1/jams/{running_jam.slug}").json()

    assert jam["tracks"] == [
        {"name": "Interpretability", "description": ""},
        {"name": "Evals", "description": "Measure *it*."},
    ]
    assert jam["multiple_tracks_allowed"] is False
    assert get("/api/v1/jams").json()["items"][0]["tracks"] == jam["tracks"]


def test_a_jam_without_tracks_lists_none(running_jam):
    assert get(f"/api/v1/jams/{running_jam.slug}").json()["tracks"] == []


def test_entries_carry_their_track_names(running_jam):
    interp = TrackFactory(jam=running_jam, name="Interpretability", order=1)
    evals = TrackFactory(jam=running_jam, name="Evals", order=2)
    EntryFactory(team__jam=running_jam, title="Both").tracks.set([evals, interp])
    EntryFactory(team__jam=running_jam, title="None")

    items = {item["title"]: item["tracks"] for item in get(f"/api/v1/jams/{running_jam.slug}/entries").json()["items"]}

    assert items == {"Both": ["Interpretability", "Evals"], "None": []}


def test_prizes_name_their_track_in_the_results(running_jam):
    track = TrackFactory(jam=running_jam, name="Hardware")
    entry = EntryFactory(team__jam=running_jam)
    entry.tracks.set([track])
    PrizeFactory(jam=running_jam, name="Best gadget", track=track).awards.create(entry=entry)
    PrizeFactory(jam=running_jam, name="Best overall").awards.create(entry=entry)
    results_publish(jam=running_jam)

    prizes = get(f"/api/v1/jams/{running_jam.slug}/results").json()["prizes"]

    assert [(p["name"], p["track"], p["winners"][0]["tracks"]) for p in prizes] == [
        ("Best gadget", "Hardware", ["Hardware"]),
        ("Best overall", None, ["Hardware"]),
    ]


def test_entries_and_jams_with_tracks_run_the_same_queries_for_1_and_50(running_jam):
    track = TrackFactory(jam=running_jam)
    EntryFactory(team__jam=running_jam).tracks.set([track])
    TrackFactory(jam=JamFactory())
    url = f"/api/v1/jams/{running_jam.slug}/entries"
    one_entry = count_queries(lambda: get(url, limit=100))
    one_jam = count_queries(lambda: get("/api/v1/jams", limit=100))
    for i in range(49):
        extra = TrackFactory(jam=running_jam, name=f"Extra {i}")
        EntryFactory(team__jam=running_jam).tracks.set([track, extra])
        TrackFactory.create_batch(2, jam=JamFactory())

    assert count_queries(lambda: get(url, limit=100)) == one_entry
    assert count_queries(lambda: get("/api/v1/jams", limit=100)) == one_jam


def test_a_page_of_entries_reads_the_track_links_of_that_page_alone(running_jam):
    track = TrackFactory(jam=running_jam)
    older = [EntryFactory(team__jam=running_jam) for _ in range(5)]
    for entry in older:
        entry.tracks.set([track])
    newest = EntryFactory(team__jam=running_jam)
    newest.tracks.set([track])

    with CaptureQueriesContext(connection) as context:
        items = get(f"/api/v1/jams/{running_jam.slug}/entries", limit=1).json()["items"]

    links = [q["sql"] for q in context.captured_queries if "submissions_entry_tracks" in q["sql"]]
    assert [item["id"] for item in items] == [newest.pk]
    assert len(links) == 1
    assert f"IN ({newest.pk})" in links[0]
