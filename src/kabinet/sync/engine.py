"""The sync engine, one for every CRM: pull deals page by page, map them, upsert through the ``crm`` actions.

- **Incremental and resumable.** A pull reads deals modified at or after the connection's ``cursor``, oldest
  change first. Each page is applied in one transaction together with the checkpoint of the next page, so a
  process killed midway loses at most the page it was on, and the next run resumes there.
- **Idempotent by the vendor's id.** ``Link`` ties each CRM id to its Kabinet row; the digest of what was
  applied last makes a repeated page (or the echo of Kabinet's own comment) a no-op.
- **Nothing merged silently.** A CRM contact is matched by its CRM id, then by a *verified* email or phone of
  a Kabinet contact; a company by its CRM id, then by INN. Two candidates make a ``Conflict`` on the review
  list and the deal waits.
- **Writes only through actions** (``crm.actions``): the timeline, audit, notices and outgoing webhooks of a
  synced stage change are those of a stage change made by staff.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kabinet.core.providers.crm import CrmDeal, CrmError, CrmFile, CrmProvider, connect
from kabinet.crm import actions as crm
from kabinet.crm import validators
from kabinet.crm.custom_fields import parse_specs
from kabinet.crm.models import Company, Contact, ContactEmail, ContactPhone, Membership, Order
from kabinet.sync.models import Conflict, Connection, Link, PipelineMap, Run, StageMap

logger = logging.getLogger(__name__)
CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"
MAX_PAGES_PER_RUN = 10_000  # a guard against a vendor whose "next" never ends


def provider_for(connection: Connection, *, sleep: Any = None) -> CrmProvider:
    """The connection's provider; refreshed OAuth tokens are stored back, encrypted, at once."""

    def save_config(config: dict[str, str]) -> None:
        connection.set_config(config)
        Connection.objects.filter(pk=connection.pk).update(credentials=connection.credentials)

    return connect(connection.provider, connection.config(), save_config=save_config, sleep=sleep)


def digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Context:
    """What one run reads once: the mapping, and the people already resolved in this run."""

    connection: Connection
    provider: CrmProvider
    pipelines: dict[str, PipelineMap] = field(default_factory=dict)
    stages: dict[tuple[str, str], StageMap] = field(default_factory=dict)
    contacts: dict[str, Contact | None] = field(default_factory=dict)
    companies: dict[str, Company | None] = field(default_factory=dict)
    managers: dict[str, Any] = field(default_factory=dict)
    members: set[tuple[int, int]] = field(default_factory=set)
    # The links of the page being applied, read in one query (``prefetch``); ``None``: look each one up.
    page_links: dict[str, Link] | None = None
    # CRM contact cards fetched for a page in one call where the vendor allows it (Bitrix ``batch``).
    cards: dict[str, Any] = field(default_factory=dict)

    def prefetch_contacts(self, deals: tuple[CrmDeal, ...]) -> None:
        wanted = {d.contact_id for d in deals if d.contact_id and d.contact_id not in self.contacts}
        if not wanted:
            return
        wanted -= set(
            Link.objects.filter(
                connection=self.connection, kind=Link.Kind.CONTACT, crm_id__in=wanted
            ).values_list("crm_id", flat=True)
        )
        if wanted:
            self.cards.update(self.provider.contacts(sorted(wanted)))

    def prefetch(self, deals: tuple[CrmDeal, ...]) -> None:
        rows = Link.objects.filter(
            connection=self.connection, kind=Link.Kind.DEAL, crm_id__in=[d.id for d in deals]
        )
        self.page_links = {row.crm_id: row for row in rows}

    def deal_link(self, crm_id: str) -> Link | None:
        if self.page_links is not None:
            return self.page_links.get(crm_id)
        return linked(self.connection, Link.Kind.DEAL, crm_id)

    @classmethod
    def load(cls, connection: Connection, provider: CrmProvider) -> Context:
        context = cls(connection=connection, provider=provider)
        for row in PipelineMap.objects.filter(connection=connection).select_related("pipeline"):
            context.pipelines[row.crm_id] = row
        for row in StageMap.objects.filter(connection=connection).select_related("stage"):
            context.stages[(row.crm_pipeline_id, row.crm_id)] = row
        emails = {str(k): str(v).lower() for k, v in (connection.managers or {}).items()}
        staff = {
            u.email.lower(): u
            for u in get_user_model().objects.filter(is_staff=True, email__in=emails.values())
        }
        context.managers = {crm_id: staff.get(email) for crm_id, email in emails.items()}
        return context


