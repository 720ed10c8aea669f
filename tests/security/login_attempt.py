"""Run as a separate process: one sign-in attempt through allauth with the given email and password,
against the database and cache named by the environment. Prints the outcome as JSON."""

from __future__ import annotations

import json
import os
import sys


def main(email: str, password: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="localhost")  # an ALLOWED_HOSTS name outside pytest
    response = client.post("/accounts/login/", {"login": email, "password": password})
    print(json.dumps({"status": response.status_code, "signed_in": "_auth_user_id" in client.session,
                      "too_many": "Too many failed login attempts" in response.content.decode()}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
