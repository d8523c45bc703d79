"""The demo world: two client companies in Russia and one in Poland, five accounts, realistic Russian content.

Everything is created through the domain actions, so the demo exercises the same code paths as real use.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from kabinet.accounts.actions import create_account, save_sign_in_settings
from kabinet.accounts.models import RegistrationMode, SignInSettings, User
from kabinet.billing.actions import issue_invoice
from kabinet.crm import actions as crm
from kabinet.crm.models import BankAccount, Membership, Pipeline, Stage
from kabinet.demo import identifiers
from kabinet.demo.bookings import load_bookings
from kabinet.demo.pdf import simple_pdf
from kabinet.documents.actions import issue_document
from kabinet.documents.models import Document
from kabinet.files.actions import store_bytes
from kabinet.files.models import ClientFile
from kabinet.payments.actions import record_transfer
from kabinet.portal.actions import save_portal_settings
from kabinet.portal.models import PortalSettings
from kabinet.signing.actions import request_signature
from kabinet.tickets import actions as tickets
from kabinet.tickets.models import TicketCategory, TicketSettings
from kabinet.tickets.permissions import support_agents_group

DEMO_PASSWORD = "kabinet-demo"
DEMO_DOMAIN = "demo.kabinet.test"
DEMO_ACCOUNTS = [
    ("anna@demo.kabinet.test", "Анна Смирнова — администратор компании ООО «Ромашка»"),
    ("ivan@demo.kabinet.test", "Иван Кузнецов — сотрудник ООО «Ромашка»"),
    ("boris@demo.kabinet.test", "Борис Волков — клиент из ООО «Северный ветер»"),
    ("manager@demo.kabinet.test", "Мария Петрова — менеджер (бэк-офис)"),
    ("admin@demo.kabinet.test", "Администратор портала (бэк-офис, все права)"),
]


def _texts(field: str, ru: str, en: str, pl: str) -> dict[str, str]:
    """One staff-typed text in the demo's three languages, as the columns of a translated field."""
    return {f"{field}_ru": ru, f"{field}_en": en, f"{field}_pl": pl}


def _stage(name: str, names: tuple[str, str, str], descriptions: tuple[str, str, str], **fields) -> dict:
    return {
        "name": name,
        **_texts("client_name", *names),
        **_texts("client_description", *descriptions),
        **fields,
    }


