"""allauth glue: one OAuth sub-provider per ScmIntegration, the code exchange through the runner agent.

The SocialApp of each integration is built in memory (`social.ScmSocialAccountAdapter.list_apps`);
its `provider_id` is the integration's `oauth_key`, which names it in the login and callback URLs
(`/accounts/scm/<oauth_key>/login/` and `.../login/callback/`), as allauth's openid_connect does.
"""
