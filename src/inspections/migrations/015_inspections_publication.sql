-- 一公开: results are due on the public site within 20 working days of a task's completion.
-- publish_due is set when the task is completed; published_late when it is published after it.
ALTER TABLE inspection_tasks ADD COLUMN publish_due TEXT;
ALTER TABLE inspection_tasks ADD COLUMN published_late INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inspection_tasks_due ON inspection_tasks(publish_due);
