"""The allauth glue is its own installed app: its ready() connects the receivers, and allauth's registry
finds the `scm` provider class through the app's `provider` module."""

from __future__ import annotations

from allauth.socialaccount import providers
from allauth.socialaccount.signals import social_account_added, social_account_updated
from django.apps import apps

from integrations.oauth import receivers
from integrations.oauth.provider import PROVIDER_ID, ScmOAuthProvider


def test_the_receivers_are_connected_when_the_app_is_ready():
    assert apps.get_app_config("integrations_oauth").name == "integrations.oauth"
    for signal, receiver in ((social_account_added, receivers.on_social_account_added),
                             (social_account_updated, receivers.on_social_account_updated)):
        # disconnect() says whether the receiver was connected; put it back at once.
        assert signal.disconnect(receiver) is True
        signal.connect(receiver)


def test_allauth_finds_the_scm_provider_class_and_its_urls():
    assert providers.registry.get_class(PROVIDER_ID) is ScmOAuthProvider
    assert ScmOAuthProvider.get_package() == "integrations.oauth"
