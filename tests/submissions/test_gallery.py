import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile

from submissions.models import Entry
from submissions.thumbnails import entry_thumbnails_make
from tests.factories import EntryFactory, JamFactory, TeamFactory, UserFactory
from tests.files import png_bytes
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

BOUND = 12


def gallery(client, jam, **params):
    return client.get(f"/jams/{jam.slug}/entries/", params)


def titles(response) -> list[str]:
    return [entry.title for entry in response.context["entries"]]


def test_gallery_shows_submitted_entries_newest_first(client, running_jam):
    first = EntryFactory(team__jam=running_jam, title="ACDC++")
    second = EntryFactory(team__jam=running_jam, title="modiff")
    Entry.objects.filter(pk=first.pk).update(submitted_at=second.submitted_at.replace(year=2020))

    response = gallery(client, running_jam)

    assert titles(response) == ["modiff", "ACDC++"]
    html = response.content.decode()
    assert 'data-testid="entry-card"' in html


def test_gallery_drafts_are_visible_only_to_their_team(client, running_jam):
    draft = EntryFactory(team__jam=running_jam, title="Secret draft", state=Entry.State.DRAFT, submitted_at=None)
    EntryFactory(team__jam=running_jam, title="Public")

    as_visitor = titles(gallery(client, running_jam))
    client.force_login(UserFactory())
    as_stranger = titles(gallery(client, running_jam))
    client.force_login(draft.team.created_by)
    as_member = titles(gallery(client, running_jam))

    assert as_visitor == ["Public"]
    assert as_stranger == ["Public"]
    assert sorted(as_member) == ["Public", "Secret draft"]


def test_entry_page_of_a_draft_is_404_for_others(client, running_jam):
    draft = EntryFactory(team__jam=running_jam, state=Entry.State.DRAFT, submitted_at=None)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(draft.team.created_by)
    assert client.get(draft.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [("othello", ["Othello GPT"]), ("attribution", ["Swap Graphs"]), ("betley", ["modiff"]), ("truthers", ["Truth"])],
)
def test_gallery_search_over_title_abstract_authors_team(client, running_jam, query, expected):
    EntryFactory(team__jam=running_jam, title="Othello GPT")
    EntryFactory(team__jam=running_jam, title="Swap Graphs", abstract="Using attribution patching instead.")
    EntryFactory(team__jam=running_jam, title="modiff", authors="Jan Betley")
    EntryFactory(team__jam=running_jam, title="Truth", team__name="Team Truthers")

    assert titles(gallery(client, running_jam, q=query)) == expected


def test_gallery_search_with_no_match_says_so(client, running_jam):
    EntryFactory(team__jam=running_jam)
    response = gallery(client, running_jam, q="zzz")
    assert "No entry matches “zzz”." in response.content.decode()


def test_gallery_card_shows_thumbnail_or_placeholder(client, running_jam):
    with_image = EntryFactory(team__jam=running_jam, title="With image")
    with_image.image.save("cover.png", ContentFile(png_bytes()))
    entry_thumbnails_make(entry_id=with_image.pk)
    pending = EntryFactory(team__jam=running_jam, title="Pending")
    pending.image.save("cover.png", ContentFile(png_bytes()))

    html = gallery(client, running_jam).content.decode()

    with_image.refresh_from_db()
    assert f'src="{with_image.thumbnail_card.url}"' in html
    assert "Preparing the image…" in html


def test_entry_page_embeds_youtube_and_links_the_rest(client, running_jam):
    entry = EntryFactory(
        team__jam=running_jam,
        video_url="https://youtu.be/dQw4w9WgXcQ",
        repository_url="https://github.com/example/acdc",
    )
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert 'href="https://github.com/example/acdc"' in html


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://example.com/talk.mp4", ""),
        ("https://youtube.com/watch?v=<script>", ""),
    ],
)
def test_video_embed_url(url, embed):
    from submissions.templatetags.entry_tags import video_embed_url

    assert video_embed_url(url) == embed


def make_entries(jam, count: int) -> None:
    for _ in range(count):
        entry = EntryFactory(team__jam=jam)
        entry.thumbnail_card.name = f"jams/{jam.slug}/entries/{entry.pk}/card.jpg"
        entry.image.name = f"jams/{jam.slug}/entries/{entry.pk}/image.png"
        entry.thumbnails_of = entry.image.name
        entry.save()


