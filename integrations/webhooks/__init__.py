"""Webhook receiving: signature checks (and, later, the receiver views and deliveries)."""
