from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from hackathon.exports import csv_safe
from hackathon.text import is_id
from jams.admin import SHORT_TEXT, FitsALaptop, name_and_email
from jams.admin import JamAdmin as JamBaseAdmin
from jams.models import Jam, Track

from .models import Assignment, Award, Conflict, Criterion, Judge, Prize, Review
from .pairwise_selectors import pairwise_judges
from .selectors import jam_results, judge_diagnostics, results_audience, track_rankings
from .services import (
    AlreadyPublished,
    NotAllowed,
    assignments_make,
    award_give,
    award_refusal,
    award_remove,
    conflict_mark,
    judge_add,
    judge_reinstate,
    judge_remove,
    judge_results_exclude,
    judge_tracks_set,
    prize_track_refusal,
    results_publish,
    results_reopen,
    results_uncertainty_show,
)


class CriterionInline(admin.StackedInline):
    # Stacked (shown under the jam's Judging fieldset): as a table the description ran
    # past the screen's right edge.
    model = Criterion
    extra = 0
    classes = ["collapse"]
    after_fieldset = "Judging"
    formfield_overrides = SHORT_TEXT
    fields = [("name", "order"), "description", ("weight", "scale_low", "scale_high")]


class PrizeFormSet(BaseInlineFormSet):
    """The jam page's prizes: a prize moved to a track keeps its awards only if every
    entry it went to is in that track (prize_track_refusal)."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.instance.pk or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            if "track" not in form.changed_data:
                continue
            if refusal := prize_track_refusal(prize=form.instance, track=form.cleaned_data.get("track")):
                form.add_error("track", refusal)


class PrizeInline(admin.StackedInline):
    model = Prize
    formset = PrizeFormSet
    extra = 0
    classes = ["collapse"]
    after_fieldset = "Results"
    formfield_overrides = SHORT_TEXT
    fields = [("name", "order"), "track", "description"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "track":
            # Only this jam's tracks (none on a new jam's page, which has no tracks yet).
            jam_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Track.objects.filter(jam_id=jam_id) if jam_id else Track.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AwardFormSet(BaseInlineFormSet):
    """The prize's awards as typed: a track's prize goes only to entries in the track
    (the prize as the form above sets it, track changed or not)."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            entry = form.cleaned_data.get("entry") if form.cleaned_data else None
            if entry is None or form.cleaned_data.get("DELETE"):
                continue
            if refusal := award_refusal(prize=self.instance, entry=entry):
                form.add_error("entry", refusal)


class AwardInline(admin.TabularInline):
    model = Award
    formset = AwardFormSet
    extra = 0
    autocomplete_fields = ["entry"]


@admin.register(Prize)
class PrizeAdmin(FitsALaptop, admin.ModelAdmin):
    list_display = ["name", "jam", "order", "award_count"]
    list_filter = ["jam"]
    search_fields = ["name", "jam__title"]
    list_select_related = ["jam"]
    inlines = [AwardInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Prize]:
        return super().get_queryset(request).annotate(award_count=Count("awards"))

    @admin.display(description="entries awarded", ordering="award_count")
    def award_count(self, prize: Prize) -> int:
        return prize.award_count


# Columns of the lists of reviews, assignments and conflicts: the judge's name alone (a
# judge's own name for itself says "judge of <jam>", too long for a column) and the jam.


@admin.display(description="judge", ordering="judge__user__display_name")
def judge_name(row: Review | Assignment | Conflict) -> str:
    return row.judge.user.display_name


@admin.display(description="jam", ordering="judge__jam__title")
def judge_jam(row: Review | Assignment | Conflict) -> str:
    return row.judge.jam.title


