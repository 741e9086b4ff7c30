"""SQL written for one database engine at a time (SQLite and PostgreSQL), kept out of the
services: the channel database's counters, triggers and 1010's bulk writes."""
