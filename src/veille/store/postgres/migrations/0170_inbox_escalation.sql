-- Escalation rules, as SQLite's 0740: a rule's trigger ('new', 'due_soon',
-- 'breached', 'unresolved'), the record of each (rule, item, trigger) that had its turn
-- (written with the rule's actions: two schedulers never run it twice), and
-- the index of the items a target can still be missed by.
ALTER TABLE inbox_rules ADD COLUMN runs_on TEXT NOT NULL DEFAULT 'new';
CREATE TABLE inbox_escalations (
    rule_id BIGINT NOT NULL REFERENCES inbox_rules (id) ON DELETE CASCADE,
    item_id BIGINT NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    runs_on TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (rule_id, item_id, runs_on)
);
CREATE INDEX inbox_escalations_item ON inbox_escalations (item_id);
CREATE INDEX inbox_items_awaiting ON inbox_items (priority, created_at, id)
    WHERE first_response_at IS NULL AND status IN ('new', 'assigned', 'in_progress');
-- The items a resolution target can still be missed by: not closed nor
-- ignored, not snoozed (answered ones included).
CREATE INDEX inbox_items_unresolved ON inbox_items (priority, created_at, id)
    WHERE status IN ('new', 'assigned', 'in_progress', 'responded');
