"""The demo runner's Microsoft Entra app registration for Azure DevOps, registered in the emulator (`make demo`)."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.providers.protocol import DemoApp

CLIENT_ID, SECRET = "0d3f5c1e-demo-4acm-e0az-ure000000001", "demo~acme~azure~secret~0123456789"


def demo_app(emulator_url: str) -> DemoApp:
    def registration(callback_url: str, scopes: Sequence[str]) -> dict:
        return {"client_id": CLIENT_ID, "client_secret": SECRET, "name": "Acme portal (demo)",
                "redirect_uri": callback_url, "scopes": list(scopes)}

    # The Azure DevOps, profile and Entra URLs are settings, pointed at the emulator by the demo.
    return DemoApp(host="", client_id=CLIENT_ID, client_secret=SECRET, control_path="/_emulator/azure/oauth-apps",
                   registration=registration,
                   revoke_path="/_emulator/azure/tokens/revoke", options={"organization": "acme"})
