"""Keeping PostgreSQL's planner statistics current for the tables a job is working through.

A backlog arrives faster than autovacuum notices it: autoanalyze looks once a minute, and a
server may run with autovacuum off. Until a table is analyzed, PostgreSQL guesses how many
rows a batch's `IN (…)` list matches, and with 100k fresh rows it guessed "most of them" and
chose a sequential scan for every batch, so a job slowed with the square of its backlog. The
jobs therefore ANALYZE, between batches, the tables they read that have grown a lot since
their last ANALYZE. Statistics store column shapes as proportions, so once a table has been
analyzed at a reasonable size its estimates scale with it: a table is re-analyzed only after
it has about doubled, a handful of times in any run. SQLite's planner picks indexes without
statistics; there this does nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections, models, router

logger = logging.getLogger(__name__)

# Below this many changed rows a table is left to autovacuum: a guess cannot cost much.
MIN_CHANGED_ROWS = 1000
# Re-analyze once the rows changed since the last ANALYZE reach this share of the live rows.
CHANGED_SHARE = 0.5
# How often a job may look at pg_stat_user_tables (its counters lag by about a second anyway).
CHECK_SECONDS = 1.0


def stale_tables(tables: Iterable[str], *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The tables among `tables` whose statistics are missing or far behind their rows."""
    connection = connections[using]
    tables = list(tables)
    if connection.vendor != "postgresql" or not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname = ANY(%s)",
            [tables],
        )
        rows = cursor.fetchall()
    return sorted(
        name
        for name, live, changed in rows
        if changed >= MIN_CHANGED_ROWS and changed >= CHANGED_SHARE * live
    )


def statistics_refresh(tables: Iterable[str], *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """ANALYZE the stale ones among `tables`; returns those analyzed.

    SKIP_LOCKED: a table that autovacuum (or another job) is analyzing right now is skipped,
    never waited for. ANALYZE takes no lock that blocks the POS's reads or writes.
    """
    connection = connections[using]
    stale = stale_tables(tables, using=using)
    if stale:
        quote = connection.ops.quote_name
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE (SKIP_LOCKED) {', '.join(quote(t) for t in stale)}")
        logger.info("analyzed %s in %.2f s", ", ".join(stale), time.monotonic() - started)
    return stale


class StatisticsKeeper:
    """Call `refresh()` before each batch: it checks at most every CHECK_SECONDS. Each
    model's table is looked at in the database it lives in now (HQ's, or the channel
    database the job is working on)."""

    def __init__(self, *models_: type[models.Model]) -> None:
        self.models = models_
        self._checked_at: dict[str, float] = {}

    def refresh(self) -> list[str]:
        by_alias: dict[str, list[str]] = {}
        for model in self.models:
            by_alias.setdefault(router.db_for_write(model), []).append(model._meta.db_table)
        analyzed = []
        now = time.monotonic()
        for alias, tables in by_alias.items():
            if connections[alias].vendor != "postgresql":
                continue
            checked = self._checked_at.get(alias)
            if checked is not None and now - checked < CHECK_SECONDS:
                continue
            self._checked_at[alias] = now
            analyzed += statistics_refresh(tables, using=alias)
        return analyzed
