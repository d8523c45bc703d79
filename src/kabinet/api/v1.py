"""``/api/v1/``: one NinjaAPI with the integrator and the client routers, its schema and its reference page."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger

from kabinet.api import problems
from kabinet.api.client import router as client_router
from kabinet.api.integrator import router as integrator_router


class KabinetAPI(NinjaAPI):
    """The schema says what the API sends: error answers are ``application/problem+json``."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(code).startswith(("4", "5")) and "application/json" in content:
                        content[problems.PROBLEM] = content.pop("application/json")
        return schema


api = KabinetAPI(
    title="Kabinet API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "Integrator routes take a staff-issued key (`Authorization: Bearer kab_…`); `/me/…` routes act as the "
        "signed-in client (a personal token or the portal session). Guide: docs/api.md."
    ),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(api)
api.add_router("/me/", client_router)
api.add_router("/", integrator_router)