class JudgeAddForm(forms.ModelForm):
    email = forms.EmailField(
        help_text="Someone without an account gets one, and an email to set a password. "
        "An existing account gets an invitation to accept; it judges once it has, with a confirmed address."
    )
    display_name = forms.CharField(label="Name", required=False, help_text="For a new account.")

    class Meta:
        model = Judge
        fields = ["jam", "max_entries"]
        widgets = {"tracks": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tracks" in self.fields:
            # No jam is chosen yet: every jam's tracks, each named with its jam (only the
            # jam's own when the page was opened for one, ?jam=<id>); clean() holds them to it.
            tracks = Track.objects.select_related("jam").order_by("jam__title", "jam_id", "order", "id")
            jam_id = self.initial.get("jam")
            if not self.is_bound and is_id(str(jam_id)):
                tracks = tracks.filter(jam_id=jam_id)
            self.fields["tracks"].queryset = tracks
            self.fields["tracks"].label_from_instance = lambda track: f"{track.jam.title} — {track.name}"

    def clean(self):
        cleaned = super().clean()
        jam, tracks = cleaned.get("jam"), cleaned.get("tracks") or []
        foreign = [track for track in tracks if jam and track.jam_id != jam.pk]
        if foreign:
            self.add_error(
                "tracks",
                f"“{foreign[0].name}” is a track of {foreign[0].jam.title}, not of {jam.title}: "
                "pick tracks of the judge's jam, or none.",
            )
        return cleaned


class JudgeChangeForm(forms.ModelForm):
    """The judge's page: "Limit to tracks" offers the tracks of the judge's jam."""

    class Meta:
        model = Judge
        fields = ["jam", "user", "max_entries", "tracks"]
        widgets = {"tracks": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tracks" in self.fields:
            self.fields["tracks"].queryset = Track.objects.filter(jam_id=self.instance.jam_id)

    def clean(self):
        cleaned = super().clean()
        jam, tracks = cleaned.get("jam"), cleaned.get("tracks") or []
        if jam and any(track.jam_id != jam.pk for track in tracks):
            self.add_error("tracks", "Pick tracks of the judge's own jam.")
        return cleaned


class RemovedFilter(admin.SimpleListFilter):
    title = "removed from judging"
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", "Still judging"), ("yes", "Removed")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(removed_at__isnull=self.value() == "no")
        return queryset


@admin.register(Judge)
class JudgeAdmin(FitsALaptop, admin.ModelAdmin):
    list_display = ["person", "jam", "reviewed", "cap", "status", "invited_at"]
    list_filter = ["jam", "excluded_from_results", RemovedFilter]
    search_fields = ["user__email", "user__display_name"]
    ordering = ["user__display_name", "id"]  # Meta's ordering is dropped by the counts' GROUP BY
    list_select_related = ["user", "jam"]
    raw_id_fields = ["user"]
    readonly_fields = ["excluded_from_results", "removed_at"]
    actions = ["remove_from_judging", "reinstate", "exclude_from_results", "count_in_results"]

    @admin.display(description="name and email", ordering="user__display_name")
    def person(self, judge: Judge) -> str:
        return name_and_email(judge.user)

    @admin.display(description="status")
    def status(self, judge: Judge) -> str:
        states = []
        if judge.removed_at:
            states.append("removed")
        if judge.accepted_at is None:
            states.append("invited, not accepted yet")
        if not judge.user.email_verified:
            states.append("email not confirmed")
        if judge.excluded_from_results:
            states.append(f"{'votes' if judge.jam.pairwise else 'reviews'} left out of the results")
        return ", ".join(states) or "judging"

    @admin.action(description="Remove from judging (their reviews stay; unreviewed entries go to others)")
    def remove_from_judging(self, request: HttpRequest, queryset: QuerySet[Judge]) -> None:
        for judge in queryset.select_related("jam", "user").filter(removed_at__isnull=True):
            handed_on = judge_remove(judge=judge)
            self.message_user(
                request,
                f"{judge.user.display_name} is removed from {judge.jam.title}; {handed_on} unreviewed entries "
                "went to other judges. Their reviews still count unless you leave them out of the results.",
            )

    @admin.action(description="Reinstate as a judge")
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Judge]) -> None:
        for judge in queryset.filter(removed_at__isnull=False):
            judge_reinstate(judge=judge)
        self.message_user(request, "Reinstated. Assign judges on the jam to give them entries again.")

    @admin.action(description="Leave their reviews or votes out of the results")
    def exclude_from_results(self, request: HttpRequest, queryset: QuerySet[Judge]) -> None:
        judges = list(queryset.select_related("jam"))
        for judge in judges:
            judge_results_exclude(judge=judge, excluded=True)
        self.message_user(request, f"Their {_judged_by(judges)} are kept but no longer count in the results.")

    @admin.action(description="Count their reviews or votes in the results again")
    def count_in_results(self, request: HttpRequest, queryset: QuerySet[Judge]) -> None:
        judges = list(queryset.select_related("jam"))
        for judge in judges:
            judge_results_exclude(judge=judge, excluded=False)
        self.message_user(request, f"Their {_judged_by(judges)} count in the results again.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Judge]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                load_count=Count("assignments", distinct=True),
                review_count=Count("reviews", distinct=True),
                comparison_count=Count("comparisons", distinct=True),
            )
        )

    @admin.display(description="progress", ordering="review_count")
    def reviewed(self, judge: Judge) -> str:
        """Reviews of the assigned entries, or in a pairwise jam the comparisons made."""
        if judge.jam.pairwise:
            return f"{judge.comparison_count} comparison{pluralize(judge.comparison_count)} made"
        return f"{judge.review_count} of {judge.load_count} assigned"

    @admin.display(description="at most", ordering="max_entries")
    def cap(self, judge: Judge) -> str:
        return "no cap" if judge.max_entries is None else str(judge.max_entries)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = JudgeAddForm if obj is None else JudgeChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            jam_id = request.GET.get("jam", "")
            tracks = Track.objects.filter(jam_id=jam_id) if is_id(jam_id) else Track.objects.all()
            limit = ["tracks"] if tracks.exists() else []
            return ["jam", "email", "display_name", "max_entries", *limit]
        return ["jam", "user", "max_entries", "tracks", "excluded_from_results", "removed_at"]

    def save_related(self, request, form, formsets, change):
        if not change:
            return  # save_model added the judge and their tracks through the services
        super().save_related(request, form, formsets, change)
        if change and "tracks" in form.changed_data:
            # Entries outside the new tracks, not reviewed yet, go to other judges.
            judge_tracks_set(judge=form.instance, tracks=list(form.cleaned_data["tracks"]))

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        try:
            judge = judge_add(
                jam=form.cleaned_data["jam"],
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                max_entries=form.cleaned_data["max_entries"],
            )
            if tracks := list(form.cleaned_data.get("tracks") or []):
                # As on the judge's page: assignments, if made, stay inside the tracks.
                judge_tracks_set(judge=judge, tracks=tracks)
        except ValidationError as error:
            # The form was valid; a service refused (already a judge). Say why.
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            raise _AbortSave from None
        obj.pk = judge.pk
        obj.user = judge.user
        return None

    def add_view(self, request, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().add_view(request, form_url, extra_context)
        except _AbortSave:
            return redirect(request.path)


class _AbortSave(Exception):
    pass


def _judged_by(judges: list[Judge]) -> str:
    """What these judges judged with: reviews (rubric jams), votes (pairwise), or both."""
    kinds = {"votes" if judge.jam.pairwise else "reviews" for judge in judges}
    return " or ".join(sorted(kinds)) or "reviews or votes"


class ConflictForm(forms.ModelForm):
    class Meta:
        model = Conflict
        fields = ["judge", "entry", "note"]

    def clean(self) -> dict:
        cleaned = super().clean()
        judge, entry = cleaned.get("judge"), cleaned.get("entry")
        if judge and entry and judge.jam_id != entry.jam_id:
            raise ValidationError(
                f"“{entry}” is an entry of {entry.jam.title}, but {judge.user.display_name} judges "
                f"{judge.jam.title}: pick an entry of the judge's jam."
            )
        return cleaned


@admin.register(Conflict)
class ConflictAdmin(FitsALaptop, admin.ModelAdmin):
    """Judge and entry are picked by name (autocomplete searches the judges' and the
    entries' admins: judge name or email; entry title or team name)."""

    form = ConflictForm
    list_display = [judge_name, "entry", judge_jam, "source", "note", "created_at"]
    list_filter = ["source", "judge__jam"]
    search_fields = ["judge__user__display_name", "judge__user__email", "entry__title", "entry__team__name"]
    autocomplete_fields = ["judge", "entry"]
    list_select_related = ["judge__user", "judge__jam", "entry__team"]
    jam_column = "judge_jam"
    fields = ["judge", "entry", "note"]

    def save_model(self, request, obj, form, change):
        conflict = conflict_mark(judge=obj.judge, entry=obj.entry, note=obj.note)
        obj.pk = conflict.pk


JUDGE_AND_ENTRY_SEARCH = ["judge__user__display_name", "judge__user__email", "entry__title", "entry__team__name"]


@admin.register(Review)
class ReviewAdmin(FitsALaptop, admin.ModelAdmin):
    list_display = ["entry", judge_name, judge_jam, "updated_at"]
    list_filter = ["judge__jam"]
    search_fields = JUDGE_AND_ENTRY_SEARCH
    list_select_related = ["entry__team", "judge__user", "judge__jam"]
    raw_id_fields = ["judge", "entry"]
    date_hierarchy = "updated_at"
    jam_column = "judge_jam"


class ReviewedFilter(admin.SimpleListFilter):
    title = "reviewed"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("yes", "Reviewed"), ("no", "Not reviewed yet")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(has_review=self.value() == "yes")
        return queryset


@admin.register(Assignment)
class AssignmentAdmin(FitsALaptop, admin.ModelAdmin):
    list_display = [judge_name, "entry", judge_jam, "reviewed", "created_at"]
    list_filter = ["judge__jam", ReviewedFilter]
    search_fields = JUDGE_AND_ENTRY_SEARCH
    list_select_related = ["entry__team", "judge__user", "judge__jam"]
    raw_id_fields = ["judge", "entry"]
    jam_column = "judge_jam"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        done = Review.objects.filter(judge=OuterRef("judge"), entry=OuterRef("entry"))
        return super().get_queryset(request).annotate(has_review=Exists(done))

    @admin.display(description="reviewed", boolean=True, ordering="has_review")
    def reviewed(self, assignment: Assignment) -> bool:
        return assignment.has_review


# The results page, reached from a jam in the admin ----------------------------------

SORTS = {
    "rank": lambda row: (row.figures.rank is None, row.figures.rank or 0),
    "title": lambda row: row.entry.title.lower(),
    "weighted": lambda row: -(row.figures.weighted or -1e9),
    "calibrated": lambda row: -(row.figures.calibrated or -1e9),
    "se": lambda row: -(row.figures.se(row.entry.jam.results_method) or 0),
    "reviews": lambda row: -row.figures.review_count,
    "spread": lambda row: -(row.figures.spread or 0),
}


def results_view(model_admin: admin.ModelAdmin, request: HttpRequest, jam_id: int) -> HttpResponse:
    jam = get_object_or_404(Jam, pk=jam_id)
    if request.method == "POST":
        if "show_uncertainty" in request.POST:
            return _uncertainty_from_post(request, jam)
        return _award_from_post(request, jam)
    if jam.pairwise:
        return _pairwise_results_view(model_admin, request, jam)
    results, judges = judge_diagnostics(jam=jam)
    criteria, rows = results.criteria, results.rows
    export = CSV_EXPORTS.get(request.GET.get("format", ""))
    if export:
        return export(jam, criteria, rows, judges)
    sort = request.GET.get("o", "rank")
    rows.sort(key=SORTS.get(sort, SORTS["rank"]))
    awards = {}
    for award in Award.objects.filter(prize__jam=jam).select_related("prize"):
        awards.setdefault(award.entry_id, []).append(award.prize)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Results of {jam.title}",
        "jam": jam,
        "criteria": criteria,
        "rows": [
            (row, [row.figures.criterion_means.get(c.pk) for c in criteria], awards.get(row.entry.pk, []))
            for row in rows
        ],
        "method": jam.ranking_method,
        "scale": results.scale,
        "noise": results.noise,
        "too_close": sum(1 for row in rows if row.figures.too_close),
        "judges": judges,
        "prizes": (prizes := list(Prize.objects.filter(jam=jam))),
        # Each track's ranking with its prizes: the award select's options stay short.
        "track_rankings": [
            (ranking, [prize for prize in prizes if prize.track_id == ranking.track.pk])
            for ranking in track_rankings(jam=jam, results=results)
        ],
        "sort": sort,
        "opts": Jam._meta,
    }
    return TemplateResponse(request, "admin/judging/results.html", context)


