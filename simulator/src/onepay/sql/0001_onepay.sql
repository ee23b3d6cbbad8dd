-- Patient accounts, one per card and account type (01 门诊, 02 住院). `status` is a code of accountStatus's
-- outpatient table (01 正常 … 04 注销) or its inpatient table (01 在院 … 03 出院), by account type.
CREATE TABLE onepay_accounts (
    account_no TEXT PRIMARY KEY,
    card_type TEXT NOT NULL,
    card_no TEXT NOT NULL,
    account_type TEXT NOT NULL CHECK (account_type IN ('01', '02')),
    id_type TEXT NOT NULL,
    id_no TEXT NOT NULL,
    user_name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('1', '2')),
    status TEXT NOT NULL CHECK (status IN ('01', '02', '03', '04')),
    balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0),
    UNIQUE (card_type, card_no, account_type)
);

-- At most one wristband per account; its key is the bearer's credential (portal.wb.queryAccount).
CREATE TABLE onepay_wristbands (
    wristband_key TEXT PRIMARY KEY,
    account_no TEXT NOT NULL UNIQUE REFERENCES onepay_accounts (account_no),
    url TEXT NOT NULL,
    operator_id TEXT,
    operator_name TEXT,
    issued_at TEXT NOT NULL
);

-- Charges, recharges and refunds. The merchant's number is unique across all of them (section 1.3); what a
-- trade took in is never refunded twice over.
CREATE TABLE onepay_trades (
    trade_no TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL UNIQUE,
    trade_type TEXT NOT NULL CHECK (trade_type IN ('op.trade.charge', 'hop.trade.recharge', 'hop.trade.refund')),
    account_no TEXT REFERENCES onepay_accounts (account_no),
    -- depositeType of a charge or recharge, withdrawMode of a refund.
    channel TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    refunded_fen BIGINT NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
    original_trade_no TEXT REFERENCES onepay_trades (trade_no),
    -- The trade-status dictionary (result): a charge waits in `ing` for its payer.
    state TEXT NOT NULL CHECK (state IN ('init', 'ing', 'succ', 'fail', 'exp', 'closed')),
    result_desc TEXT NOT NULL,
    subject TEXT,
    operator_id TEXT,
    -- yyyyMMddHHmmss, which sorts as time.
    created_at TEXT NOT NULL,
    finished_at TEXT,
    -- A charge's: when its QR code or credential was issued, in Unix milliseconds; the simulated payer pays later.
    issued_ms BIGINT
);
CREATE INDEX onepay_trades_account ON onepay_trades (account_no, created_at);
CREATE INDEX onepay_trades_due ON onepay_trades (state, issued_ms);

-- Uploaded medical details (mmp.upload.medical.detail), once per hospital bill number.
CREATE TABLE onepay_medical_details (
    bill_no TEXT PRIMARY KEY,
    upload_no TEXT NOT NULL UNIQUE,
    card_no TEXT,
    item_count BIGINT NOT NULL CHECK (item_count >= 0),
    detail TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);

-- Sequences that both SQLite and PostgreSQL have: the platform's trade and upload numbers.
CREATE TABLE onepay_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO onepay_counters (name, value) VALUES ('trade', 0), ('upload', 0);
