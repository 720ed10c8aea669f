from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.models import ApiToken
from portal.services import hash_token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer pat_...` with a personal API token."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, value = header.partition(" ")
        if scheme != self.keyword or not value.startswith(ApiToken.PREFIX):
            return None
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(value.strip()), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        now = timezone.now()
        # Write at most once a minute: a busy token must not turn every read into a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.ApiTokenAuthentication"
    name = "personalApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (pat_...)."}
