"""The demo operator's current two-factor code (staff must sign in with one). Demo only."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import demo_totp_code


class Command(BaseCommand):
    help = "Print the current authenticator code of the demo operator (ops@portal.example)."

    def handle(self, *args, **options) -> None:
        if settings.PORTAL_ENV == "production":
            raise CommandError("The demo operator's authenticator exists only in the demo.")
        self.stdout.write(demo_totp_code())
