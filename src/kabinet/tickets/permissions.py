"""The "Support agents" group: the permissions the staff workspace (/staff/tickets/) asks for.

Plain constants, imported by the migration that creates the group and by ``support_agents_group``, which
recreates it where it is missing (a database flushed by tests, a group deleted by mistake).
"""

from __future__ import annotations

SUPPORT_AGENTS = "Support agents"
SUPPORT_PERMISSIONS = (
    ("tickets", "view_ticket"),
    ("tickets", "add_ticket"),
    ("tickets", "change_ticket"),
    ("tickets", "view_ticketmessage"),
    ("tickets", "add_ticketmessage"),
    ("tickets", "view_ticketcategory"),
    ("tickets", "view_inboundmail"),
)


def support_agents_group():
    """The group, created with its permissions if it is missing."""
    from django.contrib.auth.models import Group, Permission

    group, created = Group.objects.get_or_create(name=SUPPORT_AGENTS)
    if created or not group.permissions.exists():
        for app_label, codename in SUPPORT_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
    return group