def open_conflict(connection: Connection, kind: str, crm_id: str, reason: str, candidates: list[str]) -> None:
    Conflict.objects.get_or_create(
        connection=connection,
        kind=kind,
        crm_id=crm_id,
        resolved_at=None,
        defaults={"reason": reason[:300], "candidates": candidates},
    )


def linked(connection: Connection, kind: str, crm_id: str) -> Link | None:
    return Link.objects.filter(connection=connection, kind=kind, crm_id=crm_id).first()


def link(connection: Connection, kind: str, crm_id: str, object_id: int, value_digest: str = "") -> Link:
    row, _created = Link.objects.update_or_create(
        connection=connection,
        kind=kind,
        crm_id=crm_id,
        defaults={"object_id": object_id, "digest": value_digest, "deleted_in_crm": False},
    )
    return row


def normalised_phones(phones: tuple[str, ...]) -> list[str]:
    result = []
    for phone in phones:
        try:
            result.append(validators.normalize_phone(phone))
        except ValidationError:
            continue  # a CRM card may hold anything; an unusable number is simply not matched or copied
    return list(dict.fromkeys(result))


def resolve_contact(context: Context, crm_id: str) -> Contact | None:
    """The Kabinet contact of a CRM contact: by link, else one verified email/phone match, else a new one.

    ``None`` when the CRM has no such contact or the match is ambiguous (then a conflict is open)."""
    if not crm_id:
        return None
    if crm_id in context.contacts:
        return context.contacts[crm_id]
    connection = context.connection
    row = linked(connection, Link.Kind.CONTACT, crm_id)
    contact = Contact.objects.filter(pk=row.object_id).first() if row else None
    if contact is None:
        person = context.cards.pop(crm_id) if crm_id in context.cards else context.provider.contact(crm_id)
        if person is None:
            context.contacts[crm_id] = None
            return None
        emails = list(dict.fromkeys(e.strip().lower() for e in person.emails if e and "@" in e))
        phones = normalised_phones(person.phones)
        candidates = set(
            ContactEmail.objects.filter(email__in=emails, verified_at__isnull=False).values_list(
                "contact_id", flat=True
            )
        ) | set(
            ContactPhone.objects.filter(phone__in=phones, verified_at__isnull=False).values_list(
                "contact_id", flat=True
            )
        )
        if len(candidates) > 1:
            open_conflict(
                connection,
                Link.Kind.CONTACT,
                crm_id,
                f"{person.first_name} {person.last_name}: several Kabinet contacts share a verified address",
                [str(pk) for pk in sorted(candidates)],
            )
            context.contacts[crm_id] = None
            return None
        if candidates:
            contact = Contact.objects.get(pk=candidates.pop())
        else:
            taken_emails = set(ContactEmail.objects.filter(email__in=emails).values_list("email", flat=True))
            taken_phones = set(ContactPhone.objects.filter(phone__in=phones).values_list("phone", flat=True))
            # The business vouches for its CRM's addresses (as for addresses staff type), so the client can
            # sign in with the phone on his deal; an address an unverified Kabinet contact already holds is
            # left off rather than given to two people.
            contact = crm.create_contact(
                actor=None,
                first_name=(person.first_name or person.last_name or "—")[:100],
                last_name=person.last_name[:100] if person.first_name else "",
                emails=[e for e in emails if e not in taken_emails],
                phones=[p for p in phones if p not in taken_phones],
                verified=True,
            )
        link(connection, Link.Kind.CONTACT, crm_id, contact.pk)
    context.contacts[crm_id] = contact
    return contact


