"""kill -9 of a job worker in the middle of processing an incoming webhook: its effect happens exactly once.

A real web process receives a signed event (stored raw, answered 202, queued). A real worker runs the
provider's handler, which writes its effect (a contact, through the action) and then blocks before the
transaction commits; the test kills the worker there with SIGKILL. The job it had taken is gone with it. A
new worker finds the event still due (the effect rolled back with the uncommitted transaction) through the
minute sweep and processes it; a duplicate job afterwards changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request

import pytest

from kabinet.faults.tests.conftest import MODES
from kabinet.testing.processes import python, wait_until
from kabinet.webhooks.signing import new_secret, sign

pytestmark = [pytest.mark.faults, pytest.mark.slow]

# The worker as deployed (``run_huey``), with the test provider's handler registered first. The handler
# blocks only in the first worker (the marker file does not exist yet): the one that is killed.
WORKER = """
import json, os, pathlib, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.config.settings")
import django
django.setup()
from kabinet.crm import actions
from kabinet.webhooks import inbox
marker = pathlib.Path(sys.argv[1])

def handle(event):
    contact = actions.create_contact(actor=None, first_name=json.loads(bytes(event.body))["name"])
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(300)  # killed here: the effect is written, the transaction not committed
    return {"contact": contact.public_id}

inbox.register_handler("faults-crm", handle)
from django.core.management import call_command
call_command("run_huey", "--workers", "1", "--quiet")
"""
SOURCE = """
import json
from kabinet.webhooks import actions
from kabinet.webhooks.models import InboxSource
source = actions.save_inbox_source(
    actor=None, source=InboxSource(provider="faults-crm", verification="standard"), secret=%r
)
print(json.dumps(source.path_secret))
"""
STATE = """
import json
from kabinet.crm.models import Contact
from kabinet.webhooks.models import InboxEffect, InboxEvent
event = InboxEvent.objects.get()
print(json.dumps({"contacts": Contact.objects.filter(first_name="Убитый Воркер").count(),
                  "effects": InboxEffect.objects.count(), "status": event.status, "attempts": event.attempts,
                  "id": event.pk}))
"""
DUPLICATE = """
import json
from kabinet.webhooks import inbox
from kabinet.webhooks.models import InboxEvent
print(json.dumps(inbox.process(InboxEvent.objects.get().pk)))
"""


def _post_signed(url: str, secret: str, body: bytes) -> int:
    stamp = int(time.time())
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "webhook-id": "evt_killed_worker",
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, "evt_killed_worker", stamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - a loopback URL of the test
        return answer.status


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_killed_mid_inbox_event_leaves_its_effect_exactly_once(stack, mode):
    secret = new_secret()
    path_secret = stack.shell_json(SOURCE % secret)
    marker = stack.folder / "in-handler"
    first = python("-c", WORKER, str(marker), env=stack.env, log=stack.folder / "worker.log")
    stack.processes.append(first)
    base = stack.server()
    body = json.dumps({"name": "Убитый Воркер"}).encode()
    assert _post_signed(f"{base}/hooks/in/{path_secret}/", secret, body) == 202
    wait_until(marker.exists, timeout=120, interval=0.2, what="the worker to be inside the handler")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    before = stack.shell_json(STATE)
    assert (before["contacts"], before["effects"], before["status"]) == (0, 0, "received"), before

    second = python("-c", WORKER, str(marker), env=stack.env, log=stack.folder / "worker.log")
    stack.processes.append(second)
    after = wait_until(  # the minute sweep finds the event the dead worker's job never finished
        lambda: (s := stack.shell_json(STATE))["status"] == "processed" and s,
        timeout=180,
        interval=1,
        what="the event processed by the new worker",
    )
    assert (after["contacts"], after["effects"], after["attempts"]) == (1, 1, 1), (after, stack.log())
    assert stack.shell_json(DUPLICATE) == "skipped"  # a late duplicate of the job changes nothing
    assert _post_signed(f"{base}/hooks/in/{path_secret}/", secret, body) == 200  # a provider's retry: dedupe
    final = stack.shell_json(STATE)
    assert (final["contacts"], final["effects"]) == (1, 1), final
