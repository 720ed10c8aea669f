from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from environments.models import EnvironmentRequest


def environment_request_list(*, org, user) -> QuerySet[EnvironmentRequest]:
    """The user's own requests in the org, newest first; nobody sees another user's."""
    return EnvironmentRequest.objects.filter(organization=org, user=user).select_related("runner")


def environment_request_get(*, org, user, request_id: int) -> EnvironmentRequest:
    return get_object_or_404(environment_request_list(org=org, user=user), pk=request_id)