def resolve_company(context: Context, crm_id: str) -> Company | None:
    """The Kabinet company of a CRM company: by link, else one match by INN, else a new one."""
    if not crm_id:
        return None
    if crm_id in context.companies:
        return context.companies[crm_id]
    connection = context.connection
    row = linked(connection, Link.Kind.COMPANY, crm_id)
    company = Company.objects.filter(pk=row.object_id).first() if row else None
    if company is None:
        found = context.provider.company(crm_id)
        if found is None:
            context.companies[crm_id] = None
            return None
        same_inn = Company.objects.filter(inn=found.inn)
        if found.kpp and same_inn.filter(kpp=found.kpp).exists():  # branches share the INN, not the KPP
            same_inn = same_inn.filter(kpp=found.kpp)
        matches = list(same_inn.values_list("pk", flat=True)[:2]) if found.inn else []
        if len(matches) > 1:
            open_conflict(
                connection,
                Link.Kind.COMPANY,
                crm_id,
                f"{found.name}: INN {found.inn} is on several companies",
                [str(pk) for pk in matches],
            )
            context.companies[crm_id] = None
            return None
        if matches:
            company = Company.objects.get(pk=matches[0])
        else:
            try:
                numbers = {"inn": found.inn, "kpp": found.kpp} if found.kpp else {"inn": found.inn}
                company = crm.create_company(actor=None, name=found.name[:200] or crm_id, **numbers)
            except ValidationError:  # an INN that fails its checksum: keep the company, leave the number out
                company = crm.create_company(actor=None, name=found.name[:200] or crm_id)
        link(connection, Link.Kind.COMPANY, crm_id, company.pk)
    context.companies[crm_id] = company
    return company


def custom_fields(connection: Connection, deal: CrmDeal) -> list[dict[str, Any]]:
    """The CRM fields staff chose to show, with their labels per language and their type
    (``crm.custom_fields``), in staff's order; the order page formats them for each reader."""
    try:
        specs = parse_specs(connection.custom_fields)
    except ValidationError:  # saved before the form checked it: show nothing rather than guess
        logger.warning("connection %s: custom fields not understood", connection.pk)
        return []
    return [
        spec.row(deal.fields[spec.code]) for spec in specs if deal.fields.get(spec.code) not in (None, "")
    ]


def deal_digest(context: Context, deal: CrmDeal) -> str:
    """The hash of everything a deal's order is made of, the mapping included (a remapped stage differs)."""
    stage_map = context.stages.get((deal.pipeline_id, deal.stage_id))
    manager = context.managers.get(deal.responsible_id)
    files = sorted(f"{f.field}:{f.id}" for f in mapped_files(context, deal))
    return digest(
        {
            **(
                {"files": files} if files else {}
            ),  # only then: the digest of deals without files is as before
            "title": deal.title,
            "amount": str(deal.amount),
            "currency": deal.currency,
            "stage": getattr(stage_map, "stage_id", None),
            "hides": getattr(stage_map, "hides", None),
            "contact": deal.contact_id,
            "company": deal.company_id,
            "fields": custom_fields(context.connection, deal),
            "manager": getattr(manager, "pk", None),
        }
    )


