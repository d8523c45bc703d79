"""Invoices: amounts, due date, status, PDF, and staff's partial-payment rule (payments are the payments app's)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact, Order
from kabinet.files.models import ClientFile


class Invoice(PublicModel):
    class Status(models.TextChoices):
        UNPAID = "unpaid", _("unpaid")
        PARTIALLY_PAID = "partially_paid", _("partially paid")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")

    class PartialPayment(models.TextChoices):
        DEFAULT = "default", _("as the payment settings say")
        ALLOW = "allow", _("allowed")
        FORBID = "forbid", _("in full only")

    number = models.CharField(_("number"), max_length=32, unique=True)
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("contact"),
    )
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
        verbose_name=_("order"),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_amount = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    issued_on = models.DateField(_("issued"), default=datetime.date.today)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNPAID, db_index=True
    )
    # Staff's rule for this invoice; "default" follows the portal-wide payment settings (payments app).
    partial_payment = models.CharField(
        _("partial payments"),
        max_length=8,
        choices=PartialPayment.choices,
        default=PartialPayment.DEFAULT,
    )
    partial_minimum = models.DecimalField(
        _("smallest partial payment of this invoice"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Empty: the smallest partial payment of the payment settings."),
    )
    file = models.ForeignKey(
        ClientFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("PDF")
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "created_at", "id"], name="invoices_company_recent"),
            models.Index(fields=["company", "contact", "created_at", "id"], name="invoices_member_recent"),
            models.Index(fields=["contact", "created_at", "id"], name="invoices_contact_recent"),
            # The status filter of the invoice list ("overdue" is an open status with a past due date).
            models.Index(fields=["company", "status", "due_date", "id"], name="invoices_company_status"),
            models.Index(
                fields=["company", "contact", "status", "due_date", "id"], name="invoices_member_status"
            ),
            models.Index(fields=["contact", "status", "due_date", "id"], name="invoices_contact_status"),
        ]

    def __str__(self) -> str:
        return f"№{self.number}"

    @property
    def is_overdue(self) -> bool:
        """Overdue is not stored: it is an unpaid balance past the due date, as of today."""
        return (
            self.status in (self.Status.UNPAID, self.Status.PARTIALLY_PAID)
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid_amount

    @property
    def client_status(self) -> str:
        """The status a client reads: ``overdue`` replaces unpaid / partially paid past the due date."""
        return OVERDUE if self.is_overdue else self.status

    @property
    def client_status_label(self) -> str:
        return str(OVERDUE_LABEL) if self.is_overdue else str(self.get_status_display())


OVERDUE = "overdue"
OVERDUE_LABEL = _("overdue")
OPEN_STATUSES = (Invoice.Status.UNPAID, Invoice.Status.PARTIALLY_PAID)
