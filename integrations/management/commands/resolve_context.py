"""`manage.py resolve_context URL [URL ...]`: what the portal understands of each pasted URL, one JSON object
per line; exit status 1 when any URL was not understood."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from integrations.context.base import ContextUrlError
from integrations.context.known_hosts import known_hosts_list
from integrations.context.parsing import parse_context_url
from portal.models import Organization


class Command(BaseCommand):
    help = "Parse context URLs (repository, branch, tag, commit, pull request, issue, file) into JSON lines."

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="+", metavar="URL")
        parser.add_argument("--org", help="Only this organization's registered hosts (default: every org's).")

    def handle(self, *args, **options):
        org = None
        if options.get("org"):
            org = Organization.objects.filter(slug=options["org"]).first()  # --org needs the database
            if org is None:
                raise CommandError(f"No organization {options['org']!r}.")
        try:
            known = known_hosts_list(org=org)
        except DatabaseError as exc:
            # Parsing needs no database; only self-hosted hosts registered in the portal go unrecognised.
            self.stderr.write(f"Could not read the registered hosts ({type(exc).__name__}); parsing with the "
                              "providers' own hosts only.")
            known = []
        failed = False
        for url in options["urls"]:
            try:
                line = parse_context_url(url, known_hosts=known).as_dict()
            except ContextUrlError as exc:
                failed = True
                line = {"url": url, "error": exc.message}
            self.stdout.write(json.dumps(line))
        if failed:
            raise SystemExit(1)
