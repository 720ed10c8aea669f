"""Mounted at /orgs/<org_slug>/projects/<project_id>/prebuilds/."""

from __future__ import annotations

from django.urls import path

from integrations.prebuilds import views

urlpatterns = [
    path("", views.prebuild_list, name="prebuild_list"),
    path("settings/", views.prebuild_settings, name="prebuild_settings"),
    path("<int:prebuild_id>/", views.prebuild_detail, name="prebuild_detail"),
    path("<int:prebuild_id>/cancel/", views.prebuild_cancel, name="prebuild_cancel"),
    path("<int:prebuild_id>/rerun/", views.prebuild_rerun, name="prebuild_rerun"),
]
