"""The gallery's sorts and filters, its prize badges and the entry page's: what each
choice shows, when the results' choices are offered, links that keep the choices, bad
values that fall back to the defaults, and the same queries for one entry as for many."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from judging.models import Award, Review, Score
from judging.services import results_publish
from submissions.models import Entry
from tests.factories import CriterionFactory, EntryFactory, JamFactory, JudgeFactory, PrizeFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

BOUND = 12  # as for the gallery with no choice (test_gallery.py); the ranking adds four


def gallery(client, jam, **params):
    return client.get(f"/jams/{jam.slug}/entries/", params)


def titles(response) -> list[str]:
    return [entry.title for entry in response.context["entries"]]


def text(response) -> str:
    return unescape(response.content.decode())


def entries_made(jam, names: list[str]) -> list[Entry]:
    """Entries submitted a minute apart in the order named: the last is the newest."""
    start = timezone.now() - timedelta(hours=1)
    return [
        EntryFactory(team__jam=jam, title=name, submitted_at=start + timedelta(minutes=i))
        for i, name in enumerate(names)
    ]


def scored(jam, entries: list[Entry], totals: list[int | None]) -> None:
    """One judge's review of each entry, every criterion at the given score (None: not
    reviewed). Rows written directly: the judging window need not be open."""
    criteria = list(jam.criteria.all()) or [CriterionFactory(jam=jam)]
    judge = JudgeFactory(jam=jam)
    for entry, total in zip(entries, totals, strict=True):
        if total is None:
            continue
        review = Review.objects.create(judge=judge, entry=entry)
        Score.objects.bulk_create(Score(review=review, criterion=c, value=total) for c in criteria)


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """Publish a jam's results (after the changes given) as a request does: the cached
    pages' versions move when it commits."""

    def publish(jam, **changes):
        for name, value in changes.items():
            setattr(jam, name, value)
        jam.save()
        with django_capture_on_commit_callbacks(execute=True):
            return results_publish(jam=jam)

    return publish


@pytest.fixture
def judged_jam(db):
    return JamFactory.judging()


# Sorting -------------------------------------------------------------------------------


def test_gallery_sorts_by_title_ignoring_case_with_ties_by_id(client, running_jam):
    made = entries_made(running_jam, ["beta", "Alpha", "Gamma", "alpha"])

    response = gallery(client, running_jam, sort="title")

    assert titles(response) == ["Alpha", "alpha", "beta", "Gamma"]
    assert [e.pk for e in response.context["entries"]][:2] == [made[1].pk, made[3].pk]


def test_gallery_newest_first_is_the_default_and_a_choice(client, running_jam):
    entries_made(running_jam, ["Old", "Middle", "New"])

    assert titles(gallery(client, running_jam)) == ["New", "Middle", "Old"]
    assert titles(gallery(client, running_jam, sort="newest")) == ["New", "Middle", "Old"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "nonsense"},
        {"sort": "rank"},  # not offered: no results yet
        {"sort": "best"},  # only offered with a search
        {"show": "winners"},  # not offered: no results yet
        {"show": "<script>"},
        {"page": "x"},
        {"page": "-3"},
        {"sort": ["title", "rank"], "show": ""},  # the last value counts: rank, not offered
    ],
)
def test_gallery_choices_not_offered_fall_back_to_the_defaults(client, running_jam, params):
    entries_made(running_jam, ["Old", "New"])

    response = gallery(client, running_jam, **params)

    assert response.status_code == 200
    assert titles(response) == ["New", "Old"]
    assert "<script>" not in response.content.decode()


def test_gallery_takes_the_last_value_of_a_repeated_choice(client, running_jam):
    entries_made(running_jam, ["B", "A", "C"])
    assert titles(client.get(f"/jams/{running_jam.slug}/entries/?sort=newest&sort=title")) == ["A", "B", "C"]


def test_gallery_sort_by_title_pages_in_a_stable_order(client, running_jam):
    # Equal titles: only the id tells them apart, and no entry may show on two pages.
    for _ in range(30):
        EntryFactory(team__jam=running_jam, title="Same")

    first = gallery(client, running_jam, sort="title")
    second = gallery(client, running_jam, sort="title", page=2)
    ids = [e.pk for e in first.context["entries"]] + [e.pk for e in second.context["entries"]]

    assert len(first.context["entries"]) == 24
    assert ids == sorted(Entry.objects.filter(jam=running_jam).values_list("pk", flat=True))


def test_gallery_page_links_keep_the_search_the_filter_and_the_sort(client, judged_jam, published):
    made = [EntryFactory(team__jam=judged_jam, title=f"Probe {n:02}") for n in range(26)]
    prize = PrizeFactory(jam=judged_jam, name="Mention")
    Award.objects.bulk_create(Award(prize=prize, entry=entry) for entry in made)
    published(judged_jam)

    response = gallery(client, judged_jam, q="probe", show="winners", sort="title")
    html = response.content.decode()

    assert 'href="?q=probe&amp;show=winners&amp;sort=title&amp;page=2"' in html
    assert titles(response) == [f"Probe {n:02}" for n in range(24)]


