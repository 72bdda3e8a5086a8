"""The public results page: prizes not awarded are for organizers' eyes only, and the
score column says what it is and on which scale."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from judging.models import Award, Review, Score
from judging.services import results_publish
from tests.factories import CriterionFactory, EntryFactory, JamFactory, JudgeFactory, PrizeFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def results_url(jam) -> str:
    return f"/jams/{jam.slug}/results/"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_prizes_not_awarded_are_hidden_from_the_public_and_shown_to_organizers(judging_jam, entries):
    Award.objects.create(prize=PrizeFactory(jam=judging_jam, name="First place"), entry=entries[0])
    PrizeFactory(jam=judging_jam, name="Best poster")
    results_publish(jam=judging_jam)
    organizer = Client()
    organizer.force_login(UserFactory(is_staff=True))

    # The organizer first: their page must not be what the next visitor gets.
    for_organizer = text(organizer.get(results_url(judging_jam)))
    for_visitor = text(Client().get(results_url(judging_jam)))
    for_participant = text(client_of(entries[1].team.created_by).get(results_url(judging_jam)))

    assert "Best poster" in for_organizer
    assert "Not awarded." in for_organizer
    for page in (for_visitor, for_participant):
        assert "First place" in page
        assert entries[0].title in page
        assert "Best poster" not in page
        assert "Not awarded." not in page


def test_results_with_no_winner_and_no_ranking_say_so(client, judging_jam, entries):
    PrizeFactory(jam=judging_jam, name="Best poster")
    results_publish(jam=judging_jam)

    html = text(client.get(results_url(judging_jam)))

    assert "No winners are listed." in html
    assert "Best poster" not in html


def test_results_with_a_winner_do_not_say_there_is_none(client, judging_jam, entries):
    Award.objects.create(prize=PrizeFactory(jam=judging_jam), entry=entries[0])
    results_publish(jam=judging_jam)
    assert "No winners are listed." not in text(client.get(results_url(judging_jam)))


def ranked_jam(*, method: str, criteria: list[tuple[int, int, int]], scores: list[int]):
    """A published jam showing its ranking, ranked by `method`, with criteria given as
    (lowest, highest, weight) and one entry that one judge scored `scores`."""
    jam = JamFactory.judging(ranking_method=method, show_ranking=True)
    made = [CriterionFactory(jam=jam, scale_low=low, scale_high=high, weight=w) for low, high, w in criteria]
    entry = EntryFactory(team__jam=jam, title="Only entry")
    review = Review.objects.create(judge=JudgeFactory(jam=jam), entry=entry)
    Score.objects.bulk_create(Score(review=review, criterion=c, value=v) for c, v in zip(made, scores, strict=True))
    results_publish(jam=jam)
    return jam


def score_heading(html: str) -> str:
    cell = re.search(r'<th[^>]*data-testid="score-heading"[^>]*>(.*?)</th>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", cell).split())


@pytest.mark.parametrize(
    ("method", "criteria", "scores", "heading", "top"),
    [
        ("weighted", [(1, 5, 2), (1, 5, 1)], [5, 5], "Score (weighted mean, 1–5)", "5.00"),
        ("calibrated", [(0, 10, 1)], [10], "Score (adjusted, 0–10)", "10.00"),
        # Mixed scales: totals are shown on the scale carrying the most weight.
        ("weighted", [(1, 5, 1), (0, 10, 3)], [5, 10], "Score (weighted mean, 0–10)", "10.00"),
        ("weighted", [(1, 5, 3), (0, 10, 1)], [1, 0], "Score (weighted mean, 1–5)", "1.00"),
    ],
)
def test_score_column_names_the_method_and_the_scale_the_scores_are_on(client, method, criteria, scores, heading, top):
    jam = ranked_jam(method=method, criteria=criteria, scores=scores)

    response = client.get(results_url(jam))
    html = text(response)

    assert score_heading(html) == heading
    assert f"{response.context['rows'][0].figures.total(method):.2f}" == top  # the score is on that scale
    assert f'<td class="text-end">{top}</td>' in html
