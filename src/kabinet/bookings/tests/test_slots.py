"""The free-slot engine as a pure function: each rule in its order, buffers, notice, horizon, caps, and the
daylight-saving changes of Europe/Warsaw (no database, no clock)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.bookings.slots import Rules, Schedule, any_specialist, free_slots, merge, nearest, subtract, wall

WARSAW = ZoneInfo("Europe/Warsaw")
UTC = datetime.UTC
T = datetime.time.fromisoformat
MINUTES = datetime.timedelta(minutes=1)
EVERY_DAY = {day: [(T("09:00"), T("12:00"))] for day in range(7)}
MONDAY = datetime.date(2026, 6, 1)
LONG_AGO = datetime.datetime(2026, 1, 1, tzinfo=UTC)


def rules(**kw) -> Rules:
    kw.setdefault("horizon_days", 1000)
    return Rules(
        zone=kw.pop("zone", WARSAW),
        duration=kw.pop("duration", 60 * MINUTES),
        step=kw.pop("step", 60 * MINUTES),
        **kw,
    )


def local(slots, zone=WARSAW) -> list[str]:
    return [slot.astimezone(zone).strftime("%H:%M") for slot in slots]


def at(date: datetime.date, hhmm: str, zone=WARSAW) -> datetime.datetime:
    return wall(date, T(hhmm), zone)


def test_the_working_plan_gives_the_starts_that_fit():
    slots = free_slots(Schedule(key=1, weekly=EVERY_DAY), rules(), start=MONDAY, end=MONDAY, now=LONG_AGO)
    assert local(slots) == ["09:00", "10:00", "11:00"]
    assert all(slot.tzinfo is UTC for slot in slots)


def test_a_date_exception_replaces_the_plan_and_a_day_off_removes_it():
    extra = MONDAY + datetime.timedelta(days=1)
    schedule = Schedule(key=1, weekly=EVERY_DAY, exceptions={MONDAY: [], extra: [(T("14:00"), T("16:00"))]})
    slots = free_slots(schedule, rules(), start=MONDAY, end=extra, now=LONG_AGO)
    assert local(slots) == ["14:00", "15:00"]
    assert {slot.astimezone(WARSAW).date() for slot in slots} == {extra}


def test_breaks_unavailability_blocked_periods_and_bookings_are_cut_out():
    schedule = Schedule(
        key=1,
        weekly={0: [(T("08:00"), T("18:00"))]},
        breaks={0: [(T("12:00"), T("13:00"))]},
        busy=[
            (at(MONDAY, "08:00"), at(MONDAY, "09:00")),  # unavailable
            (at(MONDAY, "15:00"), at(MONDAY, "16:30")),  # the branch is closed for an inspection
            (at(MONDAY, "10:00"), at(MONDAY, "11:00")),  # booked
        ],
    )
    slots = free_slots(schedule, rules(), start=MONDAY, end=MONDAY, now=LONG_AGO)
    # Starts step by the hour from each working stretch (08:00, 13:00); the break splits the day.
    assert local(slots) == ["09:00", "11:00", "13:00", "14:00", "17:00"]


def test_buffers_keep_a_gap_around_existing_bookings():
    schedule = Schedule(
        key=1, weekly={0: [(T("09:00"), T("13:00"))]}, busy=[(at(MONDAY, "11:00"), at(MONDAY, "12:00"))]
    )
    plain = free_slots(schedule, rules(step=30 * MINUTES), start=MONDAY, end=MONDAY, now=LONG_AGO)
    assert local(plain) == ["09:00", "09:30", "10:00", "12:00"]
    buffered = free_slots(
        schedule,
        rules(step=30 * MINUTES, buffer_before=15 * MINUTES, buffer_after=30 * MINUTES),
        start=MONDAY,
        end=MONDAY,
        now=LONG_AGO,
    )
    # 10:00 + 60 min + 30 min after runs into 11:00; 12:00 - 15 min before runs into the booking.
    assert local(buffered) == ["09:00", "09:30"]


def test_minimum_notice_and_horizon_follow_now():
    now = at(MONDAY, "09:30")
    slots = free_slots(
        Schedule(key=1, weekly=EVERY_DAY),
        rules(min_notice=60 * MINUTES, horizon_days=1),
        start=MONDAY,
        end=MONDAY + datetime.timedelta(days=10),
        now=now,
    )
    assert [s.astimezone(WARSAW).strftime("%d %H:%M") for s in slots] == [
        "01 11:00",
        "02 09:00",
        "02 10:00",
        "02 11:00",
    ]


def test_a_daily_cap_closes_a_date():
    schedule = Schedule(key=1, weekly=EVERY_DAY, booked_per_day={MONDAY: 2}, daily_cap=2)
    slots = free_slots(schedule, rules(), start=MONDAY, end=MONDAY + datetime.timedelta(days=1), now=LONG_AGO)
    assert {slot.astimezone(WARSAW).date() for slot in slots} == {MONDAY + datetime.timedelta(days=1)}


def test_any_specialist_is_the_union_in_order():
    first = Schedule(key="a", weekly={0: [(T("09:00"), T("11:00"))]})
    second = Schedule(key="b", weekly={0: [(T("10:00"), T("12:00"))]})
    union = any_specialist([first, second], rules(), start=MONDAY, end=MONDAY, now=LONG_AGO)
    assert {local([slot])[0]: who for slot, who in union.items()} == {
        "09:00": ["a"],
        "10:00": ["a", "b"],
        "11:00": ["b"],
    }


# --- daylight saving: Europe/Warsaw moves from +01:00 to +02:00 on 29 March 2026 and back on 25 October --------


def test_the_plan_follows_each_dates_own_offset_across_spring_forward():
    saturday, sunday, monday = (datetime.date(2026, 3, 28) + datetime.timedelta(days=i) for i in range(3))
    slots = free_slots(
        Schedule(key=1, weekly=EVERY_DAY),
        rules(),
        start=saturday,
        end=monday,
        now=datetime.datetime(2026, 3, 27, tzinfo=UTC),
    )
    by_day = {}
    for slot in slots:
        by_day.setdefault(slot.astimezone(WARSAW).date(), []).append(slot)
    # 09:00 on the clock every day; in UTC it is 08:00 before the change and 07:00 after.
    assert [s.strftime("%H:%M") for s in by_day[saturday]] == ["08:00", "09:00", "10:00"]
    assert [s.strftime("%H:%M") for s in by_day[sunday]] == ["07:00", "08:00", "09:00"]
    assert local(by_day[monday]) == ["09:00", "10:00", "11:00"]


def test_a_night_shift_across_spring_forward_is_one_hour_shorter():
    sunday = datetime.date(2026, 3, 29)
    schedule = Schedule(key=1, weekly={6: [(T("00:00"), T("05:00"))]})
    slots = free_slots(schedule, rules(), start=sunday, end=sunday, now=LONG_AGO)
    # 00:00–05:00 on the clock is four real hours: 00, 01, then 03 (02:00 does not exist), 04.
    assert local(slots) == ["00:00", "01:00", "03:00", "04:00"]
    assert [s.strftime("%H:%M") for s in slots] == ["23:00", "00:00", "01:00", "02:00"]


def test_a_night_shift_across_fall_back_is_one_hour_longer():
    sunday = datetime.date(2026, 10, 25)
    schedule = Schedule(key=1, weekly={6: [(T("00:00"), T("04:00"))]})
    slots = free_slots(schedule, rules(), start=sunday, end=sunday, now=LONG_AGO)
    # Five real hours: 02:00 happens twice (first at +02:00, then at +01:00).
    assert [s.strftime("%H:%M") for s in slots] == ["22:00", "23:00", "00:00", "01:00", "02:00"]
    assert local(slots) == ["00:00", "01:00", "02:00", "02:00", "03:00"]


def test_a_booking_that_spans_the_change_blocks_real_time_not_clock_time():
    sunday = datetime.date(2026, 3, 29)
    schedule = Schedule(
        key=1,
        weekly={6: [(T("00:00"), T("05:00"))]},
        busy=[
            (
                datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
                datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
            )
        ],
    )
    slots = free_slots(schedule, rules(step=30 * MINUTES), start=sunday, end=sunday, now=LONG_AGO)
    # The booking runs 01:30 CET → 03:30 CEST on the clock (one real hour): an hour-long service fits
    # before it (00:00, 00:30) and right after it, at 03:30 on the clock.
    assert local(slots) == ["00:00", "00:30", "03:30", "04:00"]


# --- helpers --------------------------------------------------------------------------------------------------


def test_subtract_and_merge():
    a = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    h = datetime.timedelta(hours=1)
    assert subtract([(a, a + 5 * h)], [(a + h, a + 2 * h), (a + 3 * h, a + 9 * h)]) == [
        (a, a + h),
        (a + 2 * h, a + 3 * h),
    ]
    assert merge([(a + 2 * h, a + 3 * h), (a, a + h), (a + h, a + 2 * h)]) == [(a, a + 3 * h)]


def test_nearest_offers_the_closest_starts_in_order():
    a = datetime.datetime(2026, 1, 1, 12, tzinfo=UTC)
    h = datetime.timedelta(hours=1)
    assert nearest([a - 5 * h, a - h, a + 2 * h, a + 3 * h], a, count=2) == [a - h, a + 2 * h]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    busy=st.lists(st.tuples(st.integers(0, 600), st.integers(5, 180)), max_size=8),
    before=st.integers(0, 30),
    after=st.integers(0, 30),
)
def test_no_slot_ever_overlaps_anything_busy(busy, before, after):
    start = at(MONDAY, "08:00")
    periods = [(start + m * MINUTES, start + (m + length) * MINUTES) for m, length in busy]
    schedule = Schedule(key=1, weekly={0: [(T("08:00"), T("18:00"))]}, busy=periods)
    r = rules(step=15 * MINUTES, buffer_before=before * MINUTES, buffer_after=after * MINUTES)
    for slot in free_slots(schedule, r, start=MONDAY, end=MONDAY, now=LONG_AGO):
        held = (slot - r.buffer_before, slot + r.duration + r.buffer_after)
        assert all(not (held[0] < e and s < held[1]) for s, e in periods)
        assert at(MONDAY, "08:00") <= slot and slot + r.duration <= at(MONDAY, "18:00")
