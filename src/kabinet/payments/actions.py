"""Writes on payments. The invoice's paid amount and status change here only, from the ledger.

The truth about an online payment is what its provider's API reports (:func:`record_provider_state`, fed by
:mod:`kabinet.payments.sync` after a notification); the page the payer comes back to never marks anything paid.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import OPEN_STATUSES, Invoice
from kabinet.core.audit import record_audit
from kabinet.core.i18n import in_every_language
from kabinet.core.providers import payments as gateway
from kabinet.crm.actions import change_order_stage
from kabinet.crm.notices import notify_owners
from kabinet.crm.timeline import record_timeline
from kabinet.payments.models import ZERO, AccountEntry, LedgerEntry, Payment, PaymentSettings
from kabinet.payments.receipts import receipt_lines

CENT = Decimal("0.01")
REUSE_WITHIN = datetime.timedelta(minutes=30)
# What a provider's method names become on our side (the rest reads as "online").
METHODS = {"bank_card": Payment.Method.BANK_CARD, "card": Payment.Method.BANK_CARD, "sbp": Payment.Method.SBP}


class PaymentRefused(Exception):
    """A payment cannot start; ``message`` is a translated sentence fit for the client (never the vendor's)."""

    def __init__(self, message: Any, *, field: str = "") -> None:
        super().__init__(str(message))
        self.message, self.field = message, field


def payable(invoice: Invoice) -> Decimal:
    """What is left to pay on ``invoice`` (zero when it is paid or cancelled)."""
    if invoice.status not in OPEN_STATUSES:
        return ZERO
    return max(invoice.amount - invoice.paid_amount, ZERO)


def partial_rule(invoice: Invoice, options: PaymentSettings) -> tuple[bool, Decimal]:
    """Whether ``invoice`` may be paid in parts, and the smallest part: the invoice's own rule, set by staff,
    overrides the portal-wide payment settings ("default" and an empty minimum follow them)."""
    if invoice.partial_payment == Invoice.PartialPayment.ALLOW:
        allowed = True
    elif invoice.partial_payment == Invoice.PartialPayment.FORBID:
        allowed = False
    else:
        allowed = options.allow_partial
    minimum = invoice.partial_minimum if invoice.partial_minimum is not None else options.partial_minimum
    return allowed, minimum


def check_amount(invoice: Invoice, amount: Decimal | None, options: PaymentSettings) -> Decimal:
    """The amount to ask for: the whole balance, or a part where staff allow partial payments (the
    invoice's own rule first, see :func:`partial_rule`)."""
    left = payable(invoice)
    if left <= ZERO:
        raise PaymentRefused(_("This invoice has nothing left to pay."))
    if amount is None or amount == left:
        return left
    amount = amount.quantize(CENT)
    allowed, minimum = partial_rule(invoice, options)
    if not allowed:
        raise PaymentRefused(_("This invoice can only be paid in full."), field="amount")
    if amount > left:
        raise PaymentRefused(_("The amount is more than is left to pay."), field="amount")
    if amount < min(minimum, left) or amount <= ZERO:
        raise PaymentRefused(_("The amount is below the smallest partial payment."), field="amount")
    return amount


def start_payment(
    *,
    actor: Any,
    invoice: Invoice,
    return_url: Callable[[str], str],
    amount: Decimal | None = None,
    customer_email: str = "",
    customer_phone: str = "",
    now: datetime.datetime | None = None,
) -> Payment:
    """Start paying ``invoice`` (already checked through the viewer's selector) at the active provider.

    ``return_url(payment_public_id)`` is the absolute address the provider sends the payer back to. The same
    open payment is handed back to a second click within half an hour, so a double click pays once. The call
    to the provider runs outside any transaction (no row stays locked while a vendor answers); the
    idempotency key is the payment's public id, so a retried call never creates a second payment there.
    Raises :class:`PaymentRefused` with a sentence for the client.
    """
    now = now or timezone.now()
    options = PaymentSettings.current()
    amount = check_amount(invoice, amount, options)
    provider_id = gateway.active_provider_id()
    if not provider_id:
        raise PaymentRefused(_("Online payment is not available right now. Please pay by bank transfer."))
    reusable = (
        Payment.objects.filter(
            invoice=invoice,
            provider=provider_id,
            amount=amount,
            status=Payment.Status.PENDING,
            created_at__gte=now - REUSE_WITHIN,
        )
        .exclude(confirmation_url="")
        .order_by("-created_at")
        .first()
    )
    if reusable is not None:
        return reusable
    lines = receipt_lines(invoice, amount)
    with transaction.atomic():
        payment = Payment.objects.create(
            invoice=invoice,
            amount=amount,
            currency=invoice.currency,
            provider=provider_id,
            initiated_by=actor if getattr(actor, "pk", None) else None,
            receipt={
                "items": [
                    {
                        "description": line.description,
                        "quantity": str(line.quantity),
                        "amount": str(line.amount),
                        "vat_code": line.vat_code,
                    }
                    for line in lines
                ]
            },
        )
        record_audit(event="payment.started", actor=actor, target=payment, amount=str(amount))
    answer = gateway.create(
        gateway.PaymentRequest(
            invoice=invoice.public_id,
            payment=payment.public_id,
            amount=amount,
            currency=invoice.currency,
            description=f"Счёт №{invoice.number}"[:128],
            return_url=return_url(payment.public_id),
            idempotency_key=payment.public_id,
            receipt=lines,
            customer_email=customer_email,
            customer_phone=customer_phone,
            capture=not options.two_stage,
        )
    )
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if answer.accepted and answer.confirmation_url:
            payment.status = Payment.Status.PENDING
            payment.provider_payment_id = answer.payment_id
            payment.confirmation_url = answer.confirmation_url
        else:
            payment.status = Payment.Status.FAILED
            payment.provider_error = (answer.error or "no confirmation URL")[:300]
        payment.save(update_fields=["status", "provider_payment_id", "confirmation_url", "provider_error"])
    if payment.status == Payment.Status.FAILED:
        raise PaymentRefused(
            _(
                "The payment service could not start the payment. "
                "Please try again in a few minutes or pay by bank transfer."
            )
        )
    return payment


def _mismatch(state: gateway.PaymentState, payment: Payment) -> str:
    """Why the provider's report does not match what was asked ("" when it does)."""
    if state.amount != payment.amount or state.currency != payment.currency:
        return f"asked {payment.amount} {payment.currency}, provider reports {state.amount} {state.currency}"
    for key, expected in (("invoice", payment.invoice.public_id), ("payment", payment.public_id)):
        if state.metadata.get(key) != expected:
            return f"metadata {key}={state.metadata.get(key)!r}, expected {expected!r}"
    return ""


@transaction.atomic
def record_provider_state(
    *, state: gateway.PaymentState, actor: Any = None, now: datetime.datetime | None = None
) -> Payment | None:
    """Bring the payment in line with what its provider's API reports (``state`` comes from a re-fetch).

    Idempotent and order-proof: a succeeded payment stays succeeded whatever arrives later (a late
    ``waiting_for_capture``, a fifth copy of ``succeeded``), and it is credited to the invoice once. A report
    whose amount, currency or metadata differ from what was asked is never "paid": it goes to staff.
    Returns ``None`` for a payment Kabinet never created.
    """
    payment = (
        Payment.objects.select_for_update()
        .select_related("invoice")
        .filter(provider=state.provider, provider_payment_id=state.payment_id)
        .first()
    )
    if payment is None or not state.found:
        return payment
    if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.REVIEW):
        return payment
    if state.status in (gateway.SUCCEEDED, gateway.WAITING_FOR_CAPTURE):
        reason = _mismatch(state, payment)
        if reason:
            return _to_review(payment, reason=reason, actor=actor)
    if state.status == gateway.SUCCEEDED:
        _credit(payment, actor=actor, method=METHODS.get(state.method, Payment.Method.ONLINE), now=now)
    elif state.status == gateway.WAITING_FOR_CAPTURE and payment.status != Payment.Status.CANCELED:
        payment.status = Payment.Status.WAITING_FOR_CAPTURE
        payment.save(update_fields=["status", "updated_at"])
    elif state.status == gateway.CANCELED:
        held = payment.status == Payment.Status.WAITING_FOR_CAPTURE
        payment.status = Payment.Status.CANCELED
        # The provider's reason (a hold that expired: ``expired_on_capture``, ``automatic``) is for staff.
        payment.provider_error = state.error[:300] or payment.provider_error
        payment.save(update_fields=["status", "provider_error", "updated_at"])
        record_audit(
            event="payment.canceled", actor=actor, target=payment, held=held, reason=state.error[:100]
        )
    return payment


