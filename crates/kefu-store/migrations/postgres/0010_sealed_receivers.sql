-- Issue #14: an order's receiver (name, phone, address), sealed by the vault
-- (`enc:v1:<key>:<ciphertext>` of its JSON); NULL when the shop sent none.
ALTER TABLE orders ADD COLUMN receiver TEXT;
