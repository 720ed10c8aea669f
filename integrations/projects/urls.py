"""Mounted at /orgs/<org_slug>/projects/."""

from __future__ import annotations

from django.urls import path

from integrations.projects import views

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_new, name="project_new"),
    path("<int:project_id>/", views.project_detail, name="project_detail"),
    path("<int:project_id>/reinstall/", views.project_reinstall, name="project_reinstall"),
    path("<int:project_id>/check/", views.project_check, name="project_check"),
    path("<int:project_id>/delete/", views.project_delete, name="project_delete"),
    path("<int:project_id>/demo/", views.project_demo_event, name="project_demo_event"),
    path("<int:project_id>/deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery_detail"),
    path("<int:project_id>/deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver,
         name="delivery_redeliver"),
]
