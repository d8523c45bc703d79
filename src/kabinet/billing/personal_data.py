"""Billing's part of "download my data": the person's own invoices."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.personal_data import ExportPart, PersonalDataSource, register_personal_data
from kabinet.billing.selectors import invoices_visible_to
from kabinet.crm.personal_data import own_data_viewers


def export(user: Any) -> list[ExportPart]:
    records = [
        {
            "number": i.number,
            "amount": i.amount,
            "paid_amount": i.paid_amount,
            "currency": i.currency,
            "issued_on": i.issued_on,
            "due_date": i.due_date,
            "status": i.status,
        }
        for viewer in own_data_viewers(user)
        for i in invoices_visible_to(viewer)
    ]
    return [ExportPart(name="invoices", records=records)]


def register() -> None:
    register_personal_data(PersonalDataSource(key="billing", export=export, order=50))
