-- A user whose role was lowered kept tokens of a wider scope (the role still
-- limited what they did, but the token lists showed a scope the person no
-- longer had). Lowering a role now narrows the user's tokens; those lowered
-- before are narrowed here to the widest scope the role allows (read for a
-- viewer, write for an analyst or a manager), each recorded in the audit log.
INSERT INTO audit_log (at, actor, action, target, detail)
SELECT CAST(strftime('%s', 'now') AS INTEGER), 'veille', 'token.narrow', t.username,
       'id=' || t.id || ' ' || t.scope || ' -> '
       || CASE u.role WHEN 'viewer' THEN 'read' ELSE 'write' END || ' (migration 0550)'
FROM api_tokens t JOIN users u ON u.username = t.username
WHERE (u.role = 'viewer' AND t.scope IN ('write', 'admin'))
   OR (u.role IN ('analyst', 'manager') AND t.scope = 'admin')
ORDER BY t.id;
UPDATE api_tokens SET scope = 'read'
    WHERE scope IN ('write', 'admin')
      AND username IN (SELECT username FROM users WHERE role = 'viewer');
UPDATE api_tokens SET scope = 'write'
    WHERE scope = 'admin'
      AND username IN (SELECT username FROM users WHERE role IN ('analyst', 'manager'));
