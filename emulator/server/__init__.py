"""Bitbucket Server / Data Center: REST 1.0, OAuth 2.0 incoming link, HTTP access tokens, webhooks."""
