-- Nothing to undo: the function without STRICT gives the same values
-- (NULL for NULL), and migration 2026-12-07-000001's down removes it.
SELECT 1;
