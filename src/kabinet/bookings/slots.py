"""The free-slot engine: a pure function, no database, no clock (``now`` is passed in).

Order of the rules (as Easy!Appointments computes them): the weekly working plan → date exceptions (which
replace a date's plan: a day off, or other hours) → breaks → unavailability (one specialist's blocked periods)
→ the branch's blocked periods → existing bookings (with buffers) → minimum notice, horizon and daily caps.

Wall-clock times (a plan's 09:00) are read in the branch's time zone *for each date*, so a date after a
daylight-saving change gets that date's offset (Cal.com #6844, #6932 computed every date with one offset).
Candidate starts step through real time from the start of each free stretch, so a stretch that spans a change
(a night shift) is as long as it really is. A wall time that does not exist (02:30 on the spring-forward night
in Europe/Warsaw) is read as zoneinfo reads it (fold=0: the offset before the change), i.e. one hour later on
the clock; a wall time that happens twice is its first occurrence.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = datetime.UTC
Interval = tuple[datetime.datetime, datetime.datetime]
WallRange = tuple[datetime.time, datetime.time]


@dataclass(frozen=True)
class Schedule:
    """Everything about one specialist the engine needs.

    ``weekly`` and ``breaks`` map a weekday (0 = Monday) to wall-clock ranges; ``exceptions`` maps a date to
    the ranges that replace that date's plan (an empty sequence: a day off). ``busy`` holds absolute periods
    (unavailability, the branch's blocked periods, the holds of existing bookings, buffers included);
    ``booked_per_day`` counts active bookings per local date for ``daily_cap``.
    """

    key: object
    weekly: Mapping[int, Sequence[WallRange]]
    breaks: Mapping[int, Sequence[WallRange]] = field(default_factory=dict)
    exceptions: Mapping[datetime.date, Sequence[WallRange]] = field(default_factory=dict)
    busy: Sequence[Interval] = ()
    booked_per_day: Mapping[datetime.date, int] = field(default_factory=dict)
    daily_cap: int | None = None


@dataclass(frozen=True)
class Rules:
    """What the service and the branch say about a slot."""

    zone: ZoneInfo
    duration: datetime.timedelta
    buffer_before: datetime.timedelta = datetime.timedelta(0)
    buffer_after: datetime.timedelta = datetime.timedelta(0)
    step: datetime.timedelta = datetime.timedelta(minutes=15)
    min_notice: datetime.timedelta = datetime.timedelta(0)
    horizon_days: int = 30


def wall(date: datetime.date, time: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """The moment (UTC) at which the clocks of ``zone`` show ``time`` on ``date``."""
    return datetime.datetime.combine(date, time, tzinfo=zone).astimezone(UTC)


def _ranges(date: datetime.date, ranges: Iterable[WallRange], zone: ZoneInfo) -> list[Interval]:
    result = []
    for start, end in ranges:
        # An end at 00:00 means midnight at the end of the day.
        end_date = date + datetime.timedelta(days=1) if end == datetime.time(0) else date
        begin, finish = wall(date, start, zone), wall(end_date, end, zone)
        if finish > begin:
            result.append((begin, finish))
    return sorted(result)


def subtract(windows: Sequence[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """``windows`` minus every period of ``cuts`` (all half-open)."""
    result = list(windows)
    for cut_start, cut_end in cuts:
        pieces = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def merge(periods: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint periods covering the same time as ``periods``."""
    merged: list[Interval] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def working_windows(schedule: Schedule, date: datetime.date, zone: ZoneInfo) -> list[Interval]:
    """A date's working time as moments: the plan (or the date's exception), minus the breaks."""
    if date in schedule.exceptions:
        plan = _ranges(date, schedule.exceptions[date], zone)
    else:
        plan = _ranges(date, schedule.weekly.get(date.weekday(), ()), zone)
    return subtract(plan, _ranges(date, schedule.breaks.get(date.weekday(), ()), zone))


def free_slots(
    schedule: Schedule,
    rules: Rules,
    *,
    start: datetime.date,
    end: datetime.date,
    now: datetime.datetime,
) -> list[datetime.datetime]:
    """Every start (UTC, ascending) between the local dates ``start`` and ``end`` (inclusive) at which the
    service fits: the service itself inside working time, its buffers clear of anything busy, at least
    ``min_notice`` after ``now``, within ``horizon_days`` of today in the branch, below the daily cap."""
    zone = rules.zone
    earliest = now + rules.min_notice
    last_date = min(end, now.astimezone(zone).date() + datetime.timedelta(days=rules.horizon_days))
    busy = merge(schedule.busy)
    slots: list[datetime.datetime] = []
    date = start
    while date <= last_date:
        capped = schedule.daily_cap is not None and schedule.booked_per_day.get(date, 0) >= schedule.daily_cap
        if not capped:
            for window_start, window_end in working_windows(schedule, date, zone):
                slots.extend(_starts_in(window_start, window_end, rules, busy, earliest))
        date += datetime.timedelta(days=1)
    return slots


def _starts_in(
    window_start: datetime.datetime,
    window_end: datetime.datetime,
    rules: Rules,
    busy: Sequence[Interval],
    earliest: datetime.datetime,
) -> Iterable[datetime.datetime]:
    # ``busy`` is sorted and disjoint and candidates ascend: skip the periods that end before the hold.
    index = bisect.bisect_right(busy, (window_start - rules.buffer_before,)) - 1
    index = max(index, 0)
    candidate = window_start
    while candidate + rules.duration <= window_end:
        held = (candidate - rules.buffer_before, candidate + rules.duration + rules.buffer_after)
        while index < len(busy) and busy[index][1] <= held[0]:
            index += 1
        if candidate >= earliest and not (index < len(busy) and overlaps(held, busy[index])):
            yield candidate
        candidate += rules.step


def any_specialist(
    schedules: Sequence[Schedule],
    rules: Rules,
    *,
    start: datetime.date,
    end: datetime.date,
    now: datetime.datetime,
) -> dict[datetime.datetime, list[object]]:
    """The union of every specialist's free starts: start → the keys of the specialists free then, in the
    order of ``schedules`` (the first one is offered when the client chose "any")."""
    union: dict[datetime.datetime, list[object]] = {}
    for schedule in schedules:
        for slot in free_slots(schedule, rules, start=start, end=end, now=now):
            union.setdefault(slot, []).append(schedule.key)
    return dict(sorted(union.items()))


def nearest(
    slots: Iterable[datetime.datetime], moment: datetime.datetime, *, count: int = 3
) -> list[datetime.datetime]:
    """The ``count`` free starts closest to ``moment`` (what a client who lost a race is offered)."""
    return sorted(sorted(slots, key=lambda slot: (abs(slot - moment), slot))[:count])
