"""kill -9 of a job worker in the middle of sending notification emails: every email goes out exactly once.

The mail server is a loopback SMTP sink that withholds its "250 OK" from the 4th message on. The worker is
killed while it waits for that answer, i.e. in the middle of a send whose outcome it never learns. A new
worker must send that email (the sink dropped it: its OK was never given) and every other one, none twice.
"""

from __future__ import annotations

import os
import signal

import pytest

from kabinet.faults.tests.conftest import MODES
from kabinet.testing.faults import SmtpSink
from kabinet.testing.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]
EMAILS = 12

SEED = """
import json
from django.db import transaction
from kabinet.core.notify import Notice, notify
from kabinet.notifications.models import Notification
from kabinet.testing import factories as f
company = f.CompanyFactory(name="ООО «Почта»")
contacts = [f.client_user(company=company, email=f"client{i}@faults.test").contact for i in range(%d)]
for i, contact in enumerate(contacts):
    with transaction.atomic():  # one transaction per notice: each job is queued when it commits
        notify(Notice(event="invoice.issued", contact_id=contact.pk, company_id=company.pk,
                      params={"number": f"F-{i}"}, url="/invoices/"))
print(json.dumps(list(Notification.objects.values_list("public_id", flat=True))))
"""
STATUS = """
import json
from django.db.models import Count
from kabinet.notifications.models import Delivery
rows = Delivery.objects.filter(channel="email")
print(json.dumps({"status": dict(rows.values_list("status").annotate(n=Count("id"))),
                  "attempts": sorted(rows.values_list("attempts", flat=True))}))
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_killed_mid_email_loses_none_and_doubles_none(stack, mode):
    sink = SmtpSink(hold_from=4)
    stack.extra_env.update(
        KABINET_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        KABINET_EMAIL_HOST="127.0.0.1",
        KABINET_EMAIL_PORT=str(sink.port),
        KABINET_EMAIL_TIMEOUT="20",
    )
    try:
        expected = sorted(f"{pid}:1" for pid in stack.shell_json(SEED % EMAILS))  # queued, no worker yet
        first = stack.worker(threads=1)  # one thread: everything before the held email is recorded
        assert sink.holding.wait(240), stack.log()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        wait_until(lambda: sink.dropped == 1, timeout=10, what="the sink to see the killed client go")
        assert len(sink.ids()) == 3  # three accepted before the kill, the fourth never handed over
        sink.release()
        stack.worker(threads=2)  # the replacement picks up what the dead one left
        wait_until(lambda: len(sink.ids()) >= EMAILS, timeout=300, interval=0.5, what="every email")
        state = wait_until(
            lambda: (s := stack.shell_json(STATUS))["status"] == {"sent": EMAILS} and s,
            timeout=180,
            interval=0.5,
            what="every delivery recorded as sent",
        )
        # all recorded: nothing is left that could still go out, so the sink's list is final
        assert sorted(sink.ids()) == expected, stack.log()
        assert state["attempts"] == [1] * (EMAILS - 1) + [2]  # only the interrupted one was tried again
    finally:
        sink.close()
