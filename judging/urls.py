from django.urls import path

from . import views

app_name = "judging"

urlpatterns = [
    path("<slug:slug>/judge/", views.workspace, name="workspace"),
    path("<slug:slug>/judge/pairs/", views.pairwise, name="pairwise"),
    path("<slug:slug>/judge/pairs/next/", views.pairwise_next_view, name="pairwise_next"),
    path("<slug:slug>/judge/pairs/vote/", views.pairwise_vote_view, name="pairwise_vote"),
    path("<slug:slug>/judge/pairs/skip/", views.pairwise_skip_view, name="pairwise_skip"),
    path("<slug:slug>/judge/pairs/undo/", views.pairwise_undo_view, name="pairwise_undo"),
    path("<slug:slug>/judge/accept/", views.accept, name="accept"),
    path("<slug:slug>/judge/accept/<str:token>/", views.accept_link, name="accept_link"),
    path("<slug:slug>/judge/<int:entry_id>/", views.review, name="review"),
    path("<slug:slug>/judge/<int:entry_id>/recuse/", views.recuse, name="recuse"),
    path("<slug:slug>/judge/<int:entry_id>/recuse/undo/", views.recuse_undo, name="recuse_undo"),
    path("<slug:slug>/results/", views.results, name="results"),
]
