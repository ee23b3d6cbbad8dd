-- One row per exchange a proxy saw: the columns searched by, and the whole record as JSON (`record`).
CREATE TABLE journal_exchange (
    id {serial_key},
    at_ms BIGINT NOT NULL,
    platform TEXT NOT NULL,
    interface TEXT,
    verdict TEXT NOT NULL,
    status INTEGER NOT NULL,
    latency_us BIGINT NOT NULL,
    code TEXT,
    record TEXT NOT NULL
);
CREATE INDEX journal_exchange_at ON journal_exchange (at_ms);
CREATE INDEX journal_exchange_interface ON journal_exchange (interface, at_ms);
CREATE INDEX journal_exchange_verdict ON journal_exchange (verdict, at_ms);
-- The business keys of each exchange (`keys:` in the spec), indexed by value for `hisgate journal search`.
CREATE TABLE journal_key (
    exchange_id BIGINT NOT NULL REFERENCES journal_exchange (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX journal_key_value ON journal_key (value);
CREATE INDEX journal_key_exchange ON journal_key (exchange_id);
