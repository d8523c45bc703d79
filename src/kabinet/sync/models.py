"""The CRM sync engine's rows: connections with their mapping, the link table, runs, the review list and the
write-back outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core import crypto
from kabinet.core.public_ids import PublicModel


class Connection(PublicModel):
    """One CRM account Kabinet syncs with: the provider, its settings (encrypted), the cursor and the health.

    ``cursor`` is the vendor's modification time the next incremental pull starts from; ``checkpoint`` is the
    page a pull in progress reached (``{"since": …, "page": …}``), saved after every page so an import killed
    midway resumes there instead of starting over.
    """

    class Status(models.TextChoices):
        NEW = "new", _("not synced yet")
        OK = "ok", _("working")
        FAILING = "failing", _("failing, will retry")
        STOPPED = "stopped", _("stopped: fix the credentials")

    name = models.CharField(_("name"), max_length=100)
    provider = models.CharField(_("CRM"), max_length=40)
    credentials = models.TextField(_("settings (encrypted)"), blank=True, editable=False)
    is_active = models.BooleanField(_("sync on"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    cursor = models.DateTimeField(_("synced up to"), null=True, blank=True)
    # The CRM's tickets (HubSpot) have their own modification times and pulls: their own cursor.
    ticket_cursor = models.DateTimeField(_("tickets synced up to"), null=True, blank=True)
    invoice_cursor = models.DateTimeField(_("invoices synced up to"), null=True, blank=True)
    checkpoint = models.JSONField(_("import checkpoint"), default=dict, blank=True, editable=False)
    # A booking system's (YCLIENTS) records: a cursor per branch and the page a pull in progress reached
    # (``{"cursors": {branch id: time}, "resume": {"branch": id, "page": …, "newest": time}}``).
    booking_sync = models.JSONField(_("bookings sync state"), default=dict, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last successful pull"), null=True, blank=True)
    last_error = models.TextField(_("last error (the CRM's words)"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next try after"), null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    custom_fields = models.JSONField(
        _("custom fields shown to clients"),
        default=dict,
        blank=True,
        help_text=_(
            'The CRM field code and the label clients read, e.g. {"UF_CRM_DELIVERY": "Delivery"}; or label per '
            'language and type (text, number, date, money, list), e.g. {"UF_CRM_READY": {"label": {"en": '
            '"Ready by", "pl": "Gotowe do"}, "type": "date"}} (docs/crm.md).'
        ),
    )
    document_fields = models.JSONField(
        _("deal fields holding documents"),
        default=list,
        blank=True,
        help_text=_(
            "Codes of the deal's file fields whose files become the order's documents, e.g. [\"UF_CRM_DOCS\"]."
        ),
    )
    phone_sign_in = models.BooleanField(
        _("sign-in by the phone on the deal"),
        default=False,
        help_text=_(
            "A person whose phone is on a contact synced from this CRM signs in with an SMS code without an "
            "invitation: his account is made at his first sign-in and joined to that contact."
        ),
    )
    managers = models.JSONField(
        _("responsible users"),
        default=dict,
        blank=True,
        help_text=_(
            'The CRM user id and the staff email of the Kabinet manager, e.g. {"37": "anna@firm.test"}.'
        ),
    )
    inbox_source = models.OneToOneField(
        "webhooks.InboxSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="crm_connection",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("CRM connection")
        verbose_name_plural = _("CRM connections")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def config(self) -> dict[str, str]:
        return crypto.decrypt_json(self.credentials) if self.credentials else {}

    def set_config(self, config: dict[str, str]) -> None:
        self.credentials = crypto.encrypt_json(config) if config else ""


class PipelineMap(models.Model):
    """Whether one CRM pipeline becomes Kabinet orders, and in which Kabinet pipeline."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="pipeline_maps")
    crm_id = models.CharField(_("CRM pipeline id"), max_length=64)
    crm_name = models.CharField(_("CRM pipeline"), max_length=200, blank=True)
    pipeline = models.ForeignKey(
        "crm.Pipeline",
        verbose_name=_("Kabinet pipeline"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Empty: deals of this CRM pipeline are not imported."),
        limit_choices_to={"kind": "order"},
    )

    class Meta:
        verbose_name = _("pipeline mapping")
        verbose_name_plural = _("pipeline mappings")
        ordering = ["connection", "crm_name", "id"]
        constraints = [models.UniqueConstraint(fields=["connection", "crm_id"], name="sync_pipeline_once")]

    def __str__(self) -> str:
        return self.crm_name or self.crm_id


class StageMap(models.Model):
    """One CRM stage → the Kabinet stage clients see (its client name and explanation); several CRM stages may
    share one Kabinet stage. ``hides``: a deal at this stage is not shown to the client."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="stage_maps")
    crm_pipeline_id = models.CharField(_("CRM pipeline id"), max_length=64)
    crm_id = models.CharField(_("CRM stage id"), max_length=64)
    crm_name = models.CharField(_("CRM stage"), max_length=200, blank=True)
    semantics = models.CharField(max_length=10, blank=True, editable=False)
    stage = models.ForeignKey(
        "crm.Stage", verbose_name=_("Kabinet stage"), null=True, blank=True, on_delete=models.SET_NULL
    )
    hides = models.BooleanField(_("hides the order"), default=False)
    marks_paid = models.BooleanField(
        _("the paid stage"),
        default=False,
        help_text=_("Invoices (CRM pipeline invoice:…): an invoice reaching this stage is paid in Kabinet."),
    )

    class Meta:
        verbose_name = _("stage mapping")
        verbose_name_plural = _("stage mappings")
        ordering = ["connection", "crm_pipeline_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "crm_pipeline_id", "crm_id"], name="sync_stage_once"
            )
        ]

    def __str__(self) -> str:
        return self.crm_name or self.crm_id


class Link(models.Model):
    """A CRM id ↔ the Kabinet row it became. ``digest`` is the hash of what was last applied: a pull that
    reads the same deal again (an echo of Kabinet's own comment, a repeated page) changes nothing."""

    class Kind(models.TextChoices):
        DEAL = "deal", _("deal")
        CONTACT = "contact", _("contact")
        COMPANY = "company", _("company")
        TICKET = "ticket", _("ticket")
        # An answer of the CRM's staff on a ticket (a HubSpot note or email) → the Kabinet ticket message.
        MESSAGE = "message", _("ticket reply")
        BRANCH = "branch", _("branch")
        SERVICE = "service", _("service")
        SPECIALIST = "specialist", _("specialist")
        RECORD = "record", _("booking")
        INVOICE = "invoice", _("invoice")
        DOCUMENT = "document", _("document")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    crm_id = models.CharField(_("CRM id"), max_length=64)
    object_id = models.BigIntegerField(_("Kabinet id"))
    digest = models.CharField(max_length=64, blank=True)
    deleted_in_crm = models.BooleanField(_("deleted in the CRM"), default=False)
    synced_at = models.DateTimeField(_("synced"), auto_now=True)

    class Meta:
        verbose_name = _("synced object")
        verbose_name_plural = _("synced objects")
        ordering = ["connection", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind", "crm_id"], name="sync_link_once"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="sync_link_object")]

    def __str__(self) -> str:
        return f"{self.kind} {self.crm_id} → {self.object_id}"


class Run(models.Model):
    """One pull, as staff read it in the sync log."""

    class Kind(models.TextChoices):
        PULL = "pull", _("incremental pull")
        FULL = "full", _("full resync")
        OBJECT = "object", _("one deal")
        WEBHOOK = "webhook", _("CRM event")
        TICKETS = "tickets", _("tickets pull")
        BOOKINGS = "bookings", _("bookings pull")
        INVOICES = "invoices", _("invoices pull")

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        OK = "ok", _("done")
        FAILED = "failed", _("failed")
        STOPPED = "stopped", _("stopped")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    error = models.TextField(_("error (the CRM's words)"), blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync log")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connection", "-started_at"], name="sync_run_recent")]

    def __str__(self) -> str:
        return f"{self.connection} {self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class Conflict(models.Model):
    """Something the engine would not decide alone (two Kabinet contacts with the CRM contact's verified
    phone, an unmapped stage): staff resolve it; the deal waits until then."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(_("type"), max_length=10, choices=Link.Kind.choices)
    crm_id = models.CharField(_("CRM id"), max_length=64)
    reason = models.CharField(_("reason"), max_length=300)
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync conflict")
        verbose_name_plural = _("sync review list")
        ordering = ["resolved_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "crm_id"],
                condition=models.Q(resolved_at__isnull=True),
                name="sync_conflict_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.crm_id}: {self.reason}"


class Push(models.Model):
    """A client's action on its way to the CRM as a timeline comment: written in the transaction of the action
    (the outbox), delivered by a job with retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will retry")
        DEAD = "dead", _("given up")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="pushes")
    entity = models.CharField(_("CRM object"), max_length=10)
    entity_id = models.CharField(_("CRM id"), max_length=64)
    text = models.TextField(_("comment"))
    timeline_entry = models.BigIntegerField(null=True, blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    remote_id = models.CharField(_("CRM entry id"), max_length=64, blank=True)
    last_error = models.TextField(_("error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next try"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("CRM write-back")
        verbose_name_plural = _("CRM write-backs")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "timeline_entry"], name="sync_push_once"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id}: {self.text[:40]}"
