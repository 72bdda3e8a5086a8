from django.urls import path

from . import views

app_name = "submissions"

urlpatterns = [
    path("<slug:slug>/team/", views.team_detail, name="team"),
    path("<slug:slug>/team/join/<str:token>/", views.team_join_view, name="team_join"),
    path("<slug:slug>/team/leave/", views.team_leave_view, name="team_leave"),
    path("<slug:slug>/team/invite/reset/", views.team_invite_reset_view, name="team_invite_reset"),
    path("<slug:slug>/submit/", views.entry_submit, name="submit"),
    path("<slug:slug>/submit/upload/", views.entry_upload_presign, name="upload_presign"),
    # <slug>/entries/ (entry_list), the gallery, is composed above the apps: hackathon/urls.py.
    path("<slug:slug>/entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("<slug:slug>/entries/<int:pk>/<str:field>/", views.entry_file, name="entry_file"),
]
