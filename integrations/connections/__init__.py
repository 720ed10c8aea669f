"""A user's accounts on an integration (Connection): OAuth through the runner agent, refresh, verify."""
