"""The offline CRM stand-in for tests and the demo, and a connection to it mapped the quick way."""

from __future__ import annotations

from kabinet.integrations.crm.memory import MemoryCrm, stand_in

__all__ = ["MemoryCrm", "connected", "stand_in"]

STAGES = (
    ("NEW", "Новая", "process"),
    ("OFFER", "Коммерческое предложение", "process"),
    ("WORK", "В работе", "process"),
    ("JUNK", "Спам", "failure"),
    ("WON", "Сделка успешна", "success"),
    ("LOST", "Сделка провалена", "failure"),
)


def connected(account: str = "test", *, page_size: int = 50, token: str = "s3cret-token"):  # noqa: S107 - a test value
    """A fresh stand-in with one pipeline, and a connection to it whose pipeline is mirrored in Kabinet and
    whose ``JUNK`` stage hides the deal. Answers ``(stand_in, connection)``."""
    from kabinet.sync import actions
    from kabinet.sync.models import Connection, PipelineMap, StageMap

    crm = stand_in(account, page_size=page_size, reset=True)
    crm.add_pipeline("0", "Продажи", STAGES)
    connection = actions.save_connection(
        actor=None,
        connection=Connection(name=f"Stand-in {account}", provider="memory"),
        config={"account": account, "token": token},
    )
    actions.load_pipelines(actor=None, connection=connection)
    actions.mirror_pipeline(
        actor=None, pipeline_map=PipelineMap.objects.get(connection=connection, crm_id="0")
    )
    StageMap.objects.filter(connection=connection, crm_id="JUNK").update(stage=None, hides=True)
    crm.calls.clear()
    return crm, connection
