"""Projects: an org's repository on a runner, its webhook, and the deliveries it receives.

A Django app of its own (label `projects`) inside integrations; prebuilds will live beside projects.
"""