HELD = Payment.Status.WAITING_FOR_CAPTURE


def _held(payment: Payment) -> Payment:
    payment = Payment.objects.select_related("invoice").get(pk=payment.pk)
    if payment.status != HELD or not payment.provider_payment_id:
        raise PaymentRefused(_("Only a payment whose money is held can be captured or released."))
    return payment


def _after_hold_call(payment: Payment, state: gateway.PaymentState, *, actor: Any, event: str) -> Payment:
    """Record what the provider answered to a capture or a release. A refusal is re-checked with a fetch: a
    hold that expired meanwhile comes back cancelled, and is recorded so (the money went back to the payer)."""
    if not state.found:
        record_audit(event=f"{event}_refused", actor=actor, target=payment, error=state.error[:200])
        fresh = gateway.fetch(payment.provider, payment.provider_payment_id)
        if fresh.found:
            record_provider_state(state=fresh, actor=actor)
        payment.refresh_from_db()
        if payment.status == Payment.Status.CANCELED:
            raise PaymentRefused(
                _("The hold has expired: the payment service gave the money back to the payer.")
            )
        raise PaymentRefused(_("The payment service refused: %(error)s") % {"error": state.error})
    with transaction.atomic():
        record_audit(event=event, actor=actor, target=payment, amount=str(payment.amount))
        return record_provider_state(state=state, actor=actor) or payment


