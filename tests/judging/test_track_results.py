"""Results with tracks: the overall ranking and one per track from the same figures,
prizes grouped by track, a track's prize refused to an entry outside it."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from judging.models import Award, Prize, Review, Score
from judging.scoring import EntryResult, rerank
from judging.selectors import jam_results, published_results, track_rankings
from judging.services import NotAllowed, award_give, results_publish
from tests.factories import (
    CriterionFactory,
    EntryFactory,
    JamFactory,
    JudgeFactory,
    PrizeFactory,
    TrackFactory,
    UserFactory,
)
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def scored_jam(scores: dict[str, tuple[int, list[str]]], **jam_fields):
    """A judged jam with tracks Hardware and Software and one judge's score per entry,
    given as title -> (score, track names)."""
    jam = JamFactory.judging(ranking_method="weighted", show_ranking=True, **jam_fields)
    tracks = {name: TrackFactory(jam=jam, name=name) for name in ("Hardware", "Software")}
    criterion = CriterionFactory(jam=jam, scale_low=1, scale_high=10)
    judge = JudgeFactory(jam=jam)
    for title, (score, names) in scores.items():
        entry = EntryFactory(team__jam=jam, title=title)
        entry.tracks.set([tracks[name] for name in names])
        review = Review.objects.create(judge=judge, entry=entry)
        Score.objects.create(review=review, criterion=criterion, value=score)
    return jam, tracks


SCORES = {
    "Robot": (9, ["Hardware"]),
    "App": (8, ["Software"]),
    "Drone": (7, ["Hardware", "Software"]),
    "Game": (7, ["Software"]),
    "Lamp": (3, ["Hardware"]),
}


def test_rerank_ranks_a_part_again_with_ties_and_leaves_the_figures():
    overall = [
        EntryResult(entry_id=i, review_count=1, weighted=w, rank=r) for i, w, r in [(1, 9, 1), (2, 7, 3), (3, 7, 3)]
    ]

    part = rerank(overall[1:], "weighted")

    assert [(r.entry_id, r.rank, r.tied, r.weighted) for r in part] == [(2, 1, True, 7), (3, 1, True, 7)]
    assert overall[1].rank == 3  # the overall figures are untouched


def test_each_track_ranks_its_own_entries_from_the_overall_figures():
    jam, _ = scored_jam(SCORES)
    results = jam_results(jam=jam)

    rankings = track_rankings(jam=jam, results=results)

    assert [r.track.name for r in rankings] == ["Hardware", "Software"]
    hardware, software = ([(row.entry.title, row.figures.rank, row.figures.tied) for row in r.rows] for r in rankings)
    assert hardware == [("Robot", 1, False), ("Drone", 2, False), ("Lamp", 3, False)]
    assert software == [("App", 1, False), ("Drone", 2, True), ("Game", 2, True)]
    overall = {row.entry.title: row.figures for row in results.rows}
    by_track = {row.entry.title: row.figures for row in rankings[1].rows}
    assert by_track["Drone"].weighted == overall["Drone"].weighted
    assert overall["Drone"].rank == 3  # unchanged by the track's ranking


def test_track_rankings_of_the_published_results_use_the_frozen_figures():
    jam, _ = scored_jam(SCORES)
    results_publish(jam=jam)
    Score.objects.filter(review__entry__title="Lamp").update(value=10)  # after publication

    rankings = track_rankings(jam=jam, results=published_results(jam=jam))

    assert [row.entry.title for row in rankings[0].rows] == ["Robot", "Drone", "Lamp"]


def test_a_jam_without_tracks_has_no_track_rankings():
    jam = JamFactory.judging()

    assert track_rankings(jam=jam, results=jam_results(jam=jam)) == []


def test_results_page_shows_the_overall_ranking_then_one_per_track(client):
    jam, _ = scored_jam(SCORES)
    results_publish(jam=jam)

    html = text(client.get(f"/jams/{jam.slug}/results/"))

    assert "Overall ranking" in html
    overall = re.findall(r'data-testid="ranking-row">\s*<td>(=?\d+)', html)
    assert overall == ["1", "2", "=3", "=3", "5"]
    sections = html.split('data-testid="track-ranking"')[1:]
    assert [re.search(r'<h3 class="h5">(.*?)</h3>', s).group(1) for s in sections] == ["Hardware", "Software"]
    assert re.findall(r'data-testid="track-ranking-table-row">\s*<td>(=?\d+)', sections[1]) == ["1", "=2", "=2"]


def test_results_page_of_a_jam_without_tracks_is_as_before(client):
    jam = JamFactory.judging(show_ranking=True)
    EntryFactory(team__jam=jam)
    results_publish(jam=jam)

    html = text(client.get(f"/jams/{jam.slug}/results/"))

    assert '<h2 class="h4">Ranking</h2>' in html
    assert "track-ranking" not in html
    assert 'data-testid="prize-track"' not in html


def test_results_page_groups_the_prizes_by_track(client):
    jam, tracks = scored_jam(SCORES)
    entries = {e.title: e for e in jam.entries.all()}
    Award.objects.create(prize=PrizeFactory(jam=jam, name="Best overall", order=0), entry=entries["Robot"])
    Award.objects.create(
        prize=PrizeFactory(jam=jam, name="Best app", track=tracks["Software"], order=1), entry=entries["App"]
    )
    Award.objects.create(
        prize=PrizeFactory(jam=jam, name="Best gadget", track=tracks["Hardware"], order=2), entry=entries["Lamp"]
    )
    PrizeFactory(jam=jam, name="Unawarded", track=tracks["Software"])
    results_publish(jam=jam)

    html = text(client.get(f"/jams/{jam.slug}/results/"))

    headings = re.findall(r'data-testid="prize-track">(.*?)</h2>|<h3 class="h5">(Best .*?)</h3>', html)
    assert [a or b for a, b in headings] == [
        "The whole jam", "Best overall", "Hardware", "Best gadget", "Software", "Best app",
    ]  # fmt: skip
    assert "Unawarded" not in html


def test_a_track_prize_goes_only_to_an_entry_in_the_track():
    jam, tracks = scored_jam(SCORES)
    prize = PrizeFactory(jam=jam, name="Best gadget", track=tracks["Hardware"])
    app, drone = jam.entries.get(title="App"), jam.entries.get(title="Drone")

    with pytest.raises(NotAllowed) as refused:
        award_give(prize=prize, entry=app)
    award_give(prize=prize, entry=drone)  # in Hardware and Software

    assert refused.value.message == (
        "“Best gadget” is a prize of the “Hardware” track, and “App” isn't in that track: "
        "pick an entry of the track, or make it a prize of the whole jam."
    )
    assert list(Award.objects.values_list("entry__title", flat=True)) == ["Drone"]


def test_the_admin_refuses_a_track_prize_for_an_entry_outside_the_track():
    jam, tracks = scored_jam(SCORES)
    prize = PrizeFactory(jam=jam, name="Best gadget", track=tracks["Hardware"])
    app = jam.entries.get(title="App")
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = admin.post(f"/admin/jams/jam/{jam.pk}/results/", {"prize": prize.pk, "entry": app.pk}, follow=True)
    inline = admin.post(
        f"/admin/judging/prize/{prize.pk}/change/",
        {
            "jam": jam.pk, "name": prize.name, "description": "", "order": 0, "track": tracks["Hardware"].pk,
            "awards-TOTAL_FORMS": "1", "awards-INITIAL_FORMS": "0", "awards-0-entry": app.pk,
        },
    )  # fmt: skip

    assert "isn't in that track" in text(response)
    assert inline.status_code == 200
    assert "isn't in that track" in text(inline)
    assert not Award.objects.exists()


def test_a_prizes_track_must_be_of_its_jam():
    jam, _ = scored_jam(SCORES)
    foreign = TrackFactory(jam=JamFactory(), name="Elsewhere")
    prize = Prize(jam=jam, name="Odd", track=foreign)

    with pytest.raises(ValidationError, match="not a track of"):
        prize.full_clean()


def test_public_results_queries_are_the_same_with_one_entry_and_many_in_tracks(client):
    small, small_tracks = scored_jam({"Only": (5, ["Hardware"])})
    PrizeFactory(jam=small, track=small_tracks["Hardware"])
    large, large_tracks = scored_jam(
        {f"E{i}": (1 + i % 9, [["Hardware"], ["Software"], ["Hardware", "Software"]][i % 3]) for i in range(60)}
    )
    for jam in (small, large):
        results_publish(jam=jam)
    for i in range(3):
        TrackFactory(jam=large, name=f"Extra {i}")
        PrizeFactory(jam=large, track=large_tracks["Software"])

    one = count_queries(lambda: client.get(f"/jams/{small.slug}/results/"))
    many = count_queries(lambda: client.get(f"/jams/{large.slug}/results/"))

    assert one == many


def test_admin_results_page_ranks_each_track_with_its_prizes():
    jam, tracks = scored_jam(SCORES)
    PrizeFactory(jam=jam, name="Best gadget", track=tracks["Hardware"])
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = text(admin.get(f"/admin/jams/jam/{jam.pk}/results/"))

    assert "The track's prizes: <strong>Best gadget</strong>." in html.split("<h3>Hardware</h3>")[1]
    tables = html.split('data-testid="track-results-table"')[1:]
    assert len(tables) == 2
    assert re.findall(r"<tr><td>(=?\d+)</td><td>(.*?)</td>", tables[1]) == [
        ("1", "App"),
        ("=2", "Drone"),
        ("=2", "Game"),
    ]
