"""Published results don't move: publishing freezes the ranking (a snapshot the public
pages read), reviews close, and only re-opening judging, an admin action that says what it
does, takes them down."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from judging.models import Judge, ResultsSnapshot, Review, Score
from judging.services import JudgingClosed, results_publish, results_reopen, review_save
from submissions.models import Entry
from tests.factories import EntryFactory, JudgeFactory, TeamFactory
from tests.judging.conftest import score_form

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def scored(judging_jam, entries):
    criteria = list(judging_jam.criteria.order_by("order"))
    judges = [JudgeFactory(jam=judging_jam), JudgeFactory(jam=judging_jam)]
    for judge in judges:
        for i, entry in enumerate(entries):
            review_save(judge=judge, entry=entry, scores={criteria[0].pk: 5 - i, criteria[1].pk: 3}, feedback="Good")
    judging_jam.show_ranking = True
    judging_jam.save(update_fields=["show_ranking"])
    return judges


def _public_order(client, jam) -> list[str]:
    """The entries' titles in the public ranking's order, as the page shows them (served
    from the cache or not)."""
    html = text(client.get(f"/jams/{jam.slug}/results/"))
    rows = html.split('data-testid="ranking-row"')[1:]
    return [re.search(r"<a [^>]*>([^<]+)</a>", row).group(1) for row in rows]


def test_publishing_takes_a_snapshot_in_rank_order(judging_jam, entries, scored):
    results_publish(jam=judging_jam)

    snapshot = ResultsSnapshot.objects.get(jam=judging_jam)
    assert [f["entry_id"] for f in snapshot.figures] == [e.pk for e in entries]
    assert snapshot.method == judging_jam.ranking_method


def test_a_review_after_publication_is_refused_and_moves_nothing(client, judging_jam, entries, scored):
    results_publish(jam=judging_jam)
    judge = Judge.objects.select_related("jam").get(pk=scored[0].pk)
    before = _public_order(client, judging_jam)
    criteria = list(judging_jam.criteria.order_by("order"))

    with pytest.raises(JudgingClosed, match=r"results of .* are published, so reviews are closed"):
        review_save(judge=judge, entry=entries[2], scores={criteria[0].pk: 5, criteria[1].pk: 5})
    client.force_login(judge.user)
    posted = client.post(f"/jams/{judging_jam.slug}/judge/{entries[2].pk}/", score_form(judging_jam, 5, 5))

    assert posted.status_code == 403
    assert "reviews are closed" in text(posted)
    assert sorted(Score.objects.filter(review__entry=entries[2]).values_list("value", flat=True)) == [3, 3, 3, 3]
    assert _public_order(client, judging_jam) == before


def test_the_public_ranking_reads_the_snapshot_not_the_live_scores(client, judging_jam, entries, scored):
    results_publish(jam=judging_jam)
    before = _public_order(client, judging_jam)

    # Scores changed behind the app's back (a shell, a bad migration): the public page holds.
    Score.objects.filter(review__entry=entries[2]).update(value=5)
    Score.objects.filter(review__entry=entries[0]).update(value=1)
    cache.clear()  # no cached copy to hide behind: the page is made afresh

    assert before == ["Entry 0", "Entry 1", "Entry 2"]
    assert _public_order(client, judging_jam) == before
    assert [e.title for e in entries] == before


def test_reopening_takes_the_results_down_and_reviews_open_again(client, judging_jam, entries, scored):
    results_publish(jam=judging_jam)
    criteria = list(judging_jam.criteria.order_by("order"))

    results_reopen(jam=judging_jam)
    judge = Judge.objects.select_related("jam").get(pk=scored[0].pk)
    review_save(judge=judge, entry=entries[2], scores={criteria[0].pk: 5, criteria[1].pk: 5})

    assert "The results are not out yet." in text(client.get(f"/jams/{judging_jam.slug}/results/"))
    assert not ResultsSnapshot.objects.exists()
    assert Review.objects.filter(judge=judge, entry=entries[2]).exists()


def test_the_admin_asks_before_reopening_and_says_what_it_does(admin_client, judging_jam, scored):
    results_publish(jam=judging_jam)
    url = f"/admin/jams/jam/{judging_jam.pk}/results/reopen/"

    asked = admin_client.get(url)
    judging_jam.refresh_from_db()
    still = judging_jam.results_published
    done = admin_client.post(url, {"confirm": "yes"}, follow=True)
    judging_jam.refresh_from_db()

    assert "The ranking frozen at publication is discarded." in text(asked)
    assert "Nobody is emailed now." in text(asked)
    assert still is True
    assert "results taken down; judges can review again" in text(done)
    assert judging_jam.results_published is False


def test_reopening_is_for_staff_who_may_change_jams(client, judging_jam, scored):
    results_publish(jam=judging_jam)
    staff = get_user_model().objects.create_user(
        email="viewer@example.com", password="x-y-z-123", is_staff=True, email_verified_at=timezone.now()
    )
    client.force_login(staff)

    response = client.post(f"/admin/jams/jam/{judging_jam.pk}/results/reopen/", {"confirm": "yes"})

    judging_jam.refresh_from_db()
    assert response.status_code == 403
    assert judging_jam.results_published is True


def test_a_drafts_own_page_works_after_publication(client, judging_jam, scored):
    draft = EntryFactory(team=TeamFactory(jam=judging_jam), title="Never finished", state=Entry.State.DRAFT)
    results_publish(jam=judging_jam)
    client.force_login(draft.team.created_by)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert "Never finished" in text(response)
