"""Login and callback of the `scm` sub-providers: allauth's state and connect flow, with the code
exchanged by the runner agent and the identity read with the provider's client."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login, render_authentication_error
from allauth.socialaccount.internal import statekit
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.base import AuthError
from allauth.socialaccount.providers.base.utils import respond_to_login_on_get
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from integrations.connections.exchange import TokenRequestFailed, request_token
from integrations.connections.identity import fetch_identity
from integrations.oauth import popup
from integrations.oauth.errors import ScmOAuthError
from integrations.providers import oauth
from integrations.providers.http import ProviderError
from integrations.providers.in_words import provider_error_in_words
from runners.models import RunnerStatus

LOGIN_CANCELLED_ERROR = "access_denied"


def _provider(request: HttpRequest, provider_id: str):
    return get_adapter(request).get_provider(request, provider_id)


def _not_available(request: HttpRequest) -> HttpResponse:
    return popup.result_response(
        request, None, ok=False, status=404,
        message="This connection is not available to you: sign in to the portal with the account that started "
                "it, then use Connect again. Nothing was connected.")


def _keep_opener(response: HttpResponse) -> HttpResponse:
    # The popup must keep `window.opener` when it comes back from the provider's origin; the
    # portal-wide same-origin-allow-popups would put it in a new browsing context group.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


def _runner_offline(request: HttpRequest, provider) -> HttpResponse | None:
    """Fail before the consent page when the runner's agent, which must exchange the code, is not there
    (otherwise the user consents and then waits for the channel's timeout)."""
    integration = provider.integration
    if request.method != "POST" or integration.runner.status != RunnerStatus.OFFLINE:
        return None
    popup_mode, return_url = popup.mode_from_state({"next": request.POST.get("next", "")})
    response = popup.result_response(
        request, integration, ok=False, status=503, popup=popup_mode, return_url=return_url,
        message=f"Runner {integration.runner.name} is offline, and connecting {integration.spec.label} needs its "
                "agent. Ask an org admin to start the agent, then use Connect again. Nothing was connected.")
    # The session middleware does not save on a 5xx; the opener's polling fallback reads the result there.
    request.session.save()
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        provider = _provider(request, provider_id)
    except SocialApp.DoesNotExist:
        return _keep_opener(_not_available(request))
    offline = _runner_offline(request, provider)
    if offline is not None:
        return _keep_opener(offline)
    # GET only shows a confirmation form: starting OAuth must not happen on GET (CSRF).
    response = respond_to_login_on_get(request, provider) or provider.redirect_from_request(request)
    return _keep_opener(response)


@login_not_required
@require_http_methods(["GET"])
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        provider = _provider(request, provider_id)
    except SocialApp.DoesNotExist:
        return _keep_opener(_not_available(request))
    return _keep_opener(_complete(request, provider))


def _complete(request: HttpRequest, provider) -> HttpResponse:
    state_id = request.GET.get("state") or ""
    # One-time and bound to this session and this sub-provider: a replayed, tampered or expired
    # state finds nothing here.
    state = statekit.unstash_state(request, provider_id=provider.sub_id, state_id=state_id) if state_id else None
    if state is None:
        return render_authentication_error(request, provider, extra_context={"state_id": state_id})
    if "error" in request.GET or "code" not in request.GET:
        cancelled = request.GET.get("error") == LOGIN_CANCELLED_ERROR
        return render_authentication_error(request, provider, error=AuthError.CANCELLED if cancelled else
                                           AuthError.UNKNOWN, extra_context={"state": state})
    try:
        login = _sociallogin(request, provider, state)
    except ScmOAuthError as exc:
        return render_authentication_error(request, provider, exception=exc, extra_context={"state": state})
    return complete_social_login(request, login)


@sensitive_variables()
def _sociallogin(request: HttpRequest, provider, state: dict):
    integration = provider.integration
    grant = oauth.authorization_code_grant(code=request.GET["code"], redirect_uri=integration.callback_url,
                                           code_verifier=state.get("pkce_code_verifier"))
    grant.update(integration.grant_extras())
    try:
        _, token = request_token(integration, grant)
    except TokenRequestFailed as exc:
        raise ScmOAuthError(f"{exc.message} Nothing was connected.") from None
    try:
        identity = fetch_identity(integration, token.access_token, token.scopes)
    except ProviderError as exc:
        raise ScmOAuthError(f"{integration.spec.label} did not say who you are: "
                            f"{provider_error_in_words(exc, integration.place)} Nothing was connected.") from None
    login = provider.sociallogin_from_response(request, identity.as_dict())
    # Held in memory for the receivers, which write the Connection; allauth stores no token.
    login.token = SocialToken(token=token.access_token, token_secret=token.refresh_token or "",
                              expires_at=timezone.now() + timedelta(seconds=token.expires_in)
                              if token.expires_in else None)
    login.state = state
    login.scm_identity = identity
    login.scm_scopes = list(identity.scopes)
    return login
