"""The runner agent's API (/api/runner/v1/). Every call but `register` carries the runner credential."""

from __future__ import annotations

import time

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.numbers import finite_float
from runners import services, wakeup
from runners.agent_api import serializers as s
from runners.agent_api.authentication import IsRunnerAgent, RunnerCredentialAuthentication
from runners.agent_api.jobs import claim_job_body

TAG = ["runner agent"]
_POLL_INTERVAL = 0.5  # RUNNER_CHANNEL_LEGACY_POLLING: seconds between looks for new work


class AgentView(APIView):
    authentication_classes = [RunnerCredentialAuthentication]
    permission_classes = [IsRunnerAgent]

    @property
    def runner(self):
        return self.request.auth


def _runner_body(runner) -> dict:
    return s.AgentRunnerSerializer(runner).data


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=TAG, request=s.RegisterSerializer, responses={201: s.RegisteredSerializer})
    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        runner, credential = services.runner_register(**data.validated_data)
        body = {
            "runner_id": runner.pk, "runner_name": runner.name, "organization": runner.organization.slug,
            "credential": credential, "portal": settings.PORTAL_BASE_URL, "key_fingerprint": runner.key_fingerprint,
            "hybrid_key_fingerprint": runner.hybrid_key_fingerprint,
            "long_poll_seconds": settings.RUNNER_LONG_POLL_SECONDS,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class RotateKeyView(AgentView):
    @extend_schema(tags=TAG, request=s.RotateKeySerializer, responses=s.AgentRunnerSerializer)
    def post(self, request):
        data = s.RotateKeySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        runner = services.runner_rotate_key(runner=self.runner, **data.validated_data)
        services.runner_seen(runner=runner)
        return Response(_runner_body(runner))


class HeartbeatView(AgentView):
    @extend_schema(tags=TAG, request=s.HeartbeatSerializer, responses=s.AgentRunnerSerializer)
    def post(self, request):
        data = s.HeartbeatSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.runner_seen(runner=self.runner, agent_version=data.validated_data.get("agent_version"),
                             opens_suites=data.validated_data.get("opens_suites"))
        return Response(_runner_body(self.runner))


class MeView(AgentView):
    """What the portal knows about this runner, without counting as a sign of life."""

    @extend_schema(tags=TAG, responses=s.AgentRunnerSerializer)
    def get(self, request):
        # Read afresh: the credential cache's copy may predate another process's last-seen write.
        self.runner.refresh_from_db()
        return Response(_runner_body(self.runner))


class NextJobView(AgentView):
    """Under WSGI each waiting agent holds a thread here; under ASGI `longpoll.long_poll` serves this URL."""

    @extend_schema(
        tags=TAG,
        parameters=[OpenApiParameter("wait", float, description="Seconds to wait for work (capped by the portal).")],
        responses={200: s.JobSerializer, 204: None},
    )
    def get(self, request):
        cap = settings.RUNNER_LONG_POLL_SECONDS
        wait = finite_float(request.query_params.get("wait"), name="wait", default=0.0, minimum=0.0, maximum=cap)
        # The cap bounds the loop whatever `wait` turned out to be.
        deadline = time.monotonic() + min(wait, cap)
        services.runner_seen(runner=self.runner)
        body = self._poll(deadline) if settings.RUNNER_CHANNEL_LEGACY_POLLING else self._wait(deadline)
        return Response(body) if body is not None else Response(status=status.HTTP_204_NO_CONTENT)

    def _wait(self, deadline: float) -> dict | None:
        waiter = wakeup.hub.add(wakeup.JOB, self.runner.pk)
        try:
            while True:
                body = claim_job_body(self.runner)
                remaining = deadline - time.monotonic()
                if body is not None or remaining <= 0:
                    return body
                waiter.wait(remaining)
                waiter.rearm()
        finally:
            wakeup.hub.remove(waiter)

    def _poll(self, deadline: float) -> dict | None:
        """RUNNER_CHANNEL_LEGACY_POLLING: a look at the database every 0.5 s (kept to compare, make bench)."""
        while True:
            body = claim_job_body(self.runner)
            remaining = deadline - time.monotonic()
            if body is not None or remaining <= 0:
                return body
            time.sleep(min(_POLL_INTERVAL, remaining))


class JobResultView(AgentView):
    @extend_schema(tags=TAG, request=s.JobResultSerializer, responses={204: None})
    def post(self, request, job_id: int):
        data = s.JobResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.runner_seen(runner=self.runner)
        services.runner_job_finish(runner=self.runner, job_id=job_id, ok=data.validated_data["ok"],
                                   result=data.validated_data.get("result"), error=data.validated_data.get("error", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)