def _pairwise_results_view(model_admin: admin.ModelAdmin, request: HttpRequest, jam: Jam) -> HttpResponse:
    """A pairwise jam's results: entries by Crowd-BT mean ± standard deviation with the
    comparisons each was in, and each judge's progress and estimated reliability."""
    results = jam_results(jam=jam)
    judges = pairwise_judges(jam=jam)
    if request.GET.get("format") == "csv":
        return pairwise_results_csv(jam, results.rows)
    if request.GET.get("format") == "judges-csv":
        return pairwise_judges_csv(jam, judges)
    awards: dict[int, list[Prize]] = {}
    for award in Award.objects.filter(prize__jam=jam).select_related("prize"):
        awards.setdefault(award.entry_id, []).append(award.prize)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Results of {jam.title}",
        "jam": jam,
        "rows": [(row, awards.get(row.entry.pk, [])) for row in results.rows],
        "too_close": sum(1 for row in results.rows if row.figures.too_close),
        "judges": judges,
        "prizes": (prizes := list(Prize.objects.filter(jam=jam))),
        # Each track's ranking with its prizes, as on the rubric's page: the award select's
        # options stay short (long track names in them widened the page past 1366 px).
        "track_rankings": [
            (ranking, [prize for prize in prizes if prize.track_id == ranking.track.pk])
            for ranking in track_rankings(jam=jam, results=results)
        ],
        "opts": Jam._meta,
    }
    return TemplateResponse(request, "admin/judging/results_pairwise.html", context)


