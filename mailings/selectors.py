"""Who a mailing goes to: each audience of one jam as one query."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from jams.models import Jam, SignUp
from judging.models import Assignment, Judge, Review
from outbox.models import OutboxItem
from submissions.models import Entry, TeamMembership

from .models import Audience, Mailing


def _audience_people(jam: Jam, audience: str) -> Q:
    """The people of an audience (with or without announcements turned off)."""
    signed_up = Q(pk__in=SignUp.objects.filter(jam=jam).values("user_id"))
    members = TeamMembership.objects.filter(jam=jam)
    submitted = Entry.State.SUBMITTED
    if audience == Audience.SIGNED_UP:
        return signed_up
    if audience == Audience.NO_TEAM:
        return signed_up & ~Q(pk__in=members.values("user_id"))
    if audience == Audience.NOT_SUBMITTED:
        return signed_up & ~Q(pk__in=members.filter(team__entry__state=submitted).values("user_id"))
    if audience == Audience.DRAFT:
        return Q(pk__in=members.filter(team__entry__state=Entry.State.DRAFT).values("user_id"))
    if audience == Audience.SUBMITTED:
        return Q(pk__in=members.filter(team__entry__state=submitted).values("user_id"))
    if audience == Audience.JUDGES_BEHIND:
        reviewed = Review.objects.filter(judge_id=OuterRef("judge_id"), entry_id=OuterRef("entry_id"))
        left = Assignment.objects.filter(judge_id=OuterRef("pk")).exclude(Exists(reviewed))
        judges = Judge.objects.filter(jam=jam, removed_at__isnull=True, accepted_at__isnull=False)
        return Q(pk__in=judges.filter(Exists(left)).values("user_id"))
    if audience == Audience.WINNERS:
        if not jam.results_published:
            return Q(pk__in=[])  # nobody has won before the results are out
        winning = members.filter(team__entry__state=submitted, team__entry__awards__isnull=False)
        return Q(pk__in=winning.values("user_id"))
    raise ValueError(f"Unknown audience {audience!r}")


def audience_users(*, jam: Jam, audience: str) -> QuerySet[User]:
    """The people a mailing to this audience reaches: active, and not unsubscribed from
    announcements. Ordered by name: the first is the one the preview shows."""
    people = _audience_people(jam, audience)
    return User.objects.filter(people, is_active=True, announcements_opt_out=False).order_by(
        "display_name", "email", "pk"
    )


def mailing_outbox_states(*, mailing: Mailing) -> dict[str, int]:
    """How many of a sent mailing's emails are queued, sent, failed, given up."""
    rows = (
        OutboxItem.objects.filter(kind=ANNOUNCEMENT_KIND, args__mailing_id=mailing.pk)
        .values("state")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["state"]: row["count"] for row in rows}


ANNOUNCEMENT_KIND = "Announcement"
