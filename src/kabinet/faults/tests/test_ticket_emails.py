"""kill -9 of a job worker in the middle of sending a ticket reply's emails: each goes out exactly once.

An agent answers a ticket with twelve recipients (the client and eleven colleagues in CC): twelve leased
outbox rows, twelve jobs. The loopback SMTP sink withholds its "250 OK" from the 4th message on; the worker
is killed while it waits for that answer. A new worker sends the rest and, once the killed row's lease ran
out, that one too (the sink never accepted it); nothing is sent twice.
"""

from __future__ import annotations

import os
import signal

import pytest

from kabinet.faults.tests.conftest import MODES
from kabinet.testing.faults import SmtpSink
from kabinet.testing.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]
RECIPIENTS = 12

SEED = """
import json
from kabinet.testing import factories as f
from kabinet.tickets import actions
from kabinet.tickets.models import TicketCC, TicketEmail
company = f.CompanyFactory(name="ООО «Обращения»")
people = [f.client_user(company=company, email=f"person{i}@faults.test").contact for i in range(%d)]
ticket = f.TicketFactory(company=company, contact=people[0])
for contact in people[1:]:
    TicketCC.objects.create(ticket=ticket, contact=contact)
agent = f.support_agent(email="agent@faults.test")
actions.add_agent_reply(actor=agent, ticket=ticket, body="Ответ всем")  # its jobs are queued on commit
print(json.dumps([f"ticket-email-{pk}" for pk in TicketEmail.objects.values_list("pk", flat=True)]))
"""
STATUS = """
import json
from django.db.models import Count
from kabinet.tickets.models import TicketEmail
rows = TicketEmail.objects.all()
print(json.dumps({"status": dict(rows.values_list("status").annotate(n=Count("id"))),
                  "attempts": sorted(rows.values_list("attempts", flat=True))}))
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_killed_mid_ticket_email_loses_none_and_doubles_none(stack, mode):
    sink = SmtpSink(hold_from=4)
    stack.extra_env.update(
        KABINET_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        KABINET_EMAIL_HOST="127.0.0.1",
        KABINET_EMAIL_PORT=str(sink.port),
        KABINET_EMAIL_TIMEOUT="20",
    )

    def sent() -> list[str]:
        return sorted(i for i in sink.ids() if i and i.startswith("ticket-email-"))

    try:
        expected = sorted(stack.shell_json(SEED % RECIPIENTS))  # queued, no worker yet
        assert len(expected) == RECIPIENTS
        first = stack.worker(threads=1)  # one thread: everything before the held email is recorded
        assert sink.holding.wait(240), stack.log()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        wait_until(lambda: sink.dropped == 1, timeout=10, what="the sink to see the killed client go")
        assert len(sent()) == 3  # three accepted before the kill, the fourth never handed over
        sink.release()
        stack.worker(threads=2)  # the replacement picks up what the dead one left
        wait_until(lambda: len(sent()) >= RECIPIENTS, timeout=300, interval=0.5, what="every email")
        state = wait_until(
            lambda: (s := stack.shell_json(STATUS))["status"] == {"sent": RECIPIENTS} and s,
            timeout=180,
            interval=0.5,
            what="every ticket email recorded as sent",
        )
        assert sent() == expected, stack.log()  # all recorded: the sink's list is final
        assert state["attempts"] == [1] * (RECIPIENTS - 1) + [2]  # only the interrupted one was tried again
    finally:
        sink.close()