def pairwise_results_csv(jam: Jam, rows: list) -> HttpResponse:
    response, writer = _csv_response(jam, "results")
    writer.writerow([
        "rank", "tied", "too close to call", "entry id", "title", "team", "comparisons",
        "mean (Crowd-BT)", "standard deviation",
    ])  # fmt: skip
    for row in rows:
        f = row.figures
        writer.writerow([
            f.rank or "not compared", _yes(f.tied), _yes(f.too_close), row.entry.pk, csv_safe(row.entry.title),
            csv_safe(row.entry.team.name), f.review_count, _fmt(f.mu), _fmt(f.mu_se),
        ])  # fmt: skip
    return response


def pairwise_judges_csv(jam: Jam, judges: list) -> HttpResponse:
    response, writer = _csv_response(jam, "judges")
    writer.writerow(["judge", "judge email", "comparisons made", "skips", "reliability", "left out of the results"])
    for row in judges:
        writer.writerow([
            csv_safe(row.judge.user.display_name), csv_safe(row.judge.user.email), row.comparisons_made,
            row.skips, _fmt(row.reliability), _yes(row.judge.excluded_from_results),
        ])  # fmt: skip
    return response


def _uncertainty_from_post(request: HttpRequest, jam: Jam) -> HttpResponse:
    show = request.POST.get("show_uncertainty") == "1"
    results_uncertainty_show(jam=jam, show=show)
    if show:
        messages.success(request, "The public ranking now shows each score ± its standard error.")
    else:
        messages.success(request, "The public ranking shows the scores only.")
    return redirect(request.path)


