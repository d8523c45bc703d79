"""PostgreSQL restarted during a stream of client writes (chat messages, ticket replies, uploads).

Every request either succeeds and is stored once, or fails with a clear error (503, problem+json or a page
saying nothing was saved) and stores nothing. No 500, and the server recovers by itself: the same web process
serves writes again once the database is back, without a restart.
"""

from __future__ import annotations

import threading
import time

import pytest

from kabinet.faults.tests.web import SEED, Answer, get, post
from kabinet.testing.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]
STORED = """
import json
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Message
from kabinet.tickets.models import TicketMessage
print(json.dumps({"chat": list(Message.objects.values_list("body", flat=True)),
                  "reply": list(TicketMessage.objects.values_list("body", flat=True)),
                  "upload": [name.removesuffix(".pdf")
                             for name in ClientFile.objects.values_list("original_name", flat=True)]}))
"""
SUCCESS = {"chat": 201, "reply": 302, "upload": 302}
# The reader's language is unknown while the database is away (it is stored there): the portal's default.
UNAVAILABLE = ("nothing was saved", "ничего не сохранено")


def says_unavailable(answer: Answer) -> bool:
    text = answer.json()["title"] if "json" in answer.content_type else answer.body
    return any(phrase in text for phrase in UNAVAILABLE)


@pytest.mark.parametrize("mode", ["scaled"])
def test_a_database_restart_loses_no_accepted_write_and_stores_no_refused_one(stack, mode):
    seeded = stack.shell_json(SEED)
    client, ticket = seeded["cookies"]["client"], seeded["ticket"]
    base = stack.server()
    results: dict[str, list[tuple[str, Answer]]] = {kind: [] for kind in SUCCESS}
    stop = threading.Event()

    def write(kind: str, n: int) -> Answer:
        key = f"{kind}-{n}"
        if kind == "chat":
            return key, post(base, "/messages/send/", client, {"body": key})
        if kind == "reply":
            return key, post(base, f"/tickets/{ticket}/reply/", client, {"body": key}, json_answer=False)
        return key, post(
            base, "/files/", client, {}, {"upload": (f"{key}.pdf", b"%PDF-1.4 " + key.encode())}, json_answer=False
        )

    def writer(kind: str) -> None:
        n = 0
        while not stop.is_set():
            results[kind].append(write(kind, n))
            n += 1
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(kind,)) for kind in SUCCESS]
    for thread in threads:
        thread.start()
    try:
        wait_until(
            lambda: all(len(r) >= 5 for r in results.values()), timeout=180, what="writes before the restart"
        )
        stack.postgres.stop("fast")  # cuts every connection, rolls back what was in flight
        during = {kind: len(r) for kind, r in results.items()}
        wait_until(
            lambda: all(len(r) >= during[k] + 3 for k, r in results.items()),
            timeout=180,
            what="writes while away",
        )
        stack.postgres.start()
        back = {kind: len(r) for kind, r in results.items()}
        wait_until(  # recovered by itself: the same process stores writes again
            lambda: all(any(a.status == SUCCESS[k] for _key, a in r[back[k] :]) for k, r in results.items()),
            timeout=180,
            what="successful writes after the database came back",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    stored = stack.shell_json(STORED)
    for kind, answers in results.items():
        statuses = {a.status for _key, a in answers}
        assert statuses <= {SUCCESS[kind], 503}, (
            kind,
            [(k, a.status, a.body[:300]) for k, a in answers if a.status not in {SUCCESS[kind], 503}],
        )
        assert 503 in statuses  # the outage was seen...
        for key, answer in answers:
            if answer.status == 503:
                assert says_unavailable(answer), answer.body  # ...and said clearly
                assert key not in stored[kind], f"{key} failed but was stored"
            else:
                assert stored[kind].count(key) == 1, f"{key} succeeded but was not stored once"
    assert get(base, "/messages/", client).status == 200
