"""Registration numbers, phones and bank details are checked by checksum, with a field error each."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kabinet.crm import validators as v
from kabinet.crm.models import BankAccount, Company, ContactPhone
from kabinet.demo import identifiers
from kabinet.testing import factories as f


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        (v.validate_inn, "7707083893", "7707083894"),
        (v.validate_inn, "500100732259", "500100732258"),
        (v.validate_kpp, "770701001", "77070100"),
        (v.validate_ogrn, "1027700132195", "1027700132194"),
        (v.validate_ogrn, "304500116000157", "304500116000158"),
        (v.validate_nip, "5260250274", "5260250275"),
        (v.validate_regon, "012100784", "012100785"),
        (v.validate_vat, "PL5260250274", "PL5260250275"),
        (v.validate_iban, "PL61109010140000071219812874", "PL61109010140000071219812875"),
        (v.validate_ru_bik, "044525225", "12345678"),
    ],
)
def test_checksums(validator, good, bad):
    validator(good)
    with pytest.raises(ValidationError):
        validator(bad)


def test_phone_is_normalised_to_e164():
    assert v.normalize_phone("8 (916) 123-45-67") == "+79161234567"
    assert v.normalize_phone("+48 601 234 567") == "+48601234567"
    with pytest.raises(ValidationError) as error:
        v.normalize_phone("12345")
    assert error.value.code == "invalid_phone"


def test_bank_account_control_key_against_bik():
    import random

    account = identifiers.ru_account(random.Random(1), "044525225")
    assert v.ru_account_matches_bik(account, "044525225")
    broken = account[:-1] + str((int(account[-1]) + 1) % 10)
    assert not v.ru_account_matches_bik(broken, "044525225")
    assert v.ru_account_matches_bik(
        identifiers.ru_correspondent_account("044525225"), "044525225", correspondent=True
    )
    assert v.ru_account_matches_bik("30101810400000000225", "044525225", correspondent=True)


@pytest.mark.django_db
def test_company_errors_are_reported_at_each_field():
    company = Company(name="ООО «Тест»", inn="7707083894", kpp="12", ogrn="1027700132194", phone="abc")
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert set(error.value.message_dict) >= {"inn", "kpp", "ogrn", "phone"}


@pytest.mark.django_db
def test_company_kpp_needs_an_organisation_inn():
    company = Company(name="ИП Иванов", inn="500100732259", kpp="770701001")
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "kpp" in error.value.message_dict


@pytest.mark.django_db
def test_bank_account_mismatch_is_a_field_error():
    company = f.CompanyFactory()
    account = BankAccount(
        company=company, bank_name="Банк", bik="044525225", account_number="40702810000000000001"
    )
    with pytest.raises(ValidationError) as error:
        account.full_clean()
    assert "account_number" in error.value.message_dict


@pytest.mark.django_db
def test_contact_phone_is_stored_in_e164():
    row = ContactPhone(contact=f.ContactFactory(), phone="+7 916 123-45-67")
    row.full_clean()
    row.save()
    assert ContactPhone.objects.get().phone == "+79161234567"