def apply_deal(context: Context, deal: CrmDeal) -> str:
    """Create or update the Kabinet order of one deal; answers what happened. Runs inside a transaction."""
    connection = context.connection
    pipeline_map = context.pipelines.get(deal.pipeline_id)
    if pipeline_map is None or pipeline_map.pipeline is None:
        return SKIPPED  # not a pipeline staff chose to import
    stage_map = context.stages.get((deal.pipeline_id, deal.stage_id))
    row = context.deal_link(deal.id)
    if row is not None and row.digest and not row.deleted_in_crm and row.digest == deal_digest(context, deal):
        return UNCHANGED  # what was applied last: no query for the order at all
    order = Order.objects.select_related("stage").filter(pk=row.object_id).first() if row else None
    if stage_map is None or (stage_map.stage is None and not stage_map.hides):
        open_conflict(
            connection, Link.Kind.DEAL, deal.id, f"{deal.title}: CRM stage {deal.stage_id} is not mapped", []
        )
        return SKIPPED
    if stage_map.hides:
        # Not yet shown: stays out of the cabinet. Already shown: taken out of it (``Order.hidden``), keeping
        # its last client-facing stage for the day it comes back (a client is never told a hidden stage).
        if order is None:
            return SKIPPED
        hidden_before = order.hidden
        crm.set_order_hidden(actor=None, order=order, hidden=True)
        link(connection, Link.Kind.DEAL, deal.id, order.pk, deal_digest(context, deal))
        return UNCHANGED if hidden_before else UPDATED
    stage = stage_map.stage
    if stage.pipeline_id != pipeline_map.pipeline_id:
        open_conflict(
            connection,
            Link.Kind.DEAL,
            deal.id,
            f"{deal.title}: stage {deal.stage_id} maps to a stage of another Kabinet pipeline",
            [],
        )
        return SKIPPED
    fields = custom_fields(connection, deal)
    manager = context.managers.get(deal.responsible_id)
    value_digest = deal_digest(context, deal)
    if row is not None and order is not None and row.digest == value_digest:
        return UNCHANGED
    contact = resolve_contact(context, deal.contact_id)
    company = resolve_company(context, deal.company_id)
    if contact is None and company is None:
        if (
            not Conflict.objects.filter(connection=connection, resolved_at=None)
            .filter(crm_id__in=[deal.contact_id, deal.company_id])
            .exists()
        ):
            open_conflict(
                connection, Link.Kind.DEAL, deal.id, f"{deal.title}: the deal has no contact or company", []
            )
        return SKIPPED
    if contact is not None and company is not None and (contact.pk, company.pk) not in context.members:
        if not Membership.objects.filter(contact=contact, company=company).exists():
            crm.add_membership(actor=None, contact=contact, company=company)
        context.members.add((contact.pk, company.pk))
    title = (deal.title or f"#{deal.id}")[:250]
    amount = Decimal(deal.amount).quantize(Decimal("0.01"))
    if order is None:
        order = crm.create_order(
            actor=None,
            title=title,
            company=company,
            contact=contact,
            pipeline=pipeline_map.pipeline,
            stage=stage,
            amount=amount,
            currency=deal.currency[:3] or "RUB",
            manager=manager,
            custom_fields=fields,
        )
        created = Link.objects.create(
            connection=connection,
            kind=Link.Kind.DEAL,
            crm_id=deal.id,
            object_id=order.pk,
            digest=value_digest,
        )
        if context.page_links is not None:
            context.page_links[deal.id] = created
        return CREATED
    changed = []
    for name, value in (
        ("title", title),
        ("amount", amount),
        ("currency", deal.currency[:3] or "RUB"),
        ("company", company),
        ("contact", contact),
        ("custom_fields", fields),
    ):
        if getattr(order, name) != value:
            setattr(order, name, value)
            changed.append(name)
    if manager is not None and order.manager_id != manager.pk:
        order.manager = manager
        changed.append("manager")
    if changed:
        crm.save_order(actor=None, order=order, changed_fields=changed)
    if order.hidden:  # back at a stage clients see: shown again first, so the client is told of that stage
        crm.set_order_hidden(actor=None, order=order, hidden=False)
        changed.append("hidden")
    if order.stage_id != stage.pk:
        crm.change_order_stage(actor=None, order=order, stage=stage)
        changed.append("stage")
    link(connection, Link.Kind.DEAL, deal.id, order.pk, value_digest)
    return UPDATED if changed else UNCHANGED


def mapped_files(context: Context, deal: CrmDeal) -> list[CrmFile]:
    """The deal's files in the fields staff named (``Connection.document_fields``)."""
    wanted = set(context.connection.document_fields or ())
    return [f for f in deal.files if f.field in wanted] if wanted else []


def store_documents(context: Context, deal: CrmDeal) -> None:
    """The files of the deal's mapped file fields → files of its order (``files.actions.store_bytes``: checked
    by size and content like any upload), idempotent by the CRM file id (``Link`` of kind ``document``). A file
    Kabinet refuses goes to the review list; the deal is kept. A download the CRM refuses fails the page (it
    is read again at the next pull)."""
    from django.conf import settings

    from kabinet.files.actions import store_bytes

    files = mapped_files(context, deal)
    row = context.deal_link(deal.id) if files else None
    order = Order.objects.filter(pk=row.object_id).first() if row else None
    if order is None:
        return
    connection = context.connection
    known = set(
        Link.objects.filter(
            connection=connection, kind=Link.Kind.DOCUMENT, crm_id__in=[f"{deal.id}:{f.id}" for f in files]
        ).values_list("crm_id", flat=True)
    )
    for crm_file in files:
        key = f"{deal.id}:{crm_file.id}"
        if key in known:
            continue
        try:
            name, data = context.provider.download(crm_file.url, limit=settings.KABINET_MAX_UPLOAD_BYTES)
        except CrmError as error:
            if error.code not in ("too_large", "not_found"):
                raise
            open_conflict(connection, Link.Kind.DOCUMENT, key, f"{deal.title}: {error.message}", [])
            continue
        try:
            with transaction.atomic():
                stored = store_bytes(
                    actor=None,
                    name=name,
                    data=data,
                    company=order.company,
                    contact=order.contact,
                    subject=order,
                )
                link(connection, Link.Kind.DOCUMENT, key, stored.pk)
        except ValidationError as error:
            open_conflict(
                connection, Link.Kind.DOCUMENT, key, f"{deal.title}: {name}: {'; '.join(error.messages)}", []
            )


