from __future__ import annotations

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from portal.services import personal_organization_create


@receiver(user_signed_up)
def give_new_user_a_personal_org(request, user, **kwargs) -> None:
    personal_organization_create(user=user)
