"""Run as a script against a fresh SQLite database (the demo's engine): 40 concurrent invitations, each
thread with its own connection, like 40 requests to the demo server. Prints a JSON summary."""

from __future__ import annotations

import json
import os
import sys
import threading


def main(db_path: str, count: int = 40) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["PORTAL_ENV"] = "development"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from portal import services
    from portal.models import Invitation, User

    owner = User.objects.create_user(email="owner@sqlite.example", password="x" * 12)
    org = services.organization_create(user=owner, name="SQLite", slug="sqlite")
    connection.close()
    start = threading.Barrier(count)
    errors: list[str] = []

    def invite(n: int) -> None:
        from django.db import connection as own

        start.wait()
        try:
            services.invitation_create(org=org, actor=owner, email=f"person{n}@sqlite.example")
        except Exception as exc:  # noqa: BLE001 - the summary reports what went wrong
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            own.close()

    threads = [threading.Thread(target=invite, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"errors": errors, "invitations": Invitation.objects.count(),
                      "options": {k: str(v) for k, v in connection.settings_dict["OPTIONS"].items()}}))


if __name__ == "__main__":
    main(sys.argv[1])
