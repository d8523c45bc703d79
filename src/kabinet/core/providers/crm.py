"""The CRM contract and its facade: what the ``sync`` engine calls to read a business's CRM and write back.

A CRM provider talks to one vendor account (one Bitrix24 portal, one amoCRM account) with the settings of a
``sync.Connection``; the engine never imports a provider, it builds one with :func:`connect`. Every operation
takes and returns the dataclasses below, in the vendor's ids (always strings: Bitrix answers every value as a
string, amoCRM as numbers). A refusal raises :class:`CrmError` with the vendor's own words and a ``code`` the
engine acts on (stop on ``auth``/``unpaid``, back off on ``rate_limited``).

Providers live under ``kabinet/integrations/crm/<vendor>/``: ``memory`` (the offline stand-in the demo and the
tests use), ``bitrix24`` (inbound webhook URL or OAuth app, REST), ``amocrm`` (amoCRM / Kommo API v4) and
``hubspot`` (CRM v3 objects, v4 associations).
"""

from __future__ import annotations

import datetime
from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import Provider, ProviderKind

# What a stage means in the vendor's pipeline (Bitrix SEMANTICS, amoCRM's 142 / 143, HubSpot's ticketState).
PROCESS, SUCCESS, FAILURE, CLOSED = "process", "success", "failure", "closed"


@dataclass(frozen=True)
class CrmStage:
    """One stage of a CRM pipeline (Bitrix ``STATUS_ID`` such as ``C1:NEW``, amoCRM status id)."""

    id: str
    name: str
    sort: int = 0
    semantics: str = PROCESS


@dataclass(frozen=True)
class CrmPipeline:
    """A CRM pipeline (Bitrix deal category, amoCRM pipeline) with its stages in order."""

    id: str
    name: str
    stages: tuple[CrmStage, ...] = ()


@dataclass(frozen=True)
class CrmContact:
    """A person in the CRM with the addresses on his card (phones as typed there; the engine normalises)."""

    id: str
    first_name: str
    last_name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrmCompany:
    """A company in the CRM; ``inn`` (and ``kpp``) when the vendor has a field for it (Bitrix: requisites),
    only a number passing its checksum (``stdnum.ru.inn``)."""

    id: str
    name: str
    inn: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    kpp: str = ""


@dataclass(frozen=True)
class CrmFile:
    """A file attached to a deal in one of its file fields (Bitrix ``UF_CRM_*`` of type file: ``{id, showUrl,
    downloadUrl}``); fetched with :meth:`CrmProvider.download`."""

    id: str
    field: str
    url: str


@dataclass(frozen=True)
class CrmDeal:
    """A deal (Bitrix) or lead (amoCRM): what becomes a Kabinet order."""

    id: str
    title: str
    pipeline_id: str
    stage_id: str
    modified_at: datetime.datetime
    amount: Decimal = Decimal("0")
    currency: str = "RUB"
    contact_id: str = ""
    company_id: str = ""
    responsible_id: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    files: tuple[CrmFile, ...] = ()


@dataclass(frozen=True)
class DealPage:
    """One page of deals ordered by modification time; ``next`` is an opaque token, empty on the last page."""

    deals: tuple[CrmDeal, ...]
    next: str = ""


@dataclass(frozen=True)
class CrmTicket:
    """A support ticket of the CRM (HubSpot): what becomes a Kabinet ticket."""

    id: str
    subject: str
    pipeline_id: str
    stage_id: str
    modified_at: datetime.datetime
    content: str = ""
    contact_id: str = ""
    company_id: str = ""


@dataclass(frozen=True)
class CrmReply:
    """An answer of the CRM's staff on a ticket (HubSpot: a note or an outgoing email associated with it):
    what becomes a staff reply on the Kabinet ticket. ``author_id`` is the CRM user (HubSpot owner) who wrote
    it, mapped through the connection's *responsible users*."""

    id: str
    ticket_id: str
    body: str
    created_at: datetime.datetime
    author_id: str = ""
    kind: str = "note"


@dataclass(frozen=True)
class CrmInvoice:
    """An invoice of the CRM (Bitrix24 smart invoice, ``entityTypeId`` 31): what becomes a Kabinet invoice,
    of the order of its deal (``deal_id``) when there is one."""

    id: str
    title: str
    pipeline_id: str
    stage_id: str
    modified_at: datetime.datetime
    amount: Decimal
    currency: str = "RUB"
    number: str = ""
    contact_id: str = ""
    company_id: str = ""
    deal_id: str = ""
    issued_on: datetime.date | None = None
    due_on: datetime.date | None = None


@dataclass(frozen=True)
class InvoicePage:
    """One page of invoices, as :class:`DealPage`."""

    invoices: tuple[CrmInvoice, ...]
    next: str = ""


