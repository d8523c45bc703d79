"""Kabinet's URLs plus the floor page: what a minimal authenticated Django page costs on this server."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import Context, Engine
from django.urls import path

from kabinet.config.urls import urlpatterns as kabinet_urlpatterns

# A stand-alone engine: the floor renders its 2 KB template without Kabinet's context processors, so it
# costs only what every Django page costs (middleware, the session, the user, one template).
ENGINE = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")])
TEMPLATE = ENGINE.get_template("floor/page.html")


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The minimal authenticated page: load the session user, render a 2 KB template."""
    return HttpResponse(TEMPLATE.render(Context({"user": request.user, "path": request.path})))


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *kabinet_urlpatterns]
