"""factory_boy factories for the foundation models. Every test builds its data here, never by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from kabinet.accounts.models import User
from kabinet.billing.models import Invoice
from kabinet.crm.models import Company, Contact, ContactEmail, Membership, Order, Pipeline, Stage
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Conversation, Message, QuickReply
from kabinet.notifications.models import Notification
from kabinet.tickets.models import Ticket, TicketCategory, TicketMessage

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="ru_RU")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # persist the hashed password set above
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True
    email = factory.Sequence(lambda n: f"staff{n}@example.test")


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn(n: int) -> str:
    body = f"77{n:07d}"[-9:]
    return body + str(sum(int(d) * w for d, w in zip(body, _INN10_WEIGHTS, strict=True)) % 11 % 10)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"ООО «Компания {n}»")
    inn = factory.Sequence(_inn)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name", locale="ru_RU")
    last_name = factory.Faker("last_name", locale="ru_RU")


class ContactEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactEmail

    contact = factory.SubFactory(ContactFactory)
    email = factory.Sequence(lambda n: f"contact{n}@example.test")
    is_primary = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    contact = factory.SubFactory(ContactFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.MEMBER


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline

    name = factory.Sequence(lambda n: f"Pipeline {n}")
    client_name = "Orders"
    kind = Pipeline.Kind.ORDER
    is_default = True


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    pipeline = factory.SubFactory(PipelineFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    client_name = factory.Sequence(lambda n: f"Client stage {n}")
    client_description = "What happens now, in plain words."
    position = factory.Sequence(lambda n: n)


def order_stage() -> Stage:
    """The first stage of the default order pipeline, created on first use."""
    stage = Stage.objects.filter(pipeline__kind=Pipeline.Kind.ORDER).order_by("position", "id").first()
    return stage or StageFactory()


def ticket_stage() -> Stage:
    stage = Stage.objects.filter(pipeline__kind=Pipeline.Kind.TICKET).order_by("position", "id").first()
    return stage or StageFactory(pipeline=PipelineFactory(kind=Pipeline.Kind.TICKET, client_name="Requests"))


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T{n:06d}")
    title = factory.Sequence(lambda n: f"Order title {n}")
    stage = factory.LazyFunction(order_stage)
    pipeline = factory.LazyAttribute(lambda o: o.stage.pipeline)
    amount = Decimal("12500.00")
    currency = "RUB"
    stage_changed_at = factory.LazyFunction(timezone.now)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"F{n:05d}")  # never collides with the "ticket" sequence
    subject = factory.Sequence(lambda n: f"Ticket subject {n}")
    stage = factory.LazyFunction(ticket_stage)
    pipeline = factory.LazyAttribute(lambda o: o.stage.pipeline)
    last_activity_at = factory.LazyFunction(timezone.now)


class TicketMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketMessage

    ticket = factory.SubFactory(TicketFactory)
    body = factory.Sequence(lambda n: f"Message body {n}")


class TicketCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketCategory

    name = factory.Sequence(lambda n: f"Category {n}")
    position = factory.Sequence(lambda n: n)


def support_agent(**user_fields) -> User:
    """A staff member in the "Support agents" group (created by the tickets migrations)."""
    from kabinet.tickets.permissions import support_agents_group

    agent = StaffFactory(**user_fields)
    agent.groups.add(support_agents_group())
    return agent


class ClientFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientFile

    original_name = factory.Sequence(lambda n: f"file-{n}.pdf")
    content_type = "application/pdf"
    file = factory.django.FileField(data=b"%PDF-1.4\n%test\n", filename="x.pdf")
    size = 15


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Document title {n}")
    kind = Document.Kind.CONTRACT
    status = Document.Status.ISSUED
    date = factory.LazyFunction(datetime.date.today)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    amount = Decimal("9900.00")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    contact = factory.SubFactory(ContactFactory)


class MessageFactory(factory.django.DjangoModelFactory):
    """A chat message; keeps the conversation's last-message fields and unread counters as the actions do."""

    class Meta:
        model = Message
        skip_postgeneration_save = True

    conversation = factory.SubFactory(ConversationFactory)
    body = factory.Sequence(lambda n: f"Chat message {n}")
    from_staff = False

    @factory.post_generation
    def _bookkeeping(obj, create, extracted, **kwargs):
        if not create:
            return
        from django.db.models import F

        unread = (
            {"client_unread": F("client_unread") + 1}
            if obj.from_staff
            else {"staff_unread": F("staff_unread") + 1}
        )
        Conversation.objects.filter(pk=obj.conversation_id).update(
            last_message_id=obj.pk,
            last_message_at=obj.created_at,
            last_message_preview=obj.body[:200],
            last_message_from_staff=obj.from_staff,
            **unread,
        )
        obj.conversation.refresh_from_db()


class QuickReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuickReply

    title = factory.Sequence(lambda n: f"Quick reply {n}")
    body = "Hello, {name}! We are on it."


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    event = "order.stage_changed"
    params = factory.Sequence(lambda n: {"number": f"N{n:05d}", "stage": "Stage"})
    url = "/"


def grant_chat_access(user: User, *codenames: str) -> User:
    """Give a staff user the chat permissions (all three unless named) and forget cached permissions."""
    from django.contrib.auth.models import Permission

    wanted = codenames or ("view_conversation", "add_message", "change_conversation")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="messaging", codename__in=wanted)
    )
    for attr in ("_perm_cache", "_user_perm_cache", "_kabinet_chat_permissions"):
        user.__dict__.pop(attr, None)
    return user


def client_user(*, company: Company | None, role: str = Membership.Role.MEMBER, **user_fields) -> User:
    """A portal client: an account, its contact, and (optionally) a membership in ``company``."""
    user = UserFactory(**user_fields)
    contact = ContactFactory(user=user)
    ContactEmailFactory(contact=contact, email=user.email)
    if company is not None:
        MembershipFactory(contact=contact, company=company, role=role)
    return user


# --- bookings ---------------------------------------------------------------------------------------------


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.Branch"

    name = factory.Sequence(lambda n: f"Branch {n}")
    address = "ul. Marszałkowska 1"
    time_zone = "Europe/Warsaw"
    min_notice_minutes = 60
    horizon_days = 60
    cancel_deadline_hours = 12
    max_upcoming_per_client = 0


class SpecialistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.Specialist"

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Specialist {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.Service"

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    duration_minutes = 60
    price = Decimal("1500")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.Event"

    branch = factory.SubFactory(BranchFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    capacity = 2


def working_specialist(
    *,
    branch=None,
    services=(),
    hours: tuple[str, str] = ("09:00", "18:00"),
    days=range(7),
    **fields,
):
    """A specialist working ``hours`` on ``days`` (every day by default) and providing ``services``."""
    from kabinet.bookings.models import WorkingHours

    person = SpecialistFactory(branch=branch or BranchFactory(), **fields)
    start, end = (datetime.time.fromisoformat(value) for value in hours)
    WorkingHours.objects.bulk_create(
        [WorkingHours(specialist=person, weekday=day, starts=start, ends=end) for day in days]
    )
    for service in services:
        service.specialists.add(person)
    return person


def book_for(*, contact, company, service, specialist=None, days_ahead: int = 3, at: str = "10:00", actor=None):
    """A booking made through ``actions.book`` ``days_ahead`` days from today at ``at`` (branch time)."""
    from kabinet.bookings.actions import book
    from kabinet.bookings.slots import wall

    zone = service.branch.zone
    day = timezone.now().astimezone(zone).date() + datetime.timedelta(days=days_ahead)
    return book(
        actor=actor,
        contact=contact,
        company=company,
        service=service,
        specialist=specialist,
        starts_at=wall(day, datetime.time.fromisoformat(at), zone),
    )


def booking_world(world) -> dict:
    """A branch, a service with one specialist, a booking each for ``owner`` and ``other_client``, an event
    with a seat for ``owner`` — kept in ``world.extra`` (the bookings' access matrix and tests)."""
    branch = BranchFactory(name="Salon")
    mine = ServiceFactory(branch=branch, name="Massage OWNER-SVC")
    theirs = ServiceFactory(branch=branch, name="Massage FOREIGN-SVC")
    person = working_specialist(branch=branch, services=[mine, theirs], name="Ola")
    owner = world.users["owner"].contact
    other = world.users["other_client"].contact
    event = EventFactory(branch=branch, title="Yoga EVENT", capacity=5)
    from kabinet.bookings.actions import register_seat

    extra = {
        "branch": branch,
        "service": mine,
        "specialist": person,
        "booking": book_for(contact=owner, company=world.company, service=mine),
        "foreign_booking": book_for(contact=other, company=world.other_company, service=theirs, at="12:00"),
        "event": event,
        "seat": register_seat(actor=None, event=event, contact=owner, company=world.company),
    }
    world.extra.update(extra)
    return extra
