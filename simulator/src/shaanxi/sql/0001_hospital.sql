-- The hospital's (HIS's) own records: its outpatient catalogue, its patients, and the register orders the platform
-- places, pays, cancels and refunds. Money is integer fen; every quota and amount is guarded by a CHECK.

-- Outpatient departments, two or three levels deep; `parent_id` is '-1' at the top, as GetDepartmentInfo reports it.
CREATE TABLE shaanxi_hospital_departments (
    department_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    level BIGINT NOT NULL CHECK (level BETWEEN 1 AND 3),
    expertise TEXT NOT NULL,
    introduction TEXT,
    location TEXT,
    telephone TEXT,
    rule TEXT,
    status BIGINT NOT NULL CHECK (status IN (0, 1)),
    sort BIGINT NOT NULL
);

CREATE TABLE shaanxi_hospital_doctors (
    doctor_id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES shaanxi_hospital_departments (department_id),
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    profession_title TEXT NOT NULL,
    office TEXT NOT NULL,
    introduction TEXT,
    expertise TEXT,
    telephone TEXT,
    status BIGINT NOT NULL CHECK (status IN (0, 1)),
    sort BIGINT NOT NULL
);

-- One doctor's half-day (noon) of one date. Fees in fen; `status` 0 停诊, 1 正常, 2 未开放.
CREATE TABLE shaanxi_hospital_schedules (
    schedule_id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES shaanxi_hospital_departments (department_id),
    doctor_id TEXT NOT NULL REFERENCES shaanxi_hospital_doctors (doctor_id),
    register_date TEXT NOT NULL,
    noon TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    status BIGINT NOT NULL CHECK (status IN (0, 1, 2)),
    level BIGINT NOT NULL,
    register_fen BIGINT NOT NULL CHECK (register_fen >= 0),
    treat_fen BIGINT NOT NULL CHECK (treat_fen >= 0),
    service_fen BIGINT NOT NULL CHECK (service_fen >= 0),
    other_fen BIGINT NOT NULL CHECK (other_fen >= 0),
    sex_limit BIGINT,
    age_min BIGINT,
    age_max BIGINT,
    visit_address TEXT NOT NULL,
    take_address TEXT NOT NULL,
    take_time TEXT NOT NULL,
    is_time BIGINT NOT NULL CHECK (is_time IN (0, 1)),
    -- The next 就诊序号 to hand out: a number once printed on a slip is never handed out again.
    next_clinic_no BIGINT NOT NULL CHECK (next_clinic_no > 0),
    updated_at TEXT NOT NULL,
    UNIQUE (doctor_id, register_date, noon)
);
CREATE INDEX shaanxi_hospital_schedules_by_day ON shaanxi_hospital_schedules (department_id, register_date);

-- The quotas. A time-sliced schedule (is_time 1) has one row per slice, its `time_id` the 分时 ID; any other has a
-- single row without one. Taking a place is one conditional UPDATE on `remain_count`.
CREATE TABLE shaanxi_hospital_slices (
    schedule_id TEXT NOT NULL REFERENCES shaanxi_hospital_schedules (schedule_id),
    slice_no BIGINT NOT NULL,
    time_id TEXT UNIQUE,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    status BIGINT NOT NULL CHECK (status IN (0, 1, 2)),
    total_count BIGINT NOT NULL CHECK (total_count >= 0),
    remain_count BIGINT NOT NULL CHECK (remain_count >= 0 AND remain_count <= total_count),
    PRIMARY KEY (schedule_id, slice_no)
);

-- Stops the hospital decided (停诊), whole schedules or single slices, as QueryStopRegister reports them.
CREATE TABLE shaanxi_hospital_stops (
    schedule_id TEXT NOT NULL REFERENCES shaanxi_hospital_schedules (schedule_id),
    slice_no BIGINT NOT NULL DEFAULT -1,
    reason TEXT NOT NULL,
    stopped_at TEXT NOT NULL,
    PRIMARY KEY (schedule_id, slice_no)
);

