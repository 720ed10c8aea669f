from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, DEMO_USERS, OPERATOR_EMAIL, seed_tenancy


class Command(BaseCommand):
    help = "Create the demo organizations, people, runner and repository access (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--runner",
            action="store_true",
            help="also create the demo runner; prints JSON with a registration token if it must register",
        )
        parser.add_argument(
            "--new-token", action="store_true", help="with --runner: a registration token even if it is registered"
        )
        parser.add_argument(
            "--access",
            metavar="EMULATOR_URL",
            help="configure every provider with a demo OAuth app (Provider.demo_app) on the registered demo runner "
                 "against the emulator",
        )

    def handle(self, *args, **options) -> None:
        from integrations import demo

        if options["access"]:
            for integration in demo.seed_access(options["access"]):
                self.stdout.write(f"  {integration.spec.name}: {integration.host} (secret {integration.secret_state})")
            return
        seed_tenancy()
        if options["runner"]:
            runner, token = demo.seed_runner(new_token=options["new_token"])
            self.stdout.write(json.dumps({"runner_id": runner.pk, "registration_token": token}))
            return
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for email, *_rest, slug, role in DEMO_USERS:
            self.stdout.write(f"  {email:<22} {role:<6} of {slug}")
        self.stdout.write(f"  {OPERATOR_EMAIL:<22} operator (Django admin), with a two-factor code from "
                          "`.venv/bin/python manage.py demo_totp`")
        self.stdout.write(f"  password for all: {DEMO_PASSWORD}")
