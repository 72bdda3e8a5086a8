"""The read-only JSON API (hackathon/api.py): what it shows, what it never shows, its
cursors and its query counts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from hackathon.api import cursor_encode
from judging.models import Score
from judging.services import results_publish, results_reopen, review_save
from submissions.models import Entry
from submissions.thumbnails import thumbnail_url
from tests.factories import (
    CriterionFactory,
    EntryFactory,
    JamFactory,
    JamTimeChangeFactory,
    JudgeFactory,
    PrizeFactory,
    SignUpFactory,
    UserFactory,
)
from tests.public_data import private_scene
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/openapi.json"
SCORE_KEYS = {"score", "rank", "margin", "rows"}


def get(path: str, **params):
    return Client().get(path, params)


def all_items(path: str, **params) -> list[dict]:
    """Every item of a list, following the cursors page by page."""
    items, cursor = [], None
    while True:
        page = get(path, **params, **({"cursor": cursor} if cursor else {})).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


@pytest.fixture
def judging_jam(db):
    """A jam whose judging is open, with two criteria."""
    jam = JamFactory.judging()
    CriterionFactory(jam=jam, name="Impact", weight=2, order=0)
    CriterionFactory(jam=jam, name="Rigour", weight=1, order=1)
    return jam


@pytest.fixture
def entries(judging_jam):
    return [EntryFactory(team__jam=judging_jam, title=f"Entry {i}") for i in range(3)]


# Privacy: every endpoint, walked as a visitor ---------------------------------------------


def schema_paths() -> dict[str, dict]:
    return get(SCHEMA).json()["paths"]


def walk(scene) -> dict[str, str]:
    """Every endpoint of the schema for every jam (and one that doesn't exist), each list
    page by page, one item at a time: URL -> response text. Fails on a path parameter it
    has no values for, so a new endpoint can't be left out of the walk."""
    values = {"slug": [jam.slug for jam in scene.jams] + ["no-such-jam"]}
    seen: dict[str, str] = {}
    for template in schema_paths():
        params = re.findall(r"{(\w+)}", template)
        assert set(params) <= set(values), f"the walk has no values for {params} of {template}: add them"
        for slug in values["slug"] if params else [None]:
            url = template.replace("{slug}", slug) if slug else template
            while url:
                response = Client().get(url, {"limit": 1} if "?" not in url else {})
                seen[url] = response.content.decode()
                assert response.status_code in (200, 404), (url, response.status_code)
                body = response.json()
                url = _local(body["next"]) if isinstance(body, dict) and body.get("next") else None
    for extra in ("/api/", SCHEMA, "/api/v1/docs"):
        seen[extra] = Client().get(extra).content.decode()
    return seen


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_api_is_read_only():
    methods = {method for operations in schema_paths().values() for method in operations}

    assert methods == {"get"}


def test_no_endpoint_shows_anything_private(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scene = private_scene()

    seen = walk(scene)

    text = "\n".join(seen.values())
    leaks = [secret for secret in scene.secrets() if secret.lower() in text.lower()]
    assert leaks == []
    # No scores where the jam doesn't show them: before publication, or a jam that shows
    # only its prizes.
    for jam in (scene.judging, scene.published_quietly):
        shown = [json.loads(body) for url, body in seen.items() if f"/jams/{jam.slug}" in url]
        assert _keys(shown) & SCORE_KEYS == set(), jam.title
    # The walk saw what a visitor sees, through every endpoint.
    assert [public for public in scene.public if public not in text] == []
    for template in schema_paths():
        answered = [url for url, body in seen.items() if _matches(template, url) and '"detail"' not in body[:20]]
        assert answered, f"no visitor got a 200 from {template}"


def _matches(template: str, url: str) -> bool:
    pattern = re.sub(r"\\\{\w+\\\}", "[^/?]+", re.escape(template))
    return re.fullmatch(pattern + r"(\?.*)?", url) is not None


def test_no_scores_or_ranks_before_the_results_are_published(judging_jam):
    criteria = list(judging_jam.criteria.order_by("order"))
    entry = EntryFactory(team__jam=judging_jam)
    review_save(judge=JudgeFactory(jam=judging_jam), entry=entry, scores={c.pk: 4 for c in criteria})
    PrizeFactory(jam=judging_jam, name="First place")
    judging_jam.show_ranking = True
    judging_jam.save()

    results = get(f"/api/v1/jams/{judging_jam.slug}/results")
    keys = _keys(get(f"/api/v1/jams/{judging_jam.slug}").json()) | _keys(
        get(f"/api/v1/jams/{judging_jam.slug}/entries").json()
    )

    assert results.status_code == 404
    assert results.json() == {"detail": f"The results of {judging_jam.title} are not published yet."}
    assert keys & {*SCORE_KEYS, "prizes", "winners"} == set()


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


# Jams ----------------------------------------------------------------------------------------


def test_a_jams_times_are_in_its_own_zone_with_the_offset():
    JamFactory(
        slug="tokyo",
        timezone="Asia/Tokyo",
        starts_at=datetime(2026, 3, 13, 16, 0, tzinfo=UTC),
        submission_deadline=datetime(2026, 3, 14, 16, 0, tzinfo=UTC),
        judging_ends_at=datetime(2026, 3, 21, 16, 0, tzinfo=UTC),
        grace_minutes=30,
    )

    jam = get("/api/v1/jams/tokyo").json()

    assert jam["timezone"] == "Asia/Tokyo"
    assert jam["starts_at"] == "2026-03-14T01:00:00+09:00"
    assert jam["submission_deadline"] == "2026-03-15T01:00:00+09:00"
    assert jam["submissions_close_at"] == "2026-03-15T01:30:00+09:00"
    assert jam["judging_ends_at"] == "2026-03-22T01:00:00+09:00"


def test_a_jam_has_its_phase_and_sign_up_count(running_jam):
    SignUpFactory(jam=running_jam, show_in_list=True)
    SignUpFactory(jam=running_jam, show_in_list=False)

    jam = get(f"/api/v1/jams/{running_jam.slug}").json()

    assert jam["phase"] == "running"
    assert jam["accepts_signups"] is True
    assert jam["signup_count"] == 2  # as the jam page counts them: hidden names too
    assert jam["links"]["page"].endswith(f"/jams/{running_jam.slug}/")


def test_an_unknown_jam_is_a_404_that_says_so():
    response = get("/api/v1/jams/nope")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no jam “nope”."}


def test_jams_are_listed_newest_start_first_across_pages():
    finished, running, upcoming = JamFactory.finished(), JamFactory.running(), JamFactory.upcoming()

    slugs = [jam["slug"] for jam in all_items("/api/v1/jams", limit=1)]
    phases = [jam["phase"] for jam in all_items("/api/v1/jams")]

    assert slugs == [upcoming.slug, running.slug, finished.slug]
    assert phases == ["upcoming", "running", "finished"]


def test_the_jam_list_runs_the_same_queries_for_1_and_50_jams():
    JamFactory()
    one = count_queries(lambda: get("/api/v1/jams", limit=100))
    for _ in range(49):
        SignUpFactory(jam=JamFactory())
    fifty = count_queries(lambda: get("/api/v1/jams", limit=100))

    assert len(get("/api/v1/jams", limit=100).json()["items"]) == 50
    assert one == fifty


# Entries and their cursors -------------------------------------------------------------------


def _entries(jam, **params) -> dict:
    return get(f"/api/v1/jams/{jam.slug}/entries", **params).json()


def test_entries_are_submitted_ones_only_newest_first(running_jam):
    now = timezone.now()
    older = EntryFactory(team__jam=running_jam, submitted_at=now - timedelta(hours=2))
    newer = EntryFactory(team__jam=running_jam, submitted_at=now - timedelta(hours=1))
    EntryFactory(team__jam=running_jam, state=Entry.State.DRAFT, submitted_at=None)
    EntryFactory(team__jam=JamFactory.running())  # another jam's

    ids = [entry["id"] for entry in all_items(f"/api/v1/jams/{running_jam.slug}/entries")]

    assert ids == [newer.pk, older.pk]


def test_a_cursor_stays_good_when_new_entries_arrive(running_jam):
    start = timezone.now() - timedelta(hours=1)
    first = [EntryFactory(team__jam=running_jam, submitted_at=start + timedelta(minutes=i)) for i in range(5)]
    page1 = _entries(running_jam, limit=2)

    arrived = [EntryFactory(team__jam=running_jam, submitted_at=timezone.now()) for _ in range(3)]
    page2 = _entries(running_jam, limit=2, cursor=page1["next_cursor"])
    page3 = _entries(running_jam, limit=2, cursor=page2["next_cursor"])

    shown = [e["id"] for page in (page1, page2, page3) for e in page["items"]]
    assert shown == [e.pk for e in reversed(first)]
    assert page3["next_cursor"] is None
    assert [e["id"] for e in _entries(running_jam, limit=3)["items"]] == [e.pk for e in reversed(arrived)]


def test_entries_submitted_at_the_same_moment_are_each_listed_once(running_jam):
    moment = timezone.now() - timedelta(minutes=5)
    entries = [EntryFactory(team__jam=running_jam, submitted_at=moment) for _ in range(5)]

    ids = [entry["id"] for entry in all_items(f"/api/v1/jams/{running_jam.slug}/entries", limit=2)]

    assert ids == sorted((e.pk for e in entries), reverse=True)


def test_the_next_url_gives_the_next_page(running_jam):
    entries = [EntryFactory(team__jam=running_jam) for _ in range(3)]
    page1 = _entries(running_jam, limit=2)
    parts = urlsplit(page1["next"])

    page2 = Client().get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}).json()

    assert parse_qs(parts.query)["limit"] == ["2"]
    assert [e["id"] for e in page2["items"]] == [entries[0].pk]


