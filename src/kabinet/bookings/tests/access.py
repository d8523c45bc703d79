"""The access matrix of bookings: bookings follow the scope rule (owner and company admin), seats are
personal (only the person who took one cancels it), the offer (services, slots, events) is for every client,
the staff day view for staff holding ``bookings.change_booking``."""

from django.contrib.auth.models import Permission
from django.urls import reverse

from kabinet.testing import factories as f
from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase, owner_only

LOGIN = (302, "/accounts/login/")
CLIENT_PAGE = {**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: LOGIN}
PUBLIC = dict.fromkeys(Role, 200)
STAFF_ONLY = {**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 403, Role.ANONYMOUS: LOGIN}


def _setup(world) -> None:
    f.booking_world(world)


def _staff_may(world) -> None:
    f.booking_world(world)
    staff = world.users[Role.STAFF]
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="bookings", codename="change_booking")
    )


def _feed(world) -> None:
    from kabinet.bookings.actions import renew_calendar_feed

    f.booking_world(world)
    world.extra["feed_token"] = renew_calendar_feed(actor=None, contact=world.users[Role.OWNER].contact)


def _public(world) -> None:
    f.booking_world(world)
    branch = world.extra["branch"]
    branch.public_booking = True
    branch.save(update_fields=["public_booking"])


def _b(world) -> str:
    return world.extra["booking"].public_id


MINE = lambda w: {"OWNER-SVC": {Role.OWNER, Role.COMPANY_ADMIN}, "FOREIGN-SVC": {Role.OTHER_CLIENT}}  # noqa: E731