def test_gallery_page_links_leave_out_the_defaults(client, running_jam):
    for _ in range(25):
        EntryFactory(team__jam=running_jam)
    html = gallery(client, running_jam, sort="newest", show="").content.decode()
    assert 'href="?page=2"' in html


def test_gallery_search_offers_best_match_first_and_keeps_another_sort(client, running_jam):
    entries_made(running_jam, ["Probe B", "Probe A", "Other"])

    searched = gallery(client, running_jam, q="probe")
    by_title = gallery(client, running_jam, q="probe", sort="title")

    assert searched.context["choices"].sort.chosen == "best"
    assert [o.value for o in searched.context["choices"].sort.options] == ["best", "newest", "title"]
    assert titles(by_title) == ["Probe A", "Probe B"]


# The results' choices ------------------------------------------------------------------


def test_gallery_sorts_by_rank_once_the_ranking_is_public(client, judged_jam, published):
    made = entries_made(judged_jam, ["Third", "First", "Unreviewed", "Second"])
    scored(judged_jam, made, [2, 5, None, 4])

    before = gallery(client, judged_jam, sort="rank")
    published(judged_jam, show_ranking=True)
    after = gallery(client, judged_jam, sort="rank")

    assert titles(before) == ["Second", "Unreviewed", "First", "Third"]  # newest first: not offered
    assert "rank" not in [o.value for o in before.context["choices"].sort.options]
    assert titles(after) == ["First", "Second", "Third", "Unreviewed"]
    assert after.context["choices"].sort.chosen == "rank"


def test_gallery_rank_is_not_offered_when_the_jam_shows_only_its_winners(client, judged_jam, published):
    made = entries_made(judged_jam, ["Low", "High"])
    scored(judged_jam, made, [1, 5])
    published(judged_jam, show_ranking=False)

    response = gallery(client, judged_jam, sort="rank")

    assert titles(response) == ["High", "Low"]  # newest first, which is not the ranking here
    assert "Rank in the results" not in text(response)
    assert response.context["choices"].sort.chosen == "newest"


def test_gallery_rank_pages_in_the_ranking_order_with_ties_by_id(client, judged_jam, published):
    made = [EntryFactory(team__jam=judged_jam, title=f"E{n:02}") for n in range(30)]
    totals = [5 - n % 5 for n in range(30)]  # six entries on each score
    scored(judged_jam, made, totals)
    published(judged_jam, show_ranking=True)
    expected = [e.pk for total, e in sorted(zip(totals, made, strict=True), key=lambda t: (-t[0], t[1].pk))]

    first = gallery(client, judged_jam, sort="rank")
    second = gallery(client, judged_jam, sort="rank", page=2)

    shown = [e.pk for e in first.context["entries"]] + [e.pk for e in second.context["entries"]]
    assert shown == expected
    assert first.context["page"].paginator.count == 30


def test_gallery_rank_puts_the_teams_own_draft_last(client, judged_jam, published):
    made = entries_made(judged_jam, ["Low", "High"])
    scored(judged_jam, made, [1, 5])
    draft = EntryFactory(team__jam=judged_jam, title="Our draft", state=Entry.State.DRAFT, submitted_at=None)
    published(judged_jam, show_ranking=True)
    client.force_login(draft.team.created_by)

    assert titles(gallery(client, judged_jam, sort="rank")) == ["High", "Low", "Our draft"]


def test_gallery_shows_only_the_prize_winners_when_asked(client, judged_jam, published):
    made = entries_made(judged_jam, ["Winner", "Also ran", "Mentioned"])
    Award.objects.create(prize=PrizeFactory(jam=judged_jam, name="First place"), entry=made[0])
    Award.objects.create(prize=PrizeFactory(jam=judged_jam, name="Honourable mention"), entry=made[2])

    before = gallery(client, judged_jam, show="winners")
    published(judged_jam)
    after = gallery(client, judged_jam, show="winners")

    assert titles(before) == ["Mentioned", "Also ran", "Winner"]  # not offered before the results
    assert 'data-testid="gallery-show"' not in before.content.decode()
    assert titles(after) == ["Mentioned", "Winner"]
    assert 'data-testid="gallery-show"' in after.content.decode()


def test_gallery_offers_no_winners_filter_when_nothing_was_awarded(client, judged_jam, published):
    entries_made(judged_jam, ["Entry"])
    PrizeFactory(jam=judged_jam)
    published(judged_jam)

    response = gallery(client, judged_jam, show="winners")

    assert titles(response) == ["Entry"]
    assert 'data-testid="gallery-show"' not in response.content.decode()