def _award_from_post(request: HttpRequest, jam: Jam) -> HttpResponse:
    prize_id = request.POST.get("prize", "")
    if not is_id(prize_id):
        messages.error(request, "Choose a prize first, then click “Award”.")
        return redirect(request.path)
    prize = get_object_or_404(Prize.objects.select_related("jam"), jam=jam, pk=prize_id)
    entry_id = request.POST.get("entry", "")
    if not is_id(entry_id):
        # Hand-made or stale forms: an entry id that is no number would fail the query.
        messages.error(request, f"Choose an entry for “{prize.name}”, then click “Award”; nothing was changed.")
        return redirect(request.path)
    if request.POST.get("remove"):
        award_remove(prize=prize, entry_id=entry_id)
        messages.success(request, f"Removed “{prize.name}”.")
    else:
        entry = get_object_or_404(jam.entries, pk=entry_id)
        try:
            award_give(prize=prize, entry=entry)
        except NotAllowed as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"“{prize.name}” goes to “{entry.title}”.")
    return redirect(request.path)


def publish_view(model_admin: admin.ModelAdmin, request: HttpRequest, jam_id: int) -> HttpResponse:
    """The results page's Publish button: GET asks for confirmation, POST publishes."""
    jam = get_object_or_404(Jam, pk=jam_id)
    if not model_admin.has_change_permission(request, jam):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        _publish(model_admin, request, jam)
        return redirect("admin:jams_jam_results", jam_id=jam.pk)
    return publish_confirm_page(model_admin, request, [jam], form_action=request.path, hidden=[])


