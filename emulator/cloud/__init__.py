"""Bitbucket Cloud: OAuth 2.0 under /site/oauth2, REST 2.0 under /2.0, webhook deliveries."""
