"""Mounted at /orgs/<org_slug>/environments/."""

from __future__ import annotations

from django.urls import path

from environments import views

urlpatterns = [
    path("", views.environment_list, name="environment_list"),
    path("new/", views.environment_new, name="environment_new"),
    path("<int:environment_id>/", views.environment_detail, name="environment_detail"),
]
