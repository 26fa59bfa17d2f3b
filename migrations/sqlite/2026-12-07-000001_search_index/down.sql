DROP TRIGGER IF EXISTS customers_search_insert;
DROP TRIGGER IF EXISTS customers_search_update;
DROP TRIGGER IF EXISTS customers_search_delete;
DROP TABLE IF EXISTS customers_search;
DROP TABLE IF EXISTS customers_search_fold;
