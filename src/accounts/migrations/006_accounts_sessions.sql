-- Administrators see each user's live sessions with the address they came from.
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
