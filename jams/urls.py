from django.urls import path

from . import views

app_name = "jams"

urlpatterns = [
    path("<slug:slug>/signup/", views.jam_signup, name="signup"),
    path("<slug:slug>/signups/", views.jam_signup_list, name="signup_list"),
    path("<slug:slug>/calendar.ics", views.jam_calendar, name="calendar"),
]
