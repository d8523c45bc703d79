"""Support tickets: pipelines with stages, properties, a conversation with internal notes, CC, ratings,
the portal settings staff edit in the back office, and the log of inbound email."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact, Pipeline, Stage


class TicketCategory(models.Model):
    """What a request is about ("Documents", "Delivery", "Billing"); clients choose it on the new-ticket form."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Shown to clients."))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("offered to clients"), default=True, help_text=_("Inactive categories stay on existing tickets.")
    )

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["position", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Ticket(PublicModel):
    class Priority(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        URGENT = "urgent", _("urgent")

    class Source(models.TextChoices):
        PORTAL = "portal", _("portal")
        EMAIL = "email", _("email")
        STAFF = "staff", _("staff")

    class Rating(models.IntegerChoices):
        BAD = 1, _("Not satisfied")
        OKAY = 2, _("Partly satisfied")
        GOOD = 3, _("Satisfied")

    number = models.CharField(_("number"), max_length=32, unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("submitted by"),
    )
    pipeline = models.ForeignKey(
        Pipeline,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("pipeline"),
        limit_choices_to={"kind": Pipeline.Kind.TICKET},
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("stage")
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.ForeignKey(
        TicketCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("category"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_tickets",
        verbose_name=_("owner"),
        limit_choices_to={"is_staff": True},
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    cc = models.ManyToManyField(
        Contact, through="TicketCC", related_name="cc_tickets", blank=True, verbose_name=_("CC")
    )
    # Only what the client may see moves this (replies, stage changes): an internal note must not show up
    # as "last activity" in the portal.
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    awaiting_agent = models.BooleanField(
        _("awaiting an agent"), default=True, help_text=_("The client wrote last and waits for an answer.")
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices, null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    # Changes every time the ticket is closed and when a rating link is used: a link from an old email
    # stops working, which makes each emailed rating link single-use.
    rating_nonce = models.CharField(max_length=22, blank=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "created_at", "id"], name="tickets_company_recent"),
            models.Index(fields=["company", "contact", "created_at", "id"], name="tickets_member_recent"),
            models.Index(fields=["contact", "created_at", "id"], name="tickets_contact_recent"),
            models.Index(fields=["stage"], name="tickets_stage"),
            # the portal's "recently active" sort and its open/closed filter, per scope shape
            models.Index(fields=["company", "last_activity_at", "id"], name="tickets_company_active"),
            models.Index(fields=["contact", "last_activity_at", "id"], name="tickets_contact_active"),
            models.Index(fields=["company", "closed_at"], name="tickets_company_closed"),
            models.Index(fields=["contact", "closed_at"], name="tickets_contact_closed"),
            # the staff queue: its filters (owner, open/closed, waiting) and its sort
            models.Index(fields=["owner", "closed_at", "last_activity_at"], name="tickets_owner_queue"),
            models.Index(fields=["closed_at", "awaiting_agent", "last_activity_at"], name="tickets_queue"),
            models.Index(fields=["pipeline", "closed_at"], name="tickets_pipeline_closed"),
            models.Index(fields=["priority", "closed_at"], name="tickets_priority_closed"),
            models.Index(fields=["category", "closed_at"], name="tickets_category_closed"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def clean(self) -> None:
        super().clean()
        if self.stage_id and self.pipeline_id and self.stage.pipeline_id != self.pipeline_id:
            raise ValidationError({"stage": _("This stage belongs to another pipeline.")})


class TicketCC(models.Model):
    """A contact copied on a ticket: he gets the agents' replies by email and sees the ticket in the portal."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="cc_links")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="ticket_cc_links", verbose_name=_("contact")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("CC contact")
        verbose_name_plural = _("CC contacts")
        constraints = [models.UniqueConstraint(fields=["ticket", "contact"], name="tickets_cc_unique")]
        indexes = [models.Index(fields=["contact", "ticket"], name="tickets_cc_contact")]

    def __str__(self) -> str:
        return str(self.contact)


class TicketMessage(PublicModel):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    author_contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("client author"),
        help_text=_("Set when a client wrote the message (in the portal or by email)."),
    )
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Internal notes are never shown to the client.")
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Ticket.Source.choices, default=Ticket.Source.PORTAL
    )

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["ticket", "created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "is_internal", "created_at", "id"], name="tickets_msg_thread")
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def from_client(self) -> bool:
        return self.author_contact_id is not None


class TicketSettings(models.Model):
    """How tickets appear in the portal (one row; HubSpot's "customer portal" settings and more)."""

    class Visibility(models.TextChoices):
        CONTACT = (
            "contact",
            _("Only the tickets of the client's own contact (company admins see the company's)"),
        )
        COMPANY = "company", _("Also every ticket of the client's company, with a “mine / my company” switch")

    class StatusDisplay(models.TextChoices):
        SIMPLE = "simple", _("Open or Closed")
        STAGES = "stages", _("The full stage name")

    label = models.CharField(
        _("label for tickets"),
        max_length=60,
        blank=True,
        help_text=_("What the portal calls tickets: “Requests”, “Cases”, “Заявки”. Empty: “Requests”."),
    )
    # Which tickets appear in the portal at all (empty = no restriction)
    pipelines = models.ManyToManyField(
        Pipeline,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Pipeline.Kind.TICKET},
        verbose_name=_("only these pipelines"),
        help_text=_("Only tickets of these pipelines appear in the portal. None chosen: all pipelines."),
    )
    categories = models.ManyToManyField(
        TicketCategory,
        blank=True,
        related_name="+",
        verbose_name=_("only these categories"),
        help_text=_("Only tickets of these categories appear in the portal. None chosen: all tickets."),
    )
    sources = models.JSONField(
        _("only these sources"),
        default=list,
        blank=True,
        help_text=_("Only tickets that came through these channels appear. None chosen: all channels."),
    )
    priorities = models.JSONField(
        _("only these priorities"),
        default=list,
        blank=True,
        help_text=_("Only tickets of these priorities appear. None chosen: all priorities."),
    )
    visibility = models.CharField(
        _("clients see"), max_length=10, choices=Visibility.choices, default=Visibility.CONTACT
    )
    clients_can_reply_to_closed = models.BooleanField(
        _("clients may reply to closed tickets"),
        default=True,
        help_text=_("A reply reopens the ticket in its pipeline's reopening stage."),
    )
    clients_can_close = models.BooleanField(
        _("clients may close tickets"),
        default=True,
        help_text=_("The ticket moves to its pipeline's closing stage (see the pipeline rules below)."),
    )
    status_display = models.CharField(
        _("status shown to clients"),
        max_length=10,
        choices=StatusDisplay.choices,
        default=StatusDisplay.SIMPLE,
    )
    portal_pipeline = models.ForeignKey(
        Pipeline,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": Pipeline.Kind.TICKET},
        verbose_name=_("pipeline for new tickets"),
        help_text=_(
            "Tickets opened in the portal or by email start here. Empty: the default ticket pipeline."
        ),
    )
    max_attachments = models.PositiveSmallIntegerField(
        _("attachments per message"),
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text=_("The size of each file is limited by KABINET_MAX_UPLOAD_BYTES."),
    )
    ratings_enabled = models.BooleanField(
        _("ask for a satisfaction rating"),
        default=True,
        help_text=_("After a ticket is solved, in the portal and in the email that says so."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ticket portal settings")
        verbose_name_plural = _("ticket portal settings")

    def __str__(self) -> str:
        return str(_("Ticket portal settings"))


class PipelineRule(models.Model):
    """Per ticket pipeline: the stage a client's "Close" moves to, and the stage a client's reply reopens to."""

    settings = models.ForeignKey(TicketSettings, on_delete=models.CASCADE, related_name="pipeline_rules")
    pipeline = models.OneToOneField(
        Pipeline,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": Pipeline.Kind.TICKET},
        verbose_name=_("pipeline"),
    )
    close_stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closing stage"),
        help_text=_("Empty: the pipeline's first closing stage."),
    )
    reopen_stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reopening stage"),
        help_text=_("Empty: the pipeline's first open stage."),
    )

    class Meta:
        verbose_name = _("pipeline rule")
        verbose_name_plural = _("pipeline rules")

    def __str__(self) -> str:
        return str(self.pipeline)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.close_stage_id and self.pipeline_id:
            if self.close_stage.pipeline_id != self.pipeline_id:
                errors["close_stage"] = _("This stage belongs to another pipeline.")
            elif self.close_stage.is_open:
                errors["close_stage"] = _("Choose a closing stage (not an open one).")
        if self.reopen_stage_id and self.pipeline_id:
            if self.reopen_stage.pipeline_id != self.pipeline_id:
                errors["reopen_stage"] = _("This stage belongs to another pipeline.")
            elif not self.reopen_stage.is_open:
                errors["reopen_stage"] = _("Choose an open stage.")
        if errors:
            raise ValidationError(errors)


class InboundMail(models.Model):
    """Every email the inbound handler saw, and what became of it (deduplicated by Message-ID)."""

    class Status(models.TextChoices):
        ADDED = "added", _("added to a ticket")
        CREATED = "created", _("opened a ticket")
        DUPLICATE = "duplicate", _("already processed")
        UNKNOWN_TICKET = "unknown_ticket", _("reply address not recognised")
        UNKNOWN_SENDER = "unknown_sender", _("sender not recognised")
        SENDER_MISMATCH = "sender_mismatch", _("sender does not match the ticket")
        CLOSED = "closed", _("ticket closed, replies not allowed")
        INVALID = "invalid", _("empty or too long")

    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True, db_index=True)
    sender = models.CharField(_("from"), max_length=250, blank=True)
    recipients = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(_("result"), max_length=20, choices=Status.choices)
    detail = models.TextField(_("details"), blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket")
    )

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound email")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class TicketEmail(models.Model):
    """One email of a ticket to one recipient: the outbox row its job leases before sending (tickets/outbox.py).

    Written in the transaction of the action that causes it; the job claims it (``sending`` with a lease,
    committed), sends, and records ``sent``. A worker killed mid-send leaves it ``sending`` with a lease that
    runs out, and the recovery sends it again; one already recorded is never sent twice.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", _("reply")
        SOLVED = "solved", _("solved")
        RECEIVED = "received", _("received")
        CLOSED_NOTICE = "closed_notice", _("closed ticket notice")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="emails", verbose_name=_("ticket")
    )
    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("message"),
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ticket email")
        verbose_name_plural = _("ticket emails")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "lease_until"], name="tickets_email_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.ticket_id} → {self.contact_id}"
