from django.core.management.base import BaseCommand

from kabinet.demo.data import demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load the demo companies, clients, orders, tickets, documents, invoices and files (once)."

    def handle(self, *args, **options):
        if demo_loaded():
            self.stdout.write("Demo data is already loaded.")
            return
        load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
