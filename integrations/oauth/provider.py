"""The allauth provider class: one sub-provider (SocialApp) per OAuth-enabled ScmIntegration."""

from __future__ import annotations

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.base.constants import AuthProcess
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from django.urls import reverse
from django.utils.http import urlencode

from integrations.models import ScmIntegration
from integrations.oauth.views import ScmOAuth2Adapter

PROVIDER_ID = "scm"


class ScmAccount(ProviderAccount):
    def to_str(self) -> str:
        return str(self.account.extra_data.get("username") or super().to_str())


class ScmProvider(OAuth2Provider):
    id = PROVIDER_ID
    name = "Source control"
    account_class = ScmAccount
    oauth2_adapter_class = ScmOAuth2Adapter

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

    def get_oauth2_adapter(self, request):
        return self.oauth2_adapter_class(request, self.app.provider_id)

    def get_scope(self) -> list[str]:
        return list(self.integration.scopes)

    def get_auth_params(self) -> dict:
        return {}

    def get_pkce_params(self) -> dict:
        return generate_code_challenge() if self.integration.spec.pkce else {}

    def get_redirect_from_request_kwargs(self, request) -> dict:
        kwargs = super().get_redirect_from_request_kwargs(request)
        # Only ever "connect" (never sign in to the portal with a Bitbucket account), and only the
        # integration's own scopes: request parameters may not widen or change them.
        kwargs["process"] = AuthProcess.CONNECT
        kwargs["scope"] = self.get_scope()
        kwargs["auth_params"] = {}
        if "next_url" not in kwargs:
            integration = self.integration
            kwargs["next_url"] = reverse("connection_oauth_done", args=[integration.organization.slug,
                                                                        integration.pk])
        return kwargs

    def extract_uid(self, data: dict) -> str:
        return str(data["account_id"])

    def extract_extra_data(self, data: dict) -> dict:
        # Stored by allauth in SocialAccount.extra_data: identity only, never a token.
        return {key: data.get(key) for key in ("account_id", "username", "display_name")}

    def extract_common_fields(self, data: dict) -> dict:
        # The portal user already exists (connect only); nothing to copy onto it.
        return {}


provider_classes = [ScmProvider]
