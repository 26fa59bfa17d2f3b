-- Every search reads the whole GIN pending list of each index it consults
-- (rows written since the list was last merged: up to gin_pending_list_limit,
-- 4 MB by default, about 500 pages). Measured at 10M customers after a
-- 100,000-row deactivation: 300 pending pages per index doubled a search's
-- server time (60 ms instead of 27 ms at load 10, bench/RESULTS.md). 256 kB
-- bounds the list at 32 pages; writers still batch their index entries.
-- Setting gin_pending_list_limit takes SHARE UPDATE EXCLUSIVE on the index
-- only, so the application's writes go on; the merge below is bounded by the
-- old limit (half a second for three full lists at 10M).
ALTER INDEX customers_search_name_idx SET (gin_pending_list_limit = 256);
ALTER INDEX customers_search_email_idx SET (gin_pending_list_limit = 256);
ALTER INDEX customers_search_phone_idx SET (gin_pending_list_limit = 256);
SELECT gin_clean_pending_list('customers_search_name_idx'::regclass),
       gin_clean_pending_list('customers_search_email_idx'::regclass),
       gin_clean_pending_list('customers_search_phone_idx'::regclass);
