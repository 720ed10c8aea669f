"""The demo runner's GitHub OAuth app, registered in the emulator's GitHub (Enterprise-shaped, `make demo`)."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.providers.protocol import DemoApp

CLIENT_ID, SECRET = "Iv1.demoacmegithub01", "demo-acme-github-secret-0123456789"


def demo_app(emulator_url: str) -> DemoApp:
    def registration(callback_url: str, scopes: Sequence[str]) -> dict:
        return {"client_id": CLIENT_ID, "client_secret": SECRET, "name": "Acme portal (demo)",
                "redirect_uri": callback_url, "scopes": list(scopes)}

    return DemoApp(host=f"{emulator_url.rstrip('/')}/github", client_id=CLIENT_ID, client_secret=SECRET,
                   control_path="/_emulator/github/oauth-apps", registration=registration,
                   revoke_path="/_emulator/github/tokens/revoke")
