"""Bulk synthetic data for benchmarks: N clients with M orders each, loaded in batches with ``bulk_create``.

Each batch is one transaction, so an interrupted run leaves only whole batches (never half a client).
All synthetic accounts share one password hash (hashing 100k Argon2 passwords would take hours).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from kabinet.accounts.models import User
from kabinet.core.public_ids import new_public_id
from kabinet.core.sequences import reserve_block
from kabinet.crm.models import Company, Contact, ContactEmail, Membership, Order, Pipeline, Stage
from kabinet.demo.data import DEMO_PASSWORD, ORDER_STAGES
from kabinet.demo.identifiers import inn10, kpp, ogrn

SEED_DOMAIN = "seed.kabinet.test"
CLIENTS_PER_COMPANY = 4


@dataclass(frozen=True)
class SeedResult:
    clients: int
    companies: int
    orders: int


def _order_pipeline() -> tuple[Pipeline, list[Stage]]:
    pipeline = Pipeline.objects.filter(kind=Pipeline.Kind.ORDER).order_by("-is_default", "id").first()
    if pipeline is None:
        from kabinet.crm.actions import create_pipeline

        pipeline = create_pipeline(
            actor=None,
            name="Продажи",
            client_name="Заказы",
            kind=Pipeline.Kind.ORDER,
            stages=ORDER_STAGES,
            is_default=True,
        )
    return pipeline, list(pipeline.stages.order_by("position"))


def seed(
    *,
    clients: int,
    orders_per_client: int,
    batch_clients: int = 2000,
    rng_seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Add ``clients`` synthetic clients (4 per company, the first one its admin) with their orders."""
    rng = random.Random(rng_seed)
    pipeline, stages = _order_pipeline()
    password = make_password(DEMO_PASSWORD)
    start = reserve_block("seed-client", clients)
    first_order = reserve_block("order", clients * orders_per_client)
    order_no = first_order
    made_companies = 0
    for offset in range(0, clients, batch_clients):
        count = min(batch_clients, clients - offset)
        with transaction.atomic():
            numbers = range(start + offset, start + offset + count)
            companies = []
            for n in numbers:
                if (n - start) % CLIENTS_PER_COMPANY == 0:
                    inn = inn10(rng)
                    companies.append(
                        Company(
                            public_id=new_public_id(),
                            name=f"ООО «Клиент {n}»",
                            inn=inn,
                            kpp=kpp(inn),
                            ogrn=ogrn(rng),
                        )
                    )
            Company.objects.bulk_create(companies, batch_size=1000)
            made_companies += len(companies)
            ids_by_public = dict(
                Company.objects.filter(public_id__in=[c.public_id for c in companies]).values_list(
                    "public_id", "id"
                )
            )
            users = [
                User(
                    email=f"client{n}@{SEED_DOMAIN}",
                    password=password,
                    full_name=f"Клиент {n}",
                    public_id=new_public_id(),
                )
                for n in numbers
            ]
            User.objects.bulk_create(users, batch_size=1000)
            user_ids = dict(
                User.objects.filter(email__in=[u.email for u in users]).values_list("email", "id")
            )
            contacts = [
                Contact(
                    public_id=new_public_id(),
                    first_name="Клиент",
                    last_name=str(n),
                    user_id=user_ids[f"client{n}@{SEED_DOMAIN}"],
                )
                for n in numbers
            ]
            Contact.objects.bulk_create(contacts, batch_size=1000)
            contact_ids = dict(
                Contact.objects.filter(public_id__in=[c.public_id for c in contacts]).values_list(
                    "public_id", "id"
                )
            )
            ContactEmail.objects.bulk_create(
                [
                    ContactEmail(
                        contact_id=contact_ids[c.public_id], email=f"client{n}@{SEED_DOMAIN}", is_primary=True
                    )
                    for c, n in zip(contacts, numbers, strict=True)
                ],
                batch_size=1000,
            )
            memberships, orders = [], []
            company_iter = iter(companies)
            company_id = None
            for c, n in zip(contacts, numbers, strict=True):
                is_first = (n - start) % CLIENTS_PER_COMPANY == 0
                if is_first:
                    company_id = ids_by_public[next(company_iter).public_id]
                contact_id = contact_ids[c.public_id]
                memberships.append(
                    Membership(
                        contact_id=contact_id,
                        company_id=company_id,
                        role=Membership.Role.ADMIN if is_first else Membership.Role.MEMBER,
                    )
                )
                for _ in range(orders_per_client):
                    stage = rng.choice(stages)
                    orders.append(
                        Order(
                            public_id=new_public_id(),
                            number=f"{order_no:07d}",
                            title=f"Заказ {order_no}",
                            company_id=company_id,
                            contact_id=contact_id,
                            pipeline_id=pipeline.pk,
                            stage_id=stage.pk,
                            amount=Decimal(rng.randint(1_000, 500_000)),
                            currency="RUB",
                        )
                    )
                    order_no += 1
            Membership.objects.bulk_create(memberships, batch_size=2000)
            Order.objects.bulk_create(orders, batch_size=2000)
        if progress:
            progress(offset + count)
    return SeedResult(clients=clients, companies=made_companies, orders=order_no - first_order)