def apply_safely(context: Context, deal: CrmDeal) -> str:
    """``apply_deal`` in a savepoint: a deal Kabinet cannot accept (a value failing validation) goes to the
    review list with the reason, and the rest of the page goes on. The deal's documents follow it."""
    try:
        with transaction.atomic():
            outcome = apply_deal(context, deal)
            if outcome != UNCHANGED and mapped_files(context, deal):
                store_documents(context, deal)
            return outcome
    except ValidationError as error:
        context.page_links = None  # the savepoint may have undone a link the cache holds
        open_conflict(
            context.connection, Link.Kind.DEAL, deal.id, f"{deal.title}: {'; '.join(error.messages)}", []
        )
        return SKIPPED


def count(run: Run, outcome: str) -> None:
    setattr(run, outcome, getattr(run, outcome) + 1)


def parse_time(value: str) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def pull(
    connection: Connection, *, full: bool = False, now: datetime.datetime | None = None, sleep: Any = None
) -> Run:
    """One pull of every deal changed since the cursor (``full``: of every deal), resuming a checkpoint.

    A vendor refusal ends the run ``failed`` with the vendor's words (``stopped`` for broken credentials or an
    unpaid account: the connection stops until staff fix it); what was applied before stays applied.
    """
    now = now or timezone.now()
    # One pull per connection runs at a time (the job's lease): a run still "running" died with its process.
    Run.objects.filter(
        connection=connection, status=Run.Status.RUNNING, kind__in=[Run.Kind.PULL, Run.Kind.FULL]
    ).update(
        status=Run.Status.FAILED,
        error="interrupted (the process stopped); resumed from its checkpoint",
        finished_at=now,
    )
    run = Run.objects.create(
        connection=connection, kind=Run.Kind.FULL if full else Run.Kind.PULL, started_at=now
    )
    checkpoint = dict(connection.checkpoint or {})
    if full and not checkpoint.get("full"):
        checkpoint = {"full": True, "since": "", "page": "", "started": timezone.now().isoformat()}
    elif not checkpoint:
        checkpoint = {"since": connection.cursor.isoformat() if connection.cursor else "", "page": ""}
    since = parse_time(checkpoint.get("since", ""))
    newest = parse_time(checkpoint.get("newest", "")) or connection.cursor
    try:
        provider = provider_for(connection, sleep=sleep)
        context = Context.load(connection, provider)
        for _number in range(MAX_PAGES_PER_RUN):
            page = provider.deals(modified_since=since, page=checkpoint.get("page", ""))
            with transaction.atomic():
                context.prefetch(page.deals)
                context.prefetch_contacts(page.deals)
                for deal in page.deals:
                    count(run, apply_safely(context, deal))
                    if newest is None or deal.modified_at > newest:
                        newest = deal.modified_at
                if checkpoint.get("full"):  # seen in this resync: what is left unseen was deleted in the CRM
                    Link.objects.filter(
                        connection=connection, kind=Link.Kind.DEAL, crm_id__in=[d.id for d in page.deals]
                    ).update(synced_at=timezone.now(), deleted_in_crm=False)
                run.pages += 1
                checkpoint = {**checkpoint, "page": page.next, "newest": newest.isoformat() if newest else ""}
                Connection.objects.filter(pk=connection.pk).update(checkpoint=checkpoint if page.next else {})
                run.save()
            if not page.next:
                break
    except CrmError as error:
        return finish(connection, run, error=error, now=now)
    if checkpoint.get("full"):
        Link.objects.filter(
            connection=connection, kind=Link.Kind.DEAL, synced_at__lt=parse_time(checkpoint["started"])
        ).update(deleted_in_crm=True)
    connection.cursor = newest
    connection.checkpoint = {}
    return finish(connection, run, now=now)


