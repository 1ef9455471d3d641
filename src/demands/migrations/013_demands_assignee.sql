-- An officer's inbox is (d.officer = ? OR d.assignee = ?): both sides need an index, or every
-- page scans the demands (bench/demands.sh, 100,000 demands: the count fell from 33 to 0.1 ms).
CREATE INDEX demands_assignee ON demands(assignee, id);
