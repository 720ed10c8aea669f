"""allauth signals -> Connection. allauth stores no token (SOCIALACCOUNT_STORE_TOKENS is off); the
tokens go, encrypted, into the Connection, and a task verifies them at once."""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.signals import social_account_added, social_account_updated
from django.db import transaction
from django.dispatch import receiver

from integrations.connections.services import connection_save_oauth
from integrations.oauth import popup
from portal.errors import Conflict

logger = logging.getLogger(__name__)


def _save(request, sociallogin, *, added: bool) -> None:
    integration = getattr(getattr(sociallogin.provider, "app", None), "integration", None)
    identity = getattr(sociallogin, "scm_identity", None)
    if integration is None or identity is None or sociallogin.token is None:
        return  # another provider's login
    if not request.user.is_authenticated or sociallogin.user != request.user:
        # allauth sends "updated" before it checks whose account this is; the adapter refuses it next.
        return
    token = sociallogin.token
    try:
        connection = connection_save_oauth(
            integration=integration, user=request.user, identity=identity, access_token=token.token,
            refresh_token=token.token_secret or "", expires_at=token.expires_at, scopes=sociallogin.scm_scopes)
    except Conflict as exc:
        if added:  # the account link allauth just saved must not outlive the refusal
            sociallogin.account.delete()
        is_popup = popup.mode_from_state(sociallogin.state)[0]
        response = popup.result_response(request, integration, ok=False, message=exc.message, popup=is_popup)
        raise ImmediateHttpResponse(response) from None
    popup.record_result(request, integration.pk, ok=True, message=popup.connected_message(integration))

    from integrations.tasks import connection_verify_task

    # robust: a broker hiccup must not turn a finished connect into an error page.
    transaction.on_commit(lambda: connection_verify_task.delay(connection.pk), robust=True)


@receiver(social_account_added)
def on_social_account_added(sender, request, sociallogin, **kwargs) -> None:
    _save(request, sociallogin, added=True)


@receiver(social_account_updated)
def on_social_account_updated(sender, request, sociallogin, **kwargs) -> None:
    _save(request, sociallogin, added=False)
