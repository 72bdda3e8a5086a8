"""Cached public pages: every kind of write shows on the very next request, one person's
parts never reach another, and pages answer conditional GETs.

Writes go through the app's own paths (services, views, the admin) with their on-commit
callbacks run, as they are in production."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from jams.models import Track
from jams.services import signup_create, track_delete, track_save
from judging.services import results_publish
from submissions.models import Entry
from submissions.services import EntryFiles, entry_save
from tests.factories import (
    EntryFactory,
    JamFactory,
    JudgeFactory,
    SignUpFactory,
    TeamFactory,
    TestimonialFactory,
    UserFactory,
)
from tests.files import png_bytes, upload

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def anonymous_get(url: str, **headers):
    return Client().get(url, **headers)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write the way a request does: its on-commit callbacks (the version bumps) run."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def organizer_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_anonymous_pages_come_from_the_cache(running_jam):
    first = anonymous_get(running_jam.get_absolute_url())
    second = anonymous_get(running_jam.get_absolute_url())

    assert first.status_code == second.status_code == 200
    assert first.context is not None  # rendered
    assert second.context is None  # served from the cache, no template rendered
    assert first.content == second.content


# Each kind of write shows on the very next request -------------------------------------


def test_a_new_signup_shows_at_once_on_the_jam_page_and_home(running_jam, commit):
    anonymous_get(running_jam.get_absolute_url())
    anonymous_get("/")
    person = UserFactory(display_name="Neel Newcomer")

    commit(lambda: signup_create(jam=running_jam, user=person))

    page = anonymous_get(running_jam.get_absolute_url())
    assert "Neel Newcomer" in text(page)
    assert page.context["signups"].count == 1
    assert "1 signed up" in text(anonymous_get("/"))


def test_a_signup_through_the_form_shows_at_once(running_jam, django_capture_on_commit_callbacks):
    anonymous_get(running_jam.get_absolute_url())
    visitor = Client()
    form = {"display_name": "Ada Formfill", "email": "ada@example.com", "password": "a-long-test-password-42"}

    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(f"/jams/{running_jam.slug}/signup/", {**form, "show_in_list": "on"})

    assert "Ada Formfill" in text(anonymous_get(running_jam.get_absolute_url()))


def test_a_submitted_entry_shows_at_once_in_the_gallery_and_on_the_jam_page(running_jam, commit):
    team = TeamFactory(jam=running_jam, name="Fresh Team")
    member = team.memberships.get().user
    gallery = f"/jams/{running_jam.slug}/entries/"
    anonymous_get(gallery)
    anonymous_get(running_jam.get_absolute_url())
    data = {"title": "Brand New Entry", "abstract": "A", "authors": "B"}
    slides = upload("slides.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")

    commit(
        lambda: entry_save(
            team=team,
            user=member,
            data=data,
            files=EntryFiles(slides=(slides, _pdf()), image=None),
            version=None,
            submit=True,
        )
    )

    assert "Brand New Entry" in text(anonymous_get(gallery))
    assert "Brand New Entry" in text(anonymous_get(running_jam.get_absolute_url()))


def _pdf():
    from submissions.uploads import Detected

    return Detected("pdf", ".pdf")


def test_an_edited_entry_shows_at_once_on_its_page_and_in_the_gallery(running_jam, commit):
    entry = EntryFactory(team__jam=running_jam, title="Old Title", slides="jams/x/entries/1/slides.pdf")
    member = entry.team.memberships.get().user
    anonymous_get(entry.get_absolute_url())
    anonymous_get(f"/jams/{running_jam.slug}/entries/")

    commit(
        lambda: entry_save(
            team=entry.team,
            user=member,
            data={"title": "New Title"},
            files=EntryFiles(),
            version=entry.version,
            submit=False,
        )
    )

    assert "New Title" in text(anonymous_get(entry.get_absolute_url()))
    assert "New Title" in text(anonymous_get(f"/jams/{running_jam.slug}/entries/"))


def test_a_jam_edited_in_the_admin_shows_at_once(running_jam, organizer_client):
    anonymous_get(running_jam.get_absolute_url())
    anonymous_get("/")
    jam = running_jam

    response = organizer_client.post(f"/admin/jams/jam/{jam.pk}/change/", _jam_admin_form(jam, title="Renamed"))

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert "Renamed" in text(anonymous_get(jam.get_absolute_url()))
    assert "Renamed" in text(anonymous_get("/"))


def _jam_admin_form(jam, **changes) -> dict:
    def split(name: str) -> dict:
        value = timezone.localtime(getattr(jam, name), jam.tzinfo)
        return {f"{name}_0": value.strftime("%Y-%m-%d"), f"{name}_1": value.strftime("%H:%M:%S")}

    data = {
        "title": jam.title, "slug": jam.slug, "tagline": jam.tagline, "host": jam.host,
        "description": jam.description, "timezone": jam.timezone,
        **split("starts_at"), **split("submission_deadline"), **split("judging_ends_at"),
        "signups_open": "on", "max_team_size": jam.max_team_size, "grace_minutes": jam.grace_minutes,
        "judging_mode": jam.judging_mode,
        "reviews_per_entry": jam.reviews_per_entry, "ranking_method": jam.ranking_method,
        "resources-TOTAL_FORMS": "0", "resources-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "0", "speakers-INITIAL_FORMS": "0",
        "tracks-TOTAL_FORMS": "0", "tracks-INITIAL_FORMS": "0",
        "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0",
        "prizes-TOTAL_FORMS": "0", "prizes-INITIAL_FORMS": "0",
    }  # fmt: skip
    return {**data, **changes}


def _testimonial_admin_form(testimonial, **changes) -> dict:
    data = {
        "name": testimonial.name, "event": testimonial.event, "quote": testimonial.quote,
        "jam": testimonial.jam_id or "", "host": testimonial.host, "is_published": "on", "order": 0,
    }  # fmt: skip
    return {**data, **changes}


def _served_from_cache(url: str) -> bool:
    anonymous_get(url)
    return anonymous_get(url).context is None


def test_a_jams_testimonial_edited_in_the_admin_shows_at_once_on_that_jam_only(organizer_client):
    jam_a, jam_b = JamFactory.running(host="Host A"), JamFactory.running(host="Host B")
    testimonial = TestimonialFactory(jam=jam_a, quote="Before.")
    assert _served_from_cache(jam_a.get_absolute_url())
    assert _served_from_cache(jam_b.get_absolute_url())

    response = organizer_client.post(
        f"/admin/jams/testimonial/{testimonial.pk}/change/", _testimonial_admin_form(testimonial, quote="After.")
    )

    assert response.status_code == 302
    page_a = text(anonymous_get(jam_a.get_absolute_url()))
    page_b = text(anonymous_get(jam_b.get_absolute_url()))
    assert "After." in page_a
    assert "Before." not in page_a
    assert "After." not in page_b


def test_a_testimonial_moved_to_another_jam_in_the_admin_leaves_the_first_at_once(organizer_client):
    jam_a, jam_b = JamFactory.running(host="Host A"), JamFactory.running(host="Host B")
    testimonial = TestimonialFactory(jam=jam_a, quote="Moving on.")
    assert _served_from_cache(jam_a.get_absolute_url())
    assert _served_from_cache(jam_b.get_absolute_url())

    organizer_client.post(
        f"/admin/jams/testimonial/{testimonial.pk}/change/", _testimonial_admin_form(testimonial, jam=jam_b.pk)
    )

    assert "Moving on." not in text(anonymous_get(jam_a.get_absolute_url()))
    assert "Moving on." in text(anonymous_get(jam_b.get_absolute_url()))


def test_a_hosts_testimonial_added_in_the_admin_shows_at_once_on_that_hosts_jams(organizer_client):
    first, second = JamFactory.running(host="Apart Research"), JamFactory.upcoming(host="Apart Research")
    other = JamFactory.running(host="ARENA")
    for jam in (first, second, other):
        assert _served_from_cache(jam.get_absolute_url())

    response = organizer_client.post(
        "/admin/jams/testimonial/add/",
        {
            "name": "Luca",
            "event": "AI Trends",
            "quote": "Lessons learned.",
            "host": "Apart Research",
            "is_published": "on",
            "order": 0,
        },
    )

    assert response.status_code == 302
    assert "Lessons learned." in text(anonymous_get(first.get_absolute_url()))
    assert "Lessons learned." in text(anonymous_get(second.get_absolute_url()))
    assert "Lessons learned." not in text(anonymous_get(other.get_absolute_url()))


def test_a_site_wide_testimonial_edited_in_the_admin_shows_at_once_on_home_only(running_jam, organizer_client):
    testimonial = TestimonialFactory(quote="Before.")
    assert _served_from_cache("/")
    assert _served_from_cache(running_jam.get_absolute_url())

    organizer_client.post(
        f"/admin/jams/testimonial/{testimonial.pk}/change/", _testimonial_admin_form(testimonial, quote="After.")
    )

    home = text(anonymous_get("/"))
    assert "After." in home
    assert "Before." not in home
    assert "After." not in text(anonymous_get(running_jam.get_absolute_url()))


def test_published_results_show_at_once(commit):
    jam = JamFactory.judging()
    results = f"/jams/{jam.slug}/results/"
    assert "not out yet" in text(anonymous_get(results))

    commit(lambda: results_publish(jam=jam))

    assert "not out yet" not in text(anonymous_get(results))
    assert f'href="{results}"' in text(anonymous_get(jam.get_absolute_url()))


def test_a_new_thumbnail_shows_at_once(running_jam, commit):
    from submissions.thumbnails import entry_thumbnails_make

    entry = EntryFactory(team__jam=running_jam, title="Pictured")
    entry.image.save("picture.png", upload("picture.png", png_bytes(), "image/png"), save=True)
    gallery = f"/jams/{running_jam.slug}/entries/"
    assert 'data-testid="entry-thumbnail"' not in text(anonymous_get(gallery))

    assert commit(lambda: entry_thumbnails_make(entry_id=entry.pk)) is True

    assert 'data-testid="entry-thumbnail"' in text(anonymous_get(gallery))


def test_a_new_share_card_shows_at_once_on_the_jam_and_results_pages(running_jam, organizer_client, commit):
    from django.conf import settings

    from jams.share_cards import jam_share_card_make
    from outbox.models import OutboxItem
    from outbox.services import outbox_item_run

    jam = running_jam
    commit(lambda: jam_share_card_make(jam_id=jam.pk))
    jam.refresh_from_db()
    old = jam.share_card.name
    organizer_client.post(f"/admin/jams/jam/{jam.pk}/change/", _jam_admin_form(jam, title="Renamed"))
    pages = [jam.get_absolute_url(), f"/jams/{jam.slug}/results/"]
    assert all(old in text(anonymous_get(url)) for url in pages)  # renamed, the old card until the job runs
    assert all(anonymous_get(url).context is None for url in pages)  # and in the cache
    (job,) = OutboxItem.objects.filter(kind="Share card", args={"jam_id": jam.pk})

    assert commit(lambda: outbox_item_run(item_id=job.pk)) is True

    jam.refresh_from_db()
    for url in pages:
        page = text(anonymous_get(url))
        assert f'<meta property="og:image" content="{settings.SITE_URL}/media/public/{jam.share_card.name}">' in page
        assert old not in page


def test_slide_page_images_show_at_once_on_the_entry_page(running_jam, commit):
    from django.core.files.base import ContentFile

    from submissions.slides import entry_slide_pages_make
    from tests.files import pdf_pages_bytes

    entry = EntryFactory(team__jam=running_jam, title="With slides")
    entry.slides.save("talk.pdf", ContentFile(pdf_pages_bytes(3)), save=True)
    url = entry.get_absolute_url()
    assert 'data-testid="slide-page"' not in text(anonymous_get(url))
    assert anonymous_get(url).context is None  # the page is in the cache

    assert commit(lambda: entry_slide_pages_make(entry_id=entry.pk)) is True

    assert text(anonymous_get(url)).count('data-testid="slide-page"') == 3


def test_a_jam_page_is_not_served_past_its_next_phase():
    now = timezone.now()
    jam = JamFactory(starts_at=now - timedelta(days=1), submission_deadline=now + timedelta(seconds=1.5))
    assert "Submissions due in" in text(anonymous_get(jam.get_absolute_url()))

    time.sleep(max(0.0, (jam.submission_deadline - timezone.now()).total_seconds()) + 0.1)

    page = anonymous_get(jam.get_absolute_url())
    assert page.context is not None  # rendered afresh, not the copy from before
    assert page.context["phase"] == "judging"


def test_a_jam_page_in_grace_is_not_served_past_the_close_of_late_submissions():
    now = timezone.now()
    jam = JamFactory(starts_at=now - timedelta(days=1), submission_deadline=now - timedelta(minutes=1), grace_minutes=1)
    Jam = type(jam)
    Jam.objects.filter(pk=jam.pk).update(submission_deadline=now - timedelta(seconds=58.5))
    jam.refresh_from_db()
    assert "Late submissions close in" in text(anonymous_get(jam.get_absolute_url()))

    time.sleep(max(0.0, (jam.submissions_close_at - timezone.now()).total_seconds()) + 0.1)

    page = anonymous_get(jam.get_absolute_url())
    assert page.context is not None  # rendered afresh, not the copy from before
    assert page.context["phase"] == "judging"
    assert "data-countdown-label hidden>" in text(page)


# One person's parts never reach another ----------------------------------------------


def test_a_participants_call_to_action_never_reaches_a_visitor(running_jam):
    participant = SignUpFactory(jam=running_jam).user
    member = Client()
    member.force_login(participant)

    mine = text(member.get(running_jam.get_absolute_url()))
    theirs = text(anonymous_get(running_jam.get_absolute_url()))
    mine_again = text(member.get(running_jam.get_absolute_url()))

    for page in (mine, mine_again):
        assert "Submit entry!" in page
        assert "You're signed up" in page
        assert participant.display_name in page.split("</nav>")[0]
    assert "Submit entry!" not in theirs
    assert "You're signed up" not in theirs
    assert "Sign up" in theirs
    assert participant.display_name not in theirs.split("</nav>")[0]


def test_edit_your_entry_and_the_edit_link_never_reach_anyone_else(running_jam, commit):
    entry = EntryFactory(team__jam=running_jam, title="Our Entry")
    author = entry.team.memberships.get().user  # signed up with their team
    member = Client()
    member.force_login(author)
    stranger = Client()
    stranger.force_login(SignUpFactory(jam=running_jam).user)
    jam_url, entry_url = running_jam.get_absolute_url(), entry.get_absolute_url()

    pages = [text(member.get(jam_url)), text(anonymous_get(jam_url)), text(stranger.get(jam_url))]
    entries = [text(member.get(entry_url)), text(anonymous_get(entry_url)), text(stranger.get(entry_url))]
    pages.append(text(member.get(jam_url)))
    entries.append(text(member.get(entry_url)))

    assert ["Edit your entry" in page for page in pages] == [True, False, False, True]
    assert ['data-testid="entry-edit"' in page for page in entries] == [True, False, False, True]
    assert "Submit entry!" in pages[2]


def test_a_visitors_cached_page_never_reaches_a_participant(running_jam):
    participant = SignUpFactory(jam=running_jam).user
    anonymous_get(running_jam.get_absolute_url())
    member = Client()
    member.force_login(participant)

    page = text(member.get(running_jam.get_absolute_url()))

    assert "Submit entry!" in page
    assert "You're signed up" in page


def test_a_judges_link_never_reaches_anyone_else():
    jam = JamFactory.judging()
    judge = Client()
    judge.force_login(JudgeFactory(jam=jam).user)
    stranger = Client()
    stranger.force_login(UserFactory())

    assert "Judge entries" in text(judge.get(jam.get_absolute_url()))
    assert "Judge entries" not in text(anonymous_get(jam.get_absolute_url()))
    assert "Judge entries" not in text(stranger.get(jam.get_absolute_url()))
    assert "Judge entries" in text(judge.get(jam.get_absolute_url()))


def test_a_teams_draft_never_reaches_anyone_else(running_jam):
    draft = EntryFactory(team__jam=running_jam, title="Secret Draft", state=Entry.State.DRAFT, submitted_at=None)
    EntryFactory(team__jam=running_jam, title="Public Entry")
    member = Client()
    member.force_login(draft.team.memberships.get().user)
    stranger = Client()
    stranger.force_login(UserFactory())
    gallery = f"/jams/{running_jam.slug}/entries/"

    assert "Secret Draft" in text(member.get(gallery))
    assert "Secret Draft" not in text(anonymous_get(gallery))
    assert "Secret Draft" not in text(stranger.get(gallery))
    assert "Secret Draft" in text(member.get(gallery))
    assert anonymous_get(draft.get_absolute_url()).status_code == 404
    assert member.get(draft.get_absolute_url()).status_code == 200
    assert anonymous_get(draft.get_absolute_url()).status_code == 404


def test_a_message_for_one_visitor_is_neither_cached_nor_served_from_the_cache(running_jam):
    anonymous_get(running_jam.get_absolute_url())
    visitor = Client()
    visitor.cookies["messages"] = _message_cookie("Only for this visitor.")

    page = visitor.get(running_jam.get_absolute_url())

    assert page.context is not None
    assert "Only for this visitor." in text(page)
    assert "Only for this visitor." not in text(anonymous_get(running_jam.get_absolute_url()))


def _message_cookie(message: str) -> str:
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest, HttpResponse

    storage = CookieStorage(HttpRequest())
    response = HttpResponse()
    storage._store([Message(constants.INFO, message)], response)
    return response.cookies["messages"].value


# Conditional GETs ----------------------------------------------------------------------


@pytest.mark.parametrize("page", ["home", "jam", "gallery", "entry", "results", "signups"])
def test_public_pages_answer_conditional_gets(page, commit):
    jam = JamFactory.running()
    entry = EntryFactory(team__jam=jam)
    url = {
        "home": "/",
        "jam": jam.get_absolute_url(),
        "gallery": f"/jams/{jam.slug}/entries/",
        "entry": entry.get_absolute_url(),
        "results": f"/jams/{jam.slug}/results/",
        "signups": f"/jams/{jam.slug}/signups/",
    }[page]

    first = anonymous_get(url)
    etag = first["ETag"]
    again = anonymous_get(url, HTTP_IF_NONE_MATCH=etag)
    commit(lambda: signup_create(jam=jam, user=UserFactory()))
    after_write = anonymous_get(url, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200
    assert "no-cache" in first["Cache-Control"]
    assert "Cookie" in first["Vary"]
    assert again.status_code == 304
    assert again.content == b""
    if page in ("jam", "home", "signups"):  # the pages that show sign-ups
        assert after_write.status_code == 200
        assert after_write["ETag"] != etag


@pytest.mark.django_db(transaction=True)
def test_a_thumbnail_made_by_the_worker_process_shows_at_once(celery_worker, running_jam, artifacts_dir):
    """The web process and a real Celery worker share the cache (Redis): the worker's write
    marks the cached gallery stale for the web process."""
    from django.core.cache import caches

    from outbox.services import outbox_add
    from tests.services import wait_until

    assert caches["default"].__class__.__name__ == "ReusedClientRedisCache"
    entry = EntryFactory(team__jam=running_jam, title="Pictured")
    entry.image.save("picture.png", upload("picture.png", png_bytes(), "image/png"), save=True)
    gallery = f"/jams/{running_jam.slug}/entries/"
    assert 'data-testid="entry-thumbnail"' not in text(anonymous_get(gallery))

    log = artifacts_dir / "celery-worker.log"
    done = re.compile(r"outbox_item_run_task\[[\w-]+\] succeeded in [\d.]+s: True")
    done_before = len(done.findall(log.read_text(errors="replace"))) if log.exists() else 0

    # Committed at once (a transactional test): the worker gets it as after a request.
    item = outbox_add(
        kind="Thumbnails", handler="submissions.thumbnails.entry_thumbnails_make", args={"entry_id": entry.pk}
    )

    # Done means the worker logged success, which it does after the job's on-commit work:
    # a new line (the log is the session's worker's, with earlier tests' jobs in it).
    assert wait_until(lambda: len(done.findall(log.read_text(errors="replace"))) > done_before, timeout=30)
    item.refresh_from_db()
    assert item.state == item.State.SENT
    assert Entry.objects.get(pk=entry.pk).thumbnails_ready
    assert 'data-testid="entry-thumbnail"' in text(anonymous_get(gallery))


# A signed-in person's own copy of the jam page -----------------------------------------


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_person_gets_their_own_copy_of_the_jam_page(running_jam):
    submitted = EntryFactory(team__jam=running_jam, slides="jams/x/entries/1/slides.pdf")
    with_entry = submitted.team.memberships.get().user  # signed up with the team
    without = SignUpFactory(jam=running_jam).user
    first, second = _signed_in(with_entry), _signed_in(without)

    pages = [text(client.get(running_jam.get_absolute_url())) for client in (first, second, first, second)]

    assert [("Edit your entry" in page, "Submit entry!" in page) for page in pages] == [
        (True, False),
        (False, True),
        (True, False),
        (False, True),
    ]
    assert with_entry.display_name in pages[2].split("</nav>")[0]
    assert with_entry.display_name not in pages[3].split("</nav>")[0]


def test_a_persons_copy_is_served_again_without_a_query_for_the_page(running_jam):
    from tests.querycount import count_queries

    client = _signed_in(SignUpFactory(jam=running_jam).user)
    client.get(running_jam.get_absolute_url())  # sets the CSRF cookie: not kept
    client.get(running_jam.get_absolute_url())  # kept

    response = client.get(running_jam.get_absolute_url())
    warm = count_queries(lambda: client.get(running_jam.get_absolute_url()), cold=False)

    assert response.context is None  # the stored copy, no template rendered
    assert warm == 1  # the session (from Redis in production); not even the user's row


def _kept_copy(client: Client, jam) -> str:
    """Two views: the first sets the CSRF cookie, the second is kept; returns the third."""
    client.get(jam.get_absolute_url())
    client.get(jam.get_absolute_url())
    response = client.get(jam.get_absolute_url())
    assert response.context is None  # served from the person's copy
    return text(response)


def test_a_persons_copy_ends_when_their_password_changes_elsewhere(running_jam, commit):
    user = SignUpFactory(jam=running_jam).user
    client = _signed_in(user)
    assert "Log out" in _kept_copy(client, running_jam)

    def change_password():
        user.set_password("a-new-password-42")
        user.save()

    commit(change_password)  # on another device, or by a reset link
    page = text(client.get(running_jam.get_absolute_url()))

    assert "Log out" not in page
    assert "You're signed up" not in page


def test_a_persons_copy_ends_when_their_account_is_deactivated(running_jam, commit):
    user = SignUpFactory(jam=running_jam).user
    client = _signed_in(user)
    _kept_copy(client, running_jam)

    def deactivate():
        user.is_active = False
        user.save(update_fields=["is_active"])

    commit(deactivate)

    assert "Log out" not in text(client.get(running_jam.get_absolute_url()))


def test_a_persons_copy_shows_their_new_name(running_jam, commit):
    user = SignUpFactory(jam=running_jam, user__display_name="Ada Before").user
    client = _signed_in(user)
    assert "Ada Before" in _kept_copy(client, running_jam).split("</nav>")[0]

    def rename():  # as a shell or a task would; the admin's POST marks every page stale too
        user.display_name = "Ada After"
        user.save(update_fields=["display_name"])

    commit(rename)
    header = text(client.get(running_jam.get_absolute_url())).split("</nav>")[0]

    assert "Ada After" in header
    assert "Ada Before" not in header


def test_a_logged_out_sessions_cookies_get_no_persons_copy(running_jam, commit):
    client = _signed_in(SignUpFactory(jam=running_jam).user)
    _kept_copy(client, running_jam)
    stolen = {name: morsel.value for name, morsel in client.cookies.items()}

    commit(lambda: client.post("/accounts/logout/"))
    thief = Client()
    for name, value in stolen.items():
        thief.cookies[name] = value
    page = text(thief.get(running_jam.get_absolute_url()))

    assert "Log out" not in page
    assert "You're signed up" not in page


def test_a_persons_own_submission_shows_on_their_next_view(running_jam, commit):
    team = TeamFactory(jam=running_jam)
    member = team.memberships.get().user
    client = _signed_in(member)
    client.get(running_jam.get_absolute_url())
    assert "Submit entry!" in text(client.get(running_jam.get_absolute_url()))
    slides = upload("slides.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")

    commit(
        lambda: entry_save(
            team=team,
            user=member,
            data={"title": "T", "abstract": "A", "authors": "B"},
            files=EntryFiles(slides=(slides, _pdf()), image=None),
            version=None,
            submit=True,
        )
    )

    assert "Edit your entry" in text(client.get(running_jam.get_absolute_url()))


def test_joining_a_team_shows_its_entry_on_the_next_view(running_jam, commit):
    from submissions.services import team_join

    entry = EntryFactory(team__jam=running_jam, slides="jams/x/entries/1/slides.pdf")
    newcomer = SignUpFactory(jam=running_jam).user
    client = _signed_in(newcomer)
    assert "Submit entry!" in text(client.get(running_jam.get_absolute_url()))

    commit(lambda: team_join(team=entry.team, user=newcomer))

    assert "Edit your entry" in text(client.get(running_jam.get_absolute_url()))


def test_a_message_is_shown_once_and_never_kept_in_a_persons_copy(running_jam, django_capture_on_commit_callbacks):
    client = _signed_in(UserFactory())
    client.get(running_jam.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        after_signup = client.post(f"/jams/{running_jam.slug}/signup/", {"show_in_list": "on"}, follow=True)
    again = client.get(running_jam.get_absolute_url())

    assert "You have successfully been signed up!" in text(after_signup)
    assert "You have successfully been signed up!" not in text(again)
    assert "You're signed up" in text(again)


# The WSGI layer (production) ------------------------------------------------------------


def _wsgi(path: str, **extra):
    """Call the production WSGI application as gunicorn does: (status, headers, body)."""
    import io
    import sys

    from hackathon.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, **extra,
    }  # fmt: skip
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    chunks = application(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return answer["status"], answer["headers"], body


# Django's handler closes the database connection after each request: these tests commit.
@pytest.mark.django_db(transaction=True)
def test_the_wsgi_layer_answers_a_hit_before_django_builds_a_request(running_jam):
    from django.core.signals import request_started

    url = running_jam.get_absolute_url()
    django_requests = []

    def count(**kwargs):
        django_requests.append(1)

    request_started.connect(count)
    try:
        miss = _wsgi(url)
        hit = _wsgi(url)
        revalidated = _wsgi(url, HTTP_IF_NONE_MATCH=hit[1]["ETag"])
        head = _wsgi(url, REQUEST_METHOD="HEAD")
        with_session = _wsgi(url, HTTP_COOKIE="sessionid=whatever")
    finally:
        request_started.disconnect(count)

    assert len(django_requests) == 2  # the miss and the request with a session cookie
    assert miss[0] == hit[0] == head[0] == with_session[0] == "200 OK"
    assert hit[2] == miss[2]
    assert hit[1]["X-Frame-Options"] == "DENY"  # the other middleware's headers are kept
    assert hit[1]["ETag"] == miss[1]["ETag"]
    assert hit[1]["Content-Length"] == str(len(hit[2]))
    assert revalidated[0] == "304 Not Modified"
    assert revalidated[2] == b""
    assert head[2] == b""


@pytest.mark.django_db(transaction=True)
def test_the_wsgi_layer_never_serves_a_page_past_a_write(running_jam):
    url = running_jam.get_absolute_url()
    _wsgi(url)
    _wsgi(url)

    signup_create(jam=running_jam, user=UserFactory(display_name="Fresh Face"))  # commits at once

    assert b"Fresh Face" in _wsgi(url)[2]


def test_the_copies_kept_in_the_process_are_bounded_by_size():
    from jams.cache import CachedCopy, _LocalCopies

    local = _LocalCopies(max_bytes=800)
    for n in range(10):
        local.put(f"k{n}", CachedCopy(b"x" * 100, f"v{n}"))
    local.put("huge", CachedCopy(b"x" * 101, "v"))  # over an eighth of the whole

    assert local.size == 800
    assert local.get("k0") is None and local.get("k1") is None
    assert local.get("k9").versions == "v9"
    assert local.get("huge") is None


def test_a_track_added_changed_or_removed_shows_at_once_on_the_jam_page(running_jam, commit):
    assert _served_from_cache(running_jam.get_absolute_url())

    track = commit(lambda: track_save(track=Track(jam=running_jam, name="Hardware", description="Build a thing.")))
    assert "Build a thing." in text(anonymous_get(running_jam.get_absolute_url()))
    assert _served_from_cache(running_jam.get_absolute_url())

    track.name = "Robots"
    commit(lambda: track_save(track=track))
    assert "Robots" in text(anonymous_get(running_jam.get_absolute_url()))

    commit(lambda: track_delete(track=track))
    assert "Robots" not in text(anonymous_get(running_jam.get_absolute_url()))


def test_a_track_added_in_the_jams_admin_shows_at_once(running_jam, organizer_client):
    assert _served_from_cache(running_jam.get_absolute_url())
    form = _jam_admin_form(running_jam)
    form.update({
        "tracks-TOTAL_FORMS": "1", "tracks-0-name": "Evals", "tracks-0-order": "0",
        "tracks-0-description": "Measure what models *do*.",
    })  # fmt: skip

    response = organizer_client.post(f"/admin/jams/jam/{running_jam.pk}/change/", form)

    assert response.status_code == 302
    page = anonymous_get(running_jam.get_absolute_url())
    assert "Measure what models <em>do</em>." in page.content.decode()
