-- Escalation: a rule runs on every new item ('new', as before), or once on
-- each open item without a first response when it becomes due soon
-- ('due_soon') or passes its target ('breached'), or on each item not closed
-- by its resolution target ('unresolved'), from the scheduler's loop.
ALTER TABLE inbox_rules ADD COLUMN runs_on TEXT NOT NULL DEFAULT 'new';
-- Each (rule, item, trigger) that had its turn, whatever the rule did: the
-- row is written in the transaction that applies the rule's actions, so
-- two schedulers (or a restart) never run it twice on one item.
CREATE TABLE inbox_escalations (
    rule_id INTEGER NOT NULL REFERENCES inbox_rules (id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    runs_on TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, item_id, runs_on)
);
CREATE INDEX inbox_escalations_item ON inbox_escalations (item_id);
-- The items a target can still be missed by: open, not snoozed, without a
-- first response, oldest first per priority (each priority has its target).
CREATE INDEX inbox_items_awaiting ON inbox_items (priority, created_at, id)
    WHERE first_response_at IS NULL AND status IN ('new', 'assigned', 'in_progress');
-- The items a resolution target can still be missed by: not closed nor
-- ignored, not snoozed (answered ones included).
CREATE INDEX inbox_items_unresolved ON inbox_items (priority, created_at, id)
    WHERE status IN ('new', 'assigned', 'in_progress', 'responded');
