-- The audit chain's head (contract: "Audit"; src/db/audit/chain.rs): one row, the
-- lock every chain append takes and the last link it wrote. `chain_start_id` is the
-- first chained audit row (rows below it are prehistory); `last_id`/`last_hash` the
-- newest link, so that `audit verify` notices a truncated tail.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    chain_start_id BIGINT NULL,
    last_id BIGINT NULL,
    last_hash TEXT NULL
);
INSERT INTO audit_chain_head (id, chain_start_id, last_id, last_hash) VALUES (1, NULL, NULL, NULL);
