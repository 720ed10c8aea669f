from django.urls import path

from runners.api import views

urlpatterns = [
    path("orgs/<slug:org_slug>/runners/", views.RunnerListView.as_view(), name="api_runner_list"),
    path("orgs/<slug:org_slug>/runners/<int:runner_id>/", views.RunnerDetailView.as_view(), name="api_runner_detail"),
    path("orgs/<slug:org_slug>/runners/<int:runner_id>/registration-token/",
         views.RunnerRegistrationTokenView.as_view(), name="api_runner_registration_token"),
]
