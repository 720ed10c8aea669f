from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator

from portal.errors import ApplicationError


def report(request, exc: ApplicationError, form=None) -> None:
    """Show a service's refusal on the form (field errors) or as a message."""
    if form is not None and exc.fields:
        for name, errors in exc.fields.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        messages.error(request, exc.message)


def paginate(request, queryset, per_page: int = 50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
