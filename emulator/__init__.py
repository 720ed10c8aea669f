"""Bitbucket Cloud + Server / Data Center emulator.

A standalone process (``python -m emulator``) that speaks both APIs' wire formats over real
HTTP with in-memory state. It imports nothing from the portal; tests drive it through the
control API under ``/_emulator/`` (see README.md and :mod:`emulator.testing`).
"""
