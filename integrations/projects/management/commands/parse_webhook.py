"""`manage.py parse_webhook`: a delivery file -> the normalized event as one JSON object.

The same parser as the receiver. Useful to replay a payload captured from Bitbucket, or to check what
the portal would make of one, and whether its signature is right for a secret.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from integrations.webhooks.events import MalformedPayload
from integrations.webhooks.parsing import FORMATS, webhook_format
from integrations.webhooks.signatures import verify_hub_signature


class Command(BaseCommand):
    help = "Parse a Bitbucket webhook delivery (the raw body in FILE, - for stdin) and print the normalized event."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--provider", required=True, choices=sorted(FORMATS))
        parser.add_argument("--event", required=True, metavar="KEY", help="the X-Event-Key header, e.g. repo:push")
        parser.add_argument("--secret", help="the hook's secret, to check --signature")
        parser.add_argument("--signature", metavar="SIG", help="the X-Hub-Signature header (sha256=<hex>)")
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args, **options) -> None:
        body = self._read(options["file"])
        if options["signature"] is not None and not options["secret"]:
            raise CommandError("--signature needs --secret to be checked.")
        if options["signature"] is None:
            signature = "absent"
        else:
            valid = verify_hub_signature(options["secret"], body, options["signature"])
            signature = "valid" if valid else "invalid"
        try:
            event = webhook_format(options["provider"]).parse(options["event"], body)
        except MalformedPayload as exc:
            raise CommandError(f"malformed payload: {exc}") from None
        out = event.as_json()
        out["signature"] = signature
        self.stdout.write(json.dumps(out))

    @staticmethod
    def _read(name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        try:
            with open(name, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror}") from None
