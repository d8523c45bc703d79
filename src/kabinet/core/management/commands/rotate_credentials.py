"""``kabinet rotate_credentials``: re-encrypt every stored secret under the current secret key."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kabinet.core.crypto import rotate_everything


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (provider settings, webhook secrets...) under KABINET_SECRET_KEY; run "
        "after moving the old key into KABINET_SECRET_KEY_FALLBACKS, then drop the old key."
    )

    def handle(self, *args, **options):
        for name, count in rotate_everything(actor=None).items():
            self.stdout.write(f"re-encrypted {name}: {count}")
