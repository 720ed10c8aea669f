"""The social account adapter: SocialApps built in memory from ScmIntegrations, and how failures end."""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.base.constants import AuthError
from django.core.exceptions import ValidationError

from integrations.connections.selectors import integration_list_connectable
from integrations.connections.services import account_conflict, conflict_message
from integrations.models import ScmIntegration
from integrations.oauth import popup
from integrations.oauth.errors import ScmOAuthError
from integrations.oauth.provider import PROVIDER_ID

logger = logging.getLogger(__name__)


def social_app_for(integration: ScmIntegration) -> SocialApp:
    """Never saved: the secret stays sealed to the runner, so the app's `secret` is empty."""
    app = SocialApp(provider=PROVIDER_ID, provider_id=integration.oauth_key, client_id=integration.client_id,
                    secret="", name=f"{integration.spec.label} on {integration.runner.name}")
    app.integration = integration
    return app


def _integration_of(provider) -> ScmIntegration | None:
    app = getattr(provider, "app", None)
    return getattr(app, "integration", None)


class ScmSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        """Only apps of integrations in the requesting user's orgs: no org ever sees another org's apps."""
        user = getattr(request, "user", None)
        oauth_key = provider if provider and provider != PROVIDER_ID else None
        integrations = integration_list_connectable(user=user, oauth_key=oauth_key)
        return [social_app_for(i) for i in integrations if client_id is None or i.client_id == client_id]

    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Provider accounts are connected to portal users; they never create or sign in portal users.
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse, before anything is saved, an account that another portal user already connected."""
        integration = _integration_of(sociallogin.provider)
        if integration is None:
            return
        username = sociallogin.account.extra_data.get("username") or sociallogin.account.uid
        taken_here = sociallogin.is_existing and sociallogin.user != request.user
        if taken_here or account_conflict(integration=integration, user=request.user,
                                          account_id=sociallogin.account.uid):
            raise ImmediateHttpResponse(self._end(request, sociallogin.state, integration,
                                                  conflict_message(integration, username)))

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        """Every failure (denied consent, bad or expired state, runner offline, provider error) ends on
        our result page, in the popup and on the opener, with nothing stored."""
        extra_context = extra_context or {}
        integration = _integration_of(provider)
        label = integration.spec.label if integration else "The provider"
        state = extra_context.get("state")
        if error == AuthError.CANCELLED:
            message = f"{label} access was denied: the consent page was cancelled. Nothing was connected."
        elif isinstance(exception, ScmOAuthError):
            message = exception.message
        elif state is None:
            message = ("This Connect attempt cannot be verified: its state is missing, has expired or was already "
                       "used. Nothing was connected. Start again with Connect.")
        elif exception is not None:
            logger.info("OAuth error for integration %s: %s", getattr(integration, "pk", None),
                        type(exception).__name__)
            message = f"{label} answered with an error ({type(exception).__name__}). Nothing was connected."
        else:
            description = request.GET.get("error_description") or request.GET.get("error") or "no code"
            message = f"{label} did not authorize the connection ({description[:200]}). Nothing was connected."
        raise ImmediateHttpResponse(self._end(request, state, integration, message))

    @staticmethod
    def _end(request, state, integration, message):
        is_popup, return_url = popup.mode_from_state(state)
        return popup.result_response(request, integration, ok=False, message=message, popup=is_popup,
                                     return_url=return_url)

    def validate_disconnect(self, account: SocialAccount, accounts) -> None:
        # The Connection (tokens) and the account link go together: disconnect on the Connections page.
        integration = ScmIntegration.objects.filter(oauth_key=account.provider).first()
        if integration is not None:
            raise ValidationError(f"Disconnect {integration.spec.label} accounts on your organization's "
                                  "Connections page.")
