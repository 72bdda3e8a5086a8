from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jams.cache import jam_scope, public_page
from jams.models import Jam
from submissions.models import Entry

from .forms import ReviewForm
from .invitations import InvitationLinkError, accept_token_read
from .models import Judge, Review, Skip
from .pairwise_selectors import pairwise_page
from .pairwise_services import pairwise_next, pairwise_skip, pairwise_undo, pairwise_vote
from .selectors import (
    criteria_for,
    judge_for,
    judge_may_see,
    judge_workspace,
    next_entry_for_judge,
    prizes_by_track,
    prizes_with_winners,
    published_results,
    recusals_for_judge,
    review_refusal,
    track_rankings,
)
from .services import (
    JudgingClosed,
    NotAllowed,
    assignments_ensure,
    check_judging_open,
    judge_accept,
    judge_accept_by_link,
    judge_recuse,
    judge_recuse_undo,
    review_save,
)


def _judge_or_403(request: HttpRequest, slug: str) -> tuple[Jam, Judge | None, HttpResponse | None]:
    """The signed-in person's judge role in the jam, if they may use it: their address is
    verified (the role was given to an address) and they accepted it. Otherwise a 403
    page that says which, with the button that does it."""
    jam = get_object_or_404(Jam, slug=slug)
    judge = judge_for(jam=jam, user=request.user)
    if judge is None:
        response = render(request, "judging/not_a_judge.html", {"jam": jam}, status=403)
        return jam, None, response
    if not judge.user.email_verified:
        return jam, None, _verify_needed(request, jam)
    if judge.accepted_at is None:
        response = render(request, "judging/invitation.html", {"jam": jam, "judge": judge}, status=403)
        return jam, None, response
    return jam, judge, None


def _verify_needed(request: HttpRequest, jam: Jam) -> HttpResponse:
    context = {
        "jam": jam,
        "need": f"judge {jam.title}",
        "next": reverse("judging:workspace", kwargs={"slug": jam.slug}),
    }
    return render(request, "judging/verify_needed.html", context, status=403)


@login_required
@require_POST
def accept(request: HttpRequest, slug: str) -> HttpResponse:
    """The invitation accepted from the judge page, by its verified account."""
    jam = get_object_or_404(Jam, slug=slug)
    judge = judge_for(jam=jam, user=request.user)
    if judge is None:
        return render(request, "judging/not_a_judge.html", {"jam": jam}, status=403)
    if not judge.user.email_verified:
        return _verify_needed(request, jam)
    if judge_accept(judge=judge):
        messages.success(request, f"Thank you for judging {jam.title}!")
    return redirect("judging:workspace", slug=slug)


