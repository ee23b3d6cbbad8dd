-- The platform's honour-certificate register: `data_id` is the sync cursor of storeAll.
CREATE TABLE glorycard_certs (
    data_id BIGINT PRIMARY KEY,
    glory_id BIGINT NOT NULL UNIQUE,
    cert_type TEXT NOT NULL,
    cert_no TEXT NOT NULL,
    cert_name TEXT NOT NULL,
    glory_type TEXT NOT NULL,
    UNIQUE (cert_type, cert_no)
);

-- The institutions the platform knows, and the one a hospital-side simulator is.
CREATE TABLE glorycard_orgs (
    org_code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

-- Deductions: on the platform as uploaded, on the hospital side as the institution made them.
CREATE TABLE glorycard_deductions (
    side TEXT NOT NULL CHECK (side IN ('platform', 'hospital')),
    deduction_id TEXT NOT NULL,
    org_code TEXT NOT NULL REFERENCES glorycard_orgs (org_code),
    cert_type TEXT NOT NULL,
    cert_no TEXT NOT NULL,
    cert_name TEXT NOT NULL,
    total_fen BIGINT NOT NULL CHECK (total_fen >= 0),
    deduction_fen BIGINT NOT NULL CHECK (deduction_fen >= 0 AND deduction_fen <= total_fen),
    -- yyyy-MM-dd HH:mm:ss, which sorts as time.
    deduction_time TEXT NOT NULL,
    glory_type TEXT NOT NULL,
    deduction_type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('0', '1')),
    cancel_time TEXT,
    remarks TEXT,
    PRIMARY KEY (side, deduction_id)
);
CREATE INDEX glorycard_deductions_time ON glorycard_deductions (side, org_code, deduction_time);
