"""What error reports (Django's debug page, error emails) may show."""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter


class PortalExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter stands aside when DEBUG is on ("the site is not safe anyway"), so the debug page
    showed a pasted client secret in its POST table and in the frames' variables. Here
    `sensitive_post_parameters` and `sensitive_variables` hold whatever DEBUG says, and request headers
    that carry credentials (Authorization) are starred out with the settings that do."""

    hidden_settings = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|CREDENTIAL|HTTP_COOKIE", flags=re.I)

    def is_active(self, request) -> bool:
        return True
