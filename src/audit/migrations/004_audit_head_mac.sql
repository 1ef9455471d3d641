-- The chain's head carries a keyed MAC of (last_id, last_hash): pointing the head back at an
-- older row, after deleting the newest ones, needs the key (see src/audit/audit.c).
ALTER TABLE audit_head ADD COLUMN mac BLOB;
