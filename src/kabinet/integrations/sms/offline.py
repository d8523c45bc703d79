"""Deprecated (one release): the offline providers moved to ``integrations/sms/file/`` and ``sms/memory/``.

Tests read the memory outbox through ``kabinet.testing.sms_outbox`` now.
"""

from kabinet.integrations.sms.file import FileSmsProvider
from kabinet.integrations.sms.memory import MemorySmsProvider, outbox

__all__ = ["FileSmsProvider", "MemorySmsProvider", "outbox"]
