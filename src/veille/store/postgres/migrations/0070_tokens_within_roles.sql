-- Tokens wider than their user's role (lowered before a lowered role
-- narrowed them), narrowed and audited as SQLite's 0550.
INSERT INTO audit_log (at, actor, action, target, detail)
SELECT extract(epoch FROM now())::bigint, 'veille', 'token.narrow', t.username,
       'id=' || t.id || ' ' || t.scope || ' -> '
       || CASE u.role WHEN 'viewer' THEN 'read' ELSE 'write' END || ' (migration 0070)'
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