@dataclass(frozen=True)
class TicketPage:
    """One page of tickets, as :class:`DealPage`."""

    tickets: tuple[CrmTicket, ...]
    next: str = ""


@dataclass(frozen=True)
class CrmBranch:
    """A place of a booking CRM (YCLIENTS: a *company*), with its IANA time zone."""

    id: str
    name: str
    time_zone: str = ""
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CrmService:
    """A service of one branch: what it takes, what it costs."""

    id: str
    branch_id: str
    name: str
    duration_minutes: int = 60
    price: Decimal = Decimal("0")
    active: bool = True


@dataclass(frozen=True)
class CrmStaff:
    """A specialist of one branch and the services he provides (their ids)."""

    id: str
    branch_id: str
    name: str
    title: str = ""
    service_ids: tuple[str, ...] = ()
    active: bool = True


# A record's attendance (YCLIENTS): 2 confirmed, 1 the client came, 0 waiting, -1 did not come.
CONFIRMED, CAME, WAITING, NO_SHOW = 2, 1, 0, -1


@dataclass(frozen=True)
class CrmRecord:
    """One appointment (YCLIENTS *record*): what becomes a Kabinet booking. ``client_id`` is the contact's id
    in the CRM (``client`` carries its card when the answer held it, saving a call)."""

    id: str
    branch_id: str
    staff_id: str
    service_ids: tuple[str, ...]
    starts_at: datetime.datetime
    minutes: int
    attendance: int = WAITING
    confirmed: bool = False
    deleted: bool = False
    client_id: str = ""
    client: CrmContact | None = None
    cost: Decimal = Decimal("0")
    modified_at: datetime.datetime | None = None
    comment: str = ""


@dataclass(frozen=True)
class RecordPage:
    """One page of records, as :class:`DealPage`."""

    records: tuple[CrmRecord, ...]
    next: str = ""


@dataclass(frozen=True)
class LoyaltyCard:
    """A client's loyalty card in the CRM: money ``balance`` and ``points``."""

    id: str
    number: str
    name: str
    balance: Decimal = Decimal("0")
    points: Decimal = Decimal("0")


class CrmError(Exception):
    """The CRM refused. ``code``: ``auth`` (credentials broken: stop and tell staff), ``unpaid`` (the vendor's
    account is blocked: stop), ``rate_limited`` (try later), ``not_found``, ``refused`` (anything else).
    ``message`` is the vendor's own text, shown to staff as it came."""

    STOPS = frozenset({"auth", "unpaid"})

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message

    @property
    def stops_sync(self) -> bool:
        return self.code in self.STOPS


