"""Sign-in now requires a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory", for enumeration
prevention). Accounts made before that never had to confirm theirs: they keep signing in, so their
addresses are recorded as verified, once."""

from django.db import migrations


def mark_existing_addresses_verified(apps, schema_editor):
    User = apps.get_model("portal", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.exclude(email="").only("pk", "email").iterator():
        email = user.email.lower()
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is not None:
            if not address.verified:
                EmailAddress.objects.filter(pk=address.pk).update(verified=True)
            continue
        if EmailAddress.objects.filter(email__iexact=email, verified=True).exists():
            continue  # another account proved this address: leave it to them
        primary = not EmailAddress.objects.filter(user=user, primary=True).exists()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=primary)


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0002_organization_require_mfa"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(mark_existing_addresses_verified, migrations.RunPython.noop),
    ]
