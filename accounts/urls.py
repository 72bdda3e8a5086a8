from django.urls import path

from . import views

# Included under accounts/ before django.contrib.auth's own URLs, so the set-password
# page here (which also confirms the address) takes the place of Django's.
urlpatterns = [
    path("verify/", views.email_verification, name="email_verification"),
    path("verify/send/", views.email_verification_resend, name="email_verification_resend"),
    path("verify/<str:token>/", views.email_verify, name="email_verify"),
    # The unsubscribe link in organizers' announcements (accounts/announcements.py).
    path("announcements/<str:token>/", views.announcements_unsubscribe, name="announcements_unsubscribe"),
    path("reset/<uidb64>/<token>/", views.PasswordSetConfirmView.as_view(), name="password_reset_confirm"),
]
