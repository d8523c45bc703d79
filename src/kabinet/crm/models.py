"""The CRM core: companies, contacts, memberships, pipelines with stages, orders, and the client timeline."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.core.viewer import ROLE_ADMIN, ROLE_MEMBER
from kabinet.crm import validators as v


class Country(models.TextChoices):
    RU = "RU", _("Russia")
    PL = "PL", _("Poland")
    OTHER_EU = "EU", _("Other EU country")
    OTHER = "XX", _("Other country")


class Company(PublicModel):
    """A legal entity (or sole proprietor) the business works with."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    legal_name = models.CharField(_("full legal name"), max_length=300, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.RU)
    inn = models.CharField(_("INN"), max_length=12, blank=True, db_index=True, validators=[v.validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[v.validate_kpp])
    ogrn = models.CharField(_("OGRN / OGRNIP"), max_length=15, blank=True, validators=[v.validate_ogrn])
    nip = models.CharField(_("NIP"), max_length=13, blank=True, db_index=True, validators=[v.validate_nip])
    regon = models.CharField(_("REGON"), max_length=14, blank=True, validators=[v.validate_regon])
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, validators=[v.validate_vat])
    legal_address = models.TextField(_("legal address"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[v.validate_phone])
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_companies",
        limit_choices_to={"is_staff": True},
    )

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.phone:
            try:
                self.phone = v.normalize_phone(self.phone)
            except ValidationError as error:
                raise ValidationError({"phone": error.messages}) from error
        for field in ("inn", "kpp", "ogrn", "nip", "regon"):
            setattr(self, field, getattr(self, field).replace(" ", "").upper())
        self.vat_number = self.vat_number.replace(" ", "").upper()
        if self.kpp and len(self.inn) != 10:
            raise ValidationError({"kpp": _("KPP is only issued to organisations with a 10-digit INN.")})


class BankAccount(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="bank_accounts", verbose_name=_("company")
    )
    bank_name = models.CharField(_("bank"), max_length=200)
    bik = models.CharField(_("BIK"), max_length=9, blank=True, validators=[v.validate_ru_bik])
    account_number = models.CharField(
        _("settlement account"), max_length=20, blank=True, validators=[v.validate_ru_account]
    )
    correspondent_account = models.CharField(
        _("correspondent account"), max_length=20, blank=True, validators=[v.validate_ru_account]
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[v.validate_iban])
    swift = models.CharField(_("SWIFT/BIC"), max_length=11, blank=True, validators=[v.validate_swift])
    is_primary = models.BooleanField(_("primary"), default=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number or self.iban}"

    def clean(self) -> None:
        super().clean()
        self.iban = self.iban.replace(" ", "").upper()
        errors = {}
        if self.account_number and self.bik and not v.ru_account_matches_bik(self.account_number, self.bik):
            errors["account_number"] = _("The account number does not match the bank's BIK (control key).")
        if (
            self.correspondent_account
            and self.bik
            and not v.ru_account_matches_bik(self.correspondent_account, self.bik, correspondent=True)
        ):
            errors["correspondent_account"] = _(
                "The correspondent account does not match the bank's BIK (control key)."
            )
        if self.account_number and not self.bik:
            errors["bik"] = _("Enter the bank's BIK for this account.")
        if errors:
            raise ValidationError(errors)