def test_the_cursor_names_the_last_entrys_submission_time_and_id(running_jam):
    entries = [EntryFactory(team__jam=running_jam) for _ in range(2)]

    page = _entries(running_jam, limit=1)

    assert page["next_cursor"] == cursor_encode(entries[1].submitted_at, entries[1].pk)


@pytest.mark.parametrize("cursor", ["garbage", "W10", cursor_encode(datetime(2026, 1, 1), 1), "WyIyMDI2IiwgIngiXQ"])
def test_a_cursor_this_api_did_not_make_is_a_clear_400(running_jam, cursor):
    response = get(f"/api/v1/jams/{running_jam.slug}/entries", cursor=cursor)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("That cursor is not one this API gave out.")


def test_a_page_size_out_of_range_is_refused(running_jam):
    response = get(f"/api/v1/jams/{running_jam.slug}/entries", limit=101)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_the_entry_list_runs_the_same_queries_for_1_and_50_entries(running_jam):
    EntryFactory(team__jam=running_jam)
    url = f"/api/v1/jams/{running_jam.slug}/entries"
    one = count_queries(lambda: get(url, limit=100))
    for _ in range(49):
        EntryFactory(team__jam=running_jam)
    fifty = count_queries(lambda: get(url, limit=100))

    assert len(get(url, limit=100).json()["items"]) == 50
    assert one == fifty


