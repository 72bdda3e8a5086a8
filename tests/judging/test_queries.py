"""The judge's queue and the results table run the same queries for 300 entries as for 1."""

import pytest

from judging.models import Assignment, Review, Score
from tests.factories import CriterionFactory, EntryFactory, JamFactory, JudgeFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

BOUND = 15


def judged_jam(entries: int, reviewed: int):
    """A jam in judging with `entries` entries, all assigned to one judge, who reviewed
    `reviewed` of them on five criteria."""
    jam = JamFactory.judging(reviews_per_entry=1)
    criteria = [CriterionFactory(jam=jam) for _ in range(5)]
    judge = JudgeFactory(jam=jam)
    made = [EntryFactory(team__jam=jam) for _ in range(entries)]
    Assignment.objects.bulk_create(Assignment(judge=judge, entry=e) for e in made)
    jam.assignments_made_at = jam.starts_at
    jam.save()
    for entry in made[:reviewed]:
        review = Review.objects.create(judge=judge, entry=entry, feedback="ok")
        Score.objects.bulk_create(Score(review=review, criterion=c, value=3) for c in criteria)
    return jam, judge


def test_judge_queue_queries_do_not_grow(client):
    small_jam, small_judge = judged_jam(1, 0)
    large_jam, large_judge = judged_jam(300, 100)

    client.force_login(small_judge.user)
    one = count_queries(lambda: client.get(f"/jams/{small_jam.slug}/judge/"))
    client.force_login(large_judge.user)
    response = client.get(f"/jams/{large_jam.slug}/judge/")
    many = count_queries(lambda: client.get(f"/jams/{large_jam.slug}/judge/"))

    assert len(response.context["work"].queue) == 200
    assert len(response.context["work"].reviews) == 100
    assert one == many
    assert many <= BOUND


def test_admin_results_table_queries_do_not_grow(client):
    small_jam, _ = judged_jam(1, 1)
    large_jam, _ = judged_jam(300, 300)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    one = count_queries(lambda: client.get(f"/admin/jams/jam/{small_jam.pk}/results/"))
    response = client.get(f"/admin/jams/jam/{large_jam.pk}/results/")
    many = count_queries(lambda: client.get(f"/admin/jams/jam/{large_jam.pk}/results/"))

    assert len(response.context["rows"]) == 300
    assert one == many
    assert many <= BOUND


def test_public_results_queries_do_not_grow(client):
    small_jam, _ = judged_jam(1, 1)
    large_jam, _ = judged_jam(300, 300)
    for jam in (small_jam, large_jam):
        jam.results_published_at = jam.judging_ends_at
        jam.show_ranking = True
        jam.save()

    one = count_queries(lambda: client.get(f"/jams/{small_jam.slug}/results/"))
    many = count_queries(lambda: client.get(f"/jams/{large_jam.slug}/results/"))

    assert one == many
    assert many <= BOUND
