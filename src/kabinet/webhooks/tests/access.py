"""The inbox route in the access matrix: a path secret nobody knows answers 404 to everyone, whoever is signed in."""

from django.urls import reverse

from kabinet.testing.matrix import ALL_ROLES, RouteCase

ROUTES = [
    RouteCase(
        url_name="webhooks:inbox",
        url=lambda w: reverse("webhooks:inbox", args=["not-a-registered-secret"]),
        method="post",
        data=lambda w: {"event": "x"},
        expect=dict.fromkeys(ALL_ROLES, 404),
    ),
    RouteCase(
        url_name="webhooks:inbox",
        label="webhooks:inbox (GET)",
        url=lambda w: reverse("webhooks:inbox", args=["not-a-registered-secret"]),
        expect=dict.fromkeys(ALL_ROLES, 405),
    ),
]
