"""Payments of invoices, the invoice ledger, and the payee's bank details (for transfers and their QR code)."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Invoice
from kabinet.core.public_ids import PublicModel
from kabinet.crm import validators as v
from kabinet.crm.models import Stage

ZERO = Decimal("0.00")


class Payment(PublicModel):
    """One attempt to pay (part of) an invoice, online through a provider or by bank transfer.

    Its status follows what the provider's API reports; only :mod:`kabinet.payments.actions` writes it.
    """

    class Status(models.TextChoices):
        CREATED = "created", _("created")
        PENDING = "pending", _("waiting for the payer")
        WAITING_FOR_CAPTURE = "waiting_for_capture", _("authorised, waiting for capture")
        SUCCEEDED = "succeeded", _("paid")
        CANCELED = "canceled", _("not paid")
        FAILED = "failed", _("could not start")
        REVIEW = "review", _("needs a check by staff")

    class Method(models.TextChoices):
        ONLINE = "online", _("online")
        BANK_CARD = "bank_card", _("bank card")
        SBP = "sbp", _("Faster Payments System (SBP)")
        BANK_TRANSFER = "bank_transfer", _("bank transfer")
        POINTS = "points", _("bonus points")
        BALANCE = "balance", _("prepaid balance")

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CREATED, db_index=True
    )
    provider = models.CharField(_("provider"), max_length=40)
    provider_payment_id = models.CharField(_("provider's payment id"), max_length=100, blank=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.ONLINE)
    confirmation_url = models.URLField(_("payment page"), max_length=2000, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=ZERO)
    receipt = models.JSONField(_("receipt"), default=dict, blank=True)
    # The provider's own words: for staff only, a client reads a translated sentence.
    provider_error = models.CharField(_("provider's message"), max_length=300, blank=True)
    review_reason = models.CharField(_("why it needs a check"), max_length=300, blank=True)
    initiated_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="payments_one_row_per_provider_payment",
            )
        ]
        indexes = [models.Index(fields=["invoice", "status", "created_at"], name="payments_invoice_status")]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_payment_id or self.public_id}"


class LedgerEntry(models.Model):
    """A movement of money on an invoice: a payment (+) or a refund (−). The invoice's paid amount is the sum."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("payment")
        REFUND = "refund", _("refund")

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="+", verbose_name=_("invoice")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="entries", verbose_name=_("payment")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=200)
    reference = models.CharField(_("reference"), max_length=120, blank=True)  # refund id, statement line…
    actor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        constraints = [
            # A payment is credited once, whatever the number of notifications that say so.
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(kind="payment"), name="payments_credited_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class PaymentSettings(models.Model):
    """One row: how clients may pay, and the payee's bank details printed as the transfer QR code."""

    allow_partial = models.BooleanField(
        _("allow partial payments"), default=False, help_text=_("Clients may pay part of an invoice online.")
    )
    partial_minimum = models.DecimalField(
        _("smallest partial payment"), max_digits=14, decimal_places=2, default=Decimal("100.00")
    )
    two_stage = models.BooleanField(
        _("two-stage payments"),
        default=False,
        help_text=_("Hold the money first and capture it later (where the provider supports it)."),
    )
    paid_stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("stage of a paid order"),
        help_text=_("Where an order moves when its invoice is paid (empty: it stays where it is)."),
    )
    bonus_percent = models.DecimalField(
        _("bonus points, percent of paid amounts"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        help_text=_("0: no points. One point pays one unit of the invoice's currency."),
    )
    bonus_lock_days = models.PositiveIntegerField(
        _("points usable after (days)"), default=0, help_text=_("New points wait this long before use.")
    )
    bonus_expire_months = models.PositiveIntegerField(
        _("points expire after (months)"), default=0, help_text=_("0: points never expire.")
    )
    max_redeem_share = models.DecimalField(
        _("share of an invoice payable with points or balance (percent)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
    )
    payee_name = models.CharField(_("payee name"), max_length=160, blank=True)
    payee_inn = models.CharField(_("payee INN"), max_length=12, blank=True, validators=[v.validate_inn])
    payee_kpp = models.CharField(_("payee KPP"), max_length=9, blank=True, validators=[v.validate_kpp])
    bank_name = models.CharField(_("bank"), max_length=160, blank=True)
    bic = models.CharField(_("BIK"), max_length=9, blank=True, validators=[v.validate_ru_bik])
    account = models.CharField(
        _("settlement account"), max_length=20, blank=True, validators=[v.validate_ru_account]
    )
    correspondent_account = models.CharField(
        _("correspondent account"), max_length=20, blank=True, validators=[v.validate_ru_account]
    )

    class Meta:
        verbose_name = _("payment settings")
        verbose_name_plural = _("payment settings")

    def __str__(self) -> str:
        return str(_("Payment settings"))

    def clean(self) -> None:
        if self.account and self.bic and not v.ru_account_matches_bik(self.account, self.bic):
            raise ValidationError(
                {"account": _("The account does not match the BIK (its check digit is wrong).")}
            )
        if (
            self.correspondent_account
            and self.bic
            and not v.ru_account_matches_bik(self.correspondent_account, self.bic, correspondent=True)
        ):
            raise ValidationError(
                {"correspondent_account": _("The correspondent account does not match the BIK.")}
            )

    @property
    def has_bank_details(self) -> bool:
        return all((self.payee_name, self.account, self.bank_name, self.bic, self.correspondent_account))

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # Forgotten after the commit: a reader must never cache what a rolled-back save wrote.
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))
        cache.delete(CACHE_KEY)

    @classmethod
    def current(cls) -> PaymentSettings:
        """The one row (an unsaved default when staff saved none): cached, so pages pay no query for it."""
        found = cache.get(CACHE_KEY)
        if found is None:
            found = cls.objects.select_related("paid_stage").order_by("pk").first() or cls()
            cache.set(CACHE_KEY, found, 300)
        return found


CACHE_KEY = "kabinet:payments:settings"


class AccountEntry(models.Model):
    """One movement on a client's prepaid balance or bonus points: never a counter, always an entry.

    The balance is the sum of the balance entries. Points come in lots (a positive entry: pending until
    ``available_from``, active until ``expires_at``, then expired); spending points writes a negative entry
    against the lot it uses (``lot``), so what is left of each lot, and when it expires, is always known.
    """

    class Kind(models.TextChoices):
        BALANCE = "balance", _("balance")
        POINTS = "points", _("bonus points")

    class Source(models.TextChoices):
        PAYMENT = "payment", _("payment")
        REFUND = "refund", _("refund")
        MANUAL = "manual", _("by staff")
        BONUS_RULE = "bonus_rule", _("bonus rule")
        REDEMPTION = "redemption", _("paid an invoice")
        # A connected booking system's loyalty card, mirrored (read-only: the card there is the truth).
        YCLIENTS = "yclients", _("YCLIENTS loyalty card")

    company = models.ForeignKey(
        "crm.Company",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contact"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    reason = models.CharField(_("reason"), max_length=200)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment")
    )
    lot = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="spent", verbose_name=_("lot")
    )
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    actor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("balance or points entry")
        verbose_name_plural = _("balance and points entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "kind", "created_at"], name="payments_account_company"),
            models.Index(fields=["contact", "kind", "created_at"], name="payments_account_contact"),
        ]
        constraints = [
            # A payment earns its points once, whatever the number of notifications.
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(source="bonus_rule"), name="payments_bonus_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
