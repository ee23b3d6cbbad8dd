-- Signatures a server has accepted within its freshness window, by scope (a platform's side) and key (the
-- signature's SHA-256): the primary key lets exactly one of several instances racing on one signature win. `digest`
-- tells a byte-identical retry from another request under the same signature; `reply` is the sealed first answer
-- (NULL while that request is in flight), given again to the retry.
CREATE TABLE replay (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    reply TEXT,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX replay_expiry ON replay (expires_at);
