"""Errors of the OAuth flow, raised by its views and read by the social account adapter."""

from __future__ import annotations

from allauth.socialaccount.providers.base import ProviderException


class ScmOAuthError(ProviderException):
    """Ends the flow with `message` shown in the popup and on the opener (allauth's error path)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
