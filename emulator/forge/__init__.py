"""What the GitHub, GitLab and Azure DevOps flavours share: users, OAuth apps, tokens (OAuth and pasted),
refresh tokens, repositories, their control routes, and the OAuth consent and token endpoints.

Each flavour keeps its own wire formats (emulator/github/, emulator/gitlab/, emulator/azure/); this is
only their common bookkeeping, the way oauth_common.py is for the Bitbucket flavours.
"""
