-- Staff's free-text notes on a market entity (备注).
ALTER TABLE entities ADD COLUMN notes TEXT NOT NULL DEFAULT '';
