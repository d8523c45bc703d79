"""The payment contract and its facade: what the ``payments`` app calls to take money for an invoice.

A provider creates a payment (amount, currency, invoice, return URL, idempotency key, receipt lines) and
answers with the URL of its confirmation page; it fetches a payment's state, refunds, and reads its incoming
notifications. The truth about a payment always comes from :func:`fetch` (the provider's API), never from the
page the payer returns to nor from the body of a notification: a notification only says *which* payment to
re-fetch.

The active provider is pinned by ``KABINET_PAYMENTS_PROVIDER`` or chosen by staff in the back office (see
:mod:`kabinet.core.providers`); nothing chosen means ``sandbox``, the offline provider whose payment page is a
Kabinet page (pay / decline / abandon). Providers live under ``kabinet/integrations/payments/<provider>/``.

Every facade function returns a result and never raises for a refusal or an unreachable provider: the caller
shows the client a translated sentence and keeps the provider's text for staff.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import Provider, ProviderError, ProviderKind

logger = logging.getLogger(__name__)

# The payment states every provider maps its own onto (YooKassa's names, which Stripe's fit into).
PENDING = "pending"
WAITING_FOR_CAPTURE = "waiting_for_capture"
SUCCEEDED = "succeeded"
CANCELED = "canceled"
STATES = (PENDING, WAITING_FOR_CAPTURE, SUCCEEDED, CANCELED)


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a fiscal receipt (54-FZ): what was sold, how many, the price of one, the VAT code.

    ``vat_code`` follows YooKassa's table (1 = without VAT, 4 = 20 %, …); ``payment_mode`` and
    ``payment_subject`` are the 54-FZ tags (full payment of a service by default).
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_code: int = 1
    payment_mode: str = "full_payment"
    payment_subject: str = "service"

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PaymentRequest:
    """What Kabinet asks a provider to collect. Money is ``Decimal`` with its ISO currency, never a float."""

    invoice: str  # the invoice's public id, echoed back in the provider's metadata and checked on return
    payment: str  # the Kabinet payment's public id (metadata too)
    amount: Decimal
    currency: str
    description: str
    return_url: str
    idempotency_key: str
    receipt: tuple[ReceiptLine, ...] = ()
    customer_email: str = ""
    customer_phone: str = ""
    capture: bool = True  # False: a two-stage payment, held (waiting_for_capture) until captured


@dataclass(frozen=True)
class PaymentCreated:
    """The provider's answer to a new payment: its id and where to send the payer, or a refusal."""

    provider: str
    accepted: bool
    payment_id: str = ""
    confirmation_url: str = ""
    status: str = PENDING
    error: str = ""  # the provider's own text: for staff and the logs, never shown to the client
    retry: bool = False


@dataclass(frozen=True)
class PaymentState:
    """A payment as the provider's API reports it now."""

    provider: str
    payment_id: str
    found: bool = True
    status: str = PENDING
    amount: Decimal = Decimal("0")
    currency: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    method: str = ""  # "bank_card", "sbp", … as the provider names it
    paid: bool = False
    refunded_amount: Decimal = Decimal("0")
    error: str = ""


@dataclass(frozen=True)
class RefundResult:
    provider: str
    accepted: bool
    refund_id: str = ""
    status: str = ""
    error: str = ""


@dataclass(frozen=True)
class PaymentNotification:
    """What an incoming notification names: the payment to re-fetch (its body is never trusted further)."""

    provider: str
    payment_id: str
    event: str = ""


