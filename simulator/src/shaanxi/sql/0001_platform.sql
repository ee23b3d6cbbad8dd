-- The platform's ledger: the register orders its patients placed at the hospital, the money it took for them and
-- gave back. Money is integer fen; refunds never exceed what was paid (CHECK).

-- `pay_source` 0 unpaid, 1 paid through the platform, 2 paid at the hospital (NotifyRegisterByHis 4).
-- `refunded_fen` counts refunds done and in progress, so that two refunds can never together exceed the payment.
CREATE TABLE shaanxi_platform_orders (
    order_id TEXT PRIMARY KEY,
    hospital_order_id TEXT NOT NULL UNIQUE,
    business_type BIGINT NOT NULL CHECK (business_type IN (0, 1)),
    department_id TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    time_id TEXT,
    register_date TEXT NOT NULL,
    noon TEXT NOT NULL,
    start_time TEXT,
    end_time TEXT,
    patient_name TEXT NOT NULL,
    -- The rule that identifies the patient at the hospital (`certifcate`, …), sent again with every refund.
    user_rule TEXT NOT NULL,
    user_rule_type TEXT,
    user_value TEXT NOT NULL,
    total_fen BIGINT NOT NULL CHECK (total_fen >= 0),
    order_time TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'paid', 'taken', 'cancelled', 'refunded')),
    pay_source BIGINT NOT NULL DEFAULT 0 CHECK (pay_source IN (0, 1, 2)),
    paid_fen BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    refunded_fen BIGINT NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= paid_fen),
    trade_id TEXT UNIQUE,
    hospital_trade_id TEXT,
    out_trade_id TEXT,
    pay_type TEXT,
    pay_channel TEXT,
    pay_time TEXT,
    take_time TEXT,
    stopped BIGINT NOT NULL DEFAULT 0 CHECK (stopped IN (0, 1)),
    cancel_time TEXT,
    cancel_reason TEXT,
    CHECK ((status IN ('booked', 'cancelled')) = (pay_source = 0))
);
CREATE INDEX shaanxi_platform_orders_by_schedule
    ON shaanxi_platform_orders (department_id, doctor_id, register_date, noon);

-- Refunds, by the platform's refund id. `status` is QueryRefund's refundStatus: 1 done, 2 failed, 3 in progress
-- (waiting for the hospital's answer to Refund). `through_platform` 1: the money goes back through the payment
-- channel; 0: the hospital paid it back in cash (RefundByHis refundFlag 0, Refund refundFlag 2).
CREATE TABLE shaanxi_platform_refunds (
    refund_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES shaanxi_platform_orders (order_id),
    hospital_refund_id TEXT UNIQUE,
    refund_fen BIGINT NOT NULL CHECK (refund_fen > 0),
    status BIGINT NOT NULL CHECK (status IN (1, 2, 3)),
    through_platform BIGINT NOT NULL CHECK (through_platform IN (0, 1)),
    out_refund_id TEXT,
    refund_time TEXT NOT NULL,
    reason TEXT NOT NULL,
    remark TEXT,
    CHECK (status <> 1 OR out_refund_id IS NOT NULL),
    CHECK (status <> 2 OR remark IS NOT NULL)
);
CREATE INDEX shaanxi_platform_refunds_by_order ON shaanxi_platform_refunds (order_id);
