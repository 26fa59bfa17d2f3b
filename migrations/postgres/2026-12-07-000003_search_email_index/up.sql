CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_search_email_idx ON customers USING gin (custadm_fold(email) gin_trgm_ops);
