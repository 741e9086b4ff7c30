"""A logging filter that masks email addresses and phone numbers in every log line."""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
PHONE = re.compile(r"(?<![\w.:-])\+?\d[\d ()./-]{5,}\d(?![\w:-])")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _mask_phone(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7 or DATE.match(text):
        return text
    return "*" * (len(digits) - 2) + digits[-2:]


def mask(text: str) -> str:
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return PHONE.sub(_mask_phone, text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
