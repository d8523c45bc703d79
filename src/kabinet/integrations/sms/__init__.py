"""SMS providers, one folder each: ``file`` and ``memory`` (offline), ``smsru`` (SMS.ru).

The contract and the facade are :mod:`kabinet.core.providers.sms`. The names below are re-exported from there
for one release only, for code written against the old ``kabinet.integrations.sms`` facade: call
``kabinet.core.providers.sms.send_sms`` / ``deliver`` instead (a domain must not import ``integrations``).
"""

from kabinet.core.providers.sms import SmsMessage, SmsProvider, SmsResult, deliver, get_provider, send_sms

__all__ = ["SmsMessage", "SmsProvider", "SmsResult", "deliver", "get_provider", "send_sms"]