def reopen_view(model_admin: admin.ModelAdmin, request: HttpRequest, jam_id: int) -> HttpResponse:
    """Re-open judging: GET says what it does, POST takes the results down."""
    jam = get_object_or_404(Jam, pk=jam_id)
    if not model_admin.has_change_permission(request, jam):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            results_reopen(jam=jam)
        except NotAllowed as error:
            model_admin.message_user(request, error.message, messages.ERROR)
        else:
            model_admin.message_user(request, f"{jam.title}: results taken down; judges can review again.")
        return redirect("admin:jams_jam_results", jam_id=jam.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Re-open judging of {jam.title}",
        "jam": jam,
        "judging_open": timezone.now() < jam.judging_ends_at,
    }
    return render(request, "admin/judging/reopen_confirm.html", context)


def publish_confirm_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, jams: list[Jam], *, form_action: str, hidden: list
) -> HttpResponse:
    audiences = [results_audience(jam=jam) for jam in jams if not jam.results_published]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Publish the results?",
        "audiences": audiences,
        "already": [jam for jam in jams if jam.results_published],
        "total": sum(a.count for a in audiences),
        "form_action": form_action,
        "hidden": hidden,
        "opts": Jam._meta,
    }
    return TemplateResponse(request, "admin/judging/publish_confirm.html", context)


def _publish(model_admin: admin.ModelAdmin, request: HttpRequest, jam: Jam) -> None:
    try:
        results_publish(jam=jam)
    except AlreadyPublished as error:
        model_admin.message_user(request, error.message, messages.ERROR)
    else:
        model_admin.message_user(request, f"{jam.title}: results published; participants are being emailed.")


def _csv_response(jam: Jam, name: str) -> tuple[HttpResponse, csv.writer]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{jam.slug}-{name}.csv"'
    return response, csv.writer(response)


def results_csv(jam: Jam, criteria: list[Criterion], rows: list, judges: list) -> HttpResponse:
    """One table, one row per entry with every figure. Reviews and judges have their own."""
    response, writer = _csv_response(jam, "results")
    names = [c.name for c in criteria]
    writer.writerow([
        "rank", "tied", "too close to call", "entry id", "title", "team", "reviews", "spread", *names,
        "weighted", "weighted standard error", "adjusted for judge harshness", "adjusted standard error",
    ])  # fmt: skip
    for row in rows:
        f = row.figures
        means = [_fmt(f.criterion_means.get(c.pk)) for c in criteria]
        writer.writerow([
            f.rank or "not reviewed", _yes(f.tied), _yes(f.too_close), row.entry.pk, csv_safe(row.entry.title),
            csv_safe(row.entry.team.name), f.review_count, _fmt(f.spread), *means,
            _fmt(f.weighted), _fmt(f.weighted_se), _fmt(f.calibrated), _fmt(f.calibrated_se),
        ])  # fmt: skip
    return response


def reviews_csv(jam: Jam, criteria: list[Criterion], rows: list, judges: list) -> HttpResponse:
    """One row per review: its scores, feedback and private note."""
    response, writer = _csv_response(jam, "reviews")
    writer.writerow(
        ["entry id", "title", "judge", "judge email", *[c.name for c in criteria], "feedback", "private note"]
    )
    for row in rows:
        for review in row.reviews:
            values = {s.criterion_id: s.value for s in review.scores.all()}
            writer.writerow([
                row.entry.pk, csv_safe(row.entry.title), csv_safe(review.judge.user.display_name),
                csv_safe(review.judge.user.email), *[values.get(c.pk, "") for c in criteria],
                csv_safe(review.feedback), csv_safe(review.private_note),
            ])  # fmt: skip
    return response


