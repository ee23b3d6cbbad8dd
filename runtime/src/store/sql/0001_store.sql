-- The first result of every exactly-once effect, by scope (an interface) and key (its business id).
CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Messages to deliver: written in the transaction of the effect that causes them, sent after it commits.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    interface TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    due_at BIGINT NOT NULL,
    lease_until BIGINT,
    lease_owner TEXT,
    last_error TEXT,
    reply TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    UNIQUE (ordering_key, seq)
);
CREATE INDEX outbox_due ON outbox (state, due_at);
