-- Business numbers (hospital order ids, platform refund ids, …): one counter per kind, shared by every instance on
-- the database, so two instances never hand out the same number.
CREATE TABLE shaanxi_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL CHECK (value > 0)
);
