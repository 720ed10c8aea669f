"""Page-number pagination that refuses what is not a page number (`?page=`, `?page=abc`) with a 400 naming
the parameter, instead of quietly serving page 1."""

from __future__ import annotations

import re

from rest_framework.pagination import PageNumberPagination

from portal.errors import ValidationFailed

_PAGE = re.compile(r"^[1-9][0-9]{0,8}$")
MESSAGE = "Enter a page number: a whole number from 1."


class PagePagination(PageNumberPagination):
    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings or _PAGE.match(raw):
            return raw
        raise ValidationFailed(f"{self.page_query_param}: {MESSAGE}", fields={self.page_query_param: [MESSAGE]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 999999999}
        return parameters
