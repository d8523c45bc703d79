"""``kabinet seed --clients N --orders-per-client M [--papers] [--heavy H --heavy-size S]``: bulk synthetic data
for benchmarks."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max

from kabinet.crm.models import Contact
from kabinet.demo.seeding import CLIENTS_PER_COMPANY, seed
from kabinet.demo.seeding_activity import heavy_contacts, make_heavy, seed_activity
from kabinet.demo.seeding_papers import seed_papers


class Command(BaseCommand):
    help = "Add N synthetic clients (4 per company) with M orders each, for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, required=True)
        parser.add_argument("--orders-per-client", type=int, default=10)
        parser.add_argument("--batch", type=int, default=2000, help="Clients per transaction.")
        parser.add_argument(
            "--papers",
            action="store_true",
            help="Also give each new client documents, invoices, a history entry per object, tickets, a chat "
            "conversation, notifications and files.",
        )
        parser.add_argument(
            "--heavy",
            type=int,
            default=0,
            help="Make this many of the new clients heavy (the first member of each of the first companies).",
        )
        parser.add_argument(
            "--heavy-size",
            type=int,
            default=10_000,
            help="Orders, documents, invoices, tickets, chat messages, notifications and files of a heavy client.",
        )

    def handle(
        self, *args, clients: int, orders_per_client: int, batch: int, heavy: int, heavy_size: int, **options
    ):
        if clients < 1 or orders_per_client < 0 or batch < 1:
            raise CommandError("--clients and --batch must be positive, --orders-per-client not negative")
        if heavy < 0 or heavy_size < 1 or heavy * CLIENTS_PER_COMPANY > clients:
            raise CommandError(
                "--heavy needs a company of its own for each heavy client, and --heavy-size > 0"
            )
        started = time.monotonic()

        def progress(done: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {done}/{clients} clients ({elapsed:.0f} s)")

        after_contact_id = Contact.objects.aggregate(last=Max("pk"))["last"] or 0
        result = seed(
            clients=clients,
            orders_per_client=orders_per_client,
            batch_clients=batch,
            progress=progress if options["verbosity"] > 0 else None,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.clients} clients, {result.companies} companies, {result.orders} orders "
                f"in {time.monotonic() - started:.1f} s"
            )
        )
        if options["papers"]:
            papers = seed_papers(
                after_contact_id=after_contact_id,
                batch_contacts=batch,
                progress=progress if options["verbosity"] > 0 else None,
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {papers.documents} documents, {papers.invoices} invoices, {papers.history} history "
                    f"entries in {time.monotonic() - started:.1f} s"
                )
            )
            activity = seed_activity(
                after_contact_id=after_contact_id,
                batch_contacts=batch,
                progress=progress if options["verbosity"] > 0 else None,
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {activity.tickets} tickets, {activity.messages} chat messages, "
                    f"{activity.notifications} notifications, {activity.files} files "
                    f"in {time.monotonic() - started:.1f} s"
                )
            )
        if heavy:
            chosen = heavy_contacts(after_contact_id=after_contact_id, count=heavy)
            rows = make_heavy(contact_ids=chosen, size=heavy_size)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Made {len(chosen)} heavy clients ({rows} rows) in {time.monotonic() - started:.1f} s"
                )
            )
        # Fresh statistics for the planner after a bulk load (SQLite's advice: PRAGMA optimize after big
        # changes; PostgreSQL's autovacuum would get there later).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize" if connection.vendor == "sqlite" else "ANALYZE")
