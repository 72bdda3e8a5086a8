"""Pages that show several apps' data, composed above the apps.

jams is the base and never imports the apps built on it (../shared/STYLE.md), so the jam
page, which shows the latest entries (submissions), the prizes, criteria and the judge's
link (judging) beside the jam's own parts, is put together here. Its URL stays
/jams/<slug>/ under the name jams:detail (hackathon/urls.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from hackathon.cache import user_scope
from jams.cache import PAGE_FORMAT, SITE, CachedCopy, copy_store, jam_scope, public_page, versions_and_copy
from jams.models import Jam, Phase, SignUp
from jams.selectors import jam_time_changes_latest, signup_summary, testimonial_list_for_jam
from jams.services import TIME_CHANGES_SHOWN
from judging.models import Criterion, Judge, Prize
from submissions.models import Entry, Team, TeamMembership
from submissions.selectors import entry_list_latest


@dataclass
class CriterionShown:
    name: str
    description: str
    weight: Decimal
    share: int  # percent of the total weight, rounded
    scale_low: int
    scale_high: int


def criteria_shown(*, jam: Jam) -> list[CriterionShown]:
    """The jam's criteria with each one's share of the weighted score."""
    criteria = list(Criterion.objects.filter(jam=jam).order_by("order", "id"))
    total = sum((c.weight for c in criteria), Decimal(0))
    return [
        CriterionShown(
            name=c.name,
            description=c.description,
            weight=c.weight.normalize(),
            share=round(100 * c.weight / total) if total else 0,
            scale_low=c.scale_low,
            scale_high=c.scale_high,
        )
        for c in criteria
    ]


@dataclass(frozen=True)
class Visitor:
    """Where the person viewing a jam page stands in it."""

    signup: SignUp | None  # their sign-up (only `show_in_list` is loaded)
    is_judge: bool
    entry: Entry | None  # their team's entry (only `state` is loaded)


def jam_with_visitor(*, slug: str, user) -> tuple[Jam, Visitor]:
    """The jam, with the visitor's sign-up, judge role and team's entry, in one query.

    Raw SQL on purpose: this runs on every signed-in view of the busiest page, and
    building the same query with the ORM's subqueries cost more than the rest of the
    page put together (measured with `make bench`)."""
    user_id = user.pk if user.is_authenticated else None
    tables = {
        "jam": Jam._meta.db_table,
        "signup": SignUp._meta.db_table,
        "judge": Judge._meta.db_table,
        "entry": Entry._meta.db_table,
        "member": TeamMembership._meta.db_table,
    }
    sql = """
        SELECT j.*,
          (SELECT s.show_in_list FROM {signup} s WHERE s.jam_id = j.id AND s.user_id = %s) AS my_signup_shown,
          (SELECT COUNT(*) FROM {judge} g
             WHERE g.jam_id = j.id AND g.user_id = %s AND g.removed_at IS NULL) AS my_judge,
          (SELECT e.state FROM {entry} e JOIN {member} m ON m.team_id = e.team_id
             WHERE e.jam_id = j.id AND m.user_id = %s LIMIT 1) AS my_entry_state
        FROM {jam} j WHERE j.slug = %s
    """.format(**tables)  # noqa: S608 - table names come from the models, values go as parameters
    jam = next(iter(Jam.objects.raw(sql, [user_id, user_id, user_id, slug])), None)
    if jam is None:
        raise Http404("No such jam.")
    shown = jam.my_signup_shown
    signup = None if shown is None else SignUp(jam=jam, user=user, show_in_list=bool(shown))
    entry = None if jam.my_entry_state is None else Entry(jam=jam, state=jam.my_entry_state)
    return jam, Visitor(signup=signup, is_judge=bool(jam.my_judge), entry=entry)


# Replaced on every request by the person's own call to action; never a valid page text.
CTA_MARK = "\x00jam-cta\x00"


def _personal_key(request: HttpRequest, slug: str, user_pk) -> str | None:
    """Where a signed-in person's own copy of a jam page is kept: under their user, their
    session and their CSRF cookie (the page's log-out form carries a token made from it),
    so it is never served to anyone else, nor to them after they log in again. None when
    a message waits for them: that page is shown once, never kept."""
    if "messages" in request.COOKIES or request.session.get("_messages"):
        return None
    private = f"{request.session.session_key}:{request.COOKIES.get(settings.CSRF_COOKIE_NAME, '')}"
    digest = hashlib.blake2b(private.encode(), digest_size=16).hexdigest()
    return f"jam-page:{PAGE_FORMAT}:{slug}:{user_pk}:{digest}"


def _csrf_cookie_kept(request: HttpRequest) -> bool:
    """Whether the page's CSRF token came from the cookie the request brought (not a new
    secret this response is about to set, which the key could not name)."""
    brought = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    return bool(brought) and request.META.get("CSRF_COOKIE") == brought


@public_page(scopes=lambda slug: [jam_scope(slug)])
def jam_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The jam page. Anonymous visitors get it whole from the cache (the middleware), and a
    signed-in person their own copy, both per version of the jam (and the site) and
    phase. When a page must be made, its content, the same for everyone, comes from the
    cache too, and only the call to action is rendered for the person.

    A person's copy is served on their session alone, without reading their account: it
    was stored only after Django's log-in check passed for this very session (the key
    names it; logging in again or changing one's password gives a new one), and it
    carries the version of their account, which every save of the account bumps
    (accounts/models.py): a new password, a deactivation, a new name. An expired or
    flushed session has no user, so it finds no copy."""
    user_pk = request.session.get(SESSION_KEY)
    personal_key = None if user_pk is None else _personal_key(request, slug, user_pk)
    if personal_key:
        token, copy = versions_and_copy([jam_scope(slug), SITE, user_scope(user_pk)], personal_key)
        if copy is not None:
            return HttpResponse(copy.body)
    response = _jam_page(request, slug)
    kept = personal_key and response.status_code == 200 and _csrf_cookie_kept(request)
    if kept and request.user.is_authenticated and str(request.user.pk) == str(user_pk):
        # Stored under the versions read before the page was made: a write meanwhile
        # leaves this copy stale at once.
        copy_store(personal_key, CachedCopy(response.content, token, response.changes_at))
    return response


