from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.crypto import decrypt_str, encrypt_str

# RFC 5321 4.5.3.1.1: a mailbox's local part is at most 64 octets. Longer ones pass Django's EmailValidator.
MAX_LOCAL_PART = 64


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        # Honour ?next= (e.g. an invitation link) before the default home.
        return super().get_login_redirect_url(request) or reverse("home")

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if len(email.split("@", 1)[0]) > MAX_LOCAL_PART:
            raise ValidationError(f"An email address has at most {MAX_LOCAL_PART} characters before the @.")
        return email


class MfaAdapter(DefaultMFAAdapter):
    """allauth keeps TOTP secrets and recovery-code seeds as given; here they are encrypted with the
    portal's key ring like every other secret it must read back (and rotated with it)."""

    def encrypt(self, text: str) -> str:
        return encrypt_str(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_str(encrypted_text)
