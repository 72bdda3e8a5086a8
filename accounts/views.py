from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .announcements import UnsubscribeLinkError, unsubscribe_token_read
from .forms import AccountCreateForm
from .password_reset import OutboxPasswordResetForm
from .services import (
    ALREADY_HAD_AN_ACCOUNT,
    CHECK_EMAIL_MESSAGE,
    email_verification_request,
    user_announcements_set,
    user_email_verify,
    user_register,
)
from .throttling import Throttled, login_failures_clear, password_reset_check, throttled_response
from .verification import VerificationLinkError, safe_next, verification_token_read


@require_http_methods(["GET", "POST"])
def account_signup(request: HttpRequest) -> HttpResponse:
    """An account on its own, without signing up to a jam. The answer is the same whether
    the address is new or has an account (accounts.services.user_register)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "my_jams")
    form = AccountCreateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            registration = user_register(
                email=data["email"],
                display_name=data["display_name"],
                password=data["password"],
                next_url=next_url,
                request=request,
            )
        except Throttled as throttled:
            form.add_error(None, throttled.message)
            context = {"form": form, "next": next_url}
            return throttled_response(render(request, "registration/account_signup.html", context), throttled)
        if registration.user is not None:
            login(request, registration.user, backend="accounts.backends.UserBackend")
        if registration.existing:
            messages.success(request, ALREADY_HAD_AN_ACCOUNT)
        else:
            messages.success(request, CHECK_EMAIL_MESSAGE.format(name=data["display_name"], email=data["email"]))
        return redirect(next_url or "my_jams")
    status = 400 if form.errors else 200
    return render(request, "registration/account_signup.html", {"form": form, "next": next_url}, status=status)


# Verifying an email address ------------------------------------------------------------


@require_GET
def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. The signed token is the permission: whoever holds it got
    it from that mailbox. It confirms the address but signs nobody in."""
    try:
        link = verification_token_read(token)
    except VerificationLinkError as error:
        context = {"error": error.message, "can_resend": _can_resend(request)}
        return render(request, "registration/email_verify.html", context, status=400)
    user_email_verify(user=link.user)
    if request.user.is_authenticated and request.user.pk == link.user.pk:
        messages.success(request, f"Thank you: your email address, {link.user.email}, is confirmed.")
        return redirect(link.next_url or "my_jams")
    return render(request, "registration/email_verify.html", {"verified": link.user, "next": link.next_url})


@login_required
@require_GET
def email_verification(request: HttpRequest) -> HttpResponse:
    """Whether the signed-in person's address is confirmed, with the button that sends a
    new link."""
    return render(request, "registration/email_verification.html", {"next": safe_next(request.GET.get("next", ""))})


@login_required
@require_POST
def email_verification_resend(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next(request.POST.get("next", ""))
    if user.email_verified:
        messages.info(request, f"Your email address, {user.email}, is already confirmed.")
    elif email_verification_request(user=user, next_url=next_url):
        messages.success(request, f"We've sent a new link to {user.email}. It works for 7 days.")
    else:
        messages.info(
            request,
            f"We sent a link to {user.email} less than a minute ago. "
            "Give it a moment, and look in your spam folder too.",
        )
    return redirect(next_url or "email_verification")


def _can_resend(request: HttpRequest) -> bool:
    return request.user.is_authenticated and not request.user.email_verified


class PasswordResetView(auth_views.PasswordResetView):
    """Django's ask-for-a-reset-link page, its email sent through the outbox
    (accounts/password_reset.py), at most PASSWORD_RESET_RATE_LIMIT requests per address.
    A person locked out of logging in may still ask: that is how they get back in."""

    form_class = OutboxPasswordResetForm

    def form_valid(self, form):
        try:
            password_reset_check(self.request)
        except Throttled as throttled:
            form.add_error(None, throttled.message)
            return throttled_response(self.form_invalid(form), throttled)
        return super().form_valid(form)


class PasswordSetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's set-a-new-password page. The link came by email to the account's address
    (its token covers the address), so setting the password confirms the address too: a
    judge invited without an account proves theirs this way. It also lifts a lock on
    logging in to the account (accounts/throttling.py): whoever has the link may."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user_email_verify(user=form.user)
        login_failures_clear(username=form.user.get_username())
        return response


# Announcements: the unsubscribe link ----------------------------------------------------


# A mail client's one-click unsubscribe (RFC 8058) posts without a CSRF token; the signed
# link is the permission.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def announcements_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in each announcement. GET shows a button (link scanners open every link);
    POST turns announcements off, or on again with `action=resubscribe`. No log-in."""
    try:
        person = unsubscribe_token_read(token)
    except UnsubscribeLinkError as error:
        return render(request, "accounts/announcements.html", {"error": error.message}, status=400)
    done = None
    if request.method == "POST":
        opt_out = request.POST.get("action") != "resubscribe"
        user_announcements_set(user=person, opt_out=opt_out)
        done = "unsubscribed" if opt_out else "resubscribed"
    context = {"person": person, "done": done, "token": token}
    return render(request, "accounts/announcements.html", context)