# Thumbnails: the public, stable URLs only ----------------------------------------------------


def _with_thumbnails(jam, *, public: bool) -> Entry:
    prefix = "public/" if public else ""
    return EntryFactory(
        team__jam=jam,
        image="jams/x/entries/1/image.png",
        thumbnails_of="jams/x/entries/1/image.png",
        thumbnail_card=f"{prefix}jams/x/entries/1/card.jpg",
        thumbnail_small=f"{prefix}jams/x/entries/1/small.jpg",
    )


def test_an_entry_has_its_public_thumbnails_urls(running_jam, s3_storage):
    entry = _with_thumbnails(running_jam, public=True)

    [shown] = _entries(running_jam)["items"]

    assert shown["thumbnails"] == {
        "card": thumbnail_url(entry.thumbnail_card.name),
        "small": thumbnail_url(entry.thumbnail_small.name),
    }
    assert "?" not in shown["thumbnails"]["card"]  # no presigned query string: a stable URL


def test_thumbnails_not_yet_public_are_left_out_not_presigned(running_jam, s3_storage):
    entry = _with_thumbnails(running_jam, public=False)

    [shown] = _entries(running_jam)["items"]

    assert "X-Amz-Signature" in thumbnail_url(entry.thumbnail_card.name)  # what it would have shown
    assert shown["thumbnails"] is None


# Results -------------------------------------------------------------------------------------


@pytest.fixture
def judged(judging_jam, entries):
    """Three entries reviewed by two judges (Entry 0 best), a prize won by Entry 1, an
    unawarded prize."""
    criteria = list(judging_jam.criteria.order_by("order"))
    for judge in (JudgeFactory(jam=judging_jam), JudgeFactory(jam=judging_jam)):
        for i, entry in enumerate(entries):
            review_save(judge=judge, entry=entry, scores={criteria[0].pk: 5 - i, criteria[1].pk: 3})
    won = PrizeFactory(jam=judging_jam, name="Best idea")
    won.awards.create(entry=entries[1])
    PrizeFactory(jam=judging_jam, name="Not given")
    return judging_jam


def test_published_results_have_the_awarded_prizes_and_no_ranking_unless_shown(judged, entries):
    results_publish(jam=judged)

    results = get(f"/api/v1/jams/{judged.slug}/results").json()

    assert [(p["name"], [w["title"] for w in p["winners"]]) for p in results["prizes"]] == [("Best idea", ["Entry 1"])]
    assert results["ranking"] is None


