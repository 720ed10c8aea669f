"""Moved to runners.protocol.sealing (shared by the portal and the agent); this name stays for code in flight."""

from runners.protocol.sealing import *  # noqa: F403