ORDER_STAGES = [
    _stage(
        "Новый",
        ("Заявка принята", "Request received", "Zgłoszenie przyjęte"),
        (
            "Мы получили вашу заявку. Менеджер свяжется с вами в течение рабочего дня.",
            "We have received your request. Your manager will contact you within one working day.",
            "Otrzymaliśmy Twoje zgłoszenie. Opiekun skontaktuje się z Tobą w ciągu jednego dnia roboczego.",
        ),
        color="#64748b",
    ),
    _stage(
        "Согласование",
        ("Согласование условий", "Agreeing the terms", "Uzgadnianie warunków"),
        (
            "Уточняем состав, сроки и стоимость. Проверьте коммерческое предложение.",
            "We are settling the scope, dates and price. Please review the offer.",
            "Ustalamy zakres, terminy i cenę. Sprawdź ofertę handlową.",
        ),
        color="#0ea5e9",
    ),
    _stage(
        "Ожидает оплаты",
        ("Ожидает оплаты", "Awaiting payment", "Oczekuje na płatność"),
        (
            "Счёт выставлен. Работы начнутся после поступления оплаты.",
            "The invoice has been issued. Work starts once the payment arrives.",
            "Faktura została wystawiona. Prace rozpoczną się po zaksięgowaniu płatności.",
        ),
        color="#f59e0b",
        notify_client=True,  # the client must pay
    ),
    _stage(
        "В работе",
        ("В работе", "In progress", "W realizacji"),
        (
            "Выполняем заказ. Мы сообщим, когда он будет готов к отгрузке.",
            "We are working on your order and will let you know when it is ready to ship.",
            "Realizujemy zamówienie. Damy znać, gdy będzie gotowe do wysyłki.",
        ),
        color="#6366f1",
    ),
    _stage(
        "Отгрузка",
        ("Доставка", "Delivery", "Dostawa"),
        (
            "Заказ передан в доставку. Трек-номер — в документах заказа.",
            "The order is on its way. The tracking number is in the order's documents.",
            "Zamówienie przekazano do dostawy. Numer przesyłki znajdziesz w dokumentach zamówienia.",
        ),
        color="#8b5cf6",
        notify_client=True,  # promised: «Мы сообщим, когда он будет готов к отгрузке»
    ),
    _stage(
        "Успешно",
        ("Выполнен", "Completed", "Zrealizowane"),
        (
            "Заказ выполнен. Закрывающие документы — в разделе «Документы».",
            "The order is complete. The closing documents are under “Documents”.",
            "Zamówienie zostało zrealizowane. Dokumenty końcowe znajdziesz w sekcji „Dokumenty”.",
        ),
        kind=Stage.Kind.WON,
        color="#16a34a",
    ),
    _stage(
        "Отказ",
        ("Отменён", "Cancelled", "Anulowane"),
        (
            "Заказ отменён. Если это ошибка — напишите менеджеру.",
            "The order was cancelled. If this is a mistake, write to your manager.",
            "Zamówienie zostało anulowane. Jeśli to pomyłka, napisz do opiekuna.",
        ),
        kind=Stage.Kind.LOST,
        color="#dc2626",
    ),
]
TICKET_STAGES = [
    _stage(
        "Новое",
        ("Новое", "New", "Nowe"),
        (
            "Обращение зарегистрировано.",
            "Your request has been registered.",
            "Zgłoszenie zostało zarejestrowane.",
        ),
        color="#64748b",
    ),
    _stage(
        "В работе",
        ("В работе", "In progress", "W toku"),
        (
            "Специалист разбирается в вопросе.",
            "A specialist is looking into it.",
            "Specjalista zajmuje się sprawą.",
        ),
        color="#6366f1",
    ),
    _stage(
        "Ждём клиента",
        ("Ждём вашего ответа", "Waiting for your reply", "Czekamy na Twoją odpowiedź"),
        (
            "Нам нужны уточнения — ответьте, пожалуйста, в обращении.",
            "We need a few details: please reply in the request.",
            "Potrzebujemy kilku szczegółów — odpowiedz, proszę, w zgłoszeniu.",
        ),
        color="#f59e0b",
    ),
    _stage(
        "Решено",
        ("Решено", "Solved", "Rozwiązane"),
        (
            "Вопрос решён. Если что-то не так — ответьте, и мы продолжим.",
            "The issue is solved. If something is still wrong, reply and we will carry on.",
            "Sprawa została rozwiązana. Jeśli coś jest nie tak, odpowiedz, a będziemy kontynuować.",
        ),
        kind=Stage.Kind.CLOSED,
        color="#16a34a",
    ),
]

ORDER_SAMPLES = [
    (
        "Поставка офисной мебели",
        [("Стол письменный «Лидер»", 4, "18500"), ("Кресло офисное «Комфорт»", 4, "9900")],
    ),
    ("Монтаж системы видеонаблюдения", [("IP-камера 4 Мп", 8, "6400"), ("Монтажные работы", 1, "32000")]),
    ("Разработка фирменного стиля", [("Логотип и гайдлайн", 1, "85000")]),
    ("Ежемесячное обслуживание серверов", [("Абонентское обслуживание, ноябрь", 1, "45000")]),
    ("Поставка бумаги А4", [("Бумага «Снегурочка» А4, коробка", 20, "2150")]),
    ("Ремонт переговорной", [("Отделочные работы", 1, "120000"), ("Материалы", 1, "38400")]),
    ("Настройка 1С:Бухгалтерии", [("Внедрение, часы", 16, "3500")]),
    ("Корпоративное обучение", [("Тренинг «Переговоры», участник", 10, "7800")]),
]


def demo_loaded() -> bool:
    return User.objects.filter(email=f"anna@{DEMO_DOMAIN}").exists()


def _pdf(lines: list[str], *, name: str, actor, company, contact) -> ClientFile:
    return store_bytes(
        actor=actor,
        name=name,
        data=simple_pdf(lines),
        company=company,
        contact=contact,
        direction=ClientFile.Direction.TO_CLIENT,
        client_visible=False,
    )


