"""PostgreSQL StateStore (psycopg 3 with a connection pool): ``postgresql://``."""