@require_http_methods(["GET", "POST"])
def accept_link(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The emailed invitation: GET asks (a mail scanner opening links accepts nothing),
    POST accepts and verifies the address. The signed token is the permission: only the
    address's owner got it."""
    jam = get_object_or_404(Jam, slug=slug)
    try:
        invitation = accept_token_read(token, jam=jam)
    except InvitationLinkError as error:
        return render(request, "judging/accept_link.html", {"jam": jam, "error": error.message}, status=400)
    judge = invitation.judge
    if request.method == "GET":
        if judge.accepted_at is not None:
            messages.info(request, f"You accepted this invitation already: you're a judge of {jam.title}.")
            return redirect("judging:workspace", slug=slug)
        return render(request, "judging/accept_link.html", {"jam": jam, "judge": judge})
    try:
        judge_accept_by_link(invitation=invitation)
    except NotAllowed as error:
        return render(request, "judging/accept_link.html", {"jam": jam, "error": error.message}, status=403)
    messages.success(request, f"You're a judge of {jam.title}. Thank you!")
    if request.user.is_authenticated and request.user.pk != judge.user_id:
        messages.info(request, f"You're signed in as {request.user.email}: log in as {judge.user.email} to judge.")
    return redirect("judging:workspace", slug=slug)


@login_required
def workspace(request: HttpRequest, slug: str) -> HttpResponse:
    jam, judge, refused = _judge_or_403(request, slug)
    if refused:
        return refused
    if jam.pairwise:
        return redirect("judging:pairwise", slug=slug)
    try:
        check_judging_open(jam=jam, now=timezone.now())
    except JudgingClosed as closed:
        return render(request, "judging/workspace.html", {"jam": jam, "closed": closed.message})
    assignments_ensure(jam=jam)
    context = {"jam": jam, "judge": judge, "work": judge_workspace(judge=judge)}
    context["next_entry"] = next_entry_for_judge(judge=judge) if not context["work"].queue else None
    context["recusals"] = recusals_for_judge(judge=judge)
    return render(request, "judging/workspace.html", context)


@login_required
def review(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    jam, judge, refused = _judge_or_403(request, slug)
    if refused:
        return refused
    if jam.pairwise:
        messages.info(request, f"{jam.title} is judged by comparing entries two at a time, not by scoring them.")
        return redirect("judging:pairwise", slug=slug)
    entry = get_object_or_404(Entry.objects.select_related("team", "jam"), jam=jam, pk=entry_id)
    refusal = review_refusal(judge=judge, entry=entry)
    if refusal:
        # Nothing is shown of the entry, and nothing a POST carried is saved.
        context = {"jam": jam, "refusal": refusal}
        return render(request, "judging/review_refused.html", context, status=403)
    existing = Review.objects.filter(judge=judge, entry=entry).prefetch_related("scores").first()
    criteria = criteria_for(jam=jam)
    form = ReviewForm(request.POST if request.method == "POST" else None, criteria=criteria, review=existing)
    closed = None
    try:
        check_judging_open(jam=jam, now=timezone.now())
    except JudgingClosed as error:
        closed = error.message
    if request.method == "POST" and closed:
        return _review_page(request, jam, entry, form, closed, status=403)
    if request.method == "POST" and form.is_valid():
        try:
            review_save(
                judge=judge,
                entry=entry,
                scores=form.scores(),
                feedback=form.cleaned_data["feedback"],
                private_note=form.cleaned_data["private_note"],
            )
        except (NotAllowed, JudgingClosed) as error:
            return _review_page(request, jam, entry, form, error.message, status=403)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Your review of “{entry.title}” is saved.")
            return _after_save(request, judge, entry)
    status = 400 if form.is_bound else 200
    return _review_page(request, jam, entry, form, closed, status=status)


def _after_save(request: HttpRequest, judge: Judge, entry: Entry) -> HttpResponse:
    """ "Save" stays on the entry; "Save and next" opens the next one, or the queue when
    none is left."""
    if request.POST.get("then") != "next":
        return redirect("judging:review", slug=judge.jam.slug, entry_id=entry.pk)
    following = next_entry_for_judge(judge=judge, after=entry.pk)
    if following:
        return redirect("judging:review", slug=judge.jam.slug, entry_id=following.pk)
    messages.info(request, "That was the last entry waiting for a review. Thank you!")
    return redirect("judging:workspace", slug=judge.jam.slug)


def _review_page(request, jam, entry, form, closed, status: int = 200) -> HttpResponse:
    context = {"jam": jam, "entry": entry, "form": form, "closed": closed}
    return render(request, "judging/review_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recuse(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """GET asks for confirmation, saying what is lost; POST recuses."""
    jam, judge, refused = _judge_or_403(request, slug)
    if refused:
        return refused
    entry = get_object_or_404(Entry.objects.select_related("team"), jam=jam, pk=entry_id)
    if request.method == "GET":
        if not judge_may_see(judge=judge, entry=entry):
            raise Http404("This entry is not in your queue.")
        context = {"jam": jam, "entry": entry, "review": Review.objects.filter(judge=judge, entry=entry).first()}
        return render(request, "judging/recuse_confirm.html", context)
    try:
        judge_recuse(judge=judge, entry=entry)
    except (NotAllowed, JudgingClosed) as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"You recused from “{entry.title}”. It has left your queue; you can undo this below until judging ends.",
        )
    return redirect("judging:workspace", slug=slug)


@login_required
@require_POST
def recuse_undo(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    jam, judge, refused = _judge_or_403(request, slug)
    if refused:
        return refused
    entry = get_object_or_404(Entry, jam=jam, pk=entry_id)
    try:
        judge_recuse_undo(judge=judge, entry=entry)
    except (NotAllowed, JudgingClosed) as error:
        messages.error(request, error.message)
        return redirect("judging:workspace", slug=slug)
    messages.success(request, f"“{entry.title}” is back in your queue.")
    return redirect("judging:review", slug=slug, entry_id=entry.pk)


# Pairwise judging -------------------------------------------------------------------------


@login_required
def pairwise(request: HttpRequest, slug: str) -> HttpResponse:
    """The judge's page on the expo floor: where to go now, and which of two was better."""
    jam, judge, refused = _judge_or_403(request, slug)
    if refused:
        return refused
    if not jam.pairwise:
        return redirect("judging:workspace", slug=slug)
    context = {"jam": jam, "judge": judge}
    try:
        check_judging_open(jam=jam, now=timezone.now())
    except JudgingClosed as closed:
        context["closed"] = closed.message
    else:
        context["page"] = pairwise_page(judge=judge)
    return render(request, "judging/pairwise.html", context)


def _pairwise_post(request: HttpRequest, slug: str, action) -> HttpResponse:
    """Run one pairwise service for the judge with the form's ids; its refusal comes back
    as a message on their page, with nothing changed."""
    _jam, judge, refused = _judge_or_403(request, slug)
    if refused:
        return refused
    try:
        ids = {
            name: int(request.POST[name]) for name in ("first", "second", "winner", "entry") if request.POST.get(name)
        }
    except ValueError:
        messages.error(request, "That form was damaged on the way; nothing was recorded. Please try again.")
        return redirect("judging:pairwise", slug=slug)
    try:
        text = action(judge, ids)
    except (NotAllowed, JudgingClosed) as error:
        messages.error(request, error.message)
    except KeyError:
        messages.error(request, "That form was incomplete; nothing was recorded. Please try again.")
    else:
        messages.success(request, text)
    return redirect("judging:pairwise", slug=slug)


@login_required
@require_POST
def pairwise_next_view(request: HttpRequest, slug: str) -> HttpResponse:
    def action(judge: Judge, ids: dict) -> str:
        state = pairwise_next(judge=judge, current_id=ids.get("entry"))
        return "Here is your next entry." if state.current_id else "There is no entry left for you to see."

    return _pairwise_post(request, slug, action)


@login_required
@require_POST
def pairwise_vote_view(request: HttpRequest, slug: str) -> HttpResponse:
    def action(judge: Judge, ids: dict) -> str:
        vote = pairwise_vote(judge=judge, first_id=ids["first"], second_id=ids["second"], winner_id=ids["winner"])
        return f"Recorded: “{vote.winner.title}” was better than “{vote.loser.title}”."

    return _pairwise_post(request, slug, action)


@login_required
@require_POST
def pairwise_skip_view(request: HttpRequest, slug: str) -> HttpResponse:
    reason = request.POST.get("reason", "")

    def action(judge: Judge, ids: dict) -> str:
        skip = pairwise_skip(judge=judge, entry_id=ids["entry"], reason=reason)
        if skip.reason == Skip.Reason.CONFLICT:
            return f"Noted: you have a conflict with “{skip.entry.title}”. You won't be sent to it again."
        return f"Skipped “{skip.entry.title}”: its team wasn't there."

    return _pairwise_post(request, slug, action)


@login_required
@require_POST
def pairwise_undo_view(request: HttpRequest, slug: str) -> HttpResponse:
    choice = request.POST.get("choice", "")

    def action(judge: Judge, ids: dict) -> str:
        if not choice:
            raise KeyError("choice")  # an old page or a damaged form: the incomplete-form message
        undone = pairwise_undo(judge=judge, choice=choice)
        if isinstance(undone, Skip):
            if undone.recused:
                return f"Your conflict with “{undone.entry.title}” is taken back: you're back at it."
            return f"Your skip of “{undone.entry.title}” is undone: you're back at it."
        return f"Your vote on “{undone.winner.title}” and “{undone.loser.title}” is undone: vote again."

    return _pairwise_post(request, slug, action)


@public_page(scopes=lambda slug: [jam_scope(slug)])
def results(request: HttpRequest, slug: str) -> HttpResponse:
    jam = get_object_or_404(Jam, slug=slug)
    if not jam.results_published:
        return render(request, "judging/results.html", {"jam": jam, "published": False})
    results = published_results(jam=jam) if jam.show_ranking else None
    prizes = prizes_with_winners(jam=jam)
    context = {
        "jam": jam,
        "published": True,
        "prizes": prizes,
        "prize_groups": (groups := prizes_by_track(prizes=prizes)),
        # Headed by track once any prize is a track's: "The whole jam", then each track.
        "prizes_grouped": any(group.track for group in groups),
        "track_rankings": track_rankings(jam=jam, results=results) if results else [],
        "awarded": any(prize.awards.all() for prize in prizes),
        # Organizers also see the prizes not awarded. A signed-in person's page is never
        # cached (PublicPageCacheMiddleware), so this never reaches a visitor.
        "show_unawarded": request.user.is_authenticated and request.user.is_verified_staff,
        "rows": results.rows if results else [],
        "scale": results.scale if results else None,  # what the scores are shown on
    }
    return render(request, "judging/results.html", context)
