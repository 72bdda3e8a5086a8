"""The organizers' side of pairwise judging: the results page with comparisons and judges'
reliability, the CSV, and leaving a judge's votes out."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.messages import get_messages

from jams.models import Jam
from judging.models import Comparison, PairwiseEntry
from judging.pairwise_services import pairwise_next, pairwise_vote
from tests.factories import EntryFactory, JamFactory, JudgeFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted():
    """A pairwise jam where two judges made a comparison each."""
    jam = JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE)
    entries = [EntryFactory(team__jam=jam, title=f"Stand {i}", table=f"T{i}") for i in range(4)]
    judges = [JudgeFactory(jam=jam, user=UserFactory(display_name=name)) for name in ("Ada", "Bo")]
    for judge in judges:
        state = pairwise_next(judge=judge, current_id=None)
        state = pairwise_next(judge=judge, current_id=state.current_id)
        pairwise_vote(judge=judge, first_id=state.previous_id, second_id=state.current_id, winner_id=state.current_id)
    return jam, entries, judges


def test_results_page_shows_comparisons_and_reliability(client, organizer, voted):
    jam, _entries, _judges = voted

    response = client.get(f"/admin/jams/jam/{jam.pk}/results/")

    assert response.status_code == 200
    assert "Comparisons made" in response.text
    assert [(line.judge.user.display_name, line.comparisons_made) for line in response.context["judges"]] == [
        ("Ada", 1),
        ("Bo", 1),
    ]
    assert all(0.5 < line.reliability < 1 for line in response.context["judges"])
    counts = sum(row.figures.review_count for row, _ in response.context["rows"])
    assert counts == 4  # two votes, two entries each


def test_a_judge_without_votes_has_no_reliability_yet(client, organizer, voted):
    jam, _entries, _judges = voted
    JudgeFactory(jam=jam, user=UserFactory(display_name="Cy"))

    response = client.get(f"/admin/jams/jam/{jam.pk}/results/")

    lines = {line.judge.user.display_name: line for line in response.context["judges"]}
    assert (lines["Cy"].comparisons_made, lines["Cy"].reliability) == (0, None)
    assert lines["Ada"].reliability is not None
    assert 'data-testid="judge-reliability">no votes yet</td>' in response.text


def test_results_csv_for_a_pairwise_jam(client, organizer, voted):
    jam, entries, _judges = voted

    response = client.get(f"/admin/jams/jam/{jam.pk}/results/?format=csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-3:] == ["comparisons", "mean (Crowd-BT)", "standard deviation"]
    assert len(rows) == 1 + len(entries)
    winners = [r for r in rows[1:] if r[0] == "1"]
    assert winners and all(float(r[7]) > 0 for r in winners)


def test_leaving_a_judge_out_recomputes_without_their_votes(client, organizer, voted):
    jam, _entries, judges = voted
    before = dict(PairwiseEntry.objects.values_list("pk", "mu"))

    response = client.post(
        "/admin/judging/judge/",
        {"action": "exclude_from_results", "_selected_action": [judges[0].pk, judges[1].pk]},
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Their votes are kept but no longer count in the results."
    ]
    assert any(mu != 0 for mu in before.values())
    assert set(PairwiseEntry.objects.values_list("mu", flat=True)) == {0.0}
    rows = client.get(f"/admin/jams/jam/{jam.pk}/results/").context["rows"]
    assert all(row.figures.rank is None for row, _ in rows)
    judges_list = client.get("/admin/judging/judge/", {"jam__id__exact": jam.pk}).text
    assert len(re.findall(r"(?<!or )votes left out of the results", judges_list)) == 2  # the two judges' status
    assert "By reviews or votes left out of the results" in judges_list  # the filter's title


def test_judge_actions_name_reviews_or_votes_by_the_judges_jams(client, organizer, voted):
    _jam, _entries, judges = voted
    reviewer = JudgeFactory(jam=JamFactory.judging())
    actions = client.get("/admin/judging/judge/").text
    assert "Leave their reviews or votes out of the results" in actions
    assert "Count their reviews or votes in the results again" in actions

    response = client.post(
        "/admin/judging/judge/", {"action": "count_in_results", "_selected_action": [judges[0].pk, reviewer.pk]}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Their reviews or votes count in the results again."
    ]
    client.get("/admin/judging/judge/")  # the message shown
    response = client.post(
        "/admin/judging/judge/", {"action": "exclude_from_results", "_selected_action": [reviewer.pk]}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Their reviews are kept but no longer count in the results."
    ]


def test_judges_list_shows_comparisons_made_in_a_pairwise_jam(client, organizer, voted):
    jam, _entries, _judges = voted

    response = client.get("/admin/judging/judge/", {"jam__id__exact": jam.pk})

    assert response.text.count("1 comparison made") == 2


def test_results_page_ranks_each_track_among_itself(client, organizer):
    jam = JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE)
    hardware = jam.tracks.create(name="Hardware")
    robot, drone, lamp = (EntryFactory(team__jam=jam, title=t) for t in ("Robot", "Drone", "Lamp"))
    for entry, mu in ((robot, 0.9), (drone, -0.4), (lamp, 0.3)):
        PairwiseEntry.objects.create(entry=entry, mu=mu, sigma_sq=0.5)
    robot.tracks.add(hardware)
    drone.tracks.add(hardware)
    judge = JudgeFactory(jam=jam)
    Comparison.objects.create(judge=judge, winner=robot, loser=drone, winner_first=True)
    Comparison.objects.create(judge=judge, winner=lamp, loser=drone, winner_first=True)

    response = client.get(f"/admin/jams/jam/{jam.pk}/results/")

    ((ranking, _track_prizes),) = response.context["track_rankings"]
    assert [(row.entry.title, row.figures.rank) for row in ranking.rows] == [("Robot", 1), ("Drone", 2)]
    assert "By track" in response.text


def test_results_page_queries_do_not_grow_with_the_entries(client, organizer):
    """Each entry's "times seen" (its PairwiseEntry, absent for an entry no judge was sent
    to yet) comes with the entries: as many queries at 1 entry as at 20."""
    jam = JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE)
    JudgeFactory(jam=jam, user=UserFactory(display_name="Ada"))

    def add_entries(count: int) -> None:
        for i in range(count):
            entry = EntryFactory(team__jam=jam, title=f"Stand {i}")
            if i % 2:
                PairwiseEntry.objects.create(entry=entry, mu=0.0, sigma_sq=1.0, times_seen=3)

    def page():
        response = client.get(f"/admin/jams/jam/{jam.pk}/results/")
        assert response.status_code == 200
        return response

    add_entries(1)
    page()  # the session and the site's first reads, out of the count
    one = count_queries(page)
    add_entries(19)
    many = count_queries(page)
    response = page()

    assert one == many
    # No votes yet, so no ranks: the cells of 3 are the times seen of the 9 entries with
    # a PairwiseEntry; the 11 without one show 0, not an error.
    assert response.text.count("<td>3</td>") == 9
    assert [row.entry.title for row, _ in response.context["rows"]].count("Stand 0") == 2
