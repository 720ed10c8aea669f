"""Context URLs and environment requests over REST."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from environments.api import serializers as s
from integrations.context.base import ContextUrlError
from integrations.context.known_hosts import known_hosts_list
from integrations.context.parsing import parse_context_url
from portal.errors import ValidationFailed
from portal.selectors import org_for_user


def parse_or_fail(url: str, *, org) -> object:
    """The parsed URL, or a 400 naming the `url` field and what was not understood."""
    try:
        return parse_context_url(url, known_hosts=known_hosts_list(org=org))
    except ContextUrlError as exc:
        raise ValidationFailed(f"url: {exc.message}", fields={"url": [exc.message]}) from None


class ContextUrlParseView(APIView):
    """What the portal understands of a pasted URL, offline (the org's registered hosts count)."""

    @extend_schema(request=s.ContextUrlInputSerializer, responses={200: s.ContextUrlSerializer},
                   operation_id="orgs_context_urls_parse")
    def post(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug)
        data = s.ContextUrlInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parsed = parse_or_fail(data.validated_data["url"], org=org)
        return Response(s.ContextUrlSerializer(parsed.as_dict()).data)