class Contact(PublicModel):
    """A person the business deals with; signs in to the portal through ``user``."""

    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True, db_index=True)
    position = models.CharField(_("job title"), max_length=150, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_contacts",
        limit_choices_to={"is_staff": True},
    )
    delivery_address = models.TextField(_("delivery address"), blank=True)
    companies = models.ManyToManyField(
        Company, through="Membership", related_name="contacts", verbose_name=_("companies")
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class ContactEmail(models.Model):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="emails", verbose_name=_("contact")
    )
    email = models.EmailField(_("email"), db_index=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [models.UniqueConstraint(fields=["contact", "email"], name="crm_contact_email_unique")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = (self.email or "").strip().lower()


class ContactPhone(models.Model):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="phones", verbose_name=_("contact")
    )
    phone = models.CharField(
        _("phone"),
        max_length=16,
        db_index=True,
        validators=[v.validate_phone],
        help_text=_("Stored in international format, e.g. +79161234567."),
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [models.UniqueConstraint(fields=["contact", "phone"], name="crm_contact_phone_unique")]

    def __str__(self) -> str:
        return v.format_phone(self.phone)

    def clean(self) -> None:
        super().clean()
        if self.phone:
            self.phone = v.normalize_phone(self.phone)


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = ROLE_MEMBER, _("member")
        ADMIN = ROLE_ADMIN, _("company admin")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("contact")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("company membership")
        verbose_name_plural = _("company memberships")
        constraints = [models.UniqueConstraint(fields=["contact", "company"], name="crm_membership_unique")]

    def __str__(self) -> str:
        return f"{self.contact} — {self.company} ({self.get_role_display()})"


class Pipeline(models.Model):
    class Kind(models.TextChoices):
        ORDER = "order", _("orders")
        TICKET = "ticket", _("tickets")

    name = models.CharField(_("internal name"), max_length=100)
    client_name = models.CharField(_("name shown to clients"), max_length=100, blank=True)
    kind = models.CharField(
        _("used for"), max_length=10, choices=Kind.choices, default=Kind.ORDER, db_index=True
    )
    is_default = models.BooleanField(_("default"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["kind", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("open")
        WON = "won", _("won")
        LOST = "lost", _("lost")
        CLOSED = "closed", _("closed")

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline")
    )
    name = models.CharField(_("internal name"), max_length=100)
    client_name = models.CharField(_("name shown to clients"), max_length=100)
    client_description = models.TextField(
        _("explanation for clients"),
        blank=True,
        help_text=_("In plain words: what is happening now and what comes next."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    color = models.CharField(
        _("colour"), max_length=7, default="#6b7280", help_text=_("A CSS colour such as #2563eb.")
    )
    # An offer or an estimate waits for the client: the portal shows "Confirm" and "Decline", which move the
    # order to the stages below.
    asks_client = models.BooleanField(
        _("asks the client to confirm or decline"),
        default=False,
        help_text=_("The client sees Confirm and Decline buttons while the order is at this stage."),
    )
    # "Only what matters": a client hears about a stage that needs him (asks_client), a final one, or one
    # staff promised to report (ready, shipped); the steps in between are in the order's history only.
    notify_client = models.BooleanField(
        _("tell the client when an order reaches it"),
        default=False,
        help_text=_(
            "Stages that ask the client to decide and the final stages always tell him. Tick the stages you "
            "promised to report, such as “ready” or “shipped”."
        ),
    )
    confirm_stage = models.ForeignKey(
        "self",
        verbose_name=_("stage after the client confirms"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decline_stage = models.ForeignKey(
        "self",
        verbose_name=_("stage after the client declines"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.kind == self.Kind.OPEN

    @property
    def tells_client(self) -> bool:
        """Whether reaching this stage sends the client a notice (the history records every stage anyway)."""
        return self.asks_client or self.notify_client or not self.is_open

    def clean(self) -> None:
        super().clean()
        errors = {}
        for name in ("confirm_stage", "decline_stage"):
            target = getattr(self, name)
            if target is not None and (target.pipeline_id != self.pipeline_id or target.pk == self.pk):
                errors[name] = _("Choose another stage of the same pipeline.")
        if self.asks_client and not (self.confirm_stage_id and self.decline_stage_id):
            errors["asks_client"] = _(
                "Choose the stages the order moves to when the client confirms or declines."
            )
        if errors:
            raise ValidationError(errors)


class Order(PublicModel):
    """An order, deal, request or project — what the client follows stage by stage."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_orders",
        limit_choices_to={"is_staff": True},
    )
    pipeline = models.ForeignKey(
        Pipeline,
        verbose_name=_("pipeline"),
        on_delete=models.PROTECT,
        related_name="orders",
        limit_choices_to={"kind": Pipeline.Kind.ORDER},
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="orders")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    stage_changed_at = models.DateTimeField(_("stage changed"), null=True, blank=True)
    due_date = models.DateField(_("planned completion"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Taken out of the cabinet (a CRM stage the business hides, after the order was shown): every client read
    # (the one selector, history, notices) leaves it out until it is shown again; staff still see it.
    hidden = models.BooleanField(_("hidden from the client"), default=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            # One index per shape of the client scope (company admin; member; private person).
            models.Index(fields=["company", "created_at", "id"], name="crm_order_company_recent"),
            models.Index(fields=["company", "contact", "created_at", "id"], name="crm_order_member_recent"),
            models.Index(fields=["contact", "created_at", "id"], name="crm_order_contact_recent"),
            models.Index(fields=["stage"], name="crm_order_stage"),
            # The status filter of the order list, for the largest scope (a company admin's).
            models.Index(fields=["company", "stage", "created_at", "id"], name="crm_order_company_stage"),
            # The few hidden orders, read as a subquery by the history and the notices (partial: tiny).
            models.Index(fields=["public_id"], condition=models.Q(hidden=True), name="crm_order_hidden"),
        ]

    def __str__(self) -> str:
        return f"№{self.number} {self.title}"

    def clean(self) -> None:
        super().clean()
        if self.stage_id and self.pipeline_id and self.stage.pipeline_id != self.pipeline_id:
            raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
        if (
            self.contact_id
            and self.company_id
            and not Membership.objects.filter(contact_id=self.contact_id, company_id=self.company_id).exists()
        ):
            raise ValidationError({"contact": _("This contact is not a member of the chosen company.")})
        if not self.contact_id and not self.company_id:
            raise ValidationError(_("An order needs a company or a contact."))


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("item"), max_length=250)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=Decimal("1"))
    unit = models.CharField(
        _("unit"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("Empty: pieces, in the reader's language."),
    )
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["order", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.price).quantize(Decimal("0.01"))


VISIBLE_TO_CLIENTS = models.Q(client_visible=True)


class TimelineEntry(PublicModel):
    """An append-only line in a client's history: what happened to one of his objects, and who did it.

    ``client_visible`` separates what the client sees from internal entries (notes, staff-only changes).
    The text is rendered from ``event`` and ``data`` in the reader's language (see ``crm.timeline``).
    """

    class Kind(models.TextChoices):
        ORDER = "order", _("orders")
        TICKET = "ticket", _("tickets")
        DOCUMENT = "document", _("documents")
        INVOICE = "invoice", _("invoices")
        PAYMENT = "payment", _("payments")
        MESSAGE = "message", _("messages")
        FILE = "file", _("files")
        CALL = "call", _("calls")
        BOOKING = "booking", _("bookings")
        ACCOUNT = "account", _("account")

    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    event = models.CharField(_("event"), max_length=60)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_public_id = models.CharField(max_length=22, blank=True)
    client_visible = models.BooleanField(_("visible to the client"), default=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["-created_at", "-id"]
        indexes = [
            # What clients read is only the visible entries: partial indexes on them. (A bare boolean term,
            # which is how Django writes ``client_visible=True``, is not an equality SQLite can seek on, so
            # an index with the flag among its columns made every history page sort all of a client's rows.)
            models.Index(
                fields=["company", "created_at", "id"],
                name="crm_tl_company_recent",
                condition=VISIBLE_TO_CLIENTS,
            ),
            models.Index(
                fields=["company", "contact", "created_at", "id"],
                name="crm_tl_member_recent",
                condition=VISIBLE_TO_CLIENTS,
            ),
            models.Index(
                fields=["contact", "created_at", "id"],
                name="crm_tl_contact_recent",
                condition=VISIBLE_TO_CLIENTS,
            ),
            models.Index(fields=["subject_type", "subject_id"], name="crm_tl_subject"),
            # The kind filter of the history page, one per scope shape.
            models.Index(
                fields=["company", "kind", "created_at", "id"],
                name="crm_tl_company_kind",
                condition=VISIBLE_TO_CLIENTS,
            ),
            models.Index(
                fields=["company", "contact", "kind", "created_at", "id"],
                name="crm_tl_member_kind",
                condition=VISIBLE_TO_CLIENTS,
            ),
            models.Index(
                fields=["contact", "kind", "created_at", "id"],
                name="crm_tl_contact_kind",
                condition=VISIBLE_TO_CLIENTS,
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        from kabinet.crm.timeline import render_entry

        return render_entry(self)
