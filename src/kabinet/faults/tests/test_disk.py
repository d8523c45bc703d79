"""A full disk on the upload folder: a clear error at the field, no half-written file, no row without its file.

The upload folder is a 256 KiB tmpfs mounted by the test (it runs as root in CI); the database is elsewhere.
A first small upload fits; larger ones then fail midway through their write, through the three ways a client
uploads (chat message, ticket reply, the file archive); a small one afterwards works again.
"""

from __future__ import annotations

import os

import pytest

from kabinet.faults.tests.web import SEED, get, post
from kabinet.testing.faults import can_mount, full_disk

pytestmark = [pytest.mark.faults, pytest.mark.slow]
FULL = "storage is full"  # the factories' client reads English
STATE = """
import json
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Message
from kabinet.tickets.models import TicketMessage
print(json.dumps({"files": sorted(ClientFile.objects.values_list("file", flat=True)),
                  "messages": sorted(Message.objects.values_list("body", flat=True)),
                  "replies": sorted(TicketMessage.objects.values_list("body", flat=True))}))
"""


def text(kib: int) -> bytes:
    return ("Строка журнала\n" * (kib * 1024 // 28 + 1)).encode()[: kib * 1024]


@pytest.mark.parametrize("mode", ["embedded"])
def test_a_full_upload_folder_gives_a_clear_error_and_leaves_nothing_half_done(stack, mode):
    if not can_mount():
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    media = stack.folder / "media"
    with full_disk(media, size="256k"):
        stack.extra_env["KABINET_MEDIA_ROOT"] = str(media)
        seeded = stack.shell_json(SEED)
        client, ticket = seeded["cookies"]["client"], seeded["ticket"]
        base = stack.server()

        fits = post(
            base, "/messages/send/", client, {"body": "Помещается"}, {"attachments": ("a.txt", text(64))}
        )
        assert fits.status == 201, fits.body

        chat = post(
            base, "/messages/send/", client, {"body": "Не помещается"}, {"attachments": ("b.txt", text(400))}
        )
        assert chat.status == 400 and chat.content_type == "application/problem+json", chat.body
        assert any(FULL in e for e in chat.json()["errors"]["attachments"]), chat.body

        reply = post(
            base, f"/tickets/{ticket}/reply/", client, {"body": "Ответ не помещается"},
            {"attachments": ("c.txt", text(400))}, json_answer=False,
        )  # fmt: skip
        assert reply.status == 400 and FULL in reply.body

        archive = post(base, "/files/", client, {}, {"upload": ("d.txt", text(400))}, json_answer=False)
        assert archive.status == 400 and FULL in archive.body

        again = post(
            base, "/messages/send/", client, {"body": "Снова можно"}, {"attachments": ("e.txt", text(8))}
        )
        assert again.status == 201, again.body

        state = stack.shell_json(STATE)
        on_disk = sorted(
            os.path.relpath(os.path.join(folder, name), media)
            for folder, _dirs, names in os.walk(media)
            for name in names
        )
        assert on_disk == state["files"] and len(on_disk) == 2  # every row has its file, every file its row
        assert state["messages"] == ["Помещается", "Снова можно"]  # the failed messages were not stored
        assert "Ответ не помещается" not in state["replies"]
        for name in on_disk:  # and what is there is whole
            assert os.path.getsize(media / name) in {64 * 1024, 8 * 1024}
        assert get(base, "/messages/", client).status == 200