def capture_payment(*, actor: Any, payment: Payment) -> Payment:
    """Staff take the money a two-stage payment holds (``waiting_for_capture``): the provider captures the
    whole amount first (idempotency key per payment), then its answer is recorded like any report — the
    invoice is credited once. Raises :class:`PaymentRefused` (not held, refused, or the hold expired)."""
    payment = _held(payment)
    state = gateway.capture(
        payment.provider,
        payment.provider_payment_id,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=f"{payment.public_id}-capture",
    )
    return _after_hold_call(payment, state, actor=actor, event="payment.capture")


def release_payment(*, actor: Any, payment: Payment) -> Payment:
    """Staff cancel a two-stage payment without taking the money (the hold goes back to the payer); the
    invoice stays as it was. Raises :class:`PaymentRefused`."""
    payment = _held(payment)
    state = gateway.cancel(
        payment.provider, payment.provider_payment_id, idempotency_key=f"{payment.public_id}-cancel"
    )
    return _after_hold_call(payment, state, actor=actor, event="payment.release")


def _to_review(payment: Payment, *, reason: str, actor: Any) -> Payment:
    payment.status = Payment.Status.REVIEW
    payment.review_reason = reason[:300]
    payment.save(update_fields=["status", "review_reason", "updated_at"])
    invoice = payment.invoice
    record_timeline(
        event="payment.review",
        kind="payment",
        subject=payment,
        company=invoice.company,
        contact=invoice.contact,
        actor=actor,
        client_visible=False,
        number=invoice.number,
    )
    record_audit(event="payment.mismatch", actor=actor, target=payment, reason=reason[:300])
    return payment


def _settle_invoice(invoice: Invoice, *, actor: Any) -> Invoice:
    """Recompute the invoice's paid amount from its ledger and its status from that; history on a change."""
    paid = LedgerEntry.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or ZERO
    old_status = invoice.status
    invoice.paid_amount = paid
    if invoice.status != Invoice.Status.CANCELLED:
        if paid >= invoice.amount:
            invoice.status = Invoice.Status.PAID
        elif paid > ZERO:
            invoice.status = Invoice.Status.PARTIALLY_PAID
        else:
            invoice.status = Invoice.Status.UNPAID
    invoice.save(update_fields=["paid_amount", "status", "updated_at"])
    if invoice.status != old_status:
        # The webhooks outbox turns this entry into ``invoice.paid`` when the invoice is now paid.
        record_timeline(
            event="invoice.status_changed",
            kind="invoice",
            subject=invoice,
            company=invoice.company,
            contact=invoice.contact,
            actor=actor,
            number=invoice.number,
            status=in_every_language(invoice.get_status_display),
            status_code=invoice.status,  # what listeners read: the label above is for people
        )
    return invoice


