DROP INDEX CONCURRENTLY IF EXISTS customers_search_name_idx;
