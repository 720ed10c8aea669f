from django.urls import path

from integrations.prebuilds.api import views

PREBUILDS = "orgs/<slug:org_slug>/projects/<int:project_id>/prebuilds/"

urlpatterns = [
    path(PREBUILDS, views.PrebuildListView.as_view(), name="api_prebuild_list"),
    path(PREBUILDS + "settings/", views.PrebuildSettingsView.as_view(), name="api_prebuild_settings"),
    path(PREBUILDS + "<int:prebuild_id>/", views.PrebuildDetailView.as_view(), name="api_prebuild_detail"),
    path(PREBUILDS + "<int:prebuild_id>/cancel/", views.PrebuildCancelView.as_view(), name="api_prebuild_cancel"),
    path(PREBUILDS + "<int:prebuild_id>/rerun/", views.PrebuildRerunView.as_view(), name="api_prebuild_rerun"),
]
