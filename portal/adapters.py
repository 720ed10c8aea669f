from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        # Honour ?next= (e.g. an invitation link) before the default home.
        return super().get_login_redirect_url(request) or reverse("home")