def _jam_page(request: HttpRequest, slug: str) -> HttpResponse:
    jam, visitor = jam_with_visitor(slug=slug, user=request.user)
    now = timezone.now()
    changes_at = jam.changes_after(now)
    phase = jam.phase_at(now)
    key = f"jam-content:{PAGE_FORMAT}:{jam.slug}"
    versions, content = versions_and_copy([jam_scope(jam.slug), SITE], key)
    if content is None:
        html = render_to_string("jams/_jam_content.html", _jam_content_context(jam, now, phase), request=request)
        # Until the next phase: the content shows the phase (the countdown, the words).
        content = CachedCopy(html, versions, changes_at)
        copy_store(key, content)
    cta = render_to_string(
        "jams/_jam_cta.html",
        {
            "jam": jam,
            "phase": phase,
            "signup": visitor.signup,
            "accepts_signups": jam.accepts_signups_at(now),
            "accepts_submissions": jam.accepts_submissions_at(now),
            "is_judge": visitor.is_judge,
            "my_entry": visitor.entry,
        },
        request=request,
    )
    page = mark_safe(content.body.replace(CTA_MARK, cta))  # noqa: S308 - both were rendered by our templates
    response = render(request, "jams/jam_detail.html", {"jam": jam, "phase": phase, "content": page})
    response.changes_at = changes_at
    return response


def _jam_content_context(jam: Jam, now: datetime, phase: Phase) -> dict:
    # Each list is read only if the template shows it.
    return {
        "jam": jam,
        "phase": phase,
        "now": now,
        "cta": mark_safe(CTA_MARK),  # noqa: S308 - a constant
        "testimonials": SimpleLazyObject(lambda: list(testimonial_list_for_jam(jam=jam))),
        "latest_entries": SimpleLazyObject(lambda: entry_list_latest(jam=jam)),
        "signups": SimpleLazyObject(lambda: signup_summary(jam=jam)),
        "tracks": SimpleLazyObject(lambda: list(jam.tracks.all())),
        "prizes": SimpleLazyObject(lambda: list(Prize.objects.filter(jam=jam).order_by("order", "id"))),
        "criteria": SimpleLazyObject(lambda: criteria_shown(jam=jam)),
        "time_changes": SimpleLazyObject(lambda: jam_time_changes_latest(jam=jam, limit=TIME_CHANGES_SHOWN)),
    }


# My jams -------------------------------------------------------------------------------


@dataclass
class MyJam:
    jam: Jam
    phase: Phase
    team: Team | None
    entry: Entry | None
    next_label: str  # what happens next, or how the jam ended
    next_at: datetime | None

    @property
    def entry_state(self) -> str:
        if self.team is None:
            return "No team yet"
        if self.entry is None:
            return "No entry yet"
        if not self.entry.is_submitted:
            return "Draft"
        return "Submitted late" if self.entry.is_late else "Submitted"


NEXT_MOMENT = {
    Phase.UPCOMING: ("Starts", "starts_at"),
    Phase.RUNNING: ("Submissions due", "submission_deadline"),
    Phase.GRACE: ("Late submissions close", "submissions_close_at"),
    Phase.JUDGING: ("Judging ends", "judging_ends_at"),
}


def my_jams_list(*, user, now: datetime) -> list[MyJam]:
    """Each jam the person signed up to, with their team, their entry's state and what
    comes next; three queries however many jams."""
    signups = SignUp.objects.filter(user=user).select_related("jam").order_by("-jam__starts_at", "-id")
    teams = {m.jam_id: m.team for m in TeamMembership.objects.filter(user=user).select_related("team")}
    entries = {
        e.team_id: e
        for e in Entry.objects.filter(team__in=list(teams.values())).only("id", "jam_id", "team_id", "state", "is_late")
    }
    rows = []
    for signup in signups:
        jam = signup.jam
        phase = jam.phase_at(now)
        team = teams.get(jam.pk)
        if phase in NEXT_MOMENT:
            label, attribute = NEXT_MOMENT[phase]
            next_label, next_at = label, getattr(jam, attribute)
        else:
            next_label, next_at = ("Results are out" if jam.results_published else "Finished"), None
        entry = entries.get(team.pk) if team else None
        rows.append(MyJam(jam=jam, phase=phase, team=team, entry=entry, next_label=next_label, next_at=next_at))
    return rows


@login_required
def my_jams(request: HttpRequest) -> HttpResponse:
    rows = my_jams_list(user=request.user, now=timezone.now())
    return render(request, "my_jams.html", {"rows": rows})