class CrmProvider(Provider):
    """A way to read one CRM account and write comments back.

    ``save_config`` is called with the new settings when the provider refreshed an OAuth token, so the
    connection stores them (encrypted) before the old refresh token stops working.
    """

    kind = "crm"

    def __init__(
        self,
        config: Mapping[str, str] | None = None,
        *,
        save_config: Callable[[dict[str, str]], None] | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        super().__init__(config)
        self.save_config = save_config or (lambda config: None)
        self.sleep = sleep

    @abstractmethod
    def pipelines(self) -> list[CrmPipeline]:
        """Every deal pipeline with its stages."""

    @abstractmethod
    def deals(self, *, modified_since: datetime.datetime | None, page: str = "") -> DealPage:
        """Deals modified at or after ``modified_since`` (all of them for ``None``), oldest change first."""

    @abstractmethod
    def deal(self, deal_id: str) -> CrmDeal | None:
        """One deal as it is now, or ``None`` when it was deleted."""

    @abstractmethod
    def contact(self, contact_id: str) -> CrmContact | None: ...

    @abstractmethod
    def company(self, company_id: str) -> CrmCompany | None: ...

    def contacts(self, contact_ids: list[str]) -> dict[str, CrmContact | None]:
        """Several contacts at once; a vendor with a batch call overrides this (one call instead of N)."""
        return {contact_id: self.contact(contact_id) for contact_id in contact_ids}

    @abstractmethod
    def add_comment(self, *, entity: str, entity_id: str, text: str) -> str:
        """Write ``text`` on the timeline of a ``deal`` or ``contact`` (or a ``ticket`` where the vendor has
        them); answers the vendor's id of the entry."""

    def download(self, url: str, *, limit: int) -> tuple[str, bytes]:
        """The file behind a :class:`CrmFile` url: its name (from ``Content-Disposition``) and its bytes; a
        file larger than ``limit`` bytes is refused (``CrmError("too_large")``) before it is read whole."""
        raise CrmError("refused", "this CRM has no files")

    # --- invoices: only vendors whose CRM has them (``supports_invoices``) ----------------------------------

    supports_invoices: bool = False

    def invoice_pipelines(self) -> list[CrmPipeline]:
        """Every invoice category with its stages (``success``: paid, ``failure``: cancelled)."""
        return []

    def invoices(self, *, modified_since: datetime.datetime | None, page: str = "") -> InvoicePage:
        """Invoices modified at or after ``modified_since`` (all for ``None``), as :meth:`deals`."""
        return InvoicePage(invoices=())

    # --- tickets: only vendors whose CRM has them (``supports_tickets``) ------------------------------------

    supports_tickets: bool = False

    def ticket_pipelines(self) -> list[CrmPipeline]:
        """Every ticket pipeline; its stages' ``semantics`` are ``process`` (open) or ``closed``."""
        return []

    def tickets(self, *, modified_since: datetime.datetime | None, page: str = "") -> TicketPage:
        """Tickets modified at or after ``modified_since`` (all for ``None``), as :meth:`deals`."""
        return TicketPage(tickets=())

    def ticket(self, ticket_id: str) -> CrmTicket | None:
        """One ticket as it is now, or ``None`` when it was deleted."""
        return None

    def webhook_ticket_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        """The tickets an incoming event names, after the same check as :meth:`webhook_deal_ids`."""
        return []

    def ticket_replies(self, ticket_ids: list[str]) -> dict[str, list[CrmReply]]:
        """The CRM staff's answers on these tickets (every one the CRM still has, oldest first), by ticket id;
        the sync keeps those it has not seen yet and not written itself."""
        return {}

    def create_ticket(
        self,
        *,
        subject: str,
        content: str,
        pipeline_id: str,
        stage_id: str,
        contact_id: str,
        company_id: str = "",
    ) -> str:
        """Open a ticket in the CRM for a ticket opened in Kabinet; answers its CRM id."""
        raise CrmError("refused", f"{self.id} has no tickets")

    # --- bookings: only vendors that keep appointments (``supports_bookings``: YCLIENTS) ----------------------

    supports_bookings: bool = False

    def branches(self) -> list[CrmBranch]:
        """Every branch (company) the credentials reach."""
        return []

    def services(self, branch_id: str) -> list[CrmService]:
        return []

    def staff(self, branch_id: str) -> list[CrmStaff]:
        return []

    def records(
        self, branch_id: str, *, changed_after: datetime.datetime | None, page: str = ""
    ) -> RecordPage:
        """Records of one branch changed after ``changed_after`` (all for ``None``), page by page."""
        return RecordPage(records=())

    def record(self, branch_id: str, record_id: str) -> CrmRecord | None:
        """One record as it is now, or ``None`` when the CRM no longer has it."""
        return None

    def create_record(
        self,
        *,
        branch_id: str,
        staff_id: str,
        service_id: str,
        starts_at: datetime.datetime,
        phone: str,
        name: str,
        email: str = "",
        comment: str = "",
        api_id: str = "",
        code: str = "",
    ) -> str:
        """Book in the CRM; answers the new record's id."""
        raise CrmError("refused", "this CRM keeps no appointments")

    def cancel_record(self, *, branch_id: str, record_id: str) -> None:
        raise CrmError("refused", "this CRM keeps no appointments")

    def loyalty_cards(self, branch_id: str, client_id: str) -> list[LoyaltyCard]:
        return []

    def webhook_records(self, body: bytes, content_type: str = "", **request: Any) -> list[tuple[str, str]]:
        """The ``(branch id, record id)`` pairs an incoming event names, after the vendor's check."""
        return []

    @abstractmethod
    def webhook_deal_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        """The deals an incoming event names, after the vendor's check (Bitrix ``application_token``, amoCRM
        account id, HubSpot's signature). A request that fails the check raises ``CrmError("auth", …)``.

        ``request`` carries what a signature covers: ``method``, ``url`` (the absolute address the vendor
        called), ``headers`` and ``received_at`` (when the inbox stored it: a timestamp is judged against that,
        not against the time a retried job runs). Vendors that sign nothing ignore it."""


registry: ProviderKind[CrmProvider] = ProviderKind(
    "crm", label=_("CRM"), contract=CrmProvider, default="memory", pin_setting="KABINET_CRM_PROVIDER"
)


def providers() -> list[type[CrmProvider]]:
    """The CRM providers staff can connect."""
    return registry.providers()


def connect(
    provider_id: str,
    config: Mapping[str, str],
    *,
    save_config: Callable[[dict[str, str]], None] | None = None,
    sleep: Callable[[float], Any] | None = None,
) -> CrmProvider:
    """A provider for one connection. Unknown ids raise ``LookupError``; incomplete settings ``ProviderError``."""
    provider = registry.get(provider_id)
    return provider(config, save_config=save_config, sleep=sleep)
