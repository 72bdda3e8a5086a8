"""Every main page on a 390 px phone, in Debian's Chromium: no sideways scrolling, header
items on one line each, and no serious or critical axe-core violation (contrast, names,
heading order, landmarks...). One load per page; a screenshot of each lands in
test-artifacts/a11y/ for a person to look at.

axe-core is vendored for the tests only (tests/e2e/vendor/), never served by the site."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from jams.models import Jam
from submissions.models import Entry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
ARENA, RUNNING, JUDGING, UPCOMING = (
    "arena-interpretability-hackathon",
    "ai-evaluations-sprint",
    "ai-safety-ideathon",
    "multi-agent-safety-jam",
)

# What the page shows that a person would have to scroll sideways for, header items whose
# text runs over more than one line, and the levels of the visible headings in order.
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length)
    .filter((el) => !el.closest(".table-responsive, .overflow-auto"))
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : ""));
  const wrapped = [...document.querySelectorAll("nav a, nav button, nav .navbar-text")].filter((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
  }).map((el) => el.textContent.trim());
  const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter((h) => h.getClientRects().length).map((h) => Number(h.tagName[1]));
  const skipped = levels.filter((level, i) => level > (i ? levels[i - 1] : 0) + 1);
  return {scroll: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5), wrapped, levels, skipped};
}"""

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""


def seed_demo(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    settings.DEBUG = False


def phone_context(browser, base: str, email: str | None = None):
    # axe-core is injected as an inline script: the check itself must bypass the CSP.
    context = browser.new_context(viewport=PHONE, locale="en-GB", device_scale_factor=1, bypass_csp=True)
    if email:
        client = Client()
        client.force_login(User.objects.get(email=email))
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return context


def check(page, base: str, path: str, shots: Path, name: str = "") -> list[str]:
    """Problems found on one page, each naming the page."""
    response = page.goto(base + path)
    if response is None or response.status != 200:
        return [f"{path}: status {response and response.status}"]
    page.wait_for_load_state("load")
    name = name or path.strip("/").replace("/", "_") or "home"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    layout = page.evaluate(LAYOUT)
    problems = []
    if layout["scroll"] > 0:
        problems.append(f"{path}: scrolls sideways by {layout['scroll']} px ({layout['wide']})")
    problems += [f"{path}: header item wraps: {text!r}" for text in layout["wrapped"]]
    if layout["skipped"] or layout["levels"].count(1) != 1:
        problems.append(f"{path}: headings out of order (one h1, then no level skipped): {layout['levels']}")
    page.add_script_tag(path=str(AXE))
    problems += [f"{path}: {v}" for v in page.evaluate(AXE_RUN)]
    return problems


def skip_link_problems(page, base: str) -> list[str]:
    """The first Tab shows a link that moves the focus to the main content."""
    page.goto(base + "/")
    page.keyboard.press("Tab")
    link = page.locator(":focus")
    if link.text_content() != "Skip to the content" or not link.is_visible():
        return [f"the first Tab reaches {link.text_content()!r}, not a visible skip link"]
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.tagName")
    return [] if focused == "MAIN" else [f"the skip link moves the focus to {focused}, not <main>"]


def test_main_pages_fit_a_phone_and_pass_axe(live_server, browser, settings, artifacts_dir):
    seed_demo(settings)
    base = live_server.url
    shots = artifacts_dir / "a11y"
    shots.mkdir(exist_ok=True)
    arena_entry = Entry.objects.filter(jam__slug=ARENA).order_by("pk").first()
    judge_entry = Entry.objects.filter(jam__slug=JUDGING, assignments__judge__user__email="judge@example.com")
    problems = []

    visits = {
        None: [
            "/",
            f"/jams/{UPCOMING}/",
            f"/jams/{RUNNING}/",
            f"/jams/{JUDGING}/",
            f"/jams/{ARENA}/",
            f"/jams/{RUNNING}/signup/",
            f"/jams/{ARENA}/entries/",
            f"/jams/{ARENA}/entries/{arena_entry.pk}/",
            f"/jams/{ARENA}/results/",
            "/accounts/login/",
        ],
        "participant@example.com": [f"/jams/{RUNNING}/team/", f"/jams/{RUNNING}/submit/"],
        "judge@example.com": [f"/jams/{JUDGING}/judge/", lambda: f"/jams/{JUDGING}/judge/{judge_entry.first().pk}/"],
    }
    for email, paths in visits.items():
        context = phone_context(browser, base, email)
        page = context.new_page()
        page.set_default_timeout(15_000)
        for path in paths:
            problems += check(page, base, path() if callable(path) else path, shots)
        if email is None:
            problems += skip_link_problems(page, base)
        context.close()

    # The grace period: the deadline has passed, late submissions are still open.
    now = timezone.now()
    Jam.objects.filter(slug=RUNNING).update(submission_deadline=now - timedelta(minutes=5), grace_minutes=60)
    cache.clear()  # an update() writes no new page version
    context = phone_context(browser, base)
    problems += check(context.new_page(), base, f"/jams/{RUNNING}/", shots, name="grace")
    context.close()

    assert not problems, "\n".join(problems)
