"""Included by allauth under /accounts/ (it imports `<provider package>.urls`)."""

from __future__ import annotations

from django.urls import path

from integrations.oauth import views

urlpatterns = [
    path("scm/<str:provider_id>/login/", views.login, name="scm_login"),
    path("scm/<str:provider_id>/login/callback/", views.callback, name="scm_oauth_callback"),
]
