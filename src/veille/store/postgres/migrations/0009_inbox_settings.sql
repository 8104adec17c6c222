-- The inbox's working time and response targets as set from the web app
-- (/inbox/hours): one row per [inbox] key, its value as JSON. A key set here
-- wins over veille.toml's; a key absent here is veille.toml's.
CREATE TABLE inbox_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
