"""``kabinet fetch_ticket_mail``: handle the emails waiting in the support mailbox once."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from kabinet.tickets.tasks import process_mailbox


class Command(BaseCommand):
    help = "Add the emails waiting in the support mailbox to their tickets (KABINET_TICKETS_INBOUND_BACKEND)."

    def handle(self, *args, **options) -> None:
        results = process_mailbox()
        counts = Counter(result.status for result in results)
        summary = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items())) or "nothing"
        self.stdout.write(f"{len(results)} email(s) handled ({summary})")
