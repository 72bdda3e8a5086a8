"""Issue 8 through the database: judges removed or left out, the organizer's choice of what
the public ranking shows, recusals topped up, and cached pages refreshed by each change."""

from collections import Counter
from html import unescape

import pytest
from django.db.models import RestrictedError

from judging.models import Assignment, Award, Judge, Review
from judging.selectors import judge_diagnostics, results_for_jam
from judging.services import (
    assignments_make,
    judge_recuse,
    judge_remove,
    judge_results_exclude,
    results_publish,
    review_save,
)
from tests.factories import EntryFactory, JudgeFactory, PrizeFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def panel(judging_jam, entries):
    """Three judges who each scored all three entries; the third is 2 points harsher on
    Impact and scored Entry 2 above Entry 1."""
    criteria = list(judging_jam.criteria.order_by("order"))
    judges = [JudgeFactory(jam=judging_jam, user=UserFactory(display_name=f"Judge {n}")) for n in "ABC"]
    table = {judges[0]: (5, 4, 2), judges[1]: (5, 4, 3), judges[2]: (3, 1, 2)}
    for judge, impacts in table.items():
        for entry, impact in zip(entries, impacts, strict=True):
            review_save(judge=judge, entry=entry, scores={criteria[0].pk: impact, criteria[1].pk: 3})
    return judges


def totals(jam) -> dict[str, float]:
    _criteria, rows = results_for_jam(jam=jam)
    return {row.entry.title: row.figures.calibrated for row in rows}


def test_a_removed_judge_keeps_their_reviews_in_the_results(judging_jam, entries, panel):
    before = totals(judging_jam)

    judge_remove(judge=panel[2])

    assert Review.objects.filter(judge=panel[2]).count() == 3
    assert totals(judging_jam) == before
    assert judge_diagnostics(jam=judging_jam)[1][2].figures.review_count == 3


def test_excluding_a_judge_takes_their_reviews_out_and_back(judging_jam, entries, panel):
    before = totals(judging_jam)

    judge_results_exclude(judge=panel[2], excluded=True)
    without = results_for_jam(jam=judging_jam)[1]

    assert {row.figures.review_count for row in without} == {2}
    assert [row.entry.title for row in without] == ["Entry 0", "Entry 1", "Entry 2"]
    judge_results_exclude(judge=panel[2], excluded=False)
    assert totals(judging_jam) == before


def test_deleting_a_judge_who_reviewed_is_refused(judging_jam, entries, panel):
    with pytest.raises(RestrictedError):
        panel[0].delete()
    assert Review.objects.filter(judge=panel[0]).count() == 3


def test_deleting_a_judge_in_the_admin_names_the_reviews_that_hold_it(client, organizer, panel):
    response = client.post(f"/admin/judging/judge/{panel[0].pk}/delete/", {"post": "yes"})
    assert "would require deleting the following protected related objects" in text(response)
    assert Judge.objects.filter(pk=panel[0].pk).exists()


def test_a_removed_judge_loses_the_workspace_and_unreviewed_entries_go_to_others(client, judging_jam, entries):
    judges = JudgeFactory.create_batch(3, jam=judging_jam)
    assignments_make(jam=judging_jam)
    leaving = judges[0]
    mine = list(Assignment.objects.filter(judge=leaving).values_list("entry_id", flat=True))
    criteria = list(judging_jam.criteria.all())
    review_save(
        judge=leaving, entry=entries[[e.pk for e in entries].index(mine[0])], scores={c.pk: 4 for c in criteria}
    )

    judge_remove(judge=leaving)

    kept = set(Assignment.objects.filter(judge=leaving).values_list("entry_id", flat=True))
    assert kept == {mine[0]}  # the reviewed one stays, as a record
    per_entry = Counter(Assignment.objects.filter(judge__jam=judging_jam).values_list("entry_id", flat=True))
    assert set(per_entry.values()) == {judging_jam.reviews_per_entry}
    client.force_login(leaving.user)
    assert client.get(f"/jams/{judging_jam.slug}/judge/").status_code == 403


def test_a_recusal_is_topped_up_with_loads_within_one(judging_jam):
    judging_jam.reviews_per_entry = 2
    judging_jam.save()
    made = [EntryFactory(team__jam=judging_jam) for _ in range(8)]
    judges = JudgeFactory.create_batch(4, jam=judging_jam)
    assignments_make(jam=judging_jam)
    judging_jam.refresh_from_db()
    judge = Judge.objects.select_related("jam").get(pk=judges[0].pk)
    entry = Assignment.objects.filter(judge=judge).first().entry

    judge_recuse(judge=judge, entry=entry)

    pairs = list(Assignment.objects.filter(judge__jam=judging_jam).values_list("judge_id", "entry_id"))
    assert (judge.pk, entry.pk) not in pairs
    assert set(Counter(e for _, e in pairs).values()) == {2}
    assert len(pairs) == len(made) * 2
    loads = Counter(j for j, _ in pairs).values()
    assert max(loads) - min(loads) <= 1


