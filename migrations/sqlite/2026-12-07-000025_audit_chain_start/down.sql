ALTER TABLE audit_chain_head DROP COLUMN prehistory_hash;
ALTER TABLE audit_chain_head DROP COLUMN prehistory_rows;
