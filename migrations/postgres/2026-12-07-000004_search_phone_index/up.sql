CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_search_phone_idx ON customers USING gin (custadm_digits(phone) gin_trgm_ops);
