from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.services import ALREADY_HAD_AN_ACCOUNT, CHECK_EMAIL_MESSAGE
from accounts.throttling import Throttled, throttled_response

from .cache import HOME, jam_scope, public_page
from .calendar import jam_calendar_ics
from .forms import SignUpForm, SignUpWithAccountForm
from .models import Jam
from .selectors import (
    jam_get_for_page,
    jams_by_phase,
    signup_for,
    signup_list_public,
    signup_summary,
    testimonial_list_for_site,
)
from .services import AlreadySignedUp, SignUpClosed, signup_check_open, signup_create, signup_create_with_account

SIGNUPS_PER_PAGE = 100
SIGNED_UP_MESSAGE = "You have successfully been signed up! You should receive an email with further information."


@public_page(scopes=lambda: [HOME])
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    jams = jams_by_phase(now=now)
    context = {"jams": jams, "testimonials": testimonial_list_for_site()}
    response = render(request, "jams/jam_list.html", context)
    every = [*jams.running, *jams.upcoming, *jams.past]
    response.changes_at = min(filter(None, (jam.changes_after(now) for jam in every)), default=None)
    return response


@public_page(scopes=lambda slug: [jam_scope(slug)])
def jam_signup_list(request: HttpRequest, slug: str) -> HttpResponse:
    jam = jam_get_for_page(slug=slug)
    page = Paginator(signup_list_public(jam=jam), SIGNUPS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"jam": jam, "page": page, "signups": signup_summary(jam=jam, latest=0)}
    return render(request, "jams/signup_list.html", context)


@require_http_methods(["GET", "POST"])
def jam_signup(request: HttpRequest, slug: str) -> HttpResponse:
    jam = get_object_or_404(Jam, slug=slug)
    existing = signup_for(jam=jam, user=request.user)
    if existing:
        messages.info(request, f"You're already signed up for {jam.title}.")
        return redirect(jam)
    try:
        signup_check_open(jam=jam)
    except SignUpClosed as closed:
        status = 403 if request.method == "POST" else 200
        return render(request, "jams/signup_form.html", {"jam": jam, "closed": closed.message}, status=status)

    form_class = SignUpForm if request.user.is_authenticated else SignUpWithAccountForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            message = _signup_from_form(request, jam, form)
        except AlreadySignedUp:
            messages.info(request, f"You're already signed up for {jam.title}.")
            return redirect(jam)
        except SignUpClosed as closed:
            return render(request, "jams/signup_form.html", {"jam": jam, "closed": closed.message}, status=403)
        except Throttled as throttled:
            form.add_error(None, throttled.message)  # the form comes back as typed, with why
            return throttled_response(render(request, "jams/signup_form.html", {"jam": jam, "form": form}), throttled)
        messages.success(request, message)
        return redirect(jam.get_absolute_url() + "#signups")
    return render(request, "jams/signup_form.html", {"jam": jam, "form": form})


def _signup_from_form(request: HttpRequest, jam: Jam, form: SignUpForm) -> str:
    """Sign up; returns what to tell the person."""
    data = form.cleaned_data
    if request.user.is_authenticated:
        signup_create(jam=jam, user=request.user, show_in_list=data["show_in_list"])
        return SIGNED_UP_MESSAGE
    registration = signup_create_with_account(
        jam=jam,
        display_name=data["display_name"],
        email=data["email"],
        password=data["password"],
        show_in_list=data["show_in_list"],
        request=request,
    )
    if registration.user is not None:
        login(request, registration.user, backend="accounts.backends.UserBackend")
    if registration.existing:
        return f"{ALREADY_HAD_AN_ACCOUNT} {SIGNED_UP_MESSAGE}"
    # The same words whether the address was new (the account is made, signed up and
    # signed in) or had an account whose password this wasn't (nothing changed; its
    # owner is emailed): the form doesn't tell which addresses have accounts.
    return CHECK_EMAIL_MESSAGE.format(name=data["display_name"], email=data["email"])


def jam_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    jam = get_object_or_404(Jam, slug=slug)
    response = HttpResponse(jam_calendar_ics(jam=jam), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{jam.slug}.ics"'
    return response
