"""Staff settings the whole portal follows: name, logo, favicon, colours, orders label, menu, glossary."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.core.models import AuditEntry
from kabinet.portal.actions import save_glossary_term, save_portal_settings
from kabinet.portal.config import portal_config
from kabinet.portal.models import GlossaryTerm, OrdersLabel, PortalSettings, contrast_ratio
from kabinet.portal.tests.access import PNG
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def save(**fields) -> PortalSettings:
    row = PortalSettings.objects.filter(pk=1).first() or PortalSettings()
    uploads = {k: fields.pop(k) for k in ("logo", "favicon") if k in fields}
    for name, value in fields.items():
        setattr(row, name, value)
    return save_portal_settings(actor=None, portal_settings=row, **uploads)


def nav_labels(body: str) -> list[str]:
    import re

    return re.findall(r'data-nav="([^"]+)"', body)


def test_title_colours_logo_and_favicon_follow_everywhere(world, client):
    before = client.get(reverse("accounts:login")).content.decode()
    assert "· Kabinet</title>" in before and "--brand: #" not in before
    save(
        title="Ромашка-Сервис",
        brand_color="#7c2d12",
        brand_text_color="#ffffff",
        background_color="#fafaf9",
        logo=SimpleUploadedFile("logo.png", PNG),
        favicon=SimpleUploadedFile("favicon.png", PNG),
    )
    for page in (
        client.get(reverse("accounts:login")),
        world.client_for(Role.OWNER).get(reverse("crm:orders")),
    ):
        body = page.content.decode()
        assert "· Ромашка-Сервис</title>" in body  # the settings were saved a moment ago: no stale cache
        assert "--brand: #7c2d12; --brand-contrast: #ffffff; --background: #fafaf9;" in body
        assert reverse("portal:logo") + "?v=" in body and reverse("portal:favicon") + "?v=" in body
    logo = client.get(reverse("portal:logo"))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff" and b"".join(logo.streaming_content) == PNG
    assert AuditEntry.objects.filter(event="portal.settings_changed").exists()


def test_removing_the_logo(world, client):
    save(logo=SimpleUploadedFile("logo.png", PNG))
    row = PortalSettings.objects.get()
    save_portal_settings(actor=None, portal_settings=row, remove_logo=True)
    assert client.get(reverse("portal:logo")).status_code == 404
    assert not portal_config().logo_version


@pytest.mark.parametrize(
    "name, content",
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b"<html><script>alert(1)</script></html>"),
        ("logo.pdf", b"%PDF-1.4\n%"),
    ],
)
def test_only_real_images_become_a_logo(world, name, content):
    with pytest.raises(ValidationError):
        save(title="X", logo=SimpleUploadedFile(name, content))
    assert not PortalSettings.objects.exists()


def test_colours_must_be_hex_and_readable():
    with pytest.raises(ValidationError) as error:
        save(brand_color="red;}body{display:none")
    assert "brand_color" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        save(brand_color="#fde047", brand_text_color="#ffffff")  # white on yellow
    assert "brand_text_color" in error.value.message_dict
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)


def test_orders_label_is_translated_or_taken_as_typed(world):
    save(orders_label=OrdersLabel.DEALS)
    owner = world.user(Role.OWNER)
    body = world.client_for(Role.OWNER).get(reverse("crm:orders")).content.decode()
    assert "<h1>Deals</h1>" in body and ">Deals</a>" in body
    owner.language = "ru"
    owner.save()
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert "Текущие сделки" in body and ">Сделки</a>" in body
    save(orders_label=OrdersLabel.CUSTOM, orders_label_plural="Отгрузки", orders_label_singular="Отгрузка")
    body = (
        world.client_for(Role.OWNER).get(reverse("crm:order", args=[world.order.public_id])).content.decode()
    )
    assert "Отгрузка №" in body and ">Отгрузки</a>" in body
    with pytest.raises(ValidationError):
        save(orders_label=OrdersLabel.CUSTOM, orders_label_plural="", orders_label_singular="")


def test_navigation_menu_order_labels_hidden_entries_and_links(world):
    client = world.client_for(Role.OWNER)
    default = nav_labels(client.get(reverse("portal:home")).content.decode())
    assert default[0] == "home" and {
        "orders",
        "documents",
        "invoices",
        "history",
        "files",
        "profile",
        "help",
    } <= set(default)
    save(
        navigation=[
            {"key": "invoices", "label": "Оплата", "hidden": False},
            {"key": "orders", "label": "", "hidden": False},
            {"key": "files", "label": "", "hidden": True},
            {"key": "home", "label": "", "hidden": True},  # home can be neither hidden nor moved
            {"key": "link-1", "label": "Наш сайт", "url": "https://example.com/"},
        ]
    )
    body = client.get(reverse("portal:home")).content.decode()
    order = nav_labels(body)
    assert order[:4] == ["home", "invoices", "orders", "link-1"]
    assert "files" not in order and "documents" in order  # unplaced entries keep their registered order
    assert ">Оплата</a>" in body and 'href="https://example.com/" rel="noopener" target="_blank"' in body
    # hiding removes the entry from the menu, not the page
    assert client.get(reverse("files:archive")).status_code == 200


def test_the_admin_form_edits_the_menu_and_checks_uploads(world, admin_client):
    url = reverse("admin:portal_portalsettings_add")
    form = admin_client.get(url).context["adminform"].form
    data = {name: (field.initial if field.initial is not None else "") for name, field in form.fields.items()}
    data.update(
        title_ru="Портал",
        title_pl="Portal",
        brand_color="#1d4ed8",
        brand_text_color="#ffffff",
        background_color="#f3f4f6",
        orders_label="orders",
        nav_documents_hidden="on",
        nav_invoices_position=1,
        nav_invoices_label_ru="Счета и акты",
        nav_invoices_label_en="Invoices and acts",
        link_1_label_ru="Сайт",
        link_1_url="https://example.com",
        link_1_position=2,
    )
    data = {k: v for k, v in data.items() if v is not False and v is not None}
    data.pop("remove_logo", None)
    data.pop("remove_favicon", None)
    data["logo_upload"] = SimpleUploadedFile("x.png", b"<html>not an image</html>")
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "logo_upload" in response.context["adminform"].form.errors
    data["logo_upload"] = SimpleUploadedFile("x.png", PNG)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = PortalSettings.objects.get()
    assert (row.title_ru, row.title_en, row.title_pl, row.logo_type) == (
        "Портал",
        None,
        "Portal",
        "image/png",
    )
    assert row.navigation[0] == {
        "key": "invoices",
        "label": {"ru": "Счета и акты", "en": "Invoices and acts"},
        "hidden": False,
    }
    assert {"key": "documents", "label": {}, "hidden": True} in row.navigation
    assert {"key": "link-1", "label": {"ru": "Сайт"}, "url": "https://example.com"} in row.navigation
    assert admin_client.get(reverse("admin:portal_portalsettings_add")).status_code == 403  # one row only
    assert admin_client.get(reverse("admin:portal_portalsettings_change", args=[row.pk])).status_code == 200


def test_glossary_built_in_terms_staff_overrides_and_hiding(world, client):
    body = client.get(reverse("portal:glossary"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="reconciliation-act"' in body and "Reconciliation act" in body
    save_glossary_term(
        actor=None,
        glossary_term=GlossaryTerm(
            slug="reconciliation-act", language="en", term="Reconciliation", explanation="Ours."
        ),
    )
    save_glossary_term(
        actor=None,
        glossary_term=GlossaryTerm(slug="kpp", language="", term="KPP", explanation="", is_published=False),
    )
    save_glossary_term(
        actor=None, glossary_term=GlossaryTerm(slug="bonus", language="", term="Бонусы", explanation="Баллы.")
    )
    body = client.get(reverse("portal:glossary"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ours." in body and 'id="kpp"' not in body and 'id="bonus"' in body
    ru = client.get(reverse("portal:glossary"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Ours." not in ru and "Акт сверки" in ru  # the English override does not touch Russian


def test_term_link_opens_in_place_or_on_its_own_page(world):
    owner = world.client_for(Role.OWNER)
    body = owner.get(reverse("crm:orders")).content.decode()
    assert f'href="{reverse("portal:term", args=["order-stage"])}"' in body
    fragment = owner.get(reverse("portal:term", args=["order-stage"]), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().startswith('<span class="term-explain"')
    page = owner.get(reverse("portal:term", args=["order-stage"]))
    assert "<h1>Order stage</h1>" in page.content.decode()


def test_staff_without_contact_sees_no_client_menu(world):
    staff = f.StaffFactory()
    from django.test import Client

    client = Client()
    client.force_login(staff)
    # Staff get the staff menu (without permissions: Start and the back office), never the client's sections.
    assert nav_labels(client.get(reverse("portal:glossary")).content.decode()) == ["staff", "admin"]


def test_the_settings_row_is_the_one_readers_find_whatever_the_sequence_has_reached():
    """On PostgreSQL a sequence does not go back when a test rolls back: a row created without a key got
    pk 7, nobody found it, and emails went out as «Kabinet» (seen only in a full run)."""
    from kabinet.accounts.models import SignInSettings
    from kabinet.portal.config import forget_portal_config

    PortalSettings.objects.create(title="Первый")
    PortalSettings.objects.all().delete()  # the sequence stays past 1
    PortalSettings.objects.create(title="Кабинет клиента")
    forget_portal_config()
    assert portal_config().title == "Кабинет клиента"
    SignInSettings.objects.create(idle_timeout_minutes=7)
    SignInSettings.objects.all().delete()
    SignInSettings.objects.create(idle_timeout_minutes=9)
    assert SignInSettings.current().idle_timeout_minutes == 9
