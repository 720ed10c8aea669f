"""Azure DevOps: Microsoft Entra ID OAuth (v2 endpoints per tenant, rotating refresh tokens, PKCE), the
profile endpoint, and an organization's connection data and Git repositories, with Azure DevOps' habits:
personal access tokens by HTTP Basic with an empty user, a 203 sign-in page for a bad credential unless the
client sends `X-TFS-FedAuthRedirect: Suppress`, and `{"message", "typeKey", ...}` error bodies."""

from __future__ import annotations

import uuid

from emulator.azure.state import MOUNT, NAME, azure_settings, azure_state
from emulator.forge import control as forge_control
from emulator.forge import oauth as forge_oauth
from emulator.forge.models import ForgeState, ForgeToken
from emulator.httpcore import HttpError, Request, Response, Router
from emulator.oauth_common import basic_credentials, bearer_token

RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"


def _granted(asked: list[str]) -> list[str]:
    """Entra names the app registration's delegated permissions for `.default`, and leaves offline_access out."""
    return [f"{RESOURCE}/user_impersonation" if s == f"{RESOURCE}/.default" else s for s in asked
            if s != "offline_access"]


STYLE = forge_oauth.OAuthStyle(flavour=NAME, title="Authorize access to Azure DevOps (Microsoft Entra ID)",
                               token_prefix="eyJ0eXAiOiJKV1Qi.emu-", refresh=True, granted=_granted,
                               scope_descriptions={
                                   f"{RESOURCE}/.default": "Azure DevOps: the permissions of the app registration",
                                   "offline_access": "Maintain access to data you have given it access to"})
# A personal access token's scopes; OAuth tokens carry `.default`, which is all of them.
PROFILE_SCOPES = ("vso.profile",)
CODE_SCOPES = ("vso.code", "vso.code_write", "vso.code_manage", "vso.code_full")


def error(status: int, message: str, type_key: str = "VssServiceException") -> Response:
    return Response.json(status, {"$id": "1", "innerException": None, "message": message,
                                  "typeName": f"Microsoft.VisualStudio.Services.WebApi.{type_key}",
                                  "typeKey": type_key, "errorCode": 0, "eventId": 3000})


def _sign_in_page() -> Response:
    response = Response.html(203, "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head>"
                                  "<body>Sign in to your account</body></html>")
    return response.with_header("X-TFS-FedAuthRedirect", "https://app.vssps.visualstudio.com/_signin")


def _authenticate(app, request: Request, accepted: tuple[str, ...]) -> tuple[ForgeState, ForgeToken]:
    forge = azure_state(app.state)
    value = bearer_token(request)
    if value is None:
        basic = basic_credentials(request)
        value = basic[1] if basic else None
    token, problem = forge_control.caller(forge, value)
    suppress = (request.header("X-TFS-FedAuthRedirect") or "").lower() == "suppress"
    if problem in ("missing", "invalid", "revoked"):
        if not suppress:
            raise HttpError(_sign_in_page())
        raise HttpError(error(401, "TF400813: The user '' is not authorized to access this resource.",
                              "UnauthorizedRequestException"))
    if problem == "expired":
        raise HttpError(error(401, "VS30063: You are not authorized to access https://dev.azure.com. The Personal "
                                   "Access Token used has expired.", "UnauthorizedRequestException"))
    if token.kind != "oauth" and not set(token.scopes) & set(accepted):
        raise HttpError(error(401, f"Access Denied: The Personal Access Token used has insufficient scope "
                                   f"(needs {accepted[0]}).", "UnauthorizedRequestException"))
    return forge, token


def _profile_id(user_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"azure-emulator-user-{user_id}"))


def get_profile(app, request: Request) -> Response:
    forge, token = _authenticate(app, request, PROFILE_SCOPES)
    user = forge.users[token.username]
    return Response.json(200, {"displayName": user.display_name, "publicAlias": _profile_id(user.id),
                               "emailAddress": user.email, "coreRevision": 1, "timeStamp": "2026-01-01T00:00:00Z",
                               "id": _profile_id(user.id), "revision": 1})


def _organization(forge: ForgeState, organization: str) -> None:
    if not any(r.owner.split("/")[0].lower() == organization.lower() for r in forge.repos.values()):
        raise HttpError(error(404, f"TF200016: The following organization does not exist: {organization}.",
                              "OrganizationNotFoundException"))


def connection_data(app, request: Request, organization: str) -> Response:
    forge, token = _authenticate(app, request, PROFILE_SCOPES + CODE_SCOPES)
    _organization(forge, organization)
    user = forge.users[token.username]
    return Response.json(200, {"authenticatedUser": {"id": _profile_id(user.id), "providerDisplayName":
                                                     user.display_name, "isActive": True},
                               "instanceId": str(uuid.uuid5(uuid.NAMESPACE_URL, organization.lower()))})


def list_repositories(app, request: Request, organization: str) -> Response:
    forge, token = _authenticate(app, request, CODE_SCOPES)
    _organization(forge, organization)
    base = azure_settings(app.settings).url
    repos = [r for r in forge.repos.values() if r.owner.split("/")[0].lower() == organization.lower()
             and token.username in r.members]
    value = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, r.full_name)), "name": r.name,
              "project": {"name": r.owner.split("/", 1)[-1]},
              "webUrl": f"{base}/dev/{organization}/{r.owner.split('/', 1)[-1]}/_git/{r.name}"} for r in repos]
    return Response.json(200, {"value": value, "count": len(value)})


OAUTH = forge_oauth.views(STYLE, azure_state, azure_settings, MOUNT + "/entra/{tenant}/oauth2/v2.0/authorize")


def register(router: Router) -> None:
    router.add("GET", "/entra/{tenant}/oauth2/v2.0/authorize", OAUTH.authorize_page)
    router.add("POST", "/entra/{tenant}/oauth2/v2.0/authorize", OAUTH.authorize_decision)
    router.add("POST", "/entra/{tenant}/oauth2/v2.0/token", OAUTH.token)
    router.add("GET", "/vssps/_apis/profile/profiles/me", get_profile)
    router.add("GET", "/dev/{organization}/_apis/connectionData", connection_data)
    router.add("GET", "/dev/{organization}/_apis/git/repositories", list_repositories)
