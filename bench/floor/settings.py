"""Settings of the benchmark's floor: Kabinet's own settings, plus one minimal authenticated page.

The benchmark serves Kabinet with these settings so that the floor page (``/bench/floor/``) runs in the same
server processes, behind the same middleware, on the same database and sessions as every portal page. Only
the URL configuration differs: it is Kabinet's, with the floor page in front.
"""

from kabinet.config.settings import *  # noqa: F403 - the very same settings, on purpose

ROOT_URLCONF = "floor.urls"
