"""Mounted at /hooks/: the public webhook receivers (authenticated by signature, not by session)."""

from __future__ import annotations

from django.urls import path

from integrations.webhooks import receiver

urlpatterns = [
    path("bitbucket/<uuid:project_uuid>/", receiver.receive, name="webhook_receiver"),
]