def test_gallery_says_when_no_winner_matches_the_search(client, judged_jam, published):
    made = entries_made(judged_jam, ["Winner", "Probe"])
    Award.objects.create(prize=PrizeFactory(jam=judged_jam), entry=made[0])
    published(judged_jam)

    html = text(gallery(client, judged_jam, show="winners", q="probe"))

    assert "No entry matches “probe” among those shown." in html


# Badges --------------------------------------------------------------------------------


def badges(html: str) -> list[str]:
    import re

    return re.findall(r'data-testid="prize-badge"><span aria-hidden="true">🏆</span> ([^<]+)</span>', html)


def test_winners_are_badged_in_the_gallery_only_once_the_results_are_out(client, judged_jam, published):
    made = entries_made(judged_jam, ["Winner", "Also ran"])
    first = PrizeFactory(jam=judged_jam, name="First place", order=1)
    people = PrizeFactory(jam=judged_jam, name="People's choice", order=0)
    Award.objects.create(prize=first, entry=made[0])
    Award.objects.create(prize=people, entry=made[0])

    before = text(gallery(client, judged_jam))
    published(judged_jam)
    after = text(gallery(client, judged_jam))

    assert badges(before) == []
    assert badges(after) == ["People's choice", "First place"]  # in the prizes' order


def test_winners_are_badged_on_their_entry_page_once_the_results_are_out(client, judged_jam, published):
    winner, other = entries_made(judged_jam, ["Winner", "Other"])
    Award.objects.create(prize=PrizeFactory(jam=judged_jam, name="First place"), entry=winner)

    before = text(client.get(winner.get_absolute_url()))
    published(judged_jam)
    after = text(client.get(winner.get_absolute_url()))
    elsewhere = text(client.get(other.get_absolute_url()))

    assert badges(before) == []
    assert badges(after) == ["First place"]
    assert badges(elsewhere) == []


# The page cache ------------------------------------------------------------------------


def test_each_choice_is_cached_as_its_own_page(running_jam):
    entries_made(running_jam, ["A", "B"])
    url = f"/jams/{running_jam.slug}/entries/"

    by_title = Client().get(url, {"sort": "title"})
    newest = Client().get(url)
    by_title_again = Client().get(url, {"sort": "title"})

    assert titles(by_title) == ["A", "B"]
    assert titles(newest) == ["B", "A"]
    assert by_title_again.context is None  # served from the cache
    assert by_title_again.content == by_title.content


def test_a_teams_draft_never_reaches_a_visitor_through_a_sorted_gallery(running_jam):
    EntryFactory(team__jam=running_jam, title="Public Entry")
    draft = EntryFactory(team__jam=running_jam, title="Secret Draft", state=Entry.State.DRAFT, submitted_at=None)
    member = Client()
    member.force_login(draft.team.created_by)
    url = f"/jams/{running_jam.slug}/entries/"

    seen_by_member = text(member.get(url, {"sort": "title"}))
    seen_by_visitor = text(Client().get(url, {"sort": "title"}))

    assert "Secret Draft" in seen_by_member
    assert "Secret Draft" not in seen_by_visitor


# Queries -------------------------------------------------------------------------------


def judged_entries(count: int):
    """A jam with published results and its ranking shown: `count` entries, each
    reviewed, the first of them awarded a prize."""
    jam = JamFactory.judging(show_ranking=True)
    made = [EntryFactory(team__jam=jam) for _ in range(count)]
    CriterionFactory.create_batch(3, jam=jam)
    scored(jam, made, [1 + n % 5 for n in range(count)])
    Award.objects.create(prize=PrizeFactory(jam=jam), entry=made[0])
    results_publish(jam=jam)
    return jam


CHOICES = [
    {},
    {"sort": "title"},
    {"sort": "rank"},
    {"show": "winners"},
    {"show": "winners", "sort": "rank"},
    {"q": "entry", "sort": "title"},
    {"q": "entry", "sort": "rank"},
    {"q": "entry"},
]


@pytest.mark.parametrize("params", CHOICES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "default")
def test_gallery_queries_do_not_grow_with_entries_for_each_choice(client, params):
    small, large = judged_entries(1), judged_entries(60)
    client.force_login(UserFactory())

    one = count_queries(lambda: gallery(client, small, **params))
    response = gallery(client, large, **params)
    many = count_queries(lambda: gallery(client, large, **params))

    winners_only = params.get("show") == "winners"
    assert len(response.context["entries"]) == (1 if winners_only else 24)
    assert one == many
    assert many <= BOUND


@pytest.mark.parametrize("params", CHOICES[:3], ids=["default", "title", "rank"])
def test_gallery_for_visitors_queries_do_not_grow_for_each_choice(params):
    small, large = judged_entries(1), judged_entries(60)

    one = count_queries(lambda: gallery(Client(), small, **params))
    many = count_queries(lambda: gallery(Client(), large, **params))

    assert one == many
    assert many <= BOUND