def _credit(payment: Payment, *, actor: Any, method: str, now: datetime.datetime | None) -> Payment:
    invoice = (
        Invoice.objects.select_for_update(of=("self",)).select_related("order").get(pk=payment.invoice_id)
    )
    payment.status = Payment.Status.SUCCEEDED
    payment.method = method
    payment.paid_at = now or timezone.now()
    payment.save(update_fields=["status", "method", "paid_at", "updated_at"])
    LedgerEntry.objects.create(
        invoice=invoice,
        payment=payment,
        kind=LedgerEntry.Kind.PAYMENT,
        amount=payment.amount,
        currency=payment.currency,
        reason=f"{payment.get_method_display()} ({payment.provider})",
        reference=payment.provider_payment_id,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    record_timeline(
        event="payment.succeeded",
        kind="payment",
        subject=payment,
        company=invoice.company,
        contact=invoice.contact,
        actor=actor,
        number=invoice.number,
        amount=str(payment.amount),
        currency=payment.currency,
    )
    _settle_invoice(invoice, actor=actor)
    record_audit(
        event="payment.succeeded", actor=actor, target=payment, amount=str(payment.amount), method=method
    )
    notify_owners(
        actor=actor,
        event="payment.succeeded",
        company_id=invoice.company_id,
        contact_id=invoice.contact_id,
        url=reverse("billing:invoice", args=[invoice.public_id]),
        subject_public_id=invoice.public_id,
        params={"number": invoice.number, "amount": str(payment.amount), "currency": payment.currency},
    )
    _move_order(invoice, actor=actor)
    _accrue_points(payment, invoice, now=payment.paid_at)
    from kabinet.payments.tasks import tell_manager_of_payment  # the job module imports Huey's consumer setup

    transaction.on_commit(lambda: tell_manager_of_payment(payment.pk))
    payment.invoice = invoice
    return payment


def _move_order(invoice: Invoice, *, actor: Any) -> None:
    """A paid invoice moves its order to the stage staff chose (when that stage is of the order's pipeline)."""
    if invoice.status != Invoice.Status.PAID or invoice.order is None:
        return
    stage = PaymentSettings.current().paid_stage
    if stage is not None and stage.pipeline_id == invoice.order.pipeline_id:
        change_order_stage(actor=actor, order=invoice.order, stage=stage)


@transaction.atomic
def record_transfer(
    *,
    actor: Any,
    invoice: Invoice,
    amount: Decimal,
    reference: str = "",
    now: datetime.datetime | None = None,
) -> Payment:
    """Staff record a bank transfer that reached the account (by hand or from a bank statement).

    ``reference`` (the statement's document number and date) makes a second import of the same line a no-op.
    """
    if reference:
        known = Payment.objects.filter(provider="bank_transfer", provider_payment_id=reference).first()
        if known is not None:
            return known
    if amount <= ZERO or amount.quantize(CENT) != amount:
        raise PaymentRefused(_("Enter an amount in whole kopecks above zero."), field="amount")
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        currency=invoice.currency,
        provider="bank_transfer",
        provider_payment_id=reference,
        method=Payment.Method.BANK_TRANSFER,
        initiated_by=actor if getattr(actor, "pk", None) else None,
    )
    return _credit(payment, actor=actor, method=Payment.Method.BANK_TRANSFER, now=now)


