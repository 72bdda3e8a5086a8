from django.contrib import admin
from django.urls import include, path

from jams import views as jam_views

from . import views

admin.site.site_header = "Alignment Jams: organizers"
admin.site.site_title = "Alignment Jams admin"

urlpatterns = [
    path("", jam_views.home, name="home"),
    path("jams/", include("jams.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
