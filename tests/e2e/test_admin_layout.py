"""The organizers' admin on a 1366 x 768 laptop screen, in Debian's Chromium: the jam's
add and change pages (with every inline filled) and the main lists fit the width, so
nothing needs sideways scrolling, neither the page nor an inline's or a list's own box.
A screenshot of each page lands in test-artifacts/admin-layout/ for a person to look at."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from judging.models import Assignment, Award, Comparison, Conflict
from judging.services import review_save
from outbox.heartbeat import worker_heartbeat_record
from outbox.models import OutboxItem
from submissions.models import Entry
from tests.factories import (
    CriterionFactory,
    EntryFactory,
    JamFactory,
    JudgeFactory,
    PrizeFactory,
    ResourceFactory,
    SignUpFactory,
    SpeakerFactory,
    TeamFactory,
    TestimonialFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}

# How far the page, and each box that scrolls on its own (inline groups, a list's
# results), would have to scroll sideways; and the inline forms' kind on the page.
OVERFLOW = """() => {
  const root = document.documentElement;
  const boxes = [...document.querySelectorAll(
    ".inline-group, .inline-related, .inline-group fieldset, .inline-group table, #changelist .results, "
    + "#content-main, fieldset.module"
  )].filter((el) => el.getClientRects().length)
    .map((el) => ({box: el.id || el.className || el.tagName, over: el.scrollWidth - el.clientWidth}))
    .filter((b) => b.over > 1);
  return {page: root.scrollWidth - root.clientWidth, boxes: boxes.slice(0, 5)};
}"""

LONG_URL = "https://colab.research.google.com/github/TransformerLensOrg/TransformerLens/blob/main/demos/Main_Demo.ipynb"


def jam_with_everything():
    """A jam in its judging phase with every inline and list filled as a real one is."""
    jam = JamFactory.judging(
        title="ARENA Mechanistic Interpretability Hackathon: Sparse Autoencoders and Circuits",
        tagline="Find one circuit in a small model and explain it in a four-page report",
        host="Apart Research and ARENA",
        timezone="Europe/London",
        reviews_per_entry=2,
    )
    for n in range(3):
        ResourceFactory(
            jam=jam,
            title=f"TransformerLens main demo notebook, part {n}",
            url=LONG_URL,
            description="Start here: loading a model, caching activations and patching them. " * 3,
        )
        SpeakerFactory(
            jam=jam, name=f"Speaker Number {n}", role="Research scientist, interpretability team", url=LONG_URL
        )
        PrizeFactory(jam=jam, name=f"Prize {n}", description="A week of compute credits and a mention. " * 3)
    criteria = [
        CriterionFactory(jam=jam, name=name, description="What judges should look for, in a sentence or two. " * 3)
        for name in ("Impact", "Rigour", "Clarity")
    ]
    judges = [
        JudgeFactory(
            jam=jam,
            user=UserFactory(display_name=f"Judge {n} Longname", email=f"judge.number.{n}@some-university.ac.uk"),
            invited_at=timezone.now(),
        )
        for n in range(3)
    ]
    entries = []
    for n in range(6):
        team = TeamFactory(jam=jam, name=f"The Sparse Autoencoder Appreciation Society {n}")
        SignUpFactory.create_batch(2, jam=jam)
        entries.append(
            EntryFactory(
                team=team,
                title=f"Feature splitting in sparse autoencoders trained on GPT-2 small, attempt {n}",
                authors="Ada Lovelace, Alan Turing, Grace Hopper, Katherine Johnson",
                state=Entry.State.SUBMITTED,
                submitted_at=jam.submission_deadline - timedelta(hours=n),
            )
        )
    for judge, entry in zip(judges, entries, strict=False):
        Assignment.objects.create(judge=judge, entry=entry)
        scores = {criterion.pk: 3 for criterion in criteria}
        review_save(judge=judge, entry=entry, scores=scores, feedback="Careful work. " * 20, private_note="Good.")
    Conflict.objects.create(judge=judges[0], entry=entries[-1], note="Same lab as one of the authors, two years ago")
    tracks = [
        TrackFactory(
            jam=jam,
            name=f"Sparse autoencoders and the features they find in small language models, track {n}",
            description="Entries that train or read sparse autoencoders on a model's activations. " * 3,
        )
        for n in range(2)
    ]
    for entry in entries:
        entry.tracks.set(tracks)
    judges[1].tracks.set(tracks[:1])
    PrizeFactory(jam=jam, name="Best track entry", track=tracks[0])
    Award.objects.create(prize=jam.prizes.first(), entry=entries[0])
    TestimonialFactory(jam=jam, quote="A great weekend. " * 10)
    return jam


def laptop_page(browser, base: str, email: str):
    context = browser.new_context(viewport=LAPTOP, locale="en-GB", device_scale_factor=1)
    client = Client()
    client.force_login(UserFactory._meta.model.objects.get(email=email))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def check(page, base: str, path: str, shots, name: str, add_rows: bool = False) -> list[str]:
    """What scrolls sideways on one page, each problem naming the page. Collapsed parts are
    opened first, and with `add_rows` each inline gets a blank row, so they are measured."""
    response = page.goto(base + path)
    if response is None or response.status != 200:
        return [f"{path}: status {response and response.status}"]
    page.wait_for_load_state("load")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    opened = page.evaluate("""() => {
      const closed = [...document.querySelectorAll("details:not([open])")];
      closed.forEach((details) => { details.open = true; });
      return closed.length;
    }""")
    if add_rows:
        for link in page.locator(".inline-group .add-row a").all():
            link.click()
    if opened or add_rows:
        page.screenshot(path=str(shots / f"{name}-opened.png"), full_page=True)
    found = page.evaluate(OVERFLOW)
    problems = []
    if found["page"] > 0:
        problems.append(f"{path}: the page scrolls sideways by {found['page']} px")
    problems += [f"{path}: {box['box']} scrolls sideways by {box['over']} px" for box in found["boxes"]]
    return problems


@pytest.fixture
def organizer_page(live_server, browser):
    organizer = UserFactory(is_staff=True, is_superuser=True, display_name="Olivia Organizer")
    page = laptop_page(browser, live_server.url, organizer.email)
    yield page
    page.context.close()


@pytest.fixture
def shots(artifacts_dir):
    folder = artifacts_dir / "admin-layout"
    folder.mkdir(exist_ok=True)
    return folder


def test_jam_add_and_change_pages_fit_a_laptop_screen(live_server, organizer_page, shots):
    jam = jam_with_everything()

    problems = check(organizer_page, live_server.url, f"/admin/jams/jam/{jam.pk}/change/", shots, "jam-change")
    problems += check(organizer_page, live_server.url, "/admin/jams/jam/add/", shots, "jam-add", add_rows=True)

    assert not problems, "\n".join(problems)


CHANGELISTS = {
    "jams": "/admin/jams/jam/",
    "signups": "/admin/jams/signup/",
    "testimonials": "/admin/jams/testimonial/",
    "teams": "/admin/submissions/team/",
    "entries": "/admin/submissions/entry/",
    "judges": "/admin/judging/judge/",
    "reviews": "/admin/judging/review/",
    "assignments": "/admin/judging/assignment/",
    "conflicts": "/admin/judging/conflict/",
    "prizes": "/admin/judging/prize/",
    "users": "/admin/accounts/user/",
    "outbox": "/admin/outbox/outboxitem/",
}


def test_main_admin_lists_fit_a_laptop_screen(live_server, organizer_page, shots):
    jam = jam_with_everything()
    JamFactory.finished(title="Last year's hackathon on evaluations and red-teaming of language models")
    # Addresses run long (and factories' numbers grow over a whole run): they must wrap.
    UserFactory(
        email="organizer.of.the.evaluations.hackathon.2031@interpretability-lab.university.example.edu",
        display_name="Maximiliane Alexandra Konstantinopoulou-Featherstonehaugh",
    )
    # The outbox's list: an announcement to many, and a failure with a long error.
    OutboxItem.objects.create(
        kind="Announcement",
        handler="mailings.services.delivery_send",
        jam=jam,
        recipients="\n".join(f"participant.number.{n}@interpretability-lab.university.example.edu" for n in range(3)),
        state=OutboxItem.State.FAILED,
        tries=3,
        last_error="SMTPRecipientsRefused: {'participant.number.0@interpretability-lab.university.example.edu': "
        "(550, b'5.1.1 The email account that you tried to reach does not exist')}",
    )

    problems = []
    for name, path in CHANGELISTS.items():
        problems += check(organizer_page, live_server.url, path, shots, f"list-{name}")
    one_jam = f"/admin/submissions/entry/?jam__id__exact={jam.pk}"
    problems += check(organizer_page, live_server.url, one_jam, shots, "list-entries-of-one-jam")

    assert not problems, "\n".join(problems)
    assert timezone.now() < jam.judging_ends_at  # the scene is the judging phase, every list filled


def test_admin_index_with_its_health_panel_fits_a_laptop_screen(live_server, organizer_page, shots):
    from hackathon.celery import app

    now = timezone.now()
    for minutes in (3, 95):
        OutboxItem.objects.create(kind="Sign-up confirmation", handler="x", created_at=now - timedelta(minutes=minutes))
    OutboxItem.objects.create(
        kind="Thumbnails", handler="x", state=OutboxItem.State.GAVE_UP, tries=5, failed_at=now - timedelta(hours=2)
    )
    worker_heartbeat_record(at=time.time() - 12)
    previous, app.conf.task_always_eager = app.conf.task_always_eager, False  # as with a broker
    try:
        problems = check(organizer_page, live_server.url, "/admin/", shots, "index")
        panel = organizer_page.get_by_test_id("health-panel")
        figures = [panel.get_by_test_id(f"health-{name}").inner_text() for name in ("queued", "failed", "oldest")]
        worker = panel.get_by_test_id("health-worker").inner_text()
        box, apps = panel.bounding_box(), organizer_page.locator("#content-main").bounding_box()
        panel.get_by_test_id("health-failed").click()
        organizer_page.wait_for_load_state("load")
        listed = organizer_page.locator("#result_list tbody tr").count()
    finally:
        app.conf.task_always_eager = previous

    assert not problems, "\n".join(problems)
    assert figures == ["2", "1", "95 min ago"]
    assert worker.startswith("answered 1")
    assert box["y"] + box["height"] <= apps["y"] + 1  # above the apps, not beside them
    assert listed == 1


def test_other_admin_change_pages_fit_a_laptop_screen(live_server, organizer_page, shots):
    jam = jam_with_everything()
    entry = jam.entries.order_by("pk").first()
    judge = jam.judges.order_by("pk").first()
    prize = jam.prizes.order_by("pk").first()
    pages = {
        "entry-change": f"/admin/submissions/entry/{entry.pk}/change/",
        "team-change": f"/admin/submissions/team/{entry.team_id}/change/",
        "judge-change": f"/admin/judging/judge/{judge.pk}/change/",
        "prize-change": f"/admin/judging/prize/{prize.pk}/change/",
        "review-change": f"/admin/judging/review/{judge.reviews.first().pk}/change/",
        "results": f"/admin/jams/jam/{jam.pk}/results/",
    }

    problems = []
    for name, path in pages.items():
        problems += check(organizer_page, live_server.url, path, shots, name)

    assert not problems, "\n".join(problems)


def test_pairwise_results_page_fits_a_laptop_screen(live_server, organizer_page, shots):
    """The pairwise jam's admin results: comparisons per entry, judges' reliability, and
    per-track rankings whose prizes carry long track names."""
    jam = jam_with_everything()
    type(jam).objects.filter(pk=jam.pk).update(judging_mode="pairwise")
    tracks = [
        TrackFactory(jam=jam, name=f"Mechanistic interpretability of sparse autoencoder features, part {n}")
        for n in range(2)
    ]
    for prize, track in zip(jam.prizes.order_by("pk"), tracks, strict=False):
        prize.track = track
        prize.save()
    entries = list(jam.entries.order_by("pk"))
    for n, entry in enumerate(entries):
        entry.tracks.add(tracks[n % 2])
    judge = jam.judges.order_by("pk").first()
    Comparison.objects.create(judge=judge, winner=entries[0], loser=entries[2], winner_first=True)
    Comparison.objects.create(judge=judge, winner=entries[1], loser=entries[3], winner_first=True)

    problems = check(organizer_page, live_server.url, f"/admin/jams/jam/{jam.pk}/results/", shots, "results-pairwise")

    assert not problems, "\n".join(problems)
    assert "Mechanistic interpretability of sparse autoencoder features, part 0" in organizer_page.content()


def test_an_error_in_a_collapsed_inline_opens_it(live_server, organizer_page, shots):
    """The jam page's Tracks inline is collapsed; deleting the only track a judge is
    limited to is refused there, and the inline opens so the refusal can be read."""
    jam = JamFactory.running(title="Sprint")
    hardware = TrackFactory(jam=jam, name="Hardware")
    TrackFactory(jam=jam, name="Software")
    JudgeFactory(jam=jam, user=UserFactory(display_name="Tess Tracks")).tracks.set([hardware])
    page = organizer_page
    page.goto(f"{live_server.url}/admin/jams/jam/{jam.pk}/change/")
    page.get_by_text("Tracks (2)").click()
    page.locator("input[name$='-name'][value='Hardware']").wait_for()
    index = page.locator("input[name^='tracks-'][name$='-name']").evaluate_all(
        "inputs => inputs.findIndex(input => input.value === 'Hardware')"
    )
    page.check(f"input[name='tracks-{index}-DELETE']")
    page.click("input[name=_save]")

    refusal = page.get_by_text("“Hardware” can't be deleted: Tess Tracks judges only this track.")
    expect(refusal).to_be_visible()
    page.screenshot(path=str(shots / "jam-track-delete-refused.png"), full_page=True)
