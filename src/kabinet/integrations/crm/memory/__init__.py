"""The offline CRM: an in-memory stand-in the demo and the tests fill and change like a real portal.

Each ``account`` setting names one :class:`MemoryCrm` in this process (:func:`stand_in`). It keeps deals,
contacts, companies and pipelines, answers pages ordered by modification time like the vendors do, records the
comments written back, and can be told to refuse (``fail_next``) to play a vendor outage or broken credentials.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import ConfigField
from kabinet.core.providers.crm import (
    CrmCompany,
    CrmContact,
    CrmDeal,
    CrmError,
    CrmPipeline,
    CrmProvider,
    CrmStage,
    DealPage,
)

EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


class MemoryCrm:
    """The data of one stand-in account. Modification times tick one second per change, never the clock."""

    def __init__(self, account: str, page_size: int = 50) -> None:
        self.account, self.page_size = account, page_size
        self.pipelines: dict[str, CrmPipeline] = {}
        self.deals: dict[str, CrmDeal] = {}
        self.contacts: dict[str, CrmContact] = {}
        self.companies: dict[str, CrmCompany] = {}
        self.comments: list[dict[str, str]] = []
        self.calls: list[str] = []
        self.failures: list[CrmError] = []
        self.breaks: dict[str, tuple[int, BaseException]] = {}
        self.ticks = itertools.count(1)
        self.ids = itertools.count(1)

    def tick(self) -> datetime.datetime:
        return EPOCH + datetime.timedelta(seconds=next(self.ticks))

    def add_pipeline(
        self, pipeline_id: str, name: str, stages: Iterable[tuple[str, str, str]]
    ) -> CrmPipeline:
        """``stages``: ``(id, name, semantics)`` in order."""
        pipeline = CrmPipeline(
            id=pipeline_id,
            name=name,
            stages=tuple(
                CrmStage(id=s, name=n, sort=(i + 1) * 10, semantics=m) for i, (s, n, m) in enumerate(stages)
            ),
        )
        self.pipelines[pipeline_id] = pipeline
        return pipeline

    def add_contact(
        self, first_name: str, last_name: str = "", *, emails=(), phones=(), id: str = ""
    ) -> CrmContact:
        contact = CrmContact(
            id=id or str(next(self.ids)),
            first_name=first_name,
            last_name=last_name,
            emails=tuple(emails),
            phones=tuple(phones),
        )
        self.contacts[contact.id] = contact
        return contact

    def add_company(self, name: str, *, inn: str = "", id: str = "") -> CrmCompany:
        company = CrmCompany(id=id or str(next(self.ids)), name=name, inn=inn)
        self.companies[company.id] = company
        return company

    def add_deal(
        self,
        title: str,
        *,
        pipeline_id: str,
        stage_id: str,
        amount: str = "0",
        currency: str = "RUB",
        contact_id: str = "",
        company_id: str = "",
        id: str = "",
        **fields: str,
    ) -> CrmDeal:
        deal = CrmDeal(
            id=id or str(next(self.ids)),
            title=title,
            pipeline_id=pipeline_id,
            stage_id=stage_id,
            modified_at=self.tick(),
            amount=Decimal(amount),
            currency=currency,
            contact_id=contact_id,
            company_id=company_id,
            fields=fields,
        )
        self.deals[deal.id] = deal
        return deal

    def update_deal(self, deal_id: str, **changes: object) -> CrmDeal:
        """Change a deal as a CRM user would: its modification time moves."""
        deal = replace(self.deals[deal_id], modified_at=self.tick(), **changes)
        self.deals[deal_id] = deal
        return deal

    def delete_deal(self, deal_id: str) -> None:
        self.deals.pop(deal_id, None)

    def fail_next(self, code: str, message: str) -> None:
        """The next call refuses with the vendor's ``code`` and ``message``."""
        self.failures.append(CrmError(code, message))

    def break_at(self, name: str, nth: int, error: BaseException) -> None:
        """The ``nth`` call of ``name`` from now raises ``error`` (a crash of the process in the middle)."""
        self.breaks[name] = (self.calls.count(name) + nth, error)

    def call(self, name: str) -> None:
        self.calls.append(name)
        planned = self.breaks.get(name)
        if planned and self.calls.count(name) == planned[0]:
            del self.breaks[name]
            raise planned[1]
        if self.failures:
            raise self.failures.pop(0)


STANDS: dict[str, MemoryCrm] = {}


def stand_in(account: str = "demo", *, page_size: int = 50, reset: bool = False) -> MemoryCrm:
    """The stand-in named ``account`` in this process (created on first use; ``reset`` empties it)."""
    if reset or account not in STANDS:
        STANDS[account] = MemoryCrm(account, page_size)
    return STANDS[account]


class MemoryCrmProvider(CrmProvider):
    id = "memory"
    label = _("Offline CRM stand-in (demo and tests)")
    offline = True
    config_schema = (
        ConfigField("account", _("Stand-in name"), default="demo"),
        ConfigField("token", _("Webhook token"), secret=True, required=False),
    )

    @property
    def crm(self) -> MemoryCrm:
        return stand_in(self.config["account"])

    @property
    def account(self) -> str:
        return f"memory:{self.config['account']}"

    def pipelines(self) -> list[CrmPipeline]:
        self.crm.call("pipelines")
        return list(self.crm.pipelines.values())

    def deals(self, *, modified_since: datetime.datetime | None, page: str = "") -> DealPage:
        crm = self.crm
        crm.call("deals")
        rows = sorted(
            (d for d in crm.deals.values() if modified_since is None or d.modified_at >= modified_since),
            key=lambda d: (d.modified_at, int(d.id) if d.id.isdigit() else 0, d.id),
        )
        start = int(page or 0)
        chunk = rows[start : start + crm.page_size]
        more = start + crm.page_size < len(rows)
        return DealPage(deals=tuple(chunk), next=str(start + crm.page_size) if more else "")

    def deal(self, deal_id: str) -> CrmDeal | None:
        self.crm.call("deal")
        return self.crm.deals.get(deal_id)

    def contact(self, contact_id: str) -> CrmContact | None:
        self.crm.call("contact")
        return self.crm.contacts.get(contact_id)

    def company(self, company_id: str) -> CrmCompany | None:
        self.crm.call("company")
        return self.crm.companies.get(company_id)

    def add_comment(self, *, entity: str, entity_id: str, text: str) -> str:
        crm = self.crm
        crm.call("comment")
        comment_id = str(next(crm.ids))
        crm.comments.append(
            {
                "id": comment_id,
                "entity": entity,
                "entity_id": entity_id,
                "text": text,
                "at": timezone.now().isoformat(),
            }
        )
        return comment_id

    def webhook_deal_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        """The stand-in's events are JSON: ``{"token": …, "deals": ["1", …]}``."""
        try:
            data = json.loads(body)
        except ValueError as error:
            raise CrmError("refused", "not JSON") from error
        if (self.config.get("token") or "") != str(data.get("token") or ""):
            raise CrmError("auth", "wrong token")
        return [str(d) for d in data.get("deals", [])]
