import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile

from submissions.models import Entry, Team, TeamMembership
from submissions.thumbnails import entry_thumbnails_make
from tests.factories import EntryFactory, JamFactory, TeamFactory, UserFactory
from tests.files import png_bytes
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

ENTRIES = "/admin/submissions/entry/"
TEAMS = "/admin/submissions/team/"


def with_thumbnails(entry: Entry) -> Entry:
    entry.image.save("cover.png", ContentFile(png_bytes()))
    entry_thumbnails_make(entry_id=entry.pk)
    entry.refresh_from_db()
    return entry


def row_of(html: str, text: str) -> str:
    """The changelist row that shows `text`."""
    return next(row.split("</tr>", 1)[0] for row in html.split("<tr")[1:] if text in row)


def export(client, entries) -> list[list[str]]:
    response = client.post(ENTRIES, {"action": "export_csv", "_selected_action": [e.pk for e in entries]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


# Entry list ----------------------------------------------------------------------------


def test_admin_entry_list_shows_the_small_thumbnail(client, organizer):
    entry = with_thumbnails(EntryFactory(title="Pictured"))
    EntryFactory(title="Plain")

    html = client.get(ENTRIES).content.decode()

    assert entry.thumbnails_ready
    pictured = row_of(html, "Pictured")
    assert f'<img src="{entry.thumbnail_small.url}" alt="" width="80" height="45">' in pictured
    plain = row_of(html, "Plain")
    assert "/media/" not in plain
    assert '<th class="field-thumbnail"><a href="/admin/submissions/entry/' in plain
    assert ">—</a></th>" in plain


def test_admin_entry_list_filters_by_state_and_lateness(client, organizer):
    EntryFactory(title="On time")
    EntryFactory(title="Late one", is_late=True)
    EntryFactory(title="Still a draft", state=Entry.State.DRAFT, submitted_at=None)

    drafts = client.get(ENTRIES, {"state__exact": "draft"}).content.decode()
    late = client.get(ENTRIES, {"is_late__exact": "1"}).content.decode()

    assert "Still a draft" in drafts
    assert "On time" not in drafts
    assert "Late one" in late
    assert "On time" not in late


def test_admin_entry_list_shows_the_team_under_the_title_and_lateness_with_the_state(client, organizer):
    EntryFactory(title="Late one", team__name="Owls", is_late=True)

    row = row_of(client.get(ENTRIES).content.decode(), "Late one")

    assert 'Late one<span class="secondary">Owls</span>' in row
    assert '<td class="field-state_display">Submitted, late</td>' in row


def test_admin_entry_list_of_one_jam_leaves_out_the_jam_column(client, organizer):
    entry = EntryFactory(title="Mine")

    every = client.get(ENTRIES).content.decode()
    one_jam = client.get(ENTRIES, {"jam__id__exact": entry.jam_id}).content.decode()

    assert 'class="sortable column-jam"' in every
    assert "column-jam" not in one_jam
    assert "Mine" in one_jam


def test_admin_entry_search_by_member_email(client, organizer):
    member = UserFactory(email="lucy@arena.example.com")
    EntryFactory(title="Found", team=TeamFactory(members=[member]))
    EntryFactory(title="Other")

    html = client.get(ENTRIES, {"q": "lucy@arena"}).content.decode()

    assert "Found" in html
    assert "Other" not in html
    assert "1 result" in html


def test_admin_entry_list_query_count_does_not_grow(client, organizer):
    with_thumbnails(EntryFactory())
    one = count_queries(lambda: client.get(ENTRIES))
    for _ in range(49):
        EntryFactory(team=TeamFactory(members=[UserFactory()]))

    many = count_queries(lambda: client.get(ENTRIES))

    assert one == many


def test_admin_entry_page_lists_members_and_file_links(client, organizer):
    creator = UserFactory(display_name="Jan Betley", email="jan@arena.example.com")
    entry = EntryFactory(team=TeamFactory(created_by=creator, members=[UserFactory(display_name="Can Rager")]))
    entry.slides.save("deck.pdf", ContentFile(b"%PDF-1.4\n"))
    with_thumbnails(entry)

    html = client.get(f"{ENTRIES}{entry.pk}/change/").content.decode()

    assert "Jan Betley &lt;jan@arena.example.com&gt;<br>Can Rager &lt;" in html
    slug = entry.jam.slug
    assert f'<a href="/jams/{slug}/entries/{entry.pk}/slides/">deck.pdf</a>' in html
    assert f'<a href="/jams/{slug}/entries/{entry.pk}/image/">cover.png</a>' in html
    assert f'<img src="{entry.thumbnail_card.url}"' in html


# CSV export ----------------------------------------------------------------------------


def test_admin_entry_csv_export(client, organizer):
    jam = JamFactory(title="Export Jam")
    creator = UserFactory(display_name="Lucy Farnik", email="lucy@example.com")
    other = UserFactory(display_name="=cmd|' /C calc'!A0", email="can@example.com")
    team = TeamFactory(jam=jam, name="ACDC++", created_by=creator, members=[other])
    submitted = datetime(2023, 6, 11, 21, 30, tzinfo=UTC)
    entry = EntryFactory(
        team=team,
        title="ACDC++: Fast automated circuit discovery",
        authors="+Lucy Farnik, Can Rager",
        is_late=True,
        submitted_at=submitted,
        video_url="https://example.com/video",
        repository_url="https://github.com/example/acdc",
    )
    draft = EntryFactory(title="@draft", state=Entry.State.DRAFT, submitted_at=None, team__jam=jam, team__name="B")
    EntryFactory(title="Not selected")

    rows = export(client, [entry, draft])

    assert rows == [
        [
            "id", "jam", "team", "title", "authors", "state", "late", "submitted at",
            "video link", "repository link", "members", "member emails",
        ],
        [
            str(entry.pk), "Export Jam", "ACDC++", "ACDC++: Fast automated circuit discovery",
            "'+Lucy Farnik, Can Rager", "Submitted", "yes", "2023-06-11T21:30:00+00:00",
            "https://example.com/video", "https://github.com/example/acdc",
            "Lucy Farnik; =cmd|' /C calc'!A0", "lucy@example.com; can@example.com",
        ],
        [
            str(draft.pk), "Export Jam", "B", "'@draft", draft.authors, "Draft", "no", "",
            "", "", draft.team.created_by.display_name, draft.team.created_by.email,
        ],
    ]  # fmt: skip


def test_admin_entry_csv_export_guards_the_first_cell_of_members(client, organizer):
    team = TeamFactory(created_by=UserFactory(display_name="=SUM(A1)", email="-x@example.com"))

    rows = export(client, [EntryFactory(team=team)])

    assert rows[1][-2:] == ["'=SUM(A1)", "'-x@example.com"]


def test_admin_entry_csv_export_query_count_does_not_grow(client, organizer):
    first = EntryFactory(team=TeamFactory(members=[UserFactory()]))
    one = count_queries(lambda: export(client, [first]))
    more = [EntryFactory(team=TeamFactory(members=[UserFactory(), UserFactory()])) for _ in range(19)]

    many = count_queries(lambda: export(client, [first, *more]))

    assert len(export(client, [first, *more])) == 21
    assert one == many


# Remake thumbnails ---------------------------------------------------------------------


def test_admin_remake_thumbnails_makes_new_ones(client, organizer, django_capture_on_commit_callbacks):
    entry = with_thumbnails(EntryFactory())
    old_card, old_small = entry.thumbnail_card.name, entry.thumbnail_small.name
    no_image = EntryFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            ENTRIES, {"action": "remake_thumbnails", "_selected_action": [entry.pk, no_image.pk]}, follow=True
        )

    entry.refresh_from_db()
    # The task for the one entry with an image, then the pages' version bump it queued,
    # the share card job it recorded (the card shows the thumbnail) and that job's bump.
    assert len(callbacks) == 4
    assert entry.thumbnails_ready
    assert entry.thumbnail_card.name != old_card
    assert entry.thumbnail_small.name != old_small
    assert not entry.thumbnail_card.storage.exists(old_card)
    assert [str(m) for m in response.context["messages"]] == ["New thumbnails are being made for 1 entry."]


def test_admin_remake_thumbnails_without_images_says_so(client, organizer, django_capture_on_commit_callbacks):
    entry = EntryFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(ENTRIES, {"action": "remake_thumbnails", "_selected_action": [entry.pk]}, follow=True)

    assert callbacks == []
    assert [str(m) for m in response.context["messages"]] == ["None of the selected entries has a project image."]


# Teams ---------------------------------------------------------------------------------


def test_admin_team_list_counts_members(client, organizer):
    TeamFactory(name="Othello Team", members=UserFactory.create_batch(2))
    TeamFactory(name="Solo")

    html = client.get(TEAMS).content.decode()

    assert '<td class="field-member_count">3</td>' in row_of(html, "Othello Team")
    assert '<td class="field-member_count">1</td>' in row_of(html, "Solo")


def test_admin_team_list_query_count_does_not_grow(client, organizer):
    TeamFactory()
    one = count_queries(lambda: client.get(TEAMS))
    for _ in range(29):
        TeamFactory(members=[UserFactory()])

    many = count_queries(lambda: client.get(TEAMS))

    assert one == many


def test_admin_team_search_by_member_name(client, organizer):
    TeamFactory(name="Truthers", members=[UserFactory(display_name="Phillip Guo")])
    TeamFactory(name="Others")

    html = client.get(TEAMS, {"q": "phillip"}).content.decode()

    assert "Truthers" in html
    assert "Others" not in html


def team_form(team: Team, *new_users, existing=()) -> dict:
    data = {
        "name": team.name,
        "created_by": team.created_by.pk,
        "memberships-TOTAL_FORMS": str(len(existing) + len(new_users)),
        "memberships-INITIAL_FORMS": str(len(existing)),
    }
    for i, membership in enumerate(existing):
        data |= {f"memberships-{i}-id": membership.pk, f"memberships-{i}-team": team.pk}
        data[f"memberships-{i}-user"] = membership.user_id
    for i, user in enumerate(new_users, start=len(existing)):
        data |= {f"memberships-{i}-team": team.pk, f"memberships-{i}-user": user.pk}
    return data


def test_admin_team_inline_adds_a_member_in_the_teams_jam(client, organizer):
    team = TeamFactory()
    newcomer = UserFactory()

    response = client.post(f"{TEAMS}{team.pk}/change/", team_form(team, newcomer, existing=team.memberships.all()))

    assert response.status_code == 302, response.context["errors"] if response.context else response
    membership = TeamMembership.objects.get(user=newcomer)
    assert membership.team == team
    assert membership.jam == team.jam
    assert team.memberships.count() == 2


def test_admin_team_inline_refuses_someone_in_another_team_of_the_jam(client, organizer):
    team = TeamFactory()
    elsewhere = TeamFactory(jam=team.jam, name="Elsewhere").created_by

    response = client.post(f"{TEAMS}{team.pk}/change/", team_form(team, elsewhere, existing=team.memberships.all()))

    assert response.status_code == 200
    assert "is already in the team “Elsewhere” for this jam." in response.content.decode()
    assert TeamMembership.objects.get(user=elsewhere).team.name == "Elsewhere"


def test_admin_team_rename_refuses_a_taken_name(client, organizer):
    team = TeamFactory(name="Mine")
    TeamFactory(jam=team.jam, name="Awesome team")

    data = team_form(team, existing=team.memberships.all()) | {"name": "AWESOME TEAM"}
    response = client.post(f"{TEAMS}{team.pk}/change/", data)

    assert response.status_code == 200
    assert "A team called “AWESOME TEAM” already exists" in response.content.decode()


def test_admin_team_shows_invite_token_read_only(client, organizer):
    team = TeamFactory()

    html = client.get(f"{TEAMS}{team.pk}/change/").content.decode()

    assert team.invite_token in html
    assert 'name="invite_token"' not in html
    assert 'name="jam"' not in html


# Forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [f"{ENTRIES}add/", f"{TEAMS}add/"])
def test_admin_add_pages_render(client, organizer, url):
    assert client.get(url).status_code == 200


def test_admin_entry_edit_makes_a_new_version(client, organizer):
    entry = EntryFactory(title="Old title")
    data = {
        "team": entry.team_id, "title": "New title", "abstract": entry.abstract, "authors": entry.authors,
        "video_url": "", "repository_url": "", "state": "submitted",
        "submitted_at_0": "2031-06-11", "submitted_at_1": "21:00:00",
    }  # fmt: skip

    response = client.post(f"{ENTRIES}{entry.pk}/change/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    entry.refresh_from_db()
    assert (entry.title, entry.version, entry.jam) == ("New title", 2, entry.team.jam)
