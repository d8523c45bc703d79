"""My data: my contact details, my companies' legal and bank details, and the colleagues a company admin
manages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kabinet.core.models import AuditEntry
from kabinet.crm.models import BankAccount, Contact, Membership, TimelineEntry
from kabinet.demo import identifiers
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def contact_form(**overrides) -> dict:
    data = {
        "last_name": "Носова",
        "first_name": "Анна",
        "middle_name": "",
        "position": "Бухгалтер",
        "delivery_address": "Москва, ул. Складочная, 1",
        "emails-TOTAL_FORMS": "2",
        "emails-INITIAL_FORMS": "0",
        "emails-0-email": "Anna@Example.test",
        "emails-1-email": "",
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "phones-0-phone": "8 (916) 123-45-67",
        "phones-1-phone": "",
    }
    data.update(overrides)
    return data


def test_my_data_shows_my_details_and_companies(world):
    owner = world.user(Role.OWNER)
    f.MembershipFactory(contact=owner.contact, company=world.other_company, role=Membership.Role.ADMIN)
    body = world.client_for(Role.OWNER).get(reverse("crm:profile")).content.decode()
    assert owner.contact.full_name in body and owner.email in body
    assert world.company.name in body and world.other_company.name in body
    assert reverse("crm:company", args=[world.other_company.public_id]) in body


def test_editing_my_details(world):
    owner = world.user(Role.OWNER)
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("crm:profile_edit")).content.decode()
    assert owner.email in page and 'for="id_emails-0-email"' in page and "Email 1" in page
    response = client.post(reverse("crm:profile_edit"), contact_form())
    assert response.status_code == 302
    contact = Contact.objects.get(pk=owner.contact.pk)
    assert (contact.first_name, contact.last_name, contact.position) == ("Анна", "Носова", "Бухгалтер")
    assert list(contact.emails.values_list("email", "is_primary")) == [("anna@example.test", True)]
    assert list(contact.phones.values_list("phone", flat=True)) == ["+79161234567"]
    assert TimelineEntry.objects.filter(
        event="contact.updated", contact=contact, company=world.company
    ).exists()
    assert AuditEntry.objects.filter(event="contact.updated", actor=owner).exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"phones-0-phone": "12345"}, "phone", "This phone number does not exist"),
        ({"emails-0-email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"emails-0-email": ""}, None, "Keep at least one email address"),
        ({"emails-1-email": "anna@example.test"}, None, "The same email address is entered twice."),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
)
def test_bad_details_are_field_errors_and_nothing_is_saved(world, overrides, field, message):
    owner = world.user(Role.OWNER)
    before = (owner.contact.first_name, list(owner.contact.emails.values_list("email", flat=True)))
    response = world.client_for(Role.OWNER).post(reverse("crm:profile_edit"), contact_form(**overrides))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'role="alert"' in body
    contact = Contact.objects.get(pk=owner.contact.pk)
    assert (contact.first_name, list(contact.emails.values_list("email", flat=True))) == before


def test_errors_speak_the_readers_language(world):
    owner = world.user(Role.OWNER)
    owner.language = "ru"
    owner.save()
    body = (
        world.client_for(Role.OWNER)
        .post(reverse("crm:profile_edit"), contact_form(**{"phones-0-phone": "12345"}))
        .content.decode()
    )
    assert "Такого номера телефона не существует" in body


def company_form(company, **overrides) -> dict:
    data = {
        "name": company.name,
        "legal_name": "ООО «Свои»",
        "inn": company.inn,
        "kpp": "",
        "ogrn": "",
        "legal_address": "Москва",
        "postal_address": "",
        "email": "",
        "phone": "",
        "bank-TOTAL_FORMS": "1",
        "bank-INITIAL_FORMS": "0",
        "bank-0-bank_name": "",
        "bank-0-bik": "",
        "bank-0-account_number": "",
        "bank-0-correspondent_account": "",
    }
    data.update(overrides)
    return data


def test_company_admin_edits_legal_and_bank_details(world):
    import random

    rng = random.Random(5)
    inn = identifiers.inn10(rng)
    bik = "044525225"
    account = identifiers.ru_account(rng, bik)
    client = world.client_for(Role.COMPANY_ADMIN)
    url = reverse("crm:company_edit", args=[world.company.public_id])
    response = client.post(
        url,
        company_form(
            world.company,
            inn=inn,
            kpp=identifiers.kpp(inn),
            **{
                "bank-0-bank_name": "ПАО Сбербанк",
                "bank-0-bik": bik,
                "bank-0-account_number": account,
                "bank-0-correspondent_account": identifiers.ru_correspondent_account(bik),
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.company.refresh_from_db()
    assert world.company.inn == inn and world.company.legal_address == "Москва"
    assert BankAccount.objects.get(company=world.company).account_number == account
    page = client.get(reverse("crm:company", args=[world.company.public_id])).content.decode()
    assert account in page and inn in page
    assert TimelineEntry.objects.filter(event="company.updated", company=world.company).exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"inn": "7700000001"}, "inn"),
        ({"kpp": "12"}, "kpp"),
        ({"ogrn": "1234567890123"}, "ogrn"),
        (
            {
                "bank-0-bank_name": "Банк",
                "bank-0-bik": "044525225",
                "bank-0-account_number": "40702810000000000001",
            },
            "account_number",
        ),
    ],
)
def test_checksums_guard_the_company_details(world, overrides, field):
    before = world.company.inn
    response = world.client_for(Role.COMPANY_ADMIN).post(
        reverse("crm:company_edit", args=[world.company.public_id]), company_form(world.company, **overrides)
    )
    assert response.status_code == 400
    errors = {**response.context["form"].errors}
    for form in response.context["accounts"].forms:
        errors.update(form.errors)
    assert field in errors
    world.company.refresh_from_db()
    assert world.company.inn == before and not BankAccount.objects.exists()


def test_a_member_reads_the_details_but_cannot_edit(world):
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("crm:company", args=[world.company.public_id])).content.decode()
    assert (
        world.company.inn in page and reverse("crm:company_edit", args=[world.company.public_id]) not in page
    )
    response = client.post(
        reverse("crm:company_edit", args=[world.company.public_id]),
        company_form(world.company, legal_address="X"),
    )
    assert response.status_code == 404


def test_invite_a_colleague_already_in_the_company_is_refused(world):
    client = world.client_for(Role.COMPANY_ADMIN)
    response = client.post(
        reverse("crm:colleagues"),
        {"email": world.user(Role.COLLEAGUE).email, "first_name": "X", "role": "member"},
    )
    assert response.status_code == 400
    assert "already has access" in response.content.decode()


def test_change_role_and_remove_but_never_yourself(world):
    client = world.client_for(Role.COMPANY_ADMIN)
    owner = world.user(Role.OWNER).contact
    me = world.user(Role.COMPANY_ADMIN).contact
    client.post(reverse("crm:colleague_role", args=[owner.public_id]), {f"{owner.public_id}-role": "admin"})
    assert Membership.objects.get(contact=owner, company=world.company).role == "admin"
    assert TimelineEntry.objects.filter(event="colleague.made_admin").exists()
    client.post(reverse("crm:colleague_remove", args=[owner.public_id]))
    assert not Membership.objects.filter(contact=owner, company=world.company).exists()
    assert (
        world.client_for(Role.OWNER).get(reverse("crm:order", args=[world.order.public_id])).status_code
        == 404
    )
    client.post(reverse("crm:colleague_role", args=[me.public_id]), {f"{me.public_id}-role": "member"})
    client.post(reverse("crm:colleague_remove", args=[me.public_id]))
    assert Membership.objects.get(contact=me, company=world.company).role == "admin"
    assert "You cannot change your own access" in client.get(reverse("crm:colleagues")).content.decode()