def test_admin_results_show_uncertainty_ties_and_judges(client, organizer, judging_jam, entries, panel):
    flat = JudgeFactory(jam=judging_jam, user=UserFactory(display_name="Flat Judge"))
    criteria = list(judging_jam.criteria.all())
    for entry in entries:
        review_save(judge=flat, entry=entry, scores={c.pk: 4 for c in criteria})
    unreviewed = EntryFactory(team__jam=judging_jam, title="Nobody read me")

    response = client.get(f"/admin/jams/jam/{judging_jam.pk}/results/")

    html = text(response)
    assert "Adjusted for judge harshness" in html
    assert 'data-testid="judge-flat"' in html
    lines = {line.judge.user.display_name: line for line in response.context["judges"]}
    assert lines["Flat Judge"].figures.flat
    assert lines["Judge C"].figures.bias < 0 < lines["Judge A"].figures.bias
    assert lines["Judge A"].figures.review_count == 3
    last, *_ = reversed(response.context["rows"])
    assert last[0].entry == unreviewed
    assert "not reviewed" in html
    assert all(row.figures.calibrated_se is not None for row, _, _ in response.context["rows"][:3])


def test_tied_entries_show_a_shared_rank(client, organizer, judging_jam, entries):
    judge = JudgeFactory(jam=judging_jam)
    criteria = list(judging_jam.criteria.all())
    for entry, value in zip(entries, (5, 4, 4), strict=True):
        review_save(judge=judge, entry=entry, scores={c.pk: value for c in criteria})

    response = client.get(f"/admin/jams/jam/{judging_jam.pk}/results/")

    ranks = [(row.entry.title, row.figures.rank, row.figures.tied) for row, _, _ in response.context["rows"]]
    assert ranks == [("Entry 0", 1, False), ("Entry 1", 2, True), ("Entry 2", 2, True)]
    assert text(response).count(">=2<") == 2


def test_organizer_chooses_whether_the_public_sees_the_margins(
    client, organizer, judging_jam, entries, panel, django_capture_on_commit_callbacks
):
    judging_jam.show_ranking = True
    judging_jam.save()
    results_publish(jam=judging_jam)
    public = f"/jams/{judging_jam.slug}/results/"
    visitor = client.__class__()
    assert 'data-testid="margin"' not in text(visitor.get(public))  # and now it is cached

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/jams/jam/{judging_jam.pk}/results/", {"show_uncertainty": "1"})

    judging_jam.refresh_from_db()
    assert judging_jam.show_uncertainty
    html = text(visitor.get(public))
    assert html.count('data-testid="margin"') == 3
    assert "standard error" in html

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/jams/jam/{judging_jam.pk}/results/", {"show_uncertainty": "0"})
    assert 'data-testid="margin"' not in text(visitor.get(public))


def test_excluding_a_judge_after_publication_refreshes_the_public_ranking(
    client, judging_jam, entries, panel, django_capture_on_commit_callbacks
):
    judging_jam.show_ranking = True
    judging_jam.save()
    results_publish(jam=judging_jam)
    public = f"/jams/{judging_jam.slug}/results/"
    first = client.get(public).context["rows"]
    before = [f"{row.figures.calibrated:.2f}" for row in first]
    assert all(score in text(client.get(public)) for score in before)

    with django_capture_on_commit_callbacks(execute=True):
        judge_results_exclude(judge=Judge.objects.select_related("jam").get(pk=panel[2].pk), excluded=True)

    after = [f"{value:.2f}" for value in totals(judging_jam).values()]
    assert after != before
    html = text(client.get(public))
    assert all(score in html for score in after)


def test_awarding_after_publication_refreshes_the_public_page(
    client, organizer, judging_jam, entries, panel, django_capture_on_commit_callbacks
):
    prize = PrizeFactory(jam=judging_jam, name="Best in show")
    results_publish(jam=judging_jam)
    public = f"/jams/{judging_jam.slug}/results/"
    visitor = client.__class__()
    before = text(visitor.get(public))  # a prize not awarded is not shown to the public

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/jams/jam/{judging_jam.pk}/results/", {"prize": prize.pk, "entry": entries[1].pk})

    after = text(visitor.get(public))
    assert Award.objects.filter(prize=prize, entry=entries[1]).exists()
    assert "Best in show" not in before
    assert entries[1].title not in before
    assert "Best in show" in after
    assert entries[1].title in after
    assert "Not awarded." not in before + after
