"""Context URLs: what users paste into "New environment". `base` holds the result type and the shared
pieces, each provider package its parser (`providers/<id>/context.py`), `parsing` the dispatch,
`resolution` the API look-ups (default branch, branch or tag, pull request source)."""
