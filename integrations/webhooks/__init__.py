"""Webhook receiving: signature checks, the normalized events, the per-provider parsers' registry and
the receiver view. The payload modules live with their providers (providers/<id>/webhooks.py)."""