-- Patient files. A child without papers (patient_type 0) is filed under a guardian's certificate, so a certificate
-- identifies one file of its own holder and any number of children's, told apart by name.
CREATE TABLE shaanxi_hospital_patients (
    patient_id TEXT PRIMARY KEY,
    medical_no TEXT NOT NULL UNIQUE,
    patient_type BIGINT NOT NULL CHECK (patient_type IN (0, 1)),
    cert_type TEXT NOT NULL,
    cert_no TEXT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birthday TEXT NOT NULL,
    address TEXT,
    mobile TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (cert_type, cert_no, name)
);
CREATE UNIQUE INDEX shaanxi_hospital_patients_holder ON shaanxi_hospital_patients (cert_type, cert_no)
    WHERE patient_type = 1;

CREATE TABLE shaanxi_hospital_cards (
    card_type TEXT NOT NULL,
    card_no TEXT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES shaanxi_hospital_patients (patient_id),
    status BIGINT NOT NULL CHECK (status IN (0, 1, 2)),
    balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0),
    issued_at TEXT NOT NULL,
    last_used_at TEXT,
    PRIMARY KEY (card_type, card_no)
);

-- Register orders through their life: booked → paid → taken, booked → cancelled, paid → refunded (in full).
-- `pay_source` is QueryRegister's isPay: 0 unpaid, 1 paid through the platform, 2 paid at the hospital.
CREATE TABLE shaanxi_hospital_orders (
    hospital_order_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    patient_id TEXT NOT NULL REFERENCES shaanxi_hospital_patients (patient_id),
    schedule_id TEXT NOT NULL,
    slice_no BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    register_type BIGINT NOT NULL,
    clinic_no TEXT NOT NULL,
    visit_no TEXT NOT NULL UNIQUE,
    register_fen BIGINT NOT NULL CHECK (register_fen >= 0),
    treat_fen BIGINT NOT NULL CHECK (treat_fen >= 0),
    service_fen BIGINT NOT NULL CHECK (service_fen >= 0),
    other_fen BIGINT NOT NULL CHECK (other_fen >= 0),
    order_time TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'paid', 'taken', 'cancelled', 'refunded')),
    pay_source BIGINT NOT NULL DEFAULT 0 CHECK (pay_source IN (0, 1, 2)),
    paid_fen BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    refunded_fen BIGINT NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= paid_fen),
    trade_id TEXT UNIQUE,
    hospital_trade_id TEXT UNIQUE,
    out_trade_id TEXT,
    pay_time TEXT,
    pay_type TEXT,
    pay_channel TEXT,
    merchant_id TEXT,
    take_time TEXT,
    cancel_time TEXT,
    cancel_reason TEXT,
    FOREIGN KEY (schedule_id, slice_no) REFERENCES shaanxi_hospital_slices (schedule_id, slice_no),
    -- Only an unpaid order is booked or cancelled; only a fully refunded one is refunded.
    CHECK ((status IN ('booked', 'cancelled')) = (pay_source = 0)),
    CHECK (status <> 'refunded' OR refunded_fen = paid_fen)
);
CREATE INDEX shaanxi_hospital_orders_by_patient ON shaanxi_hospital_orders (patient_id);
CREATE INDEX shaanxi_hospital_orders_by_schedule ON shaanxi_hospital_orders (schedule_id);
-- A patient holds at most one live number per schedule.
CREATE UNIQUE INDEX shaanxi_hospital_orders_one_per_schedule ON shaanxi_hospital_orders (patient_id, schedule_id)
    WHERE status IN ('booked', 'paid', 'taken');

-- Refunds, whole or partial: `origin` 'platform' for those the platform asked for (Refund) or reported
-- (NotifyRefund), 'window' for cash refunds at the hospital's own counter.
CREATE TABLE shaanxi_hospital_refunds (
    hospital_refund_id TEXT PRIMARY KEY,
    refund_id TEXT UNIQUE,
    hospital_order_id TEXT NOT NULL REFERENCES shaanxi_hospital_orders (hospital_order_id),
    refund_fen BIGINT NOT NULL CHECK (refund_fen > 0),
    origin TEXT NOT NULL CHECK (origin IN ('platform', 'window')),
    refund_time TEXT NOT NULL,
    reason TEXT,
    -- Set when NotifyRefund reports the platform's refund done.
    confirmed_at TEXT,
    out_refund_id TEXT
);
CREATE INDEX shaanxi_hospital_refunds_by_order ON shaanxi_hospital_refunds (hospital_order_id);