def test_the_ranking_is_the_frozen_snapshot_when_the_jam_shows_it(judged, entries):
    judged.show_ranking = True
    judged.save()
    results_publish(jam=judged)
    before = get(f"/api/v1/jams/{judged.slug}/results").json()["ranking"]

    Score.objects.filter(review__entry=entries[2]).update(value=5)  # behind the app's back
    after = get(f"/api/v1/jams/{judged.slug}/results").json()["ranking"]

    assert [(row["rank"], row["entry"]["title"]) for row in after["rows"]] == [
        (1, "Entry 0"),
        (2, "Entry 1"),
        (3, "Entry 2"),
    ]
    assert after == before
    assert after["method"] == judged.ranking_method
    assert {row["margin"] for row in after["rows"]} == {None}  # margins not shown by this jam


def test_results_run_the_same_queries_for_1_and_50_entries(judging_jam):
    criteria = list(judging_jam.criteria.all())
    judge = JudgeFactory(jam=judging_jam)
    prize = PrizeFactory(jam=judging_jam)
    judging_jam.show_ranking = True
    judging_jam.save()

    def publish_with(count: int) -> int:
        for entry in [EntryFactory(team__jam=judging_jam) for _ in range(count)]:
            review_save(judge=judge, entry=entry, scores={c.pk: 3 for c in criteria})
            prize.awards.create(entry=entry)
        results_publish(jam=judging_jam)
        return count_queries(lambda: get(f"/api/v1/jams/{judging_jam.slug}/results"))

    one = publish_with(1)
    results_reopen(jam=judging_jam)
    fifty = publish_with(49)

    results = get(f"/api/v1/jams/{judging_jam.slug}/results").json()
    assert len(results["ranking"]["rows"]) == 50
    assert len(results["prizes"][0]["winners"]) == 50
    assert one == fifty


# The docs and the index ----------------------------------------------------------------------


def test_the_docs_page_loads_swagger_from_the_site_with_no_inline_script():
    html = get("/api/v1/docs").content.decode()

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert [attrs for attrs, body in scripts if body.strip() and "application/json" not in attrs] == []
    assert re.findall(r'src="([^"]+)"', html) == [
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/js/api-docs.js",
    ]
    assert "//" not in "".join(re.findall(r'href="([^"]+)"', html))  # no CDN


def test_the_index_names_the_version_its_docs_and_schema():
    index = get("/api/").json()

    assert index["versions"]["v1"]["openapi"].endswith(SCHEMA)
    assert get(urlsplit(index["versions"]["v1"]["docs"]).path).status_code == 200
    assert get("/api/v1/").url.endswith("/api/v1/docs")


# A jam's change log ------------------------------------------------------------------------------


def test_a_jams_moved_times_are_listed_newest_first_in_its_zone_without_who():
    jam = JamFactory(timezone="Asia/Tokyo")
    now = timezone.now()
    older = JamTimeChangeFactory(jam=jam, changed_at=now - timedelta(hours=1), changed_by=UserFactory())
    newer = JamTimeChangeFactory(jam=jam, field="starts_at", changed_at=now)
    JamTimeChangeFactory(jam=JamFactory())  # another jam's

    body = get(f"/api/v1/jams/{jam.slug}/time-changes").json()

    assert [item["field"] for item in body["items"]] == ["starts_at", "submission_deadline"]
    first = body["items"][0]
    assert first["label"] == "start"
    assert abs(datetime.fromisoformat(first["old"]) - newer.old_value) < timedelta(milliseconds=1)
    assert first["old"].endswith("+09:00")
    assert set(first) == {"field", "label", "old", "new", "changed_at"}  # not who moved it
    assert older.changed_by.display_name not in json.dumps(body)
    assert get(f"/api/v1/jams/{jam.slug}").json()["links"]["time_changes"].endswith(f"/jams/{jam.slug}/time-changes")


def test_the_change_log_runs_the_same_queries_for_1_and_50_changes():
    jam = JamFactory()
    JamTimeChangeFactory(jam=jam)
    url = f"/api/v1/jams/{jam.slug}/time-changes"
    one = count_queries(lambda: get(url, limit=100))
    JamTimeChangeFactory.create_batch(49, jam=jam)
    fifty = count_queries(lambda: get(url, limit=100))

    assert len(get(url, limit=100).json()["items"]) == 50
    assert one == fifty
