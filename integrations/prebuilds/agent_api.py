"""The runner agent's prebuild calls (/api/runner/v1/prebuilds/<id>/...), authenticated by the runner credential.

The agent learns of a prebuild through the channel (a `prebuild` job naming its id) and then talks
about it here: start, progress (output and liveness; the answer says whether to cancel), finish.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from integrations.prebuilds import agent_work
from integrations.prebuilds.models import OUTPUT_LIMIT
from runners import services as runner_services
from runners.agent_api.views import AgentView

TAG = ["runner agent"]
MAX_CHUNK = 4 * OUTPUT_LIMIT


class ProgressSerializer(serializers.Serializer):
    output = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=MAX_CHUNK,
                                   default="")


class FinishSerializer(ProgressSerializer):
    state = serializers.ChoiceField(choices=sorted(agent_work.FINAL_STATES))
    exit_code = serializers.IntegerField(required=False, allow_null=True, min_value=-512, max_value=512,
                                         default=None)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class StartView(AgentView):
    @extend_schema(tags=TAG, request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, prebuild_id: int):
        runner_services.runner_seen(runner=self.runner)
        started = agent_work.prebuild_start(runner=self.runner, prebuild_id=prebuild_id)
        return Response(started.work)


class ProgressView(AgentView):
    @extend_schema(tags=TAG, request=ProgressSerializer, responses={200: inline_serializer(
        "PrebuildProgressAnswer", {"cancel": serializers.BooleanField()})})
    def post(self, request, prebuild_id: int):
        data = ProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        runner_services.runner_seen(runner=self.runner)
        cancel = agent_work.prebuild_progress(runner=self.runner, prebuild_id=prebuild_id,
                                              output=data.validated_data["output"])
        return Response({"cancel": cancel})


class FinishView(AgentView):
    @extend_schema(tags=TAG, request=FinishSerializer, responses={200: inline_serializer(
        "PrebuildFinishAnswer", {"state": serializers.CharField()})})
    def post(self, request, prebuild_id: int):
        data = FinishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        runner_services.runner_seen(runner=self.runner)
        prebuild = agent_work.prebuild_complete(runner=self.runner, prebuild_id=prebuild_id, **data.validated_data)
        return Response({"state": prebuild.state})


urlpatterns = [
    path("<int:prebuild_id>/start", StartView.as_view(), name="runner_agent_prebuild_start"),
    path("<int:prebuild_id>/progress", ProgressView.as_view(), name="runner_agent_prebuild_progress"),
    path("<int:prebuild_id>/finish", FinishView.as_view(), name="runner_agent_prebuild_finish"),
]
