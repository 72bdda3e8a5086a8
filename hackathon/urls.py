from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from jams import urls as jam_urls
from jams import views as jam_views
from submissions import urls as submission_urls

from . import gallery, pages, views

admin.site.site_header = "Alignment Jams: organizers"
admin.site.site_title = "Alignment Jams admin"

submission_pages = [path("<slug:slug>/entries/", gallery.entry_list, name="entry_list"), *submission_urls.urlpatterns]

urlpatterns = [
    path("", jam_views.home, name="home"),
    # The jam page is composed above the apps (hackathon/pages.py), under jams' namespace.
    path("jams/", include(([path("<slug:slug>/", pages.jam_detail, name="detail"), *jam_urls.urlpatterns], "jams"))),
    # So is the gallery (hackathon/gallery.py), under submissions' namespace.
    path("jams/", include((submission_pages, "submissions"))),
    path("jams/", include("judging.urls")),
    path("accounts/signup/", account_views.account_signup, name="account_signup"),
    # The reset email goes through the outbox (accounts/password_reset.py), a few per address.
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    # Verifying an address, and the set-password page that verifies it too (accounts/urls.py).
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("me/jams/", pages.my_jams, name="my_jams"),
    path("admin/", admin.site.urls),
    # The read-only JSON API (/api/v1/, hackathon/api.py) and the feeds (hackathon/feeds.py).
    path("api/", include("hackathon.api")),
    path("", include("hackathon.feeds")),
    path("healthz", views.healthz, name="healthz"),
    path("time", views.server_time, name="server_time"),
]

# Local disk storage in development: uploads under MEDIA_URL (static() is a no-op when
# DEBUG is off). Private files still go through the entry file view.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
