-- The check log takes one row for every scan at every station: the platform's hottest insert,
-- written while stations wait on other checks. Two of its five indexes gave nothing the others
-- do not: a region's checks are its stations' checks (found through cylinder_checks_station,
-- one range per station of the county), and "refused only" is a condition tested on the rows a
-- station's, a period's or a cylinder's index already narrowed (a whole-city refusal list reads
-- the log newest first, and its count is capped). Dropping them takes about a fifth of the cost
-- of logging a check (17 -> 13-15 us of CPU per check at city scale, bench/cylinders.sh).
DROP INDEX cylinder_checks_region;
DROP INDEX cylinder_checks_allowed;
