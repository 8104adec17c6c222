"""Posts in ClickHouse: ``chdb:///PATH`` (chDB, in-process) or
``clickhouse://HOST:8123/DATABASE`` (a server, through clickhouse-connect).
A PostStore only: the state goes to another backend (PostgreSQL, SQLite).
Nothing here is imported until a store URL names one of these schemes, so
``import veille`` works without chdb or clickhouse-connect."""
