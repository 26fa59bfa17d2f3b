DROP TABLE audit_log;
DROP TABLE account_entries;
DROP TABLE billing_accounts;
DROP TABLE kyc_records;
DROP TABLE customers;
DROP TABLE operators;
