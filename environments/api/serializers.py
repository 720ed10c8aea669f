"""Context-URL and environment-request shapes for the API."""

from __future__ import annotations

from rest_framework import serializers

from integrations.context.base import KINDS


class ContextUrlInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=4096, trim_whitespace=True, allow_blank=True)


class ContextUrlSerializer(serializers.Serializer):
    url = serializers.CharField()
    provider = serializers.CharField()
    host = serializers.CharField(help_text="The provider's base URL, with a context path if any.")
    owner = serializers.CharField(help_text="Workspace, project key, ~user, group path or organization/project.")
    repo = serializers.CharField()
    kind = serializers.ChoiceField(choices=KINDS)
    ref = serializers.CharField(allow_null=True)
    commit = serializers.CharField(allow_null=True)
    number = serializers.IntegerField(allow_null=True)
    path = serializers.CharField(allow_null=True)
    clone_url = serializers.CharField()
