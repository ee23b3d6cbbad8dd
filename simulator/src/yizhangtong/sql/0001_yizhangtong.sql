-- The HIS's patients, one per identity document.
CREATE TABLE yizhangtong_patients (
    his_cust_id TEXT PRIMARY KEY,
    id_type TEXT NOT NULL,
    id_no TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_sex TEXT NOT NULL CHECK (user_sex IN ('1', '2')),
    phone TEXT,
    UNIQUE (id_type, id_no)
);

-- Cards and their deposit (预交金) balances, several per patient: status is accountStatus (1 正常 … 4 注销),
-- authlevel 1 强实名 or 2 弱实名.
CREATE TABLE yizhangtong_cards (
    card_no TEXT PRIMARY KEY,
    card_type TEXT NOT NULL,
    his_cust_id TEXT NOT NULL REFERENCES yizhangtong_patients (his_cust_id),
    patient_type TEXT NOT NULL CHECK (patient_type IN ('00', '01')),
    account_type TEXT NOT NULL CHECK (account_type IN ('01', '02', '03')),
    status TEXT NOT NULL CHECK (status IN ('1', '2', '3', '4')),
    authlevel TEXT NOT NULL CHECK (authlevel IN ('1', '2')),
    balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0)
);
CREATE INDEX yizhangtong_cards_holder ON yizhangtong_cards (his_cust_id);

-- The transfer-in journal, unique by the platform's traceNoIn (改造注意事项 2). Refused transfers are kept too, so
-- that a query tells `fail` from `notfound`.
CREATE TABLE yizhangtong_transfers (
    trace_no_in TEXT PRIMARY KEY,
    call_sn TEXT NOT NULL UNIQUE,
    result TEXT NOT NULL CHECK (result IN ('succ', 'fail')),
    result_desc TEXT NOT NULL,
    to_card_no TEXT REFERENCES yizhangtong_cards (card_no),
    to_card_balance_fen BIGINT CHECK (to_card_balance_fen >= 0),
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    -- The cards emptied into the target, as JSON: [{"cardNo": …, "cardType": …}].
    from_card_list TEXT NOT NULL,
    -- yyyy-MM-dd HH:mm:ss
    trans_time TEXT NOT NULL,
    org_code TEXT,
    operator_id TEXT NOT NULL
);

-- Card uses (用卡轨迹), each during a visit (reg_no).
CREATE TABLE yizhangtong_card_uses (
    use_id BIGINT PRIMARY KEY,
    card_no TEXT NOT NULL REFERENCES yizhangtong_cards (card_no),
    hospital_id TEXT NOT NULL,
    hospital_name TEXT NOT NULL,
    depart_id TEXT NOT NULL,
    depart_name TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    doctor_name TEXT NOT NULL,
    use_type TEXT NOT NULL,
    use_channel TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    -- yyyy-MM-dd HH:mm:ss, which sorts as time.
    record_time TEXT NOT NULL,
    reg_no TEXT NOT NULL,
    report_url TEXT
);
CREATE INDEX yizhangtong_card_uses_time ON yizhangtong_card_uses (card_no, record_time);

-- A visit's fees (费用清单): what insurance paid, of which the pooled fund (统筹), and what the patient paid.
CREATE TABLE yizhangtong_fees (
    reg_no TEXT PRIMARY KEY,
    total_fen BIGINT NOT NULL,
    insurance_fen BIGINT NOT NULL CHECK (insurance_fen >= 0),
    insurance_plan_fen BIGINT NOT NULL CHECK (insurance_plan_fen >= 0 AND insurance_plan_fen <= insurance_fen),
    self_fen BIGINT NOT NULL CHECK (self_fen >= 0),
    trans_time TEXT NOT NULL,
    pdf_url TEXT NOT NULL,
    CHECK (total_fen = insurance_fen + self_fen)
);

-- The sequence of the HIS's transfer serial numbers (callSn), in both SQLite and PostgreSQL.
CREATE TABLE yizhangtong_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO yizhangtong_counters (name, value) VALUES ('call_sn', 0);
