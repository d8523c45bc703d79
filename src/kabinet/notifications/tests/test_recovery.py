"""Outside deliveries survive a worker killed mid-job: the outbox rows in the database say what is left, and
``recover_deliveries`` hands it to a new job (the fault suite kills real workers: kabinet/faults/)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from kabinet.notifications import actions
from kabinet.notifications.models import Delivery, Notification
from kabinet.notifications.tests.test_delivery import due_now, notice_for
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db
AGO = datetime.timedelta(hours=1)


def pending_notice(world, django_capture_on_commit_callbacks) -> Notification:
    with django_capture_on_commit_callbacks(execute=False):  # the job is "lost": never run
        notification = actions.record_notice(notice=notice_for(world.user(Role.OWNER)))
    return notification


def test_a_batch_whose_job_was_lost_before_the_claim_goes_out_once(world, django_capture_on_commit_callbacks):
    notification = pending_notice(world, django_capture_on_commit_callbacks)
    due_now(notification)
    assert actions.recover_deliveries() == []  # due a second ago: its job may still be on the way
    Notification.objects.filter(pk=notification.pk).update(outside_due_at=timezone.now() - AGO)
    assert actions.recover_deliveries() == [notification.pk]
    assert len(mail.outbox) == 1 and mail.outbox[0].extra_headers["Message-ID"].startswith("<")
    assert actions.recover_deliveries() == []  # nothing left: a second run sends nothing
    assert len(mail.outbox) == 1


def test_the_claim_writes_the_outbox_and_a_worker_dead_after_it_is_replaced(
    world, django_capture_on_commit_callbacks
):
    notification = pending_notice(world, django_capture_on_commit_callbacks)
    due_now(notification)
    claimed, _wait = actions._claim_batch(notification.pk)  # the worker dies right after this commit
    assert claimed is not None and mail.outbox == []
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.status == Delivery.Status.PENDING and delivery.channel == "email"
    assert actions.recover_deliveries() == []  # written a moment ago
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - AGO)
    assert actions.recover_deliveries() == [notification.pk]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1 and len(mail.outbox) == 1


def test_a_send_in_progress_is_not_repeated_until_its_lease_runs_out(
    world, django_capture_on_commit_callbacks
):
    notification = pending_notice(world, django_capture_on_commit_callbacks)
    due_now(notification)
    actions._claim_batch(notification.pk)
    delivery = Delivery.objects.get(notification=notification)
    assert actions._take(delivery)  # a worker is sending...
    assert not actions._take(delivery)  # ...so a second job racing for it does not
    actions.deliver_outside(notification_id=notification.pk)  # a duplicate job: sends nothing
    assert mail.outbox == []
    Delivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    assert actions.recover_deliveries() == [notification.pk]  # the worker died: its lease ran out
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2 and len(mail.outbox) == 1
    assert delivery.lease_until is None
