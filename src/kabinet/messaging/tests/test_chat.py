"""The chat through its pages: sending with attachments, validation, read marks, privacy, staff inbox,
assignment, quick replies and the query budgets."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.crm.models import Membership
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Conversation, Message
from kabinet.messaging.selectors import conversations_visible_to, messages_visible_to
from kabinet.notifications.models import Notification
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db
# Staff pages: the staff menu (a permission query); the client card: emails, phones, role, bookings.
PAGE_BUDGET = 16


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%chat\n", content_type="application/pdf")


@pytest.fixture
def member(db):
    company = f.CompanyFactory(manager=f.StaffFactory(full_name="Мария Петрова"))
    return f.client_user(company=company, email="member@example.test")


def test_first_message_starts_the_conversation_with_the_manager(member):
    client = world_client(member)
    response = client.post(
        reverse("messaging:send"),
        {"body": "Где мой заказ?", "attachments": [pdf("one.pdf"), pdf("two.pdf")]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    data = response.json()["message"]
    assert data["body"] == "Где мой заказ?" and data["mine"] is True
    assert [a["name"] for a in data["attachments"]] == ["one.pdf", "two.pdf"]
    conversation = Conversation.objects.get()
    assert conversation.contact == member.contact
    assert conversation.assigned_to.full_name == "Мария Петрова"
    assert conversation.staff_unread == 1 and conversation.client_unread == 0
    files = ClientFile.objects.filter(direction=ClientFile.Direction.FROM_CLIENT)
    assert files.count() == 2 and {f.company_id for f in files} == {conversation.company_id}
    assert client.get(data["attachments"][0]["url"]).status_code == 200


def world_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("payload", "field", "text"),
    [
        (lambda: {"body": "   "}, "body", "Write a message or attach a file."),
        (lambda: {"body": "x" * 4001}, "body", "4000"),
        (
            lambda: {"body": "hi", "attachments": [pdf(f"{i}.pdf") for i in range(6)]},
            "attachments",
            "at most 5",
        ),
        (
            lambda: {
                "body": "hi",
                "attachments": [SimpleUploadedFile("page.txt", b"<html><script>1</script>")],
            },
            "attachments",
            "not accepted",
        ),
    ],
    ids=["empty", "too-long", "too-many-files", "disguised-html"],
)
def test_bad_messages_are_refused_at_the_field_and_nothing_is_written(member, payload, field, text):
    client = world_client(member)
    response = client.post(reverse("messaging:send"), payload(), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert any(text in error for error in response.json()["errors"][field])
    html = client.post(reverse("messaging:send"), payload())
    assert html.status_code == 400 and text in html.content.decode()
    assert (
        not Conversation.objects.exists() and not Message.objects.exists() and not ClientFile.objects.exists()
    )


def test_reply_counts_unread_groups_notices_and_reading_clears_both(world):
    owner, staff = world.user(Role.OWNER), world.user(Role.STAFF)
    conversation = world.extra["conversation"]
    client, desk = world.client_for(Role.OWNER), world.client_for(Role.STAFF)
    client.get(reverse("messaging:chat"))  # reads what the world put there
    for text in ("Первый ответ", "Второй ответ"):
        assert (
            desk.post(
                reverse("messaging:staff_send", args=[conversation.public_id]), {"body": text}
            ).status_code
            == 302
        )
    conversation.refresh_from_db()
    assert conversation.client_unread == 2 and conversation.staff_unread == 0
    notices = Notification.objects.filter(contact=owner.contact, event="message.received")
    assert notices.count() == 1
    notice = notices.get()
    assert notice.count == 2 and notice.params["previews"][-2:] == ["Первый ответ", "Второй ответ"]
    badges = client.get(reverse("portal:nav_badges")).content.decode()
    assert 'id="nav-badge-messages" hx-swap-oob="true">2<' in badges
    page = client.get(reverse("messaging:chat")).content.decode()
    assert "Второй ответ" in page
    conversation.refresh_from_db()
    notice.refresh_from_db()
    assert conversation.client_unread == 0 and notice.read_at is not None
    assert staff.pk  # the reply was written by the staff member
    assert Message.objects.filter(conversation=conversation, body="Второй ответ", author=staff).exists()


def test_a_conversation_is_personal_even_for_the_company_admin(world):
    from kabinet.crm.viewer import build_viewer

    class Req:
        session: dict = {}

    def viewer(role):
        request = Req()
        request.user = world.user(role)
        return build_viewer(request)

    conversation = world.extra["conversation"]
    assert list(conversations_visible_to(viewer(Role.OWNER))) == [conversation]
    for role in (Role.COMPANY_ADMIN, Role.COLLEAGUE, Role.OTHER_CLIENT, Role.STAFF):
        assert not conversations_visible_to(viewer(role)).filter(pk=conversation.pk).exists(), role
        assert not messages_visible_to(viewer(role)).filter(conversation=conversation).exists(), role
    assert conversations_visible_to(viewer(Role.STAFF), staff=True).filter(pk=conversation.pk).exists()
    assert not conversations_visible_to(viewer(Role.OWNER), staff=True).exists()


def test_each_company_context_has_its_own_conversation(world):
    owner = world.user(Role.OWNER)
    f.MembershipFactory(contact=owner.contact, company=world.other_company, role=Membership.Role.MEMBER)
    client = world.client_for(Role.OWNER)
    client.post(reverse("portal:switch_company"), {"company": world.other_company.public_id})
    page = client.get(reverse("messaging:chat")).content.decode()
    assert world.extra["chat_secret"] not in page
    client.post(reverse("messaging:send"), {"body": "Вопрос по второй компании"})
    assert Conversation.objects.filter(contact=owner.contact).count() == 2
    client.post(reverse("portal:switch_company"), {"company": world.company.public_id})
    page = client.get(reverse("messaging:chat")).content.decode()
    assert world.extra["chat_secret"] in page and "Вопрос по второй компании" not in page


def test_staff_need_the_chat_permission(world):
    conversation = world.extra["conversation"]
    outsider = f.StaffFactory()
    reader = f.grant_chat_access(f.StaffFactory(), "view_conversation")
    assert world_client(outsider).get(reverse("messaging:staff_inbox")).status_code == 404
    desk = world_client(reader)
    assert desk.get(reverse("messaging:staff_conversation", args=[conversation.public_id])).status_code == 200
    send = reverse("messaging:staff_send", args=[conversation.public_id])
    assert desk.post(send, {"body": "hi"}).status_code == 404
    assign = reverse("messaging:staff_assign", args=[conversation.public_id])
    assert desk.post(assign, {"assignee": "me"}).status_code == 404


def test_inbox_lists_unread_first_and_filters(world):
    staff = world.user(Role.STAFF)
    desk = world.client_for(Role.STAFF)
    quiet = world.extra["conversation"]
    desk.get(reverse("messaging:staff_conversation", args=[quiet.public_id]))  # read: nothing unread left
    newer = f.ConversationFactory(contact=world.user(Role.COLLEAGUE).contact, company=world.company)
    f.MessageFactory(conversation=newer, from_staff=True, author=staff, body="Ответ без непрочитанного")
    loud = world.foreign["conversation"]
    f.MessageFactory(conversation=loud, body="Срочно!")
    rows = list(desk.get(reverse("messaging:staff_inbox")).context["conversations"])
    assert rows[0] == loud and rows.index(newer) < rows.index(quiet)
    only_unread = list(
        desk.get(reverse("messaging:staff_inbox"), {"show": "unread"}).context["conversations"]
    )
    assert only_unread == [loud]
    unassigned = list(
        desk.get(reverse("messaging:staff_inbox"), {"show": "unassigned"}).context["conversations"]
    )
    assert unassigned == [newer]
    found = list(
        desk.get(reverse("messaging:staff_inbox"), {"q": world.other_company.name[-6:]}).context[
            "conversations"
        ]
    )
    assert found == [loud]


def test_assignment_and_quick_reply(world):
    conversation = world.extra["conversation"]
    other = f.StaffFactory(full_name="Пётр Иванов")
    f.QuickReplyFactory(title="Приветствие", body="Здравствуйте, {name}! Уже смотрим.")
    desk = world.client_for(Role.STAFF)
    desk.post(reverse("messaging:staff_assign", args=[conversation.public_id]), {"assignee": other.public_id})
    conversation.refresh_from_db()
    assert conversation.assigned_to == other
    bad = desk.post(reverse("messaging:staff_assign", args=[conversation.public_id]), {"assignee": "x" * 22})
    assert bad.status_code == 302
    conversation.refresh_from_db()
    assert conversation.assigned_to == other
    page = desk.get(reverse("messaging:staff_conversation", args=[conversation.public_id])).content.decode()
    first_name = conversation.contact.first_name
    assert f"Здравствуйте, {first_name}! Уже смотрим." in page
    quick = page.split("data-quick-replies>")[1].split("</select>")[0]
    reply_id = quick.split('value="')[2].split('"')[0]
    desk.post(
        reverse("messaging:staff_send", args=[conversation.public_id]), {"body": "", "quick_reply": reply_id}
    )
    assert Message.objects.filter(body=f"Здравствуйте, {first_name}! Уже смотрим.", from_staff=True).exists()


def test_page_budgets_do_not_grow_with_data(world, django_assert_max_num_queries):
    conversation = world.extra["conversation"]
    staff = world.user(Role.STAFF)
    client, desk = world.client_for(Role.OWNER), world.client_for(Role.STAFF)
    f.QuickReplyFactory()
    pages = [
        (client, reverse("portal:home")),
        (client, reverse("messaging:chat")),
        (desk, reverse("messaging:staff_inbox")),
        (desk, reverse("messaging:staff_conversation", args=[conversation.public_id])),
        (desk, reverse("messaging:staff_client_card", args=[conversation.public_id])),
    ]
    for who, url in pages:
        who.get(url)  # settings singletons are cached configuration (cold cost: see portal test_budgets)
    for _round in range(2):
        for who, url in pages:
            with django_assert_max_num_queries(PAGE_BUDGET):
                assert who.get(url).status_code == 200, url
        for n in range(60):
            message = f.MessageFactory(conversation=conversation, from_staff=n % 2 == 0, author=staff)
            message.attachments.add(f.ClientFileFactory(company=world.company, contact=conversation.contact))
            f.MessageFactory(conversation=f.ConversationFactory(company=world.company))
    page = client.get(reverse("messaging:chat"))
    assert len(page.context["thread"]) == 50 and page.context["older"] is not None
    older = client.get(reverse("messaging:chat"), {"before": page.context["older"].public_id})
    assert len(older.context["thread"]) == 50


def test_download_my_data_holds_my_chat_and_its_attachments_but_no_colleagues_chat(world):
    import io
    import json
    import zipfile

    from kabinet.accounts.export import build_export

    def export(role):
        archive = zipfile.ZipFile(io.BytesIO(build_export(world.user(role)).read()))
        return archive, json.loads(archive.read("messages.json"))

    archive, threads = export(Role.OWNER)
    bodies = [m["body"] for thread in threads for m in thread["messages"]]
    secret = world.extra["chat_secret"]
    assert f"{secret} from the team" in bodies and f"{secret} from the client" in bodies
    attachment = next(a for thread in threads for m in thread["messages"] for a in m["attachments"])
    with world.extra["attachment"].file.open("rb") as stored:
        assert archive.read(attachment["file"]) == stored.read()
    assert threads[0]["company"] == world.company.name
    _archive, theirs = export(Role.COMPANY_ADMIN)  # the admin of the same company: not his chat
    assert secret not in json.dumps(theirs, ensure_ascii=False)


def test_the_client_card_shows_his_bookings_in_a_fixed_number_of_queries(world):
    """The 360° card: the client's upcoming bookings (a held one too) and his recent ones, never another
    client's; two queries whatever their number."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kabinet.bookings.models import Booking

    conversation = world.extra["conversation"]
    contact, company = conversation.contact, conversation.company
    branch = f.BranchFactory(name="Salon")
    service = f.ServiceFactory(branch=branch, name="Massage CARD-SVC")
    stranger = f.client_user(company=None).contact

    def grow(n):
        for i in range(n):
            person = f.working_specialist(branch=branch, services=[service])
            f.book_for(contact=contact, company=company, service=service, specialist=person, days_ahead=2 + i)
            f.book_for(contact=stranger, company=None, service=service, specialist=person, at="15:00")
            past = timezone.now() - datetime.timedelta(days=3 + i)
            Booking.objects.create(
                branch=branch,
                service=service,
                specialist=person,
                company=company,
                contact=contact,
                starts_at=past,
                ends_at=past + datetime.timedelta(hours=1),
                held_from=past,
                held_until=past + datetime.timedelta(hours=1),
                status=Booking.Status.ATTENDED,
            )

    desk = world.client_for(Role.STAFF)
    url = reverse("messaging:staff_client_card", args=[conversation.public_id])

    def count():
        desk.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = desk.get(url)
        return len(queries), page

    grow(1)
    small, page = count()
    assert len(page.context["upcoming_bookings"]) == 1 and len(page.context["recent_bookings"]) == 1
    assert "CARD-SVC" in page.content.decode()
    grow(8)
    large, page = count()
    assert small == large <= PAGE_BUDGET, f"{small} queries on a small world, {large} on a large one"
    upcoming = page.context["upcoming_bookings"]
    assert len(upcoming) == 5 and all(b.contact_id == contact.pk for b in upcoming)
    assert upcoming == sorted(upcoming, key=lambda b: b.starts_at)