def judges_csv(jam: Jam, criteria: list[Criterion], rows: list, judges: list) -> HttpResponse:
    """One row per judge: the diagnostics of the results page's judges table."""
    response, writer = _csv_response(jam, "judges")
    writer.writerow([
        "judge", "judge email", "reviews done", "reviews left", "bias (points; below 0 is harsh)",
        "agreement with the other judges", "same score for every entry", "left out of the results", "removed",
    ])  # fmt: skip
    for judge_row in judges:
        j = judge_row.figures
        writer.writerow([
            csv_safe(judge_row.judge.user.display_name), csv_safe(judge_row.judge.user.email), j.review_count,
            judge_row.reviews_left, _fmt(j.bias), _fmt(j.agreement), _yes(j.flat), _yes(j.excluded),
            _yes(judge_row.judge.removed_at is not None),
        ])  # fmt: skip
    return response


CSV_EXPORTS = {"csv": results_csv, "reviews-csv": reviews_csv, "judges-csv": judges_csv}


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _yes(value: bool) -> str:
    return "yes" if value else ""


class JamAdmin(JamBaseAdmin):
    """The jam's admin page with judging's parts added: criteria and prizes, assigning
    judges, publishing results and the results table. It replaces jams' own registration,
    so the base app's admin never imports judging."""

    inlines = [*JamBaseAdmin.inlines, CriterionInline, PrizeInline]
    actions = [*(JamBaseAdmin.actions or []), "assign_judges", "publish_results"]
    readonly_fields = [*JamBaseAdmin.readonly_fields, "results_link"]

    def get_fieldsets(self, request: HttpRequest, obj: Jam | None = None) -> list:
        return [
            (name, {**options, "fields": [*options["fields"], "results_link"]})
            if name == "Results"
            else (name, options)
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_urls(self):
        extra = [
            path(
                "<int:jam_id>/results/",
                self.admin_site.admin_view(lambda request, jam_id: results_view(self, request, jam_id)),
                name="jams_jam_results",
            ),
            path(
                "<int:jam_id>/results/publish/",
                self.admin_site.admin_view(lambda request, jam_id: publish_view(self, request, jam_id)),
                name="jams_jam_results_publish",
            ),
            path(
                "<int:jam_id>/results/reopen/",
                self.admin_site.admin_view(lambda request, jam_id: reopen_view(self, request, jam_id)),
                name="jams_jam_results_reopen",
            ),
        ]
        return extra + super().get_urls()

    @admin.display(description="results")
    def results_link(self, jam: Jam) -> str:
        if not jam.pk:
            return "—"
        return format_html('<a href="{}">See the results table</a>', reverse("admin:jams_jam_results", args=[jam.pk]))

    @admin.action(description="Assign judges to the entries of the selected jams")
    def assign_judges(self, request: HttpRequest, queryset: QuerySet[Jam]) -> None:
        for jam in queryset:
            added = assignments_make(jam=jam)
            self.message_user(request, f"{jam.title}: {added} new assignments.", messages.SUCCESS)

    @admin.action(description="Publish the results of the selected jams (emails every participant)")
    def publish_results(self, request: HttpRequest, queryset: QuerySet[Jam]) -> HttpResponse | None:
        """First a page saying who will be emailed and how many; publishes once confirmed."""
        if request.POST.get("confirm") != "yes":
            selected = [str(pk) for pk in queryset.values_list("pk", flat=True)]
            hidden = [("action", "publish_results"), *(("_selected_action", pk) for pk in selected)]
            return publish_confirm_page(self, request, list(queryset), form_action="", hidden=hidden)
        for jam in queryset:
            _publish(self, request, jam)
        return None


admin.site.unregister(Jam)
admin.site.register(Jam, JamAdmin)
