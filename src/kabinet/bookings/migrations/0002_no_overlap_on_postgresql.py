"""No two active bookings of one specialist overlap — enforced by PostgreSQL itself.

An exclusion constraint over (specialist, held time range) where the booking is active. The specialist's id
is compared as a one-value range (``int8range(id, id, '[]') WITH &&``) so that plain GiST suffices and the
``btree_gist`` extension (which needs a superuser to install) is not required. SQLite has no such constraint:
there the bookings actions write inside an IMMEDIATE transaction, one writer at a time (see actions.py).
"""

from django.db import migrations

CONSTRAINT = "bookings_booking_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE bookings_booking ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        "int8range(specialist_id, specialist_id, '[]') WITH &&, "
        "tstzrange(held_from, held_until, '[)') WITH &&"
        ") WHERE (status = 'confirmed')"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
