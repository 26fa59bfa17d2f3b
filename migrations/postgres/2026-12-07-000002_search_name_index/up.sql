CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_search_name_idx ON customers USING gin (custadm_fold(full_name) gin_trgm_ops);
