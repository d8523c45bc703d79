"""Jobs of payments: the manager's email after a payment (outside the action's transaction, retried by Huey)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from kabinet.payments.emails import send_manager_paid_email


@db_task(retries=3, retry_delay=60)
def tell_manager_of_payment(payment_id: int) -> int:
    return send_manager_paid_email(payment_id)