def test_gallery_queries_do_not_grow_with_entries(client):
    small, large = JamFactory.running(), JamFactory.running()
    make_entries(small, 1)
    make_entries(large, 300)
    viewer = UserFactory()
    TeamFactory(jam=large, created_by=viewer)
    client.force_login(viewer)

    one = count_queries(lambda: gallery(client, small))
    response = gallery(client, large)
    many = count_queries(lambda: gallery(client, large))

    assert len(response.context["entries"]) == 24  # a page of them
    assert response.context["page"].paginator.count == 300
    assert one == many
    assert many <= BOUND


def test_jam_page_with_latest_entries_queries_do_not_grow(client):
    small, large = JamFactory.running(), JamFactory.running()
    make_entries(small, 1)
    make_entries(large, 300)

    one = count_queries(lambda: client.get(small.get_absolute_url()))
    response = client.get(large.get_absolute_url())
    many = count_queries(lambda: client.get(large.get_absolute_url()))

    assert len(response.context["latest_entries"]) == 6
    assert one == many
    assert many <= BOUND


# Pages and search ----------------------------------------------------------------------


def test_gallery_pages_hold_24_entries_in_a_stable_order(client, running_jam):
    for n in range(30):
        EntryFactory(team__jam=running_jam, title=f"Entry {n:02}")
    newest_first = [f"Entry {n:02}" for n in reversed(range(30))]

    first, second = gallery(client, running_jam), gallery(client, running_jam, page=2)
    beyond = gallery(client, running_jam, page=99)
    html = first.content.decode()

    assert titles(first) == newest_first[:24]
    assert titles(second) == newest_first[24:]
    assert titles(beyond) == newest_first[24:]  # past the end: the last page
    assert 'href="?page=2"' in html
    assert "1–24 of 30" in html


def test_gallery_pages_keep_the_search(client, running_jam):
    for n in range(26):
        EntryFactory(team__jam=running_jam, title=f"Probe {n}")
    html = gallery(client, running_jam, q="probe").content.decode()
    assert 'href="?q=probe&amp;page=2"' in html


def test_gallery_search_by_substring_matches_parts_of_words(running_jam):
    from submissions.selectors import entry_list_for_gallery

    EntryFactory(team__jam=running_jam, title="Othello GPT")
    EntryFactory(team__jam=running_jam, title="Chess")

    found = entry_list_for_gallery(jam=running_jam, user=AnonymousUser(), query="thell", full_text=False)

    assert [e.title for e in found] == ["Othello GPT"]


@pytest.fixture
def postgresql():
    from django.db import connection

    from tests.services import service_missing

    if connection.vendor != "postgresql":
        service_missing("Full-text search needs PostgreSQL: set DATABASE_URL=postgres://...")


def test_gallery_full_text_search_ranks_by_relevance(client, running_jam, postgresql):
    EntryFactory(team__jam=running_jam, title="Steering vectors", abstract="We patch activations.")
    EntryFactory(team__jam=running_jam, title="Activation patching at scale", abstract="Patching, patched, patches.")
    EntryFactory(team__jam=running_jam, title="Unrelated", abstract="Nothing to see.")

    assert titles(gallery(client, running_jam, q="patching")) == ["Activation patching at scale", "Steering vectors"]
    assert titles(gallery(client, running_jam, q="patching -scale")) == ["Steering vectors"]
    assert titles(gallery(client, running_jam, q='"steering vectors"')) == ["Steering vectors"]


def test_gallery_full_text_search_matches_the_gin_index(running_jam, postgresql):
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection

    from submissions.models import SEARCH_CONFIG, entry_search_vector

    EntryFactory.create_batch(3, team__jam=running_jam)
    # The gallery's search condition, alone: with a handful of rows the planner rightly
    # prefers the jam's own index or a plain scan; forbidding plain scans shows that the
    # expression matches the GIN index's, so the planner can use it once a jam is large.
    search = SearchQuery("patching", search_type="websearch", config=SEARCH_CONFIG)
    found = Entry.objects.annotate(search=entry_search_vector()).filter(search=search)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = found.explain()
        finally:
            cursor.execute("RESET enable_seqscan")

    assert "entry_search_gin" in plan
