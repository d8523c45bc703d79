"""A company admin sees the company's files, but never a colleague's chat attachments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from kabinet.crm.viewer import build_viewer
from kabinet.files.actions import store_file
from kabinet.files.selectors import files_visible_to
from kabinet.messaging.actions import open_conversation
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def viewer_of(user):
    request = RequestFactory().get("/")
    request.user, request.session = user, {}
    return build_viewer(request)


def test_chat_attachments_stay_personal(world):
    owner = world.user(Role.OWNER)
    conversation = open_conversation(actor=owner, contact=owner.contact, company=world.company)
    message = f.MessageFactory(conversation=conversation, body="см. вложение")
    attachment = store_file(
        actor=owner,
        upload=SimpleUploadedFile("private.pdf", b"%PDF-1.4\n%private\n"),
        company=world.company,
        contact=owner.contact,
        subject=message,
        client_visible=False,
    )
    assert attachment in files_visible_to(viewer_of(owner))
    admin_files = files_visible_to(viewer_of(world.user(Role.COMPANY_ADMIN)))
    assert attachment not in admin_files
    assert world.file in admin_files  # the company's ordinary files stay visible to its admin
