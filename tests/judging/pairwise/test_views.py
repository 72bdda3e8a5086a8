"""The judge's pairwise page and its forms: who may use it and when, refusals shown as
messages with nothing changed, and its query count at 1 and 300 entries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from jams.models import Jam
from judging import crowd_bt
from judging.models import Comparison, Conflict, PairwiseEntry, PairwiseJudge, Skip
from judging.pairwise_services import pairwise_next, pairwise_skip
from judging.services import results_publish
from tests.factories import EntryFactory, JamFactory, JudgeFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

# The judge's page: session, user, jam, judge, their state with both entries, their last
# vote and their last skip (the undo button is for the later of the two), and whether they
# may still judge both entries.
PAGE_QUERIES = 8
# A vote: the page's first four, the jam's lock, the judge read again under it, the checks,
# the vote, the figures, the choice of the next entry, the state; then the message's titles
# come from the same rows.
VOTE_QUERIES = 29  # one of them the judge's votes, to re-read their reliability for the next pair
VOTE_QUERIES_WITH_TRACKS = 30  # the judge's tracks once more, in the check (the entries' in one query)


def url(jam, name="pairwise") -> str:
    return reverse(f"judging:{name}", kwargs={"slug": jam.slug})


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def undo_form(client, jam) -> dict:
    """What the page's "Undo my last choice" form posts."""
    return {"choice": re.search(r'name="choice" value="([^"]+)"', client.get(url(jam)).text)[1]}


def test_page_walks_to_a_pair_and_votes(client, jam, judge):
    a = EntryFactory(team__jam=jam, title="Alpha", table="Table 4")
    EntryFactory(team__jam=jam, title="Beta")
    client.force_login(judge.user)

    page = client.get(url(jam))
    assert page.status_code == 200
    assert "0 comparisons made" in page.text
    client.post(url(jam, "pairwise_next"))
    first = PairwiseJudge.objects.get(judge=judge).current
    client.post(url(jam, "pairwise_next"), {"entry": first.pk})
    state = PairwiseJudge.objects.get(judge=judge)
    page = client.get(url(jam))
    assert "Which was better?" in page.text
    assert "Table 4" in page.text

    response = client.post(
        url(jam, "pairwise_vote"), {"first": state.previous_id, "second": state.current_id, "winner": a.pk}
    )

    assert response.status_code == 302
    assert Comparison.objects.get().winner == a
    assert texts(response) == ["Recorded: “Alpha” was better than “Beta”."]
    assert "1 comparison made" in client.get(url(jam)).text
    assert "Undo my last choice" in client.get(url(jam)).text


def test_undo_a_skip_from_the_page(client, jam, judge):
    EntryFactory(team__jam=jam, title="Alpha")
    EntryFactory(team__jam=jam, title="Beta")
    EntryFactory(team__jam=jam, title="Gamma")
    client.force_login(judge.user)
    state = pairwise_next(judge=judge, current_id=None)
    state = pairwise_next(judge=judge, current_id=state.current_id)
    before = (state.previous_id, state.current_id)
    assert "Undo my last choice" not in client.get(url(jam)).text
    client.post(url(jam, "pairwise_skip"), {"entry": state.current_id, "reason": "absent"})
    assert "Undo my last choice (for a minute after it)" in client.get(url(jam)).text

    response = client.post(url(jam, "pairwise_undo"), undo_form(client, jam))

    assert texts(response) == [f"Your skip of “{state.current.title}” is undone: you're back at it."]
    state = PairwiseJudge.objects.get(judge=judge)
    assert (state.previous_id, state.current_id) == before
    assert not Skip.objects.exists()


def test_undo_a_conflict_skip_from_the_page(client, jam, judge):
    EntryFactory.create_batch(3, team__jam=jam)
    client.force_login(judge.user)
    state = pairwise_next(judge=judge, current_id=None)
    client.post(url(jam, "pairwise_skip"), {"entry": state.current_id, "reason": "conflict"})
    client.get(url(jam))  # its message shown

    response = client.post(url(jam, "pairwise_undo"), undo_form(client, jam))

    assert texts(response) == [f"Your conflict with “{state.current.title}” is taken back: you're back at it."]
    assert not Conflict.objects.exists()
    assert PairwiseJudge.objects.get(judge=judge).current_id == state.current_id


def test_undo_of_a_skip_into_an_organizers_conflict_is_refused_on_the_page(client, jam, judge):
    EntryFactory.create_batch(3, team__jam=jam)
    client.force_login(judge.user)
    state = pairwise_next(judge=judge, current_id=None)
    client.post(url(jam, "pairwise_skip"), {"entry": state.current_id, "reason": "absent"})
    client.get(url(jam))  # its message shown
    Conflict.objects.create(judge=judge, entry=state.current, source=Conflict.Source.ORGANIZER)
    after = PairwiseJudge.objects.get(judge=judge).current_id

    response = client.post(url(jam, "pairwise_undo"), undo_form(client, jam))

    assert response.status_code == 302
    assert texts(response) == [
        f"Your skip of “{state.current.title}” stands: you can't be sent back to it now (an organizer "
        "marked a conflict, the team withdrew it, or its tracks changed)."
    ]
    assert Skip.objects.filter(entry=state.current).exists()
    assert PairwiseJudge.objects.get(judge=judge).current_id == after


