ALTER TABLE audit_chain_head DROP COLUMN archived_hash;
ALTER TABLE audit_chain_head DROP COLUMN archived_through;
ALTER TABLE audit_chain_head DROP COLUMN prehistory_hash;
ALTER TABLE audit_chain_head DROP COLUMN prehistory_rows;
