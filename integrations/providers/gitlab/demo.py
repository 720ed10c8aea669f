"""The demo runner's GitLab OAuth application, registered in the emulator's GitLab (`make demo`)."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.providers.protocol import DemoApp

CLIENT_ID, SECRET = "demo-acme-gitlab-application", "gloas-demo-acme-gitlab-secret-0123456789"


def demo_app(emulator_url: str) -> DemoApp:
    def registration(callback_url: str, scopes: Sequence[str]) -> dict:
        return {"client_id": CLIENT_ID, "client_secret": SECRET, "name": "Acme portal (demo)",
                "redirect_uri": callback_url, "scopes": list(scopes)}

    return DemoApp(host=f"{emulator_url.rstrip('/')}/gitlab", client_id=CLIENT_ID, client_secret=SECRET,
                   control_path="/_emulator/gitlab/oauth-apps", registration=registration,
                   revoke_path="/_emulator/gitlab/tokens/revoke")
