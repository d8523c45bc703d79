"""Staff's writes to the sync: connections and their settings, the mapping, "sync now", the review list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import record_audit
from kabinet.core.providers.crm import CLOSED, FAILURE, SUCCESS, registry
from kabinet.crm import actions as crm
from kabinet.crm.models import Pipeline, Stage
from kabinet.sync.engine import provider_for
from kabinet.sync.invoices import PREFIX as INVOICE_PREFIX
from kabinet.sync.invoices import pipeline_key as invoice_key
from kabinet.sync.models import Conflict, Connection, PipelineMap, StageMap
from kabinet.sync.tickets import PREFIX as TICKET_PREFIX
from kabinet.sync.tickets import pipeline_key
from kabinet.webhooks.actions import save_inbox_source
from kabinet.webhooks.models import InboxSource


@transaction.atomic
def save_connection(
    *, actor: Any, connection: Connection, config: Mapping[str, str] | None = None
) -> Connection:
    """Create or change a connection. ``config`` (validated by the provider's schema, then encrypted) replaces
    the settings; secrets left empty keep their stored value. A stopped connection with new settings starts
    again where it stopped. A new connection gets its inbox path for the CRM's webhooks."""
    provider = registry.get(connection.provider)
    changed: list[str] = []
    if config is not None:
        stored = connection.config()
        merged = {
            item.name: (
                str(config.get(item.name) or "") or (stored.get(item.name, "") if item.secret else "")
            )
            for item in provider.config_schema
        }
        connection.set_config(provider.clean_config(merged))
        changed = sorted(k for k in merged if merged[k] != stored.get(k, ""))
        if connection.status == Connection.Status.STOPPED:
            connection.status, connection.retry_at = Connection.Status.NEW, None
    is_new = connection.pk is None
    connection.full_clean(exclude=["credentials"])
    connection.save()
    if connection.inbox_source_id is None:
        source = save_inbox_source(
            actor=actor,
            source=InboxSource(
                provider="crm", account=connection.public_id, verification=InboxSource.Verification.NONE
            ),
        )
        Connection.objects.filter(pk=connection.pk).update(inbox_source=source)
        connection.inbox_source = source
    record_audit(
        event="sync.connection_created" if is_new else "sync.connection_changed",
        actor=actor,
        target=connection,
        provider=connection.provider,
        settings=changed,
    )
    return connection


@transaction.atomic
def load_pipelines(*, actor: Any, connection: Connection) -> int:
    """Read the CRM's pipelines and stages into the mapping; what staff already chose is kept. Answers the
    number of CRM stages known."""
    provider = provider_for(connection)
    pipelines = [(p.id, p) for p in provider.pipelines()]
    if provider.supports_tickets:  # kept apart from the deal pipelines by their prefix
        pipelines += [(pipeline_key(p.id), p) for p in provider.ticket_pipelines()]
    if provider.supports_invoices:  # invoice categories: stages to tick as paid, no Kabinet pipeline
        pipelines += [(invoice_key(p.id), p) for p in provider.invoice_pipelines()]
    total = 0
    for crm_id, crm_pipeline in pipelines:
        PipelineMap.objects.update_or_create(
            connection=connection, crm_id=crm_id, defaults={"crm_name": crm_pipeline.name[:200]}
        )
        for stage in crm_pipeline.stages:
            StageMap.objects.update_or_create(
                connection=connection,
                crm_pipeline_id=crm_id,
                crm_id=stage.id,
                defaults={"crm_name": stage.name[:200], "semantics": stage.semantics},
            )
            total += 1
    record_audit(event="sync.pipelines_loaded", actor=actor, target=connection, stages=total)
    return total


@transaction.atomic
def mirror_pipeline(*, actor: Any, pipeline_map: PipelineMap) -> Pipeline:
    """A Kabinet pipeline with one stage per CRM stage (client names from the CRM's, to be reworded by staff),
    and the mapping pointed at it: the quick start before staff merge stages or hide some. Invoice categories
    have no Kabinet pipeline (their stages only say which one is paid)."""
    if pipeline_map.crm_id.startswith(INVOICE_PREFIX):
        raise ValidationError(
            _("Invoice categories have no Kabinet pipeline: tick their paid stage instead.")
        )
    stages = list(
        StageMap.objects.filter(
            connection=pipeline_map.connection, crm_pipeline_id=pipeline_map.crm_id
        ).order_by("id")
    )
    kinds = {SUCCESS: Stage.Kind.WON, FAILURE: Stage.Kind.LOST, CLOSED: Stage.Kind.CLOSED}
    for_tickets = pipeline_map.crm_id.startswith(TICKET_PREFIX)
    pipeline = crm.create_pipeline(
        actor=actor,
        name=pipeline_map.crm_name or pipeline_map.crm_id,
        kind=Pipeline.Kind.TICKET if for_tickets else Pipeline.Kind.ORDER,
        stages=[
            {
                "name": row.crm_name or row.crm_id,
                "client_name": row.crm_name or row.crm_id,
                "kind": kinds.get(row.semantics, Stage.Kind.OPEN),
            }
            for row in stages
        ],
    )
    created = list(pipeline.stages.order_by("position", "id"))
    for row, stage in zip(stages, created, strict=True):
        row.stage = stage
        row.save(update_fields=["stage"])
    pipeline_map.pipeline = pipeline
    pipeline_map.save(update_fields=["pipeline"])
    record_audit(
        event="sync.pipeline_mirrored", actor=actor, target=pipeline_map.connection, pipeline=pipeline.pk
    )
    return pipeline


def request_pull(*, actor: Any, connection: Connection, full: bool = False) -> None:
    """The "sync now" / "resync everything" buttons: a pull job once the request's transaction commits."""
    from kabinet.sync.tasks import pull_connection

    record_audit(
        event="sync.full_requested" if full else "sync.pull_requested", actor=actor, target=connection
    )
    transaction.on_commit(lambda: pull_connection(connection.pk, full))


def request_deal(*, actor: Any, connection: Connection, deal_id: str) -> None:
    """The "resync one object" button."""
    from kabinet.sync.tasks import pull_deal

    record_audit(event="sync.deal_requested", actor=actor, target=connection, deal=deal_id)
    transaction.on_commit(lambda: pull_deal(connection.pk, deal_id))


def request_ticket(*, actor: Any, connection: Connection, ticket_id: str) -> None:
    """The "resync one object" button for a CRM ticket (HubSpot)."""
    from kabinet.sync.tasks import pull_ticket

    record_audit(event="sync.ticket_requested", actor=actor, target=connection, ticket=ticket_id)
    transaction.on_commit(lambda: pull_ticket(connection.pk, ticket_id))


@transaction.atomic
def resolve_conflict(*, actor: Any, conflict: Conflict) -> Conflict:
    """Staff sorted the case out (merged the contacts, mapped the stage): the deal is fetched again."""
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["resolved_at"])
    record_audit(
        event="sync.conflict_resolved", actor=actor, target=conflict.connection, crm_id=conflict.crm_id
    )
    if conflict.kind == "deal":
        request_deal(actor=actor, connection=conflict.connection, deal_id=conflict.crm_id)
    elif conflict.kind == "ticket":
        request_ticket(actor=actor, connection=conflict.connection, ticket_id=conflict.crm_id)
    return conflict


@transaction.atomic
def rotate_connection_credentials(*, actor: Any = None) -> int:
    """Re-encrypt every connection's settings under the current secret key (``kabinet rotate_credentials``)."""
    from kabinet.core import crypto

    count = crypto.rotate_column(Connection.objects.all(), "credentials")
    record_audit(event="sync.credentials_rotated", actor=actor, count=count)
    return count
