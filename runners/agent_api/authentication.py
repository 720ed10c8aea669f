"""`Authorization: Runner rnc_...`: the agent's credential, stored hashed on its Runner."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from runners.models import Runner
from runners.selectors import runner_for_credential


class RunnerPrincipal:
    """request.user for agent calls: authenticated, but no person and no org role."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, runner: Runner):
        self.runner = runner

    def __str__(self) -> str:
        return f"runner agent {self.runner.name}"


class RunnerCredentialAuthentication(authentication.BaseAuthentication):
    keyword = "Runner"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, value = header.partition(" ")
        if scheme != self.keyword:
            return None
        runner = runner_for_credential(value.strip())
        if runner is None:
            raise exceptions.AuthenticationFailed("Invalid runner credential. Register the agent again.")
        return RunnerPrincipal(runner), runner

    def authenticate_header(self, request) -> str:
        return self.keyword


class IsRunnerAgent(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Runner)


class RunnerCredentialScheme(OpenApiAuthenticationExtension):
    target_class = "runners.agent_api.authentication.RunnerCredentialAuthentication"
    name = "runnerCredential"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Runner <credential>`: the credential returned once by `register`."}
