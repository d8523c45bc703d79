"""The "Support agents" group: the permissions the staff workspace (/staff/tickets/) asks for."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from kabinet.tickets.permissions import SUPPORT_AGENTS as GROUP
from kabinet.tickets.permissions import SUPPORT_PERMISSIONS as PERMISSIONS


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_support_desk"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
