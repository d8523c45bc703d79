"""Query parameters every list shares."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from kabinet.api.pagination import MAX_LIMIT


class ListParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Rows per page (1–100).")
    starting_after: str | None = Field(
        None, max_length=40, description="The id of the last row of the previous page."
    )
    updated_since: datetime.datetime | None = Field(
        None, description="Only rows changed at or after this time (ISO 8601 with offset)."
    )
