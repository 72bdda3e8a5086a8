from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.services import ALREADY_HAD_AN_ACCOUNT, CHECK_EMAIL_MESSAGE
from accounts.throttling import Throttled, throttled_response
from hackathon.storage import content_type_for, download_parameters
from jams.cache import jam_scope, public_page
from jams.forms import SignUpWithAccountForm
from jams.models import Jam
from jams.times import format_jam_time

from .direct_uploads import (
    STORAGE_ERRORS,
    STORAGE_UNAVAILABLE,
    direct_upload_enabled,
    entry_storage,
    upload_presign,
)
from .forms import EntryForm, TeamCreateForm, UploadPresignForm
from .models import Entry, Team
from .selectors import (
    entry_can_view,
    entry_get_visible,
    entry_is_members,
    team_with_members,
)
from .services import (
    StaleEntry,
    StorageUnavailable,
    SubmissionsClosed,
    TeamError,
    check_submissions_open,
    entry_save,
    membership_for,
    team_create,
    team_invite_reset,
    team_join,
    team_join_with_account,
    team_leave,
    upload_ticket_make,
    upload_ticket_read,
)
from .uploads import display_name

SUBMITTED_MESSAGE = (
    "You have successfully submitted! You should receive an email and your project should appear in the gallery."
)


def _jam(slug: str) -> Jam:
    return get_object_or_404(Jam, slug=slug)


# Teams --------------------------------------------------------------------------------


@login_required
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    jam = _jam(slug)
    membership = membership_for(jam=jam, user=request.user)
    form = TeamCreateForm(request.POST if request.method == "POST" and not membership else None)
    if form.is_bound and form.is_valid():
        try:
            team_create(jam=jam, user=request.user, name=form.cleaned_data["name"])
        except TeamError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, f"Team “{form.cleaned_data['name']}” created. Share the invite link below.")
            return redirect("submissions:team", slug=jam.slug)
    context = {
        "jam": jam,
        "team": team_with_members(team_id=membership.team_id) if membership else None,
        "form": form,
        "closed": timezone.now() > jam.submissions_close_at,
    }
    return render(request, "submissions/team_detail.html", context)


def team_join_view(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    team = get_object_or_404(Team.objects.select_related("jam"), jam__slug=slug, invite_token=token)
    if not request.user.is_authenticated:
        return _team_join_newcomer(request, team)
    if not request.user.email_verified:
        # Joining by invite needs a confirmed address: the page says so, with the button
        # that emails the link (which leads back here).
        context = {"jam": team.jam, "team": team_with_members(team_id=team.pk), "verify": True}
        context.update(need=f"join “{team.name}”", next=request.path)
        return render(request, "submissions/team_join.html", context, status=403 if request.method == "POST" else 200)
    if request.method == "POST":
        try:
            team_join(team=team, user=request.user)
        except TeamError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"You joined “{team.name}”.")
            return redirect("submissions:team", slug=slug)
    context = {"jam": team.jam, "team": team_with_members(team_id=team.pk)}
    return render(request, "submissions/team_join.html", context)