ROUTES = [
    RouteCase(
        url_name="bookings:list",
        url=lambda w: reverse("bookings:list"),
        setup=_setup,
        expect=CLIENT_PAGE,
        markers=MINE,
    ),
    RouteCase(
        url_name="bookings:new", url=lambda w: reverse("bookings:new"), setup=_setup, expect=CLIENT_PAGE
    ),
    RouteCase(
        url_name="bookings:slots",
        url=lambda w: reverse("bookings:slots", args=[w.extra["service"].public_id]),
        setup=_setup,
        expect=CLIENT_PAGE,
    ),
    RouteCase(
        url_name="bookings:confirm",
        url=lambda w: reverse("bookings:confirm", args=[w.extra["service"].public_id]),
        setup=_setup,
        expect=CLIENT_PAGE,
    ),
    RouteCase(
        url_name="bookings:detail",
        url=lambda w: reverse("bookings:detail", args=[_b(w)]),
        setup=_setup,
        expect=owner_only(),
        markers=lambda w: {"OWNER-SVC": {Role.OWNER, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="bookings:cancel",
        method="post",
        url=lambda w: reverse("bookings:cancel", args=[_b(w)]),
        setup=_setup,
        expect=owner_only((302, "/bookings/")),
    ),
    RouteCase(
        url_name="bookings:reschedule",
        url=lambda w: reverse("bookings:reschedule", args=[_b(w)]),
        setup=_setup,
        expect=owner_only(),
    ),
    RouteCase(
        url_name="bookings:ics",
        url=lambda w: reverse("bookings:ics", args=[_b(w)]),
        setup=_setup,
        expect=owner_only(),
    ),
    RouteCase(
        url_name="bookings:feed_new",
        method="post",
        url=lambda w: reverse("bookings:feed_new"),
        setup=_setup,
        expect={**CLIENT_PAGE},
    ),
    RouteCase(
        url_name="bookings:feed",
        # No session: the secret in the URL is the key, the same answer for everybody, and only the owner's own
        # bookings are in it (not a colleague's, even for the company admin).
        url=lambda w: reverse("bookings:feed", args=[w.extra["feed_token"]]),
        setup=_feed,
        expect=dict.fromkeys(Role, 200),
        check_json=True,
        markers=lambda w: {"OWNER-SVC": set(Role), "FOREIGN-SVC": set()},
    ),
    RouteCase(
        url_name="bookings:feed",
        label="bookings:feed (unknown token)",
        url=lambda w: reverse("bookings:feed", args=["x" * 32]),
        setup=_feed,
        expect=dict.fromkeys(Role, 404),
    ),
    RouteCase(
        url_name="bookings:events",
        url=lambda w: reverse("bookings:events"),
        setup=_setup,
        expect=CLIENT_PAGE,
        markers=lambda w: {"Yoga EVENT": {Role.OWNER, Role.COLLEAGUE, Role.COMPANY_ADMIN, Role.OTHER_CLIENT}},
    ),
    RouteCase(
        url_name="bookings:event",
        url=lambda w: reverse("bookings:event", args=[w.extra["event"].public_id]),
        setup=_setup,
        expect=CLIENT_PAGE,
    ),
    RouteCase(
        url_name="bookings:register",
        method="post",
        url=lambda w: reverse("bookings:register", args=[w.extra["event"].public_id]),
        setup=_setup,
        expect={**dict.fromkeys(CLIENT_ROLES, (302, "/events/")), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="bookings:cancel_seat",
        method="post",
        url=lambda w: reverse("bookings:cancel_seat", args=[w.extra["seat"].public_id]),
        setup=_setup,
        # A seat is personal: not even the company admin gives up someone else's place (Cal.com #11660).
        expect={**owner_only((302, "/events/")), Role.COMPANY_ADMIN: 404},
    ),
    # The public booking page: the same offer for everybody, signed in or not (no booking of anyone is on it).
    RouteCase(
        url_name="bookings:public",
        url=lambda w: reverse("bookings:public"),
        setup=_public,
        expect=PUBLIC,
        markers=lambda w: {"OWNER-SVC": set(Role)},
    ),
    RouteCase(
        url_name="bookings:public",
        label="bookings:public (switched off)",
        url=lambda w: reverse("bookings:public"),
        setup=_setup,
        expect=PUBLIC,
        markers=lambda w: {"OWNER-SVC": set()},
    ),
    RouteCase(
        url_name="bookings:public_slots",
        url=lambda w: reverse("bookings:public_slots", args=[w.extra["service"].public_id]),
        setup=_public,
        expect=PUBLIC,
    ),
    RouteCase(
        url_name="bookings:public_slots",
        label="bookings:public_slots (switched off)",
        url=lambda w: reverse("bookings:public_slots", args=[w.extra["service"].public_id]),
        setup=_setup,
        expect=dict.fromkeys(Role, 404),
    ),
    RouteCase(
        url_name="bookings:public_confirm",
        url=lambda w: reverse("bookings:public_confirm", args=[w.extra["service"].public_id]),
        setup=_public,
        expect=PUBLIC,
    ),
    RouteCase(
        url_name="bookings:public_verify",
        url=lambda w: reverse("bookings:public_verify"),
        setup=_public,
        expect=dict.fromkeys(Role, (302, "/book/")),
    ),
    # A booking is shown on the public page only to the session that made it: a bare id is nobody's key.
    RouteCase(
        url_name="bookings:public_booking",
        url=lambda w: reverse("bookings:public_booking", args=[_b(w)]),
        setup=_public,
        expect=dict.fromkeys(Role, 404),
    ),
    RouteCase(
        url_name="bookings:public_cancel",
        method="post",
        url=lambda w: reverse("bookings:public_cancel", args=[_b(w)]),
        setup=_public,
        expect=dict.fromkeys(Role, 404),
    ),
    RouteCase(
        url_name="bookings:staff_day",
        url=lambda w: reverse("bookings:staff_day"),
        setup=_setup,
        expect=STAFF_ONLY,
    ),
    RouteCase(
        url_name="bookings:staff_day",
        label="bookings:staff_day (with the permission)",
        url=lambda w: reverse("bookings:staff_day"),
        setup=_staff_may,
        expect={**STAFF_ONLY, Role.STAFF: 200},
    ),
    RouteCase(
        url_name="bookings:staff_week",
        url=lambda w: reverse("bookings:staff_week"),
        setup=_setup,
        expect=STAFF_ONLY,
    ),
    RouteCase(
        url_name="bookings:staff_week",
        label="bookings:staff_week (with the permission)",
        url=lambda w: reverse("bookings:staff_week"),
        setup=_staff_may,
        expect={**STAFF_ONLY, Role.STAFF: 200},
    ),
    RouteCase(
        url_name="bookings:staff_act",
        method="post",
        url=lambda w: reverse("bookings:staff_act", args=[_b(w), "attended"]),
        setup=_setup,
        expect=STAFF_ONLY,
    ),
    RouteCase(
        url_name="bookings:staff_act",
        label="bookings:staff_act (with the permission)",
        method="post",
        url=lambda w: reverse("bookings:staff_act", args=[_b(w), "attended"]),
        setup=_staff_may,
        expect={**STAFF_ONLY, Role.STAFF: (302, "/staff/bookings/")},
    ),
]
