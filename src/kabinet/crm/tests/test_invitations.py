"""Inviting colleagues (issue 19 H3, issue 10 item 2): one invitation mechanism with staff invitations, an
email with a one-time link, and nothing about anybody outside the company revealed or changed."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from kabinet.accounts.models import Invitation, User
from kabinet.crm.models import Contact, Membership
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def invite(world, email: str, first_name: str = "Пётр", role: str = "member", capture=None):
    client = world.client_for(Role.COMPANY_ADMIN)
    with capture(execute=True):
        response = client.post(
            reverse("crm:colleagues"), {"email": email, "first_name": first_name, "role": role}
        )
    return client, response


def path_of_link(message) -> str:
    url = re.search(r"https?://[^/\s]+(/accounts/invitation/[\w-]+/)", message.body)
    return url.group(1)


def test_inviting_another_companys_client_adds_nothing_and_reveals_nothing(
    world, django_capture_on_commit_callbacks
):
    boris = world.user(Role.OTHER_CLIENT)
    boris.language = "en"
    boris.save(update_fields=["language"])
    # A name nobody else in the world can carry (a random «Иванов» is a part of a colleague's «Ивановна»).
    boris.contact.last_name = "Zzyzxowski"
    boris.contact.save(update_fields=["last_name"])
    boris_phone = world.client_for(Role.OTHER_CLIENT)
    before = boris_phone.get(reverse("portal:home")).wsgi_request.viewer.active.public_id

    admin, response = invite(
        world, boris.email, first_name="Кто-то", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(contact=boris.contact, company=world.company).exists()
    page = admin.get(reverse("crm:colleagues")).content.decode()
    assert boris.contact.last_name not in page and boris.full_name not in page
    assert boris.email in page and "Кто-то" in page  # only what she typed, as an open invitation

    # the invitee gets the email in his own language, with the company and the one-time link
    [message] = mail.outbox
    assert message.to == [boris.email]
    assert world.company.name in message.subject and "Invitation" in message.subject
    assert "accept or decline" in message.body
    assert message.alternatives and path_of_link(message) in message.alternatives[0][0]
    link = path_of_link(message)

    # nobody else can use it: anonymous goes to sign in, another account learns nothing
    anonymous = world.client_for(Role.ANONYMOUS).get(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    other = world.client_for(Role.OWNER).post(link, {"decision": "accept"})
    assert other.status_code == 409 and world.company.name not in other.content.decode()
    assert not Membership.objects.filter(contact=boris.contact, company=world.company).exists()

    # his open session still works for his own company
    assert boris_phone.get(reverse("portal:home")).wsgi_request.viewer.active.public_id == before

    # he accepts, signed in as himself; no session's active company changes
    answer = world.client_for(Role.OTHER_CLIENT)
    assert world.company.name in answer.get(link).content.decode()
    assert answer.post(link, {"decision": "accept"}).status_code == 302
    assert Membership.objects.get(contact=boris.contact, company=world.company).role == "member"
    assert boris_phone.get(reverse("portal:home")).wsgi_request.viewer.active.public_id == before
    assert answer.get(reverse("portal:home")).wsgi_request.viewer.active.public_id == before
    assert answer.get(link).status_code == 404  # one-time


def test_a_declined_invitation_gives_nothing_and_stops_working(world, django_capture_on_commit_callbacks):
    boris = world.user(Role.OTHER_CLIENT)
    invite(world, boris.email, capture=django_capture_on_commit_callbacks)
    link = path_of_link(mail.outbox[0])
    client = world.client_for(Role.OTHER_CLIENT)
    assert client.post(link, {"decision": "decline"}).status_code == 302
    assert not Membership.objects.filter(contact=boris.contact, company=world.company).exists()
    assert Invitation.objects.get().declined_at is not None
    assert client.post(link, {"decision": "accept"}).status_code == 404
    assert (
        boris.email
        not in world.client_for(Role.COMPANY_ADMIN).get(reverse("crm:colleagues")).content.decode()
    )


def test_the_inviter_gets_the_same_answer_whoever_owns_the_address(world, django_capture_on_commit_callbacks):
    def answer(email: str) -> str:
        client, response = invite(world, email, capture=django_capture_on_commit_callbacks)
        page = client.get(response["Location"]).content.decode()
        said = re.search(r'<ul class="messages".*?</ul>', page, re.S).group(0)
        return re.sub(r"[\w.+-]+@[\w.-]+", "EMAIL", said)

    staff = world.user(Role.STAFF)
    pages = {
        answer(email) for email in (world.user(Role.OTHER_CLIENT).email, staff.email, "nobody@example.test")
    }
    assert len(pages) == 1


def test_a_new_colleague_sets_a_password_through_the_link_and_joins(
    world, django_capture_on_commit_callbacks
):
    invite(
        world,
        "New.Person@Example.test",
        first_name="Пётр",
        role="admin",
        capture=django_capture_on_commit_callbacks,
    )
    [message] = mail.outbox
    assert message.to == ["new.person@example.test"]
    assert "Пётр" in message.body and world.company.name in message.body  # in the inviter's language (ru)
    assert not User.objects.filter(email="new.person@example.test").exists()  # nothing until he accepts
    link = path_of_link(message)
    client = world.client_for(Role.ANONYMOUS)
    page = client.get(link)
    assert page.status_code == 200 and world.company.name in page.content.decode()
    response = client.post(
        link,
        {
            "full_name": "Пётр Новиков",
            "password1": "Kl3ver-Passw0rd!",
            "password2": "Kl3ver-Passw0rd!",
            "consent_accepted": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    contact = Contact.objects.get(user=user)
    assert Membership.objects.get(contact=contact, company=world.company).role == "admin"
    assert contact.emails.get().verified_at is not None
    assert client.get(reverse("portal:home")).wsgi_request.user == user  # the link signed him in
    assert (
        "Пётр Новиков" in world.client_for(Role.COMPANY_ADMIN).get(reverse("crm:colleagues")).content.decode()
    )


def test_a_staff_account_is_never_joined_to_a_client_company(world, django_capture_on_commit_callbacks):
    staff = world.user(Role.STAFF)
    invite(world, staff.email, role="admin", capture=django_capture_on_commit_callbacks)
    link = path_of_link(mail.outbox[0])
    world.client_for(Role.STAFF).post(link, {"decision": "accept"})
    assert not Contact.objects.filter(user=staff).exists()
    assert not Membership.objects.filter(company=world.company, contact__user=staff).exists()
