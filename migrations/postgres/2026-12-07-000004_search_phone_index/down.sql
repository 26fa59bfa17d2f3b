DROP INDEX CONCURRENTLY IF EXISTS customers_search_phone_idx;
