"""The runner agent's environment call (/api/runner/v1/environments/<id>/report), authenticated by the runner
credential. The agent learns of a request through the channel (an `environment` job) and reports here."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from environments import services
from environments.models import EnvironmentState
from runners import services as runner_services
from runners.agent_api.views import AgentView

TAG = ["runner agent"]


class ReportSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[EnvironmentState.STARTED.value, EnvironmentState.FAILED.value])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    detail = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReportView(AgentView):
    @extend_schema(tags=TAG, request=ReportSerializer, responses={200: inline_serializer(
                       "EnvironmentReportAnswer", {"state": serializers.CharField()})},
                   operation_id="runner_agent_environment_report")
    def post(self, request, environment_id: int):
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        runner_services.runner_seen(runner=self.runner)
        env = services.environment_request_report(runner=self.runner, request_id=environment_id, **data.validated_data)
        return Response({"state": env.state})


urlpatterns = [
    path("<int:environment_id>/report", ReportView.as_view(), name="runner_agent_environment_report"),
]
