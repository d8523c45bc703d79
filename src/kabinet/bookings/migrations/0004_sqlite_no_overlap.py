"""No two active bookings of one specialist overlap — on SQLite too, enforced by the database itself.

PostgreSQL has the exclusion constraint of 0002. SQLite has none, so two triggers refuse the same overlap
(a confirmed booking whose held time meets another confirmed one of the same specialist) for any code that
writes the table, not only for the bookings actions. Datetimes are stored as UTC text there, which compares
in time order.
"""

from django.db import migrations

CONDITION = (
    "NEW.status = 'confirmed' AND EXISTS (SELECT 1 FROM bookings_booking AS other "
    "WHERE other.specialist_id = NEW.specialist_id AND other.status = 'confirmed' "
    "AND other.held_from < NEW.held_until AND NEW.held_from < other.held_until{extra})"
)
REFUSE = "BEGIN SELECT RAISE(ABORT, 'bookings_booking_no_overlap'); END"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE TRIGGER bookings_booking_no_overlap_insert BEFORE INSERT ON bookings_booking "
        f"WHEN {CONDITION.format(extra='')} {REFUSE}"
    )
    schema_editor.execute(
        "CREATE TRIGGER bookings_booking_no_overlap_update BEFORE UPDATE OF specialist_id, held_from, "
        f"held_until, status ON bookings_booking WHEN {CONDITION.format(extra=' AND other.id != NEW.id')} {REFUSE}"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS bookings_booking_no_overlap_insert")
    schema_editor.execute("DROP TRIGGER IF EXISTS bookings_booking_no_overlap_update")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_calendar_feed")]

    operations = [migrations.RunPython(forwards, backwards)]
