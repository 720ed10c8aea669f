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


class EnvironmentRequestInputSerializer(serializers.Serializer):
    runner = serializers.IntegerField(min_value=1)
    url = serializers.CharField(max_length=2048, trim_whitespace=True)


class EnvironmentRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    runner = serializers.IntegerField(source="runner_id")
    url = serializers.CharField()
    provider = serializers.CharField()
    host = serializers.CharField()
    repository = serializers.CharField()
    kind = serializers.CharField()
    ref = serializers.CharField()
    ref_type = serializers.CharField()
    commit = serializers.CharField()
    path = serializers.CharField()
    default_branch = serializers.CharField()
    pull_request = serializers.IntegerField(allow_null=True)
    pull_request_title = serializers.CharField()
    issue = serializers.IntegerField(allow_null=True)
    issue_title = serializers.CharField()
    suggested_branch = serializers.CharField()
    clone_url = serializers.CharField()
    git_author_name = serializers.CharField()
    git_author_email = serializers.CharField()
    state = serializers.CharField()
    overdue = serializers.BooleanField(help_text="Still waiting for the runner after its pickup deadline.")
    reason = serializers.CharField()
    detail = serializers.CharField()
    created_at = serializers.DateTimeField()
    picked_up_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
