"""``kabinet rotate_credentials``: re-encrypt the stored provider settings under the current secret key."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kabinet.integrations.actions import rotate_credentials


class Command(BaseCommand):
    help = (
        "Re-encrypt every provider's stored settings under KABINET_SECRET_KEY (run after moving the old key "
        "into KABINET_SECRET_KEY_FALLBACKS; then drop the old key)."
    )

    def handle(self, *args, **options):
        count = rotate_credentials(actor=None)
        self.stdout.write(f"re-encrypted the settings of {count} provider(s)")
