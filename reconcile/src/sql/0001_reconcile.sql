-- Every mismatch of every run, by platform and day; a re-run replaces its day's rows. `status`: open, resolved (a
-- person marked it, with a note), held (pending across midnight, waiting for the next day's run), released (a
-- held row the next day's run took in). `held` keeps a held row's encoded record to feed the next run.
CREATE TABLE reconcile_items (
    id {serial_key},
    platform TEXT NOT NULL,
    day TEXT NOT NULL,
    class TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    at_stake TEXT NOT NULL,
    csv TEXT NOT NULL,
    side TEXT,
    held TEXT,
    status TEXT NOT NULL,
    note TEXT
);
CREATE INDEX reconcile_items_day ON reconcile_items (platform, day);
