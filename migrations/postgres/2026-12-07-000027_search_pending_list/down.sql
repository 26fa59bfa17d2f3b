ALTER INDEX customers_search_name_idx RESET (gin_pending_list_limit);
ALTER INDEX customers_search_email_idx RESET (gin_pending_list_limit);
ALTER INDEX customers_search_phone_idx RESET (gin_pending_list_limit);
