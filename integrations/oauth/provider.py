"""The allauth provider class: one sub-provider (SocialApp) per OAuth-enabled ScmIntegration.

allauth finds it as `provider_classes` in the `provider` module of the installed app `integrations.oauth`.

Built on allauth's base `Provider` rather than its OAuth2 classes: those post the client secret
themselves (here the runner agent does) and need `requests`, which the portal does not ship.
"""

from __future__ import annotations

from allauth.socialaccount.providers.base import AuthProcess, Provider, ProviderAccount
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from integrations.models import ScmIntegration
from integrations.providers import oauth

PROVIDER_ID = "scm"


class ScmAccount(ProviderAccount):
    def to_str(self) -> str:
        return str(self.account.extra_data.get("username") or super().to_str())


class ScmOAuthProvider(Provider):
    id = PROVIDER_ID
    name = "Source control"
    account_class = ScmAccount
    supports_redirect = True

    def __init__(self, request, app=None) -> None:
        super().__init__(request, app=app)
        self.name = app.name

    @property
    def integration(self) -> ScmIntegration:
        # Attached by the social adapter, which builds the app from the integration row.
        return self.app.integration

    def get_login_url(self, request, **kwargs) -> str:
        url = reverse("scm_login", kwargs={"provider_id": self.app.provider_id})
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_callback_url(self) -> str:
        return reverse("scm_oauth_callback", kwargs={"provider_id": self.app.provider_id})

    def get_scope(self) -> list[str]:
        # The provider's required scopes (Cloud's include `account` and `email` for the git author).
        return list(self.integration.scopes)

    def get_redirect_from_request_kwargs(self, request) -> dict:
        kwargs = super().get_redirect_from_request_kwargs(request)
        # Only ever "connect": a provider account never signs anyone in to the portal.
        kwargs["process"] = AuthProcess.CONNECT
        if "next_url" not in kwargs:
            integration = self.integration
            kwargs["next_url"] = reverse("connection_oauth_done", args=[integration.organization.slug,
                                                                        integration.pk])
        return kwargs

    def redirect(self, request, process, next_url=None, data=None, **kwargs) -> HttpResponseRedirect:
        """To the provider's consent page with the integration's own scopes (request parameters cannot
        change them), a one-time state and, where the provider supports it, PKCE S256."""
        integration = self.integration
        verifier = challenge = None
        if integration.spec.pkce:
            verifier, challenge = oauth.make_pkce_pair()
        state = self.stash_redirect_state(request, process, next_url, data, pkce_code_verifier=verifier)
        return HttpResponseRedirect(oauth.authorize_url(
            integration.authorize_url, client_id=integration.client_id, redirect_uri=integration.callback_url,
            state=state, scopes=self.get_scope(), code_challenge=challenge,
            scope_separator=integration.spec.scope_separator))

    def extract_uid(self, data: dict) -> str:
        return str(data["account_id"])

    def extract_extra_data(self, data: dict) -> dict:
        # Stored by allauth in SocialAccount.extra_data: identity only, never a token.
        return {key: data.get(key) for key in ("account_id", "username", "display_name")}

    def extract_common_fields(self, data: dict) -> dict:
        # The portal user already exists (connect only); nothing to copy onto it.
        return {}


provider_classes = [ScmOAuthProvider]