def refund_payment(
    *,
    actor: Any,
    payment: Payment,
    amount: Decimal | None = None,
    reason: str = "",
    expected_refunded: Decimal | None = None,
) -> Payment:
    """Staff give money back (the whole rest, or ``amount``): the provider refunds first, then the ledger and
    the invoice follow.

    A payment made with points or the prepaid balance gives them back to the client's account (no provider is
    asked); points a money payment earned are taken back in proportion to what is refunded (see
    :func:`_reverse_points`). ``reason`` (staff's words) goes to the ledger entry and the audit, not to the
    client's history. ``expected_refunded`` is what the caller saw refunded when staff filled in the form:
    when the payment says otherwise, a refund was made since (the same form sent twice) and nothing is done —
    the payment is answered as it is. Two sends at once ask the provider with one idempotency key and the
    second finds the first under the row's lock. Raises :class:`PaymentRefused`.
    """
    # What is left to refund is read from the row, not from the caller's copy (which may predate a refund).
    payment = Payment.objects.get(pk=payment.pk)
    if expected_refunded is not None and payment.refunded_amount != expected_refunded:
        return payment
    left = payment.amount - payment.refunded_amount
    amount = left if amount is None else amount.quantize(CENT)
    if payment.status != Payment.Status.SUCCEEDED or amount <= ZERO or amount > left:
        raise PaymentRefused(_("This payment cannot be refunded by that amount."), field="amount")
    if payment.provider != "bank_transfer" and payment.method not in SPENDABLE:
        answer = gateway.refund(
            payment.provider,
            payment.provider_payment_id,
            amount=amount,
            currency=payment.currency,
            idempotency_key=f"{payment.public_id}-refund-{payment.refunded_amount}",
        )
        if not answer.accepted:
            record_audit(
                event="payment.refund_refused", actor=actor, target=payment, error=answer.error[:200]
            )
            raise PaymentRefused(
                _("The payment service refused the refund: %(error)s") % {"error": answer.error}
            )
        reference = answer.refund_id
    else:
        reference = ""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("invoice").get(pk=payment.pk)
        invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
        if expected_refunded is not None and payment.refunded_amount != expected_refunded:
            return payment  # the same form, sent twice at once: the first one refunded
        if amount > payment.amount - payment.refunded_amount:  # a refund of the same payment got in between
            raise PaymentRefused(_("This payment cannot be refunded by that amount."), field="amount")
        payment.refunded_amount += amount
        payment.save(update_fields=["refunded_amount", "updated_at"])
        LedgerEntry.objects.create(
            invoice=invoice,
            payment=payment,
            kind=LedgerEntry.Kind.REFUND,
            amount=-amount,
            currency=payment.currency,
            reason=(f"refund: {reason}" if reason else "refund")[:200],
            reference=reference,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        _payment_history("payment.refunded", payment, invoice, actor=actor, amount=amount)
        _settle_invoice(invoice, actor=actor)
        _reverse_points(payment, invoice, amount=amount, actor=actor)
        record_audit(
            event="payment.refunded", actor=actor, target=payment, amount=str(amount), reason=reason[:200]
        )
    return payment


def _reverse_points(payment: Payment, invoice: Invoice, *, amount: Decimal, actor: Any) -> None:
    """The account side of a refund of ``amount`` (inside the refund's transaction, under the account's lock).

    - Paid with the prepaid balance: ``amount`` returns to the balance.
    - Paid with points: ``amount`` points return to the lots they came from (the latest-expiring first), each
      keeping its own dates, so the lot's rest and expiry stay true; never more than this payment took.
    - Paid with money that earned points: the earned share of what is now refunded in total is taken back,
      from the payment's own lot first, then from the soonest-expiring active lots; what the client already
      spent beyond that is not taken (the audit records the shortfall). A full refund takes back all of it.
    """
    from kabinet.payments.selectors import point_lots

    by = actor if getattr(actor, "pk", None) else None
    common = {
        "company": invoice.company,
        "contact": invoice.contact,
        "source": AccountEntry.Source.REFUND,
        "currency": payment.currency,
        "reason": f"№ {invoice.number}",
        "payment": payment,
        "actor": by,
    }
    if payment.method == Payment.Method.BALANCE:
        _lock_owner(invoice.company, invoice.contact)
        AccountEntry.objects.create(kind=AccountEntry.Kind.BALANCE, amount=amount, **common)
        _payment_history("balance.returned", payment, invoice, actor=actor, amount=amount)
        return
    owner = AccountEntry.objects.filter(company=invoice.company, contact=invoice.contact)
    if payment.method == Payment.Method.POINTS:
        _lock_owner(invoice.company, invoice.contact)
        spent = {}  # lot id → what this payment took from it, less what refunds already gave back
        for entry in owner.filter(payment=payment, kind=AccountEntry.Kind.POINTS, lot__isnull=False):
            spent[entry.lot_id] = spent.get(entry.lot_id, ZERO) - entry.amount
        lots = AccountEntry.objects.filter(pk__in=[k for k, v in spent.items() if v > ZERO]).order_by(
            F("expires_at").desc(nulls_first=True), "-id"
        )
        need = amount
        for lot in lots:
            give = min(spent[lot.pk], need)
            AccountEntry.objects.create(kind=AccountEntry.Kind.POINTS, amount=give, lot=lot, **common)
            need -= give
            if need <= ZERO:
                break
        _payment_history(
            "points.returned", payment, invoice, actor=actor, amount=amount - need, points=str(amount - need)
        )
        return
    earned = owner.filter(payment=payment, source=AccountEntry.Source.BONUS_RULE).first()
    if earned is None:
        return
    _lock_owner(invoice.company, invoice.contact)
    taken = -(
        owner.filter(
            payment=payment, source=AccountEntry.Source.REFUND, kind=AccountEntry.Kind.POINTS
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    # The share of everything refunded so far, less what earlier refunds took: no rounding drift, and a
    # refund of the whole payment takes back exactly what it earned.
    due = (earned.amount * payment.refunded_amount / payment.amount).quantize(CENT) - taken
    if due <= ZERO:
        return
    lots = sorted(point_lots(owner), key=lambda lot: lot.pk != earned.pk)  # its own lot first
    need = due
    for lot in lots:
        take = min(lot.left, need)
        AccountEntry.objects.create(kind=AccountEntry.Kind.POINTS, amount=-take, lot=lot, **common)
        need -= take
        if need <= ZERO:
            break
    _payment_history(
        "points.taken_back", payment, invoice, actor=actor, amount=due - need, points=str(due - need)
    )
    if need > ZERO:
        record_audit(
            event="payments.points_short", actor=actor, target=payment, due=str(due), short=str(need)
        )


def _payment_history(
    event: str, payment: Payment, invoice: Invoice, *, actor: Any, amount: Decimal, **data: str
) -> None:
    """A payment's entry in the client's history: the invoice number and the amount with its currency."""
    record_timeline(
        event=event,
        kind="payment",
        subject=payment,
        company=invoice.company,
        contact=invoice.contact,
        actor=actor,
        number=invoice.number,
        amount=str(amount),
        currency=payment.currency,
        **data,
    )


@transaction.atomic
def save_payment_settings(
    *, actor: Any, options: PaymentSettings, changed_fields: list[str]
) -> PaymentSettings:
    """Store how clients pay and the payee's bank details (checked: BIK, account control keys, INN, KPP)."""
    options.full_clean()
    options.save()
    record_audit(event="payments.settings_saved", actor=actor, target=options, fields=sorted(changed_fields))
    return options


def import_statement(
    *, actor: Any, data: bytes, now: datetime.datetime | None = None
) -> dict[str, list[str]]:
    """Record the transfers of a 1C client-bank statement: each document credited to the payee's account whose
    purpose names an open invoice (and does not exceed what is left) becomes a paid transfer. A document seen in
    an earlier import changes nothing. Returns the documents by outcome, for staff."""
    from kabinet.payments.statements import invoice_numbers_in, parse_statement

    account = PaymentSettings.current().account
    outcome: dict[str, list[str]] = {"recorded": [], "known": [], "unmatched": [], "not_ours": []}
    for line in parse_statement(data):
        label = f"№{line.number} {line.date} {line.amount} {line.payer}".strip()
        if account and line.payee_account and line.payee_account != account:
            outcome["not_ours"].append(label)
            continue
        if Payment.objects.filter(provider="bank_transfer", provider_payment_id=line.reference).exists():
            outcome["known"].append(label)
            continue
        numbers = invoice_numbers_in(line.purpose)
        invoice = (
            Invoice.objects.filter(number__in=numbers, status__in=OPEN_STATUSES).order_by("id").first()
            if numbers
            else None
        )
        if invoice is None or line.amount <= ZERO or line.amount > payable(invoice):
            outcome["unmatched"].append(label)
            continue
        record_transfer(actor=actor, invoice=invoice, amount=line.amount, reference=line.reference, now=now)
        outcome["recorded"].append(label)
    record_audit(event="payments.statement_imported", actor=actor, **{k: len(v) for k, v in outcome.items()})
    return outcome


SPENDABLE = {
    Payment.Method.POINTS: AccountEntry.Kind.POINTS,
    Payment.Method.BALANCE: AccountEntry.Kind.BALANCE,
}


def _months_later(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _accrue_points(payment: Payment, invoice: Invoice, *, now: datetime.datetime) -> None:
    """The bonus rule: N % of what was paid with money becomes a lot of points (pending, then active, then
    expired). Points and balance spent on an invoice earn nothing."""
    options = PaymentSettings.current()
    if options.bonus_percent <= ZERO or payment.method in SPENDABLE:
        return
    points = (payment.amount * options.bonus_percent / 100).quantize(CENT)
    if points <= ZERO:
        return
    available = now + datetime.timedelta(days=options.bonus_lock_days)
    AccountEntry.objects.create(
        company=invoice.company,
        contact=invoice.contact,
        kind=AccountEntry.Kind.POINTS,
        source=AccountEntry.Source.BONUS_RULE,
        amount=points,
        currency=payment.currency,
        reason=f"{options.bonus_percent}% № {invoice.number}",
        payment=payment,
        available_from=available,
        expires_at=_months_later(available, options.bonus_expire_months)
        if options.bonus_expire_months
        else None,
    )


def _lock_owner(company: Any, contact: Any) -> None:
    """Serialise every spending of one account: the company row (or the private person's contact row) is the
    lock, so two simultaneous redemptions can never read the same points as free (PostgreSQL row lock; SQLite
    transactions are IMMEDIATE, one writer at a time)."""
    from kabinet.crm.models import Company, Contact

    if company is not None:
        Company.objects.select_for_update().filter(pk=company.pk).first()
    elif contact is not None:
        Contact.objects.select_for_update().filter(pk=contact.pk).first()


@transaction.atomic
def adjust_account(
    *, actor: Any, company: Any, contact: Any, kind: str, amount: Decimal, reason: str
) -> AccountEntry:
    """Staff credit (or debit) a client's balance or points by hand; the comment is required."""
    if not reason.strip() or amount == ZERO or amount.quantize(CENT) != amount:
        raise PaymentRefused(_("Enter a non-zero amount in kopecks and a comment."), field="amount")
    if kind == AccountEntry.Kind.POINTS and amount < ZERO:
        # Points leave only by being spent against a lot (or by expiring), so every lot's rest stays known.
        raise PaymentRefused(_("Points can only be added by hand."), field="amount")
    _lock_owner(company, contact)
    entry = AccountEntry.objects.create(
        company=company,
        contact=contact,
        kind=kind,
        source=AccountEntry.Source.MANUAL,
        amount=amount,
        reason=reason.strip()[:200],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    record_audit(event="payments.account_adjusted", actor=actor, target=entry, kind=kind, amount=str(amount))
    return entry


@transaction.atomic
def mirror_card(
    *,
    actor: Any,
    contact: Any,
    source: str,
    balance: Decimal,
    points: Decimal,
    reason: str,
    now: datetime.datetime | None = None,
) -> list[AccountEntry]:
    """Make a private client's balance and active points equal to his card in a connected system (the truth
    there): one entry per difference, of ``source``. Points above the card's are spent from his lots, soonest
    to expire first, as a redemption would; points below it come as one lot without expiry."""
    from kabinet.payments.selectors import point_lots

    now = now or timezone.now()
    _lock_owner(None, contact)
    entries = AccountEntry.objects.filter(contact=contact, company=None)
    written: list[AccountEntry] = []
    current = entries.filter(kind=AccountEntry.Kind.BALANCE).aggregate(total=Sum("amount"))["total"] or ZERO
    common = {"contact": contact, "company": None, "source": source, "reason": reason[:200], "actor": None}
    if balance.quantize(CENT) != current:
        written.append(
            AccountEntry.objects.create(
                kind=AccountEntry.Kind.BALANCE, amount=balance.quantize(CENT) - current, **common
            )
        )
    lots = [
        lot
        for lot in point_lots(entries)[:500]
        if (lot.expires_at is None or lot.expires_at > now)
        and (lot.available_from is None or lot.available_from <= now)
    ]
    difference = points.quantize(CENT) - sum((lot.left for lot in lots), ZERO)
    if difference > ZERO:
        written.append(
            AccountEntry.objects.create(kind=AccountEntry.Kind.POINTS, amount=difference, **common)
        )
    for lot in lots:
        if difference >= ZERO:
            break
        taken = min(lot.left, -difference)
        written.append(
            AccountEntry.objects.create(kind=AccountEntry.Kind.POINTS, amount=-taken, lot=lot, **common)
        )
        difference += taken
    if written:
        record_audit(
            event="payments.card_mirrored",
            actor=actor,
            target=contact,
            source=source,
            balance=str(balance),
            points=str(points),
        )
    return written


def redeemable(invoice: Invoice, options: PaymentSettings) -> Decimal:
    """The most of ``invoice`` still payable with points and balance (the staff-set share, less what was)."""
    cap = (invoice.amount * options.max_redeem_share / 100).quantize(CENT)
    used = (
        Payment.objects.filter(
            invoice=invoice, status=Payment.Status.SUCCEEDED, method__in=list(SPENDABLE)
        ).aggregate(total=Sum(F("amount") - F("refunded_amount")))["total"]
        or ZERO
    )
    return max(min(cap - used, payable(invoice)), ZERO)


@transaction.atomic
def redeem(
    *,
    actor: Any,
    viewer: Any,
    invoice: Invoice,
    method: str,
    amount: Decimal,
    now: datetime.datetime | None = None,
) -> Payment:
    """Pay part of ``invoice`` (checked through the viewer's selector) with points or the prepaid balance.

    Inside one transaction holding the account's lock: what is free is read, the entries are written
    (points from the soonest-expiring active lots first), and the invoice is credited like any payment.
    """
    from kabinet.payments.selectors import account_entries_visible_to, point_lots

    now = now or timezone.now()
    if method not in SPENDABLE:
        raise PaymentRefused(_("Choose points or balance."), field="method")
    amount = amount.quantize(CENT)
    options = PaymentSettings.current()
    if amount <= ZERO or amount > redeemable(invoice, options):
        raise PaymentRefused(_("This is more than may be paid with points or balance."), field="amount")
    _lock_owner(invoice.company, invoice.contact)
    entries = account_entries_visible_to(viewer)
    kind = SPENDABLE[method]
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        currency=invoice.currency,
        provider=method,
        method=method,
        initiated_by=actor if getattr(actor, "pk", None) else None,
    )
    common = {
        "company": invoice.company,
        "contact": invoice.contact,
        "kind": kind,
        "source": AccountEntry.Source.REDEMPTION,
        "currency": invoice.currency,
        "reason": f"№ {invoice.number}",
        "payment": payment,
        "actor": actor if getattr(actor, "pk", None) else None,
    }
    if kind == AccountEntry.Kind.BALANCE:
        free = entries.filter(kind=kind).aggregate(total=Sum("amount"))["total"] or ZERO
        if amount > free:
            raise PaymentRefused(_("There is not enough on the balance."), field="amount")
        AccountEntry.objects.create(amount=-amount, **common)
    else:
        need = amount
        usable = [
            lot
            for lot in point_lots(entries)
            if (lot.available_from is None or lot.available_from <= now)
            and (lot.expires_at is None or lot.expires_at > now)
        ]
        for lot in usable:
            take = min(lot.left, need)
            AccountEntry.objects.create(amount=-take, lot=lot, **common)
            need -= take
            if need <= ZERO:
                break
        if need > ZERO:
            raise PaymentRefused(_("There are not enough active points."), field="amount")
    return _credit(payment, actor=actor, method=method, now=now)
