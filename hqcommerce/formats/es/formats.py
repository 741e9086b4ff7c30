"""Spanish dates in the back office: short, 24-hour, and the same in every column
("6 dic 2026, 14:05"); Django's own spells out "6 de diciembre de 2026 a las 14:05"."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