def _team_join_newcomer(request: HttpRequest, team: Team) -> HttpResponse:
    """Someone without an account (or logged out) opened an invite link: one form makes
    the account and signs them up to the jam; the link in the email that confirms their
    address brings them back here to join (joining by invite needs a confirmed address).
    The answer is the same whether the address had an account or not."""
    form = SignUpWithAccountForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            registration, membership = team_join_with_account(
                team=team,
                display_name=data["display_name"],
                email=data["email"],
                password=data["password"],
                show_in_list=data["show_in_list"],
                request=request,
            )
        except TeamError as error:
            form.add_error(None, error.message)
        except Throttled as throttled:
            form.add_error(None, throttled.message)  # the form comes back as typed, with why
            context = {"jam": team.jam, "team": team_with_members(team_id=team.pk), "form": form}
            return throttled_response(render(request, "submissions/team_join.html", context), throttled)
        else:
            if registration.user is not None:
                login(request, registration.user, backend="accounts.backends.UserBackend")
            if membership is not None:
                messages.success(request, f"{ALREADY_HAD_AN_ACCOUNT} You joined “{team.name}”.")
                return redirect("submissions:team", slug=team.jam.slug)
            if registration.existing:
                messages.success(request, ALREADY_HAD_AN_ACCOUNT)
            else:
                # The same words whether the address was new or had an account.
                check_email = CHECK_EMAIL_MESSAGE.format(name=data["display_name"], email=data["email"])
                messages.success(request, f"{check_email} It brings you back here to join “{team.name}”.")
            return redirect(team.get_invite_url())
    context = {"jam": team.jam, "team": team_with_members(team_id=team.pk), "form": form}
    return render(request, "submissions/team_join.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def team_leave_view(request: HttpRequest, slug: str) -> HttpResponse:
    jam = _jam(slug)
    membership = membership_for(jam=jam, user=request.user)
    if membership is None:
        messages.info(request, "You're not in a team for this jam.")
        return redirect("submissions:team", slug=slug)
    try:
        team_leave(membership=membership)
    except TeamError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You left “{membership.team.name}”.")
    return redirect("submissions:team", slug=slug)


@login_required
@require_POST
def team_invite_reset_view(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(jam=_jam(slug), user=request.user)
    if membership is None:
        raise Http404("You're not in a team for this jam.")
    team_invite_reset(team=membership.team)
    messages.success(request, "The invite link is reset: the old link no longer works.")
    return redirect("submissions:team", slug=slug)


# Entries ------------------------------------------------------------------------------


# The buttons of the entry form post `action`; a form that arrives without one (a script
# that dropped it, a body cut short before it) was not sent by a person's click.
ENTRY_ACTIONS = ("submit", "draft")
NO_ACTION_MESSAGE = (
    "The form arrived without its “Submit” or “Save draft” button, so nothing was saved. Please press one of them."
)
# Text fields of the entry form, shown back to a person whose save was refused whole.
TYPED_FIELDS = ("title", "team_name", "authors", "abstract", "video_url", "repository_url")


@login_required
def entry_submit(request: HttpRequest, slug: str) -> HttpResponse:
    jam = _jam(slug)
    membership = membership_for(jam=jam, user=request.user)
    if membership is None:
        messages.info(request, "Form or join a team first: entries belong to teams.")
        return redirect("submissions:team", slug=slug)
    team = membership.team
    team.jam = jam
    entry = Entry.objects.filter(team=team).first() or Entry(team=team, jam=jam)
    upload_started_at = _upload_started_at(request, team)
    try:
        check_submissions_open(jam=jam, now=timezone.now(), upload_started_at=upload_started_at)
    except SubmissionsClosed as closed:
        return _entry_closed(request, jam, team, entry, closed)

    if request.method != "POST":
        return _entry_form(request, jam, team, entry, EntryForm(instance=entry, team=team))
    form = EntryForm(request.POST, request.FILES, instance=entry, team=team)
    action = request.POST.get("action")
    if not form.is_valid() or action not in ENTRY_ACTIONS:
        if action not in ENTRY_ACTIONS:
            form.add_error(None, NO_ACTION_MESSAGE)
        form.discard_uploads()
        # S3 failing to answer while checking a direct upload is our fault, not the file's.
        storage_down = any(form.has_error(field, code=STORAGE_UNAVAILABLE) for field in ("slides", "image"))
        return _entry_form(request, jam, team, entry, form, status=503 if storage_down else 400)
    try:
        saved = entry_save(
            team=team,
            user=request.user,
            data=form.entry_data(),
            files=form.entry_files(),
            version=form.cleaned_data.get("version"),
            submit=action == "submit",
            upload_started_at=upload_started_at,
        )
    except StaleEntry as stale:
        return _entry_stale(request, jam, team, stale.entry)
    except StorageUnavailable:
        form.add_error(
            None,
            "We couldn't store your files just now, so nothing was saved. Please try again in a minute; "
            "everything you typed is still here.",
        )
        return _entry_form(request, jam, team, entry, form, status=503)
    except SubmissionsClosed as closed:
        return _entry_closed(request, jam, team, entry, closed)
    except ValidationError as error:
        _add_errors(form, error)
        return _entry_form(request, jam, team, entry, form, status=400)
    if saved.is_submitted:
        messages.success(request, SUBMITTED_MESSAGE)
        return redirect(saved)
    messages.success(request, "Draft saved. Only your team can see it until you submit.")
    return redirect("submissions:submit", slug=slug)


def _upload_started_at(request: HttpRequest, team: Team) -> datetime | None:
    """When the upload of this save began, from the signed ticket its form was served
    with: only for a save that carries a file (or a direct upload's key)."""
    if request.method != "POST":
        return None
    carries_upload = any(request.FILES.get(field) for field in ("slides", "image")) or any(
        (request.POST.get(f"{field}_key") or "").strip() for field in ("slides", "image")
    )
    if not carries_upload:
        return None
    return upload_ticket_read(ticket=request.POST.get("upload_ticket", ""), team=team)


def _typed(request: HttpRequest) -> list[dict]:
    """What the person typed into a form that could not be saved, to show back to them."""
    if request.method != "POST":
        return []
    labels = EntryForm.base_fields
    return [
        {"name": name, "label": labels[name].label, "value": value, "long": name == "abstract"}
        for name in TYPED_FIELDS
        if (value := (request.POST.get(name) or "").strip())
    ]


def _files_sent(request: HttpRequest) -> bool:
    return request.method == "POST" and bool(request.FILES)


def _entry_closed(request: HttpRequest, jam: Jam, team: Team, entry: Entry, closed: SubmissionsClosed) -> HttpResponse:
    """Submissions are closed: the saved entry, read-only; for a save that came too late,
    a 403 that shows back everything typed (the close time is in the message)."""
    context = {
        "jam": jam,
        "team": team,
        "entry": entry,
        "closed": closed.message,
        "typed": _typed(request),
        "files_sent": _files_sent(request),
    }
    return render(request, "submissions/entry_form.html", context, status=403 if request.method == "POST" else 200)


def _add_errors(form: EntryForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _entry_stale(request: HttpRequest, jam: Jam, team: Team, current: Entry) -> HttpResponse:
    """The entry changed since the person's form was made (an edit, or a first save at the
    same time): the current version in the form, and what they typed beside it."""
    if current.pk:
        when = format_jam_time(current.updated_at, jam)
        if current.updated_by_id == request.user.pk:
            note = (
                f"You saved this entry at {when}, from another tab or an earlier click. "
                "Below is the saved version; this save was not applied."
            )
        else:
            editor = current.updated_by.display_name if current.updated_by else "A teammate"
            note = (
                f"{editor} changed this entry at {when} while you were editing. "
                "Below is the current version; your changes were not saved. Make them again on top of it."
            )
    else:
        note = "This entry was removed while you were editing; your changes were not saved."
        current = Entry(team=team, jam=jam)
    messages.warning(request, note)
    form = EntryForm(instance=current, team=team)
    return _entry_form(request, jam, team, current, form, status=409, typed=_typed(request))


def _entry_form(request, jam, team, entry, form, status: int = 200, typed: list | None = None) -> HttpResponse:
    context = {
        "jam": jam,
        "team": team,
        "entry": entry,
        "form": form,
        "direct_upload": direct_upload_enabled(),
        "upload_ticket": _upload_ticket(request, team),
        "typed": typed or [],
        "files_sent": bool(typed) and _files_sent(request),
    }
    return render(request, "submissions/entry_form.html", context, status=status)


def _upload_ticket(request: HttpRequest, team: Team) -> str:
    """A fresh ticket, or on a form sent back the one it came with (which may be from
    before the close, while a late upload's save is still being put right)."""
    sent = request.POST.get("upload_ticket", "") if request.method == "POST" else ""
    if sent and upload_ticket_read(ticket=sent, team=team):
        return sent
    return upload_ticket_make(team=team)


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def entry_upload_presign(request: HttpRequest, slug: str) -> JsonResponse:
    """A presigned POST for uploading one file of the team's entry straight to S3.

    Contract (static/js/upload.js follows it; so can any other client):

    - URL name ``submissions:upload_presign``: ``POST /jams/<slug>/submit/upload/``, as a
      signed-in member of a team in the jam while submissions are open, with Django's CSRF
      token (the ``X-CSRFToken`` header or a ``csrfmiddlewaretoken`` field);
    - form fields: ``field`` (``slides`` or ``image``), ``name`` (the file's name, for the
      key and the download name only) and ``size`` (bytes, 1 to 10485760; a hint for an
      early refusal: the server checks the stored object itself);
    - 200: ``{"url": ..., "fields": {...}, "key": "uploads/teams/<team id>/<hex>-<name>"}``.
      POST ``fields`` plus the file as the last field, named ``file``, to ``url``
      (multipart/form-data) within 10 minutes; S3 answers 204;
    - then post the entry form (``submissions:submit``) as usual, with the key in the
      hidden field ``slides_key`` or ``image_key`` instead of the file;
    - errors: ``{"error": "<message>"}`` with 400 (bad field, name or size), 403 (not
      signed in, not in a team, submissions closed), 404 (direct upload off: the storage
      is not S3; send the file with the form) or 503 (storage unreachable).
    """
    if not request.user.is_authenticated:
        return _json_error("Please log in to upload files.", 403)
    jam = _jam(slug)
    membership = membership_for(jam=jam, user=request.user)
    if membership is None:
        return _json_error("Form or join a team first: entries belong to teams.", 403)
    try:
        check_submissions_open(jam=jam, now=timezone.now())
    except SubmissionsClosed as closed:
        return _json_error(closed.message, 403)
    if not direct_upload_enabled():
        return _json_error("Direct upload is off on this site: send the file with the entry form.", 404)
    form = UploadPresignForm(request.POST)
    if not form.is_valid():
        return _json_error(" ".join(e for errors in form.errors.values() for e in errors), 400)
    try:
        post = upload_presign(storage=entry_storage(), team_id=membership.team_id, filename=form.cleaned_data["name"])
    except STORAGE_ERRORS:
        return _json_error("We couldn't prepare your upload just now. Please try again in a minute.", 503)
    return JsonResponse(post)


# The gallery (submissions:entry_list) shows judging's winners and ranking too, so it is
# composed above the apps, in hackathon/gallery.py.


@public_page(scopes=lambda slug, pk: [jam_scope(slug)])
def entry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    entry = entry_get_visible(slug=slug, pk=pk, user=request.user)
    # Only signed-in members see the Edit link: anonymous visitors share the cached page.
    can_edit = entry.jam.accepts_submissions_at(timezone.now()) and entry_is_members(entry=entry, user=request.user)
    # The team's own verdict, once results are out, comes from judging's `team_verdict` tag.
    return render(request, "submissions/entry_detail.html", {"jam": entry.jam, "entry": entry, "can_edit": can_edit})


def entry_file(request: HttpRequest, slug: str, pk: int, field: str) -> HttpResponse:
    """A file of an entry, for those who may see the entry: a short-lived presigned URL on
    S3, or the file itself from local storage."""
    if field not in ("slides", "image"):
        raise Http404
    entry = get_object_or_404(Entry.objects.select_related("jam", "team"), jam__slug=slug, pk=pk)
    if not entry_can_view(entry=entry, user=request.user):
        raise Http404
    file = getattr(entry, field)
    if not file:
        raise Http404
    # The type is the safe one of the name (whose extension was chosen from the content),
    # never what the uploader declared; slides download, never render. (nosniff comes with
    # every response of ours, from SecurityMiddleware; S3 can't send it: see the README.)
    filename = display_name(file.name)
    if isinstance(file.storage, FileSystemStorage):
        response = FileResponse(file.open("rb"), as_attachment=field == "slides", filename=filename)
        response["Content-Type"] = content_type_for(file.name)
        return response
    disposition = content_disposition_header(True, filename) if field == "slides" else None
    return redirect(file.storage.url(file.name, parameters=download_parameters(file.name, disposition=disposition)))
