"""The demo's bookings: a branch with three specialists and their plans, services, a booking for Ivan, a past
visit for Anna, and a group event with seats (one taken by Ivan)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from kabinet.bookings import actions
from kabinet.bookings.models import Branch, Break, DateException, Event, Service, Specialist, WorkingHours
from kabinet.bookings.slots import wall


def _texts(field: str, ru: str, en: str, pl: str) -> dict[str, str]:
    return {f"{field}_ru": ru, f"{field}_en": en, f"{field}_pl": pl}


def load_bookings(*, manager, people: dict) -> None:
    save = lambda obj: actions.save_setup(actor=manager, obj=obj, changed_fields=["demo"])  # noqa: E731
    branch = save(
        Branch(
            **_texts("name", "Студия на Тверской", "Tverskaya studio", "Studio na Twerskiej"),
            **_texts(
                "address", "Москва, ул. Тверская, д. 7", "7 Tverskaya St, Moscow", "Moskwa, ul. Twerska 7"
            ),
            time_zone="Europe/Moscow",
            phone="+7 495 123-45-67",
            min_notice_minutes=60,
            horizon_days=30,
            cancel_deadline_hours=12,
            max_upcoming_per_client=3,
            slot_step_minutes=30,
            public_booking=True,  # the demo's /book/ page for visitors
        )
    )
    specialists = [
        save(Specialist(branch=branch, order=i, **_texts("name", *names), **_texts("title", *titles)))
        for i, (names, titles) in enumerate(
            [
                (("Ольга Смирнова", "Olga Smirnova", "Olga Smirnowa"), ("юрист", "lawyer", "prawniczka")),
                (("Игорь Волков", "Igor Volkov", "Igor Wołkow"), ("бухгалтер", "accountant", "księgowy")),
                (
                    ("Елена Орлова", "Elena Orlova", "Jelena Orłowa"),
                    ("консультант", "consultant", "konsultantka"),
                ),
            ]
        )
    ]
    for person in specialists:
        WorkingHours.objects.bulk_create(
            WorkingHours(specialist=person, weekday=day, starts=datetime.time(10), ends=datetime.time(19))
            for day in range(6)
        )
        Break.objects.bulk_create(
            Break(specialist=person, weekday=day, starts=datetime.time(14), ends=datetime.time(15))
            for day in range(6)
        )
    today = timezone.now().astimezone(branch.zone).date()
    DateException.objects.create(
        specialist=specialists[1], date=today + datetime.timedelta(days=5), day_off=True, note="Отпуск"
    )
    services = [
        save(
            Service(
                branch=branch,
                order=i,
                duration_minutes=minutes,
                buffer_after_minutes=buffer,
                price=price,
                **_texts("name", *names),
                **_texts("description", *descriptions),
            )
        )
        for i, (names, descriptions, minutes, buffer, price) in enumerate(
            [
                (
                    ("Консультация юриста", "Legal consultation", "Konsultacja prawna"),
                    ("Договоры, претензии, споры", "Contracts, claims, disputes", "Umowy, reklamacje, spory"),
                    60,
                    15,
                    3000,
                ),
                (
                    ("Разбор отчётности", "Accounts review", "Przegląd sprawozdań"),
                    (
                        "Налоги и отчёты компании",
                        "The company's taxes and reports",
                        "Podatki i sprawozdania firmy",
                    ),
                    90,
                    0,
                    4500,
                ),
                (
                    ("Короткий созвон", "Short call", "Krótka rozmowa"),
                    ("Ответы на вопросы за 30 минут", "Answers in 30 minutes", "Odpowiedzi w 30 minut"),
                    30,
                    0,
                    0,
                ),
            ]
        )
    ]
    services[0].specialists.add(specialists[0], specialists[2])
    services[1].specialists.add(specialists[1])
    services[2].specialists.add(*specialists)

    ivan, romashka = people["ivan"]
    anna, _company = people["anna"]
    now = timezone.now()
    # Ivan's next visit: the first working day at least two days ahead, at 11:00.
    day = today + datetime.timedelta(days=2)
    while day.weekday() == 6:
        day += datetime.timedelta(days=1)
    actions.book(
        actor=ivan.user,
        contact=ivan,
        company=romashka,
        service=services[0],
        starts_at=wall(day, datetime.time(11), branch.zone),
        now=now,
    )
    # Anna's visit of last week, attended.
    past = today - datetime.timedelta(days=7)
    while past.weekday() == 6:
        past -= datetime.timedelta(days=1)
    visit = actions.book(
        actor=manager,
        contact=anna,
        company=romashka,
        service=services[2],
        starts_at=wall(past, datetime.time(12), branch.zone),
        now=wall(past, datetime.time(9), branch.zone),
    )
    actions.mark_attendance(actor=manager, booking=visit, attended=True)

    starts = wall(today + datetime.timedelta(days=4), datetime.time(18), branch.zone)
    workshop = save(
        Event(
            branch=branch,
            specialist=specialists[2],
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            capacity=8,
            price=1500,
            **_texts(
                "title",
                "Мастер-класс: ЭДО без ошибок",
                "Workshop: e-invoicing without mistakes",
                "Warsztaty: e-faktury bez błędów",
            ),
            **_texts(
                "description",
                "Практика обмена документами.",
                "Hands-on document exchange.",
                "Praktyka wymiany dokumentów.",
            ),
        )
    )
    actions.register_seat(actor=ivan.user, event=workshop, contact=ivan, company=romashka, now=now)
    later = wall(today + datetime.timedelta(days=11), datetime.time(17), branch.zone)
    save(
        Event(
            branch=branch,
            starts_at=later,
            ends_at=later + datetime.timedelta(hours=1),
            capacity=2,
            **_texts(
                "title", "Вебинар: новые правила НДС", "Webinar: new VAT rules", "Webinar: nowe zasady VAT"
            ),
        )
    )
