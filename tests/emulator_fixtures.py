"""Placeholder: the emulator helper writes the real fixtures here."""
