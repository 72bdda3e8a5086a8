from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from hackathon.exports import csv_safe
from jams.models import Jam

from .models import Assignment, Award, Conflict, Criterion, Judge, Prize, Review
from .selectors import results_for_jam
from .services import conflict_mark, judge_add


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["order", "name", "description", "weight", "scale_low", "scale_high"]


class PrizeInline(admin.TabularInline):
    model = Prize
    extra = 0
    fields = ["order", "name", "description"]


class AwardInline(admin.TabularInline):
    model = Award
    extra = 0
    raw_id_fields = ["entry"]


@admin.register(Prize)
class PrizeAdmin(admin.ModelAdmin):
    list_display = ["name", "jam", "order"]
    list_filter = ["jam"]
    inlines = [AwardInline]


class JudgeAddForm(forms.ModelForm):
    email = forms.EmailField(help_text="Someone without an account gets one, and an email to set a password.")
    display_name = forms.CharField(label="Name", required=False, help_text="For a new account.")

    class Meta:
        model = Judge
        fields = ["jam", "max_entries"]


@admin.register(Judge)
class JudgeAdmin(admin.ModelAdmin):
    list_display = ["user", "jam", "max_entries", "load", "reviewed", "invited_at"]
    list_filter = ["jam"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user", "jam"]
    raw_id_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Judge]:
        return (
            super()
            .get_queryset(request)
            .annotate(load_count=Count("assignments", distinct=True), review_count=Count("reviews", distinct=True))
        )

    @admin.display(description="assigned", ordering="load_count")
    def load(self, judge: Judge) -> int:
        return judge.load_count

    @admin.display(description="reviews", ordering="review_count")
    def reviewed(self, judge: Judge) -> int:
        return judge.review_count

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = JudgeAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["jam", "email", "display_name", "max_entries"] if obj is None else ["jam", "user", "max_entries"]

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
        except ValidationError as error:
            # The form was valid; the service refused (already a judge). Say why.
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


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ["judge", "entry", "source", "note", "created_at"]
    list_filter = ["source", "judge__jam"]
    raw_id_fields = ["judge", "entry"]
    list_select_related = ["judge__user", "entry"]
    fields = ["judge", "entry", "note"]

    def save_model(self, request, obj, form, change):
        conflict = conflict_mark(judge=obj.judge, entry=obj.entry, note=obj.note)
        obj.pk = conflict.pk


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["entry", "judge", "updated_at"]
    list_filter = ["judge__jam"]
    search_fields = ["entry__title", "judge__user__email"]
    list_select_related = ["entry", "judge__user"]
    raw_id_fields = ["judge", "entry"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["judge", "entry", "created_at"]
    list_filter = ["judge__jam"]
    list_select_related = ["entry", "judge__user"]
    raw_id_fields = ["judge", "entry"]


# The results page, reached from a jam in the admin ----------------------------------

SORTS = {
    "rank": lambda row: (row.figures.rank is None, row.figures.rank or 0),
    "title": lambda row: row.entry.title.lower(),
    "weighted": lambda row: -(row.figures.weighted or -1e9),
    "calibrated": lambda row: -(row.figures.calibrated or -1e9),
    "reviews": lambda row: -row.figures.review_count,
    "spread": lambda row: -(row.figures.spread or 0),
}


def results_view(model_admin: admin.ModelAdmin, request: HttpRequest, jam_id: int) -> HttpResponse:
    jam = get_object_or_404(Jam, pk=jam_id)
    if request.method == "POST":
        return _award_from_post(request, jam)
    criteria, rows = results_for_jam(jam=jam)
    if request.GET.get("format") == "csv":
        return results_csv(jam, criteria, rows)
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
        "prizes": list(Prize.objects.filter(jam=jam)),
        "sort": sort,
        "opts": Jam._meta,
    }
    return TemplateResponse(request, "admin/judging/results.html", context)


def _award_from_post(request: HttpRequest, jam: Jam) -> HttpResponse:
    prize_id = request.POST.get("prize", "")
    if not prize_id.isdigit():
        messages.error(request, "Choose a prize first, then click “Award”.")
        return redirect(request.path)
    prize = get_object_or_404(Prize, jam=jam, pk=prize_id)
    entry_id = request.POST.get("entry")
    if request.POST.get("remove"):
        Award.objects.filter(prize=prize, entry_id=entry_id).delete()
        messages.success(request, f"Removed “{prize.name}”.")
    else:
        entry = get_object_or_404(jam.entries, pk=entry_id)
        Award.objects.get_or_create(prize=prize, entry=entry)
        messages.success(request, f"“{prize.name}” goes to “{entry.title}”.")
    return redirect(request.path)


def results_csv(jam: Jam, criteria: list[Criterion], rows: list) -> HttpResponse:
    """Every figure per entry, then every review with its scores and notes."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{jam.slug}-results.csv"'
    writer = csv.writer(response)
    names = [c.name for c in criteria]
    writer.writerow(["rank", "entry id", "title", "team", "reviews", "spread", *names, "weighted", "calibrated"])
    for row in rows:
        f = row.figures
        means = [_fmt(f.criterion_means.get(c.pk)) for c in criteria]
        writer.writerow([
            f.rank or "", row.entry.pk, csv_safe(row.entry.title), csv_safe(row.entry.team.name), f.review_count,
            _fmt(f.spread), *means, _fmt(f.weighted), _fmt(f.calibrated),
        ])  # fmt: skip
    writer.writerow([])
    writer.writerow(["entry id", "title", "judge", "judge email", *names, "feedback", "private note"])
    for row in rows:
        for review in row.reviews:
            values = {s.criterion_id: s.value for s in review.scores.all()}
            writer.writerow([
                row.entry.pk, csv_safe(row.entry.title), csv_safe(review.judge.user.display_name),
                csv_safe(review.judge.user.email), *[values.get(c.pk, "") for c in criteria],
                csv_safe(review.feedback), csv_safe(review.private_note),
            ])  # fmt: skip
    return response


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