class PaymentProvider(Provider):
    """A way to take payments. No operation raises for a refusal: each returns its result dataclass."""

    kind = "payments"

    @abstractmethod
    def create_payment(self, request: PaymentRequest) -> PaymentCreated: ...

    @abstractmethod
    def fetch_payment(self, payment_id: str) -> PaymentState: ...

    @abstractmethod
    def refund(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult: ...

    def capture(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> PaymentState:
        """Capture a held (two-stage) payment. Providers without holds report the payment as it is."""
        return self.fetch_payment(payment_id)

    def cancel(self, payment_id: str, *, idempotency_key: str) -> PaymentState:
        """Release a held (two-stage) payment without taking the money; the answer is the payment after it
        (``found=False`` with the provider's text when it refused). Providers without holds report it as is."""
        return self.fetch_payment(payment_id)

    def settle(self, payment_id: str, outcome: str) -> bool:
        """Offline providers only: the payer's choice on the local payment page (``succeeded``/``canceled``).

        Real providers settle on their own pages and answer ``False``.
        """
        return False

    def verify_notification(
        self, body: bytes, headers: Mapping[str, str], *, secret: str, now: float
    ) -> bool:
        """Whether a notification is authentic by the provider's own signature (``True`` for providers that
        sign nothing: those are checked by IP ranges and the re-fetch). ``now`` is a Unix time."""
        return True

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification | None:
        """The payment a notification is about, or ``None`` for a body this provider does not send.

        Authenticity is checked before this (the inbox's IP ranges or signature); this only reads the id.
        """
        return None


registry: ProviderKind[PaymentProvider] = ProviderKind(
    "payments",
    label=_("Payments"),
    contract=PaymentProvider,
    default="sandbox",
    pin_setting="KABINET_PAYMENTS_PROVIDER",
)


def get_provider(provider_id: str | None = None) -> PaymentProvider:
    """The active provider (or the one named, with its stored settings). Unknown ids raise ``LookupError``."""
    return registry.build(provider_id) if provider_id else registry.active()


def active_provider_id() -> str:
    """The id of the provider new payments go to ("" when staff's choice cannot be used)."""
    try:
        return registry.active().id
    except (ProviderError, LookupError):
        return ""


def create(request: PaymentRequest) -> PaymentCreated:
    """Create ``request`` at the active provider; a refusal or a broken setup comes back as ``accepted=False``."""
    try:
        provider = registry.active()
    except (ProviderError, LookupError) as error:
        result = PaymentCreated(provider="", accepted=False, error=str(error))
    else:
        result = provider.create_payment(request)
    if not result.accepted:
        logger.warning(
            "payment for invoice %s refused by %r: %s", request.invoice, result.provider, result.error
        )
    return result


def fetch(provider_id: str, payment_id: str) -> PaymentState:
    """The payment as its provider reports it now (``found=False`` with an error when it cannot say)."""
    try:
        return get_provider(provider_id).fetch_payment(payment_id)
    except (ProviderError, LookupError) as error:
        return PaymentState(provider=provider_id, payment_id=payment_id, found=False, error=str(error))


def refund(
    provider_id: str, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
) -> RefundResult:
    try:
        provider = get_provider(provider_id)
    except (ProviderError, LookupError) as error:
        return RefundResult(provider=provider_id, accepted=False, error=str(error))
    return provider.refund(payment_id, amount=amount, currency=currency, idempotency_key=idempotency_key)


def capture(
    provider_id: str, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
) -> PaymentState:
    """Capture a held payment at its provider: the answer is the payment after it (``found=False`` with the
    provider's text when it refused, e.g. a hold that expired)."""
    try:
        provider = get_provider(provider_id)
    except (ProviderError, LookupError) as error:
        return PaymentState(provider=provider_id, payment_id=payment_id, found=False, error=str(error))
    return provider.capture(payment_id, amount=amount, currency=currency, idempotency_key=idempotency_key)


def cancel(provider_id: str, payment_id: str, *, idempotency_key: str) -> PaymentState:
    """Release a held payment at its provider (see :meth:`PaymentProvider.cancel`)."""
    try:
        provider = get_provider(provider_id)
    except (ProviderError, LookupError) as error:
        return PaymentState(provider=provider_id, payment_id=payment_id, found=False, error=str(error))
    return provider.cancel(payment_id, idempotency_key=idempotency_key)


def settle_offline(provider_id: str, payment_id: str, outcome: str) -> bool:
    """The local payment page of an offline provider: record the payer's choice (``False`` if not offline)."""
    try:
        provider = get_provider(provider_id)
    except (ProviderError, LookupError):
        return False
    return provider.offline and provider.settle(payment_id, outcome)


def verify_notification(
    provider_id: str, body: bytes, headers: Mapping[str, str], *, secret: str, now: float
) -> bool:
    """The provider's own signature check of an incoming notification; an unusable provider refuses."""
    try:
        provider = get_provider(provider_id)
    except (ProviderError, LookupError):
        return False
    return provider.verify_notification(body, headers, secret=secret, now=now)


def parse_notification(
    provider_id: str, body: bytes, headers: Mapping[str, str]
) -> PaymentNotification | None:
    try:
        provider = get_provider(provider_id)
    except (ProviderError, LookupError):
        return None
    return provider.parse_notification(body, headers)


# What happens when a provider says a payment changed: installed by the payments app (which re-fetches the
# payment and calls its actions), so an offline provider can "notify" without importing a domain app.
_changed: Callable[[str, str], object] | None = None


def set_change_handler(handler: Callable[[str, str], object] | None) -> None:
    global _changed
    _changed = handler


def payment_changed(provider_id: str, payment_id: str) -> object:
    """A provider's notification that ``payment_id`` changed (the offline sandbox calls this directly)."""
    if _changed is None:
        raise ProviderError("no payment change handler installed")
    return _changed(provider_id, payment_id)
