"""The runner agent: a small process beside the runner. It imports nothing from Django or the portal."""

AGENT_VERSION = "0.2.0"
