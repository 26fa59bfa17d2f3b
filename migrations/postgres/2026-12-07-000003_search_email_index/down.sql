DROP INDEX CONCURRENTLY IF EXISTS customers_search_email_idx;