def _staff_group() -> Group:
    group, _created = Group.objects.get_or_create(name="Менеджеры")
    wanted = Permission.objects.filter(
        content_type__app_label__in=[
            "crm",
            "tickets",
            "documents",
            "billing",
            "files",
            "messaging",
            "bookings",
            "signing",
        ]
    )
    group.permissions.set(wanted)
    return group


@transaction.atomic
def load_demo(*, seed: int = 2026) -> None:
    """Create the demo world once. Safe to call again: it does nothing when the demo is already there."""
    if demo_loaded():
        return
    rng = random.Random(seed)
    admin = create_account(
        actor=None,
        email=f"admin@{DEMO_DOMAIN}",
        password=DEMO_PASSWORD,
        full_name="Администратор портала",
        is_superuser=True,
    )
    manager = create_account(
        actor=admin,
        email=f"manager@{DEMO_DOMAIN}",
        password=DEMO_PASSWORD,
        full_name="Мария Петрова",
        is_staff=True,
    )
    manager.groups.add(_staff_group())

    orders_pipeline = crm.create_pipeline(
        actor=admin,
        name="Продажи",
        client_name={"ru": "Заказы", "en": "Orders", "pl": "Zamówienia"},
        kind=Pipeline.Kind.ORDER,
        stages=ORDER_STAGES,
        is_default=True,
    )
    crm.create_pipeline(
        actor=admin,
        name="Поддержка",
        client_name={"ru": "Обращения", "en": "Requests", "pl": "Zgłoszenia"},
        kind=Pipeline.Kind.TICKET,
        stages=TICKET_STAGES,
        is_default=True,
    )
    stages = list(orders_pipeline.stages.order_by("position"))
    # "Согласование условий" waits for the client: confirming sends the order to payment, declining cancels it.
    crm.set_stage_decision(actor=admin, stage=stages[1], confirm_stage=stages[2], decline_stage=stages[6])
    save_portal_settings(
        actor=admin,
        portal_settings=PortalSettings(
            **_texts("title", "Кабинет клиента", "Client portal", "Panel klienta"),
            support_email=f"support@{DEMO_DOMAIN}",
            support_phone="+7 495 000-00-00",
        ),
    )

    romashka_inn = identifiers.inn10(rng)
    romashka = crm.create_company(
        actor=admin,
        name="ООО «Ромашка»",
        legal_name="Общество с ограниченной ответственностью «Ромашка»",
        inn=romashka_inn,
        kpp=identifiers.kpp(romashka_inn),
        ogrn=identifiers.ogrn(rng),
        legal_address="125009, г. Москва, ул. Тверская, д. 7, офис 12",
        postal_address="125009, г. Москва, а/я 41",
        email="office@romashka.example",
        phone="+7 495 123-45-67",
        manager=manager,
    )
    veter_inn = identifiers.inn10(rng)
    veter = crm.create_company(
        actor=admin,
        name="ООО «Северный ветер»",
        legal_name="ООО «Северный ветер»",
        inn=veter_inn,
        kpp=identifiers.kpp(veter_inn),
        ogrn=identifiers.ogrn(rng),
        legal_address="190000, г. Санкт-Петербург, Невский пр., д. 28",
        manager=manager,
    )
    crm.create_company(
        actor=admin,
        name="Kowalski i Wspólnicy Sp. z o.o.",
        country="PL",
        nip="5260250274",
        regon="012100784",
        vat_number="PL5260250274",
        legal_address="ul. Marszałkowska 1, Warszawa",
    )
    bik = "044525225"
    for company in (romashka, veter):
        account = BankAccount(
            company=company,
            bank_name="ПАО Сбербанк",
            bik=bik,
            account_number=identifiers.ru_account(rng, bik),
            correspondent_account=identifiers.ru_correspondent_account(bik),
        )
        account.full_clean()
        account.save()

    people = {}
    for email, first, last, middle, phone, company, role in [
        ("anna", "Анна", "Смирнова", "Сергеевна", "+7 916 123-45-67", romashka, Membership.Role.ADMIN),
        ("ivan", "Иван", "Кузнецов", "Петрович", "+7 926 234-56-78", romashka, Membership.Role.MEMBER),
        ("boris", "Борис", "Волков", "Андреевич", "+7 921 345-67-89", veter, Membership.Role.ADMIN),
    ]:
        user = create_account(
            actor=admin, email=f"{email}@{DEMO_DOMAIN}", password=DEMO_PASSWORD, full_name=f"{first} {last}"
        )
        contact = crm.create_contact(
            actor=admin,
            first_name=first,
            last_name=last,
            middle_name=middle,
            emails=[f"{email}@{DEMO_DOMAIN}"],
            phones=[phone],
            user=user,
            manager=manager,
            verified=True,  # the business's own records: the demo signs in by these phones at once
        )
        crm.add_membership(actor=admin, contact=contact, company=company, role=role)
        people[email] = (contact, company)

    today = timezone.localdate()
    sample = iter(ORDER_SAMPLES * 3)
    plan = [("anna", [0, 1, 3, 5, 6]), ("ivan", [1, 2, 4, 5]), ("boris", [0, 3, 5])]
    for who, stage_indexes in plan:
        contact, company = people[who]
        for stage_index in stage_indexes:
            title, items = next(sample)
            order = crm.create_order(
                actor=manager,
                title=title,
                company=company,
                contact=contact,
                pipeline=orders_pipeline,
                items=[crm.ItemInput(name=n, quantity=Decimal(q), price=Decimal(p)) for n, q, p in items],
                manager=manager,
                due_date=today + datetime.timedelta(days=rng.randint(5, 40)),
                description="Заказ оформлен по заявке клиента.",
            )
            target = stages[stage_index]
            if target.kind == Stage.Kind.LOST:
                path = [stages[1], target]
            else:
                path = [s for s in stages[1 : stage_index + 1] if s.kind == Stage.Kind.OPEN]
                path += [target] if target.kind != Stage.Kind.OPEN else []
            for stage in path:
                crm.change_order_stage(actor=manager, order=order, stage=stage)
            if stage_index >= 2:
                pdf = _pdf(
                    [f"Invoice for order {order.number}", "Demo document"],
                    name=f"Счёт к заказу {order.number}.pdf",
                    actor=manager,
                    company=company,
                    contact=contact,
                )
                paid = stage_index >= 3
                invoice = issue_invoice(
                    actor=manager,
                    company=company,
                    contact=contact,
                    order=order,
                    amount=order.amount,
                    due_date=today + datetime.timedelta(days=-5 if stage_index == 2 and who == "ivan" else 7),
                    file=pdf,
                )
                if paid:  # paid by bank transfer, recorded by staff: the invoice page shows when and how
                    record_transfer(
                        actor=manager, invoice=invoice, amount=order.amount, reference=f"п/п {invoice.number}"
                    )

    for who in ("anna", "boris"):
        contact, company = people[who]
        contract = _pdf(
            ["Service agreement", company.name.encode("ascii", "ignore").decode() or "Client"],
            name="Договор оказания услуг.pdf",
            actor=manager,
            company=company,
            contact=contact,
        )
        issue_document(
            actor=manager,
            title="Договор оказания услуг № 15/2026",
            kind=Document.Kind.CONTRACT,
            company=company,
            contact=contact,
            number="15/2026",
            date=today - datetime.timedelta(days=60),
            file=contract,
            status=Document.Status.SIGNED,
        )
        addendum = _pdf(
            ["Addendum No. 2"],
            name="Дополнительное соглашение № 2.pdf",
            actor=manager,
            company=company,
            contact=contact,
        )
        addendum_document = issue_document(
            actor=manager,
            title="Дополнительное соглашение № 2",
            kind=Document.Kind.CONTRACT,
            company=company,
            contact=contact,
            number="2",
            date=today,
            file=addendum,
            status=Document.Status.AWAITING_SIGNATURE,
        )
        # The client signs by a one-time code, then the manager countersigns (docs/signatures.md).
        request_signature(
            actor=manager,
            document=addendum_document,
            client_contact=contact,
            staff_user=manager,
            deadline=today + datetime.timedelta(days=7),
        )
        recon = _pdf(
            ["Reconciliation act, Q3 2026"],
            name="Акт сверки за 3 квартал 2026.pdf",
            actor=manager,
            company=company,
            contact=contact,
        )
        issue_document(
            actor=manager,
            title="Акт сверки взаиморасчётов за III квартал 2026",
            kind=Document.Kind.RECONCILIATION,
            company=company,
            contact=contact,
            date=today - datetime.timedelta(days=20),
            file=recon,
        )
    ivan, romashka_again = people["ivan"]
    act = _pdf(
        ["Act of completed works"],
        name="Акт выполненных работ.pdf",
        actor=manager,
        company=romashka_again,
        contact=ivan,
    )
    issue_document(
        actor=manager,
        title="Акт выполненных работ № 118",
        kind=Document.Kind.ACT,
        company=romashka_again,
        contact=ivan,
        number="118",
        date=today - datetime.timedelta(days=3),
        file=act,
    )

    anna, _c = people["anna"]
    boris, _v = people["boris"]
    anna_user = anna.user
    categories = {
        names[0]: tickets.save_ticket_category(
            actor=admin, category=TicketCategory(position=pos, **_texts("name", *names))
        )
        for pos, names in enumerate(
            [
                ("Документы", "Documents", "Dokumenty"),
                ("Доставка", "Delivery", "Dostawa"),
                ("Оплата и счета", "Payments and invoices", "Płatności i faktury"),
                ("Другое", "Other", "Inne"),
            ]
        )
    }
    tickets.save_ticket_settings(
        actor=admin,
        settings_row=TicketSettings(
            status_display=TicketSettings.StatusDisplay.STAGES,
            **_texts("label", "Обращения", "Requests", "Zgłoszenia"),
        ),
    )
    manager.groups.add(support_agents_group())
    t1 = tickets.create_ticket(
        actor=anna_user,
        subject="Не приходят закрывающие документы за октябрь",
        body="Добрый день! Не можем найти акт и счёт-фактуру за октябрь. Пришлите, пожалуйста.",
        company=romashka,
        contact=anna,
        category=categories["Документы"],
    )
    tickets.assign_ticket(actor=manager, ticket=t1, owner=manager)
    tickets.add_ticket_message(
        actor=manager, ticket=t1, is_internal=True, body="Проверить в 1С — кажется, акт не проведён."
    )
    tickets.add_ticket_message(
        actor=manager,
        ticket=t1,
        body="Анна, добрый день! Документы формируем, загрузим в кабинет до пятницы.",
    )
    t2 = tickets.create_ticket(
        actor=ivan.user,
        subject="Изменить адрес доставки",
        company=romashka,
        contact=ivan,
        category=categories["Доставка"],
        body="Просим доставлять заказы на склад: Москва, ул. Складочная, д. 1, стр. 3.",
    )
    tickets.assign_ticket(actor=manager, ticket=t2, owner=manager)
    tickets.add_agent_reply(
        actor=manager, ticket=t2, body="Иван, адрес доставки обновили. Следующий заказ привезём на склад."
    )
    solved = Stage.objects.filter(pipeline=t2.pipeline, kind=Stage.Kind.CLOSED).first()
    tickets.change_ticket_stage(actor=manager, ticket=t2, stage=solved)
    tickets.rate_ticket(actor=ivan.user, ticket=t2, rating=3, comment="Спасибо, быстро!")
    tickets.create_ticket(
        actor=boris.user,
        subject="Вопрос по счёту",
        company=veter,
        contact=boris,
        category=categories["Оплата и счета"],
        body="В счёте указан неверный КПП, исправьте, пожалуйста.",
        priority="high",
    )

    for who, name, text in [
        ("ivan", "Реквизиты склада.txt", "Склад: Москва, ул. Складочная, д. 1, стр. 3"),
        ("boris", "Карточка предприятия.txt", "ООО «Северный ветер», ИНН " + veter_inn),
    ]:
        contact, company = people[who]
        store_bytes(
            actor=contact.user,
            name=name,
            data=text.encode("utf-8"),
            company=company,
            contact=contact,
            direction=ClientFile.Direction.FROM_CLIENT,
        )

    # Visitors of the demo may also try self-registration (the default for a real portal is invitations).
    save_sign_in_settings(
        actor=admin,
        policy=SignInSettings(pk=1, registration_mode=RegistrationMode.OPEN),
        changed_fields=["registration_mode"],
        consent_changed=False,
    )
    _demo_chat(manager, people)
    load_bookings(manager=manager, people=people)
    _demo_payments(admin, rng)