def finish(connection: Connection, run: Run, *, now: datetime.datetime, error: CrmError | None = None) -> Run:
    """Close the run and write the connection's health (the cursor only moves on success)."""
    from kabinet.sync import health  # the notice to the admins lives with the health rules

    run.finished_at = timezone.now()
    if error is None:
        run.status = Run.Status.OK
        Connection.objects.filter(pk=connection.pk).update(
            cursor=connection.cursor,
            checkpoint={},
            status=Connection.Status.OK,
            last_success_at=now,
            retry_at=None,
        )
    else:
        run.status = Run.Status.STOPPED if error.stops_sync else Run.Status.FAILED
        run.error = error.message[:2000]
        health.record_failure(connection, error, now=now)
    run.save()
    return run


def pull_deal(connection: Connection, deal_id: str, *, kind: str = Run.Kind.OBJECT, sleep: Any = None) -> Run:
    """Fetch one deal again and apply it (a webhook, the "resync" button). A deal deleted in the CRM marks its
    link: the Kabinet order stays with its history, staff see it in the synced objects."""
    now = timezone.now()
    run = Run.objects.create(connection=connection, kind=kind, started_at=now)
    try:
        provider = provider_for(connection, sleep=sleep)
        deal = provider.deal(deal_id)
        with transaction.atomic():
            if deal is None:
                Link.objects.filter(connection=connection, kind=Link.Kind.DEAL, crm_id=deal_id).update(
                    deleted_in_crm=True
                )
                count(run, SKIPPED)
            else:
                count(run, apply_deal(Context.load(connection, provider), deal))
    except CrmError as error:
        if error.code == "not_found":
            Link.objects.filter(connection=connection, kind=Link.Kind.DEAL, crm_id=deal_id).update(
                deleted_in_crm=True
            )
            run.skipped += 1
            run.status, run.finished_at = Run.Status.OK, timezone.now()
            run.save()
            return run
        return finish(connection, run, error=error, now=now)
    run.status, run.finished_at = Run.Status.OK, timezone.now()
    run.save()
    return run


@dataclass
class Preview:
    """What a pull would do, read without writing anything (the first pages only)."""

    deals: int = 0
    orders_new: int = 0
    orders_known: int = 0
    not_imported: int = 0  # pipelines staff did not map
    hidden: int = 0
    unmapped_stage: int = 0
    contacts_new: int = 0
    companies_new: int = 0
    more: bool = False


def preview(connection: Connection, *, pages: int = 5, sleep: Any = None) -> Preview:
    """Read the first ``pages`` pages of what the next pull would read and count what it would create.

    Nothing is written and no contact card is fetched: people are counted by CRM id against the links, so a
    contact Kabinet would match by a verified address counts as new here."""
    provider = provider_for(connection, sleep=sleep)
    context = Context.load(connection, provider)
    since = None if not connection.cursor else connection.cursor
    result, token = Preview(), ""
    contacts, companies = set(), set()
    for _number in range(pages):
        page = provider.deals(modified_since=since, page=token)
        known = set(
            Link.objects.filter(
                connection=connection, kind=Link.Kind.DEAL, crm_id__in=[d.id for d in page.deals]
            ).values_list("crm_id", flat=True)
        )
        for deal in page.deals:
            result.deals += 1
            pipeline_map = context.pipelines.get(deal.pipeline_id)
            stage_map = context.stages.get((deal.pipeline_id, deal.stage_id))
            if pipeline_map is None or pipeline_map.pipeline_id is None:
                result.not_imported += 1
            elif stage_map is None or (stage_map.stage_id is None and not stage_map.hides):
                result.unmapped_stage += 1
            elif stage_map.hides:
                result.hidden += 1
            elif deal.id in known:
                result.orders_known += 1
            else:
                result.orders_new += 1
                contacts.add(deal.contact_id)
                companies.add(deal.company_id)
        token = page.next
        if not token:
            break
    result.more = bool(token)
    contacts.discard("")
    companies.discard("")
    linked_contacts = Link.objects.filter(connection=connection, kind=Link.Kind.CONTACT, crm_id__in=contacts)
    linked_companies = Link.objects.filter(
        connection=connection, kind=Link.Kind.COMPANY, crm_id__in=companies
    )
    result.contacts_new = len(contacts) - linked_contacts.count()
    result.companies_new = len(companies) - linked_companies.count()
    return result