def test_a_second_tap_on_undo_undoes_nothing_more(client, jam, judge):
    EntryFactory.create_batch(4, team__jam=jam)
    client.force_login(judge.user)
    state = pairwise_next(judge=judge, current_id=None)
    state = pairwise_next(judge=judge, current_id=state.current_id)
    for _ in range(2):
        client.post(url(jam, "pairwise_vote"), {"first": state.previous_id, "second": state.current_id,
                                                "winner": state.current_id})  # fmt: skip
        state = PairwiseJudge.objects.get(judge=judge)
    first_vote = Comparison.objects.order_by("id").first()
    form = undo_form(client, jam)  # the page offers the second vote

    client.post(url(jam, "pairwise_undo"), form)
    response = client.post(url(jam, "pairwise_undo"), form)  # the same form again: a double tap

    assert texts(response)[-1:] == [
        "That choice is no longer your last one (it was undone already, or you made another since): "
        "nothing more was undone. Here is where you are now."
    ]
    assert list(Comparison.objects.all()) == [first_vote]
    assert PairwiseJudge.objects.get(judge=judge).comparisons_made == 1


def test_undo_without_saying_which_choice_undoes_nothing(client, jam, judge):
    EntryFactory.create_batch(3, team__jam=jam)
    client.force_login(judge.user)
    state = pairwise_next(judge=judge, current_id=None)
    pairwise_skip(judge=judge, entry_id=state.current_id, reason=Skip.Reason.ABSENT)

    response = client.post(url(jam, "pairwise_undo"))

    assert texts(response) == ["That form was incomplete; nothing was recorded. Please try again."]
    assert Skip.objects.count() == 1


def test_another_judge_cannot_undo_yours(client, jam, judge):
    EntryFactory.create_batch(3, team__jam=jam)
    state = pairwise_next(judge=judge, current_id=None)
    skip = pairwise_skip(judge=judge, entry_id=state.current_id, reason=Skip.Reason.CONFLICT)
    after_skip = PairwiseJudge.objects.filter(judge=judge).values_list("previous_id", "current_id").get()
    other = JudgeFactory(jam=jam)
    client.force_login(other.user)

    response = client.post(url(jam, "pairwise_undo"), {"choice": f"skip-{skip.pk}"})

    assert texts(response) == ["You haven't voted or skipped an entry yet, so there is nothing to undo."]
    assert list(Skip.objects.values_list("judge_id", "entry_id")) == [(judge.pk, state.current_id)]
    assert list(Conflict.objects.values_list("judge_id", "entry_id")) == [(judge.pk, state.current_id)]
    assert PairwiseJudge.objects.filter(judge=judge).values_list("previous_id", "current_id").get() == after_skip


def test_vote_on_another_pair_shows_why_and_saves_nothing(client, jam, judge):
    entries = [EntryFactory(team__jam=jam) for _ in range(3)]
    client.force_login(judge.user)
    state = pairwise_next(judge=judge, current_id=None)
    state = pairwise_next(judge=judge, current_id=state.current_id)
    other = next(e for e in entries if e.pk not in (state.previous_id, state.current_id))

    response = client.post(
        url(jam, "pairwise_vote"), {"first": state.previous_id, "second": other.pk, "winner": other.pk}
    )

    assert response.status_code == 302
    assert "no longer the one you're comparing" in texts(response)[0]
    assert not Comparison.objects.exists()


def test_damaged_form_is_refused_plainly(client, jam, judge):
    client.force_login(judge.user)

    response = client.post(url(jam, "pairwise_vote"), {"first": "x", "second": "2", "winner": "2"})

    assert texts(response) == ["That form was damaged on the way; nothing was recorded. Please try again."]
    client.get(url(jam))  # the message shown
    response = client.post(url(jam, "pairwise_vote"), {"first": "1"})
    assert texts(response) == ["That form was incomplete; nothing was recorded. Please try again."]
    assert not Comparison.objects.exists()


def test_page_only_for_the_jams_active_judges(client, jam, judge):
    client.force_login(UserFactory())
    assert client.get(url(jam)).status_code == 403
    assert client.post(url(jam, "pairwise_next")).status_code == 403
    judge.removed_at = timezone.now()
    judge.save()
    client.force_login(judge.user)
    assert client.get(url(jam)).status_code == 403
    client.logout()
    assert client.get(url(jam)).status_code == 302  # to log in