def _demo_payments(admin: User, rng: random.Random) -> None:
    """Paying works out of the box: the offline sandbox provider, partial payments, the stage a paid order
    moves to, and the payee's bank details for the transfer QR code."""
    from kabinet.payments.actions import save_payment_settings
    from kabinet.payments.models import PaymentSettings

    inn, bik = identifiers.inn10(rng), "044525225"
    paid_stage = Stage.objects.filter(
        pipeline__is_default=True, pipeline__kind=Pipeline.Kind.ORDER, name="В работе"
    )
    save_payment_settings(
        actor=admin,
        options=PaymentSettings(
            allow_partial=True,
            partial_minimum=Decimal("1000.00"),
            paid_stage=paid_stage.first(),
            payee_name="ООО «Кабинет Демо»",
            payee_inn=inn,
            payee_kpp=identifiers.kpp(inn),
            bank_name="ПАО Сбербанк",
            bic=bik,
            account=identifiers.ru_account(rng, bik),
            correspondent_account=identifiers.ru_correspondent_account(bik),
        ),
        changed_fields=["payee_name"],
    )


def _demo_chat(manager: User, people: dict) -> None:
    """Anna's conversation with her manager, and the team's quick replies."""
    from kabinet.core.viewer import ROLE_ADMIN, CompanyAccess, Viewer
    from kabinet.messaging import actions as chat
    from kabinet.messaging.models import QuickReply

    for position, (title, body) in enumerate(
        [
            ("Приветствие", "{name}, здравствуйте! Сейчас посмотрю и вернусь с ответом."),
            ("Счёт отправлен", "{name}, счёт выставлен — он в разделе «Счета» личного кабинета."),
            ("Документы готовы", "{name}, закрывающие документы загружены в кабинет, раздел «Документы»."),
        ]
    ):
        QuickReply.objects.create(title=title, body=body, position=position)
    anna, romashka = people["anna"]
    viewer = Viewer(
        user=anna.user,
        contact_id=anna.pk,
        contact_name=anna.full_name,
        companies=(CompanyAccess(romashka.pk, romashka.public_id, romashka.name, ROLE_ADMIN),),
        active=CompanyAccess(romashka.pk, romashka.public_id, romashka.name, ROLE_ADMIN),
    )
    chat.send_client_message(
        actor=anna.user, viewer=viewer, body="Мария, добрый день! Когда ждать поставку мебели?"
    )
    conversation = chat.open_conversation(actor=anna.user, contact=anna, company=romashka)
    chat.send_staff_message(
        actor=manager,
        conversation=conversation,
        body="Анна, добрый день! Мебель отгрузим в четверг, трек-номер пришлю сюда же.",
    )


DEMO_API_KEY_NAME = "Demo integrator"


def demo_api_key() -> str:
    """A fresh integrator key for the demo's REST API (the one of the previous start is revoked): keys are
    stored hashed and shown once, so ``kabinet demo`` prints a new one each time it starts."""
    from kabinet.api.actions import issue_api_key, revoke_api_key
    from kabinet.api.models import READ, RESOURCES, WRITE, ApiKey

    admin = User.objects.filter(email=f"admin@{DEMO_DOMAIN}").first()
    for old in ApiKey.objects.filter(name=DEMO_API_KEY_NAME, user=None, revoked_at=None):
        revoke_api_key(actor=admin, api_key=old)
    scopes = {**dict.fromkeys(RESOURCES, READ), "clients": WRITE, "orders": WRITE, "messages": WRITE}
    return issue_api_key(actor=admin, name=DEMO_API_KEY_NAME, scopes=scopes).key
