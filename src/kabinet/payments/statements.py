"""Bank statements in the 1C client-bank exchange format (``1CClientBankExchange``, version 1.02/1.03).

A statement is lines of ``Key=Value`` in Windows-1251 (``Кодировка=Windows``) or CP866 (``Кодировка=DOS``);
each payment is a ``СекцияДокумент=…`` … ``КонецДокумента`` section with ``Номер``, ``Дата``, ``Сумма``,
``ПлательщикИНН``, ``Плательщик``/``Плательщик1``, ``ПолучательСчет``, ``НазначениеПлатежа``… Only the
documents credited to the payee's account are payments to us; the invoice is found by its number in the
purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

HEADER = "1CClientBankExchange"


class StatementError(ValueError):
    """Not a 1C client-bank statement (the message is for staff)."""


@dataclass(frozen=True)
class StatementLine:
    number: str
    date: str
    amount: Decimal
    payer: str
    payer_inn: str
    payee_account: str
    purpose: str

    @property
    def reference(self) -> str:
        """What identifies the document across imports: its number, date and payer."""
        return f"1c:{self.number}:{self.date}:{self.payer_inn}"[:100]


def _decode(data: bytes) -> str:
    head = data[:400]
    if b"\xca\xee\xe4\xe8\xf0\xee\xe2\xea\xe0=DOS" in head or "Кодировка=DOS".encode("cp866") in head:
        return data.decode("cp866", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def parse_statement(data: bytes) -> list[StatementLine]:
    """The payment documents of a statement; raises :class:`StatementError` for anything else."""
    text = _decode(data).lstrip("\ufeff")
    lines = [line.strip() for line in text.splitlines()]
    if not lines or lines[0] != HEADER:
        raise StatementError("the file does not start with 1CClientBankExchange")
    documents, current = [], None
    for line in lines[1:]:
        if line.startswith("СекцияДокумент"):
            current = {}
        elif line == "КонецДокумента" and current is not None:
            documents.append(current)
            current = None
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current[key.strip()] = value.strip()
    result = []
    for doc in documents:
        try:
            amount = Decimal(doc.get("Сумма", "").replace(",", "."))
        except InvalidOperation:
            raise StatementError(f"document {doc.get('Номер', '?')}: the amount is not a number") from None
        result.append(
            StatementLine(
                number=doc.get("Номер", ""),
                date=doc.get("Дата", ""),
                amount=amount,
                payer=doc.get("Плательщик1") or doc.get("Плательщик", ""),
                payer_inn=doc.get("ПлательщикИНН", ""),
                payee_account=doc.get("ПолучательСчет") or doc.get("ПолучательРасчСчет", ""),
                purpose=doc.get("НазначениеПлатежа", ""),
            )
        )
    return result


def invoice_numbers_in(purpose: str) -> list[str]:
    """Invoice numbers a payer wrote in the purpose ("по счёту №СЧ-00042", "сч. N СЧ-42", …)."""
    return re.findall(r"[№N#]\s*([A-Za-zА-Яа-яЁё]{0,4}-?\d{1,10})", purpose)