def test_page_says_judging_is_closed_and_votes_are_refused(client, judge):
    jam = judge.jam
    jam.judging_ends_at = timezone.now() - timedelta(minutes=1)
    jam.submission_deadline = jam.judging_ends_at - timedelta(days=1)
    jam.save()
    client.force_login(judge.user)

    assert "has ended" in client.get(url(jam)).text
    response = client.post(url(jam, "pairwise_next"))
    assert "has ended" in texts(response)[0]
    assert not PairwiseJudge.objects.exists()


def test_rubric_jam_sends_judges_to_their_queue_and_back(client):
    rubric = JamFactory.judging()
    judge = JudgeFactory(jam=rubric)
    client.force_login(judge.user)
    assert client.get(url(rubric)).url == reverse("judging:workspace", kwargs={"slug": rubric.slug})

    pairwise_jam = JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE)
    client.force_login(JudgeFactory(jam=pairwise_jam).user)
    assert client.get(reverse("judging:workspace", kwargs={"slug": pairwise_jam.slug})).url == url(pairwise_jam)


@pytest.mark.parametrize("tracks", [False, True], ids=["no tracks", "tracks"])
@pytest.mark.parametrize("count", [1, 300])
def test_page_queries_do_not_grow_with_entries(client, jam, judge, count, tracks):
    """The same bound at 1 entry and at 300: the page and a vote with its choice of the
    next entry; with tracks, the judge is limited to one and the entries are in it."""
    entries = EntryFactory.create_batch(count + 2, team__jam=jam)  # a pair, and one to send the judge to next
    if tracks:
        mine, other = jam.tracks.create(name="Mine"), jam.tracks.create(name="Other")
        judge.tracks.add(mine)
        for entry in entries:
            entry.tracks.add(mine)
        EntryFactory(team__jam=jam).tracks.add(other)
    client.force_login(judge.user)
    state = pairwise_next(judge=judge, current_id=None)
    state = pairwise_next(judge=judge, current_id=state.current_id)

    page = count_queries(lambda: client.get(url(jam)))
    data = {"first": state.previous_id, "second": state.current_id, "winner": state.current_id}
    vote = count_queries(lambda: client.post(url(jam, "pairwise_vote"), data))

    assert Comparison.objects.count() == 1
    assert (page, vote) == (PAGE_QUERIES, VOTE_QUERIES_WITH_TRACKS if tracks else VOTE_QUERIES)


def test_published_pairwise_results_on_the_page_the_api_and_the_gallery(client, jam, judge):
    """The one results service feeds every public view with method "pairwise": the page
    with ± (the jam shows margins), the API, and the gallery's rank order."""
    best, good, last = (EntryFactory(team__jam=jam, title=t) for t in ("Best stand", "Good stand", "Last stand"))
    for entry, mu in ((best, 1.25), (good, 0.5), (last, -0.75)):
        PairwiseEntry.objects.create(entry=entry, mu=mu, sigma_sq=0.04)
    Comparison.objects.create(judge=judge, winner=best, loser=good, winner_first=True)
    Comparison.objects.create(judge=judge, winner=good, loser=last, winner_first=True)
    jam.show_ranking = jam.show_uncertainty = True
    jam.save()
    results_publish(jam=jam)

    page = client.get(reverse("judging:results", kwargs={"slug": jam.slug}))
    api = client.get(f"/api/v1/jams/{jam.slug}/results").json()["ranking"]
    gallery = client.get(reverse("submissions:entry_list", kwargs={"slug": jam.slug}), {"sort": "rank"})

    # The figures are Crowd-BT fitted to the two votes (crowd_bt.refit), not the stored
    # online ones set above.
    votes = Comparison.objects.order_by("id").values_list("judge_id", "winner_id", "loser_id")
    fitted, _ = crowd_bt.refit(list(votes), prior=crowd_bt.JUDGES_PRIOR)
    html = " ".join(page.text.split())
    assert html.index("Best stand") < html.index("Good stand") < html.index("Last stand")
    assert "Judges compared entries two at a time" in html
    top = fitted[best.pk]
    assert f'<td class="text-end">{top.mu:.2f}</td> <td class="text-end" data-testid="margin">' in html
    assert api["method"] == "pairwise"
    assert [(r["rank"], r["entry"]["title"], r["score"], r["margin"]) for r in api["rows"]] == [
        (
            rank,
            entry.title,
            pytest.approx(fitted[entry.pk].mu, abs=0.01),
            pytest.approx(fitted[entry.pk].sigma_sq ** 0.5, abs=0.01),
        )
        for rank, entry in enumerate((best, good, last), start=1)
    ]
    assert fitted[best.pk].mu > fitted[good.pk].mu > fitted[last.pk].mu
    titles = [e.title for e in gallery.context["page"].object_list]
    assert titles == ["Best stand", "Good stand", "Last stand"]
