"""English dates in the back office: short, 24-hour, and the same in every column
("Dec 6, 2026, 14:05"); Django's own mixes "Dec. 6, 2026, 2:05 p.m." and "12/06/2026"."""

DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "M j, Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
