"""``kabinet demo``: the whole product in one command, on embedded SQLite, with demo data."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kabinet.core.lifecycle import DataFolderBusy, exclusive_data_folder, run_services
from kabinet.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_api_key, demo_loaded, load_demo


def serve_site_url(host: str, port: int) -> str:
    """The address the demo serves, made the site URL that links in emails, pushes and invitations use.

    ``KABINET_SITE_URL`` set by hand still wins (a demo behind a proxy). The variable is also exported so the
    job consumer, a separate process that sends the emails, builds the same links.
    """
    explicit = os.environ.get("KABINET_SITE_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    # A server listening on every interface is still reached on this machine through the loopback address.
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104  (not a binding)
    if ":" in shown:
        shown = f"[{shown}]"
    url = f"http://{shown}:{port}"
    settings.SITE_URL = url
    os.environ["KABINET_SITE_URL"] = url
    return url


class Command(BaseCommand):
    help = "Migrate, load the demo data once, and run the web server with the job consumer."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--data-dir", help="Folder for the database and files (also KABINET_DATA_DIR).")
        parser.add_argument("--no-jobs", action="store_true", help="Do not start the job consumer.")
        parser.add_argument(
            "--crm",
            choices=["bitrix24", "amocrm", "hubspot", "yclients"],
            help="Also start a local stand-in of this CRM, connected.",
        )
        parser.add_argument(
            "--crm-port", type=int, default=0, help="Port of the CRM stand-in (default: port + 1)."
        )

    def handle(self, *args, host: str, port: int, no_jobs: bool, **options):
        self.crm, self.crm_port = options.get("crm"), options.get("crm_port") or port + 1
        # One demo per data folder: a second one would add a second consumer on the same queue.
        try:
            with exclusive_data_folder(settings.DATA_DIR):
                self.serve(host=host, port=port, no_jobs=no_jobs)
        except DataFolderBusy as busy:
            raise CommandError(str(busy)) from None

    def serve(self, *, host: str, port: int, no_jobs: bool) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not demo_loaded():
            self.stdout.write("Loading demo data…")
            load_demo()
        url = serve_site_url(host, port)
        if self.crm:
            from kabinet.demo import crm as demo_crm

            crm_url, _connection, deals, tickets = demo_crm.start(
                self.crm, host=host, port=self.crm_port, kabinet_url=f"http://{host}:{port}"
            )
            if self.crm == "yclients":
                self.stdout.write(f"YCLIENTS stand-in: {crm_url}   records {', '.join(deals)} (Anna's first)")
                self.stdout.write(
                    f"  cancel Anna's booking in YCLIENTS: curl -X POST {crm_url}/stand-in/move/{deals[0]}/deleted"
                )
            else:
                stage = {"bitrix24": "WON", "amocrm": "142", "hubspot": "closedwon"}[self.crm]
                self.stdout.write(f"CRM stand-in ({self.crm}): {crm_url}   deals {', '.join(deals)}")
                self.stdout.write(
                    f"  move a deal in the CRM: curl -X POST {crm_url}/stand-in/move/{deals[0]}/{stage}"
                )
            for ticket in tickets:  # HubSpot: Anna's ticket; stage 4 is HubSpot's "Closed"
                self.stdout.write(
                    f"  close Anna's ticket in the CRM: curl -X POST {crm_url}/stand-in/move/{ticket}/4"
                )
                self.stdout.write(
                    f"  answer it as a HubSpot agent:   curl -X POST {crm_url}/stand-in/reply/{ticket} -d 'Text'"
                )
            if tickets:
                self.stdout.write(f"  HubSpot's tickets and notes:    curl {crm_url}/stand-in/tickets")
        self.stdout.write(self.style.SUCCESS(f"\nKabinet demo: {url}   (back office: {url}/admin/)"))
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")
        self.stdout.write(f"Every demo password: {DEMO_PASSWORD}")
        for email, who in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<28} {who}")
        self.stdout.write("Sign-in codes (the demo sends nothing out):")
        self.stdout.write(f"  by email: {settings.EMAIL_FILE_PATH}")
        self.stdout.write(
            f"  by SMS:   {settings.KABINET_SMS_FILE_PATH}   (Anna +7 916 123-45-67, Ivan +7 926 234-56-78)"
        )
        self.stdout.write("Staff set up an authenticator app (TOTP) at their first sign-in.")
        self.stdout.write(f"REST API: {url}/api/v1/docs   (docs/api.md)")
        self.stdout.write(f"  an integrator key for this run: {demo_api_key()}")
        self.stdout.write("")
        self.stdout.flush()
        # The server and the job consumer run in this one process (kabinet.core.lifecycle): SIGTERM, SIGINT
        # and SIGHUP stop both, and a SIGKILL leaves nothing behind.
        status = run_services(host=host, port=port, jobs=not no_jobs)
        if status:
            raise CommandError("The web server stopped (is the port already in use?).", returncode=status)
