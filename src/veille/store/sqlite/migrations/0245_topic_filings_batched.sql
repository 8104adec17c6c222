-- Filing a post under a topic no longer updates topic_rollup row by row from a
-- trigger: the code that files (store/sqlite/topics.py, file_filings) adds a
-- batch's new filings to the rollup in one grouped statement. The trigger cost
-- a rollup upsert per filing: a fifth of the whole ingest path's time when
-- twenty topics watch a busy stream.
DROP TRIGGER topic_rollup_filed;
