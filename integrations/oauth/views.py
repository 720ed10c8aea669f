"""The OAuth2 adapter (code exchange through the runner agent, identity through the Bitbucket clients) and
the login / callback views of the `scm` sub-providers."""

from __future__ import annotations

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView, OAuth2LoginView
from allauth.utils import get_request_param
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from integrations.connections.exchange import TokenRequestFailed, provider_label, request_token
from integrations.connections.identity import fetch_identity
from integrations.oauth import popup
from integrations.providers.http import ProviderError


class ScmOAuthError(ProviderException):
    """Ends the flow with `message` shown in the popup and on the opener (allauth's error path)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScmOAuth2Adapter(OAuth2Adapter):
    supports_state = True

    def __init__(self, request: HttpRequest, provider_id: str) -> None:
        self.provider_id = provider_id
        self._provider = None
        super().__init__(request)

    def get_provider(self):
        if self._provider is None:
            self._provider = super().get_provider()
        return self._provider

    @property
    def integration(self):
        return self.get_provider().integration

    @property
    def authorize_url(self) -> str:
        return self.integration.authorize_url

    @property
    def access_token_url(self) -> str:
        # Only informative: the runner agent posts to the token URL sealed with the secret.
        return self.integration.token_url

    def get_callback_url(self, request: HttpRequest, app) -> str:
        # Exactly the URL the admin registered at the provider (shown in the dialog).
        return app.integration.callback_url

    def get_access_token_data(self, request: HttpRequest, app, client, pkce_code_verifier=None) -> dict:
        integration = app.integration
        grant = {"grant_type": "authorization_code", "code": get_request_param(request, "code") or "",
                 "redirect_uri": integration.callback_url}
        if pkce_code_verifier:
            grant["code_verifier"] = pkce_code_verifier
        try:
            body, _ = request_token(integration, grant)
        except TokenRequestFailed as exc:
            raise ScmOAuthError(f"{exc.message} Nothing was connected.") from None
        self.did_fetch_access_token = True
        return body

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        integration = app.integration
        response = kwargs.get("response") or {}
        scopes = str(response.get("scope") or response.get("scopes") or "").replace(",", " ").split()
        try:
            identity = fetch_identity(integration, token.token, scopes)
        except ProviderError as exc:
            raise ScmOAuthError(f"{provider_label(integration)} did not say who you are ({exc}). "
                                "Nothing was connected.") from None
        login = self.get_provider().sociallogin_from_response(request, identity.as_dict())
        # The receivers write the Connection from these; allauth itself stores no token.
        login.scm_identity = identity
        login.scm_scopes = list(identity.scopes)
        return login


def _adapter_view(view_class, request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        response = view_class.adapter_view(ScmOAuth2Adapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        response = popup.result_response(
            request, None, ok=False, status=404,
            message="This connection is not available to you: sign in to the portal with the account that "
                    "started it, then use Connect again. Nothing was connected.")
    # The popup must keep its `window.opener` when it comes back from the provider's origin.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _adapter_view(OAuth2LoginView, request, provider_id)


@login_not_required
@require_http_methods(["GET"])
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _adapter_view(OAuth2CallbackView, request, provider_id)
