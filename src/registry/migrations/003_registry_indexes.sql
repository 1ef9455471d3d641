-- County staff always list with their region; credit grade is the commonest second filter
-- (credit-graded supervision), so the pair gets its own index.
CREATE INDEX entities_region_credit ON entities(region, credit, id);
