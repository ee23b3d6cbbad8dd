-- A sample HIS's implementation of the yizhangtong procedures and view, in PL/pgSQL, over the simulator's tables
-- (0001_yizhangtong.sql). Each replaces a declaration that hisgate generates from the spec
-- (hisgate_tools::sql::postgres): PostgreSQL refuses a replacement whose out-parameters or columns differ, so
-- installing this after the declarations checks it against the spec. Amounts are kept in fen and answered in yuan.

-- Fen as yuan text with two decimals (1050 → 10.50).
CREATE OR REPLACE FUNCTION yizhangtong_yuan(fen bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(fen / 100.0, 'FM9999999999990.00')
$$;

-- The next transfer serial number (callSn) of the day `stamp` (yyyy-MM-dd …) falls on.
CREATE OR REPLACE FUNCTION yizhangtong_next_call_sn(stamp text) RETURNS text LANGUAGE sql AS $$
    UPDATE yizhangtong_counters SET value = value + 1 WHERE name = 'call_sn'
    RETURNING 'YJJ' || replace(left(stamp, 10), '-', '') || lpad(value::text, 8, '0')
$$;

-- 查询卡列表接口: the patient's cards, once the name matches the identity document.
CREATE OR REPLACE FUNCTION "op_query_card_list"(
    IN "idNo" varchar(32),
    IN "idType" varchar(2),
    IN "userName" varchar(32),
    IN "extra" varchar(2560),
    IN "notes" varchar(256),
    OUT "retCode" text,
    OUT "retMsg" text,
    OUT "out_curdata" refcursor
) LANGUAGE plpgsql AS $$
DECLARE
    holder record;
BEGIN
    SELECT p.his_cust_id, p.user_name INTO holder
    FROM yizhangtong_patients p WHERE p.id_type = "idType" AND p.id_no = "idNo";
    IF NOT FOUND THEN
        "retCode" := '99';
        "retMsg" := '该证件号在本院没有建档';
        RETURN;
    END IF;
    IF holder.user_name <> "userName" THEN
        "retCode" := '99';
        "retMsg" := '姓名与证件号不符';
        RETURN;
    END IF;
    OPEN "out_curdata" FOR
        SELECT c.card_type, c.card_no, c.patient_type, c.his_cust_id, yizhangtong_yuan(c.balance_fen), p.id_type,
               c.status, p.id_no, p.user_name, p.user_sex, c.account_type, p.phone, c.authlevel, NULL::varchar
        FROM yizhangtong_cards c JOIN yizhangtong_patients p ON p.his_cust_id = c.his_cust_id
        WHERE c.his_cust_id = holder.his_cust_id
        ORDER BY c.card_no;
    "retCode" := '00';
    "retMsg" := '处理成功';
END
$$;

-- 预交金账户余额转入接口: the journal's unique traceNoIn is taken first, so a concurrent repeat waits for this call
-- and then answers from its line; the transfer runs in a block whose refusal (RAISE) undoes every balance it moved
-- and leaves the line `fail`.
CREATE OR REPLACE FUNCTION "op_yjj_account_transfer_in"(
    IN "operatorId" varchar(32),
    IN "operatorName" varchar(50),
    IN "termNo" varchar(32),
    IN "fromCardNo" text,
    IN "fromNumber" text,
    IN "toCardType" varchar(2),
    IN "toCardNo" varchar(32),
    IN "accountType" varchar(2),
    IN "idNo" varchar(32),
    IN "idType" varchar(32),
    IN "userName" text,
    IN "channelType" varchar(32),
    INOUT "extra" varchar(2560),
    IN "notes" varchar(256),
    IN "orgCode" varchar(64),
    INOUT "traceNoIn" varchar(32),
    OUT "retCode" text,
    OUT "retMsg" text,
    OUT "toCardBalance" varchar(32),
    OUT "callSn" varchar(32),
    OUT "listFormat" varchar(32),
    OUT "fromCardList" text
) LANGUAGE plpgsql AS $$
DECLARE
    stamp text := to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS');
    named text[] := array_remove(string_to_array(replace(coalesce("fromCardNo", ''), ' ', ''), ','), '');
    amounts text[] := array_remove(string_to_array(replace(coalesce("fromNumber", ''), ' ', ''), ','), '');
    holder record;
    target record;
    source record;
    fen bigint;
    total bigint := 0;
    balance bigint;
    moved jsonb := '[]';
    line yizhangtong_transfers%ROWTYPE;
BEGIN
    INSERT INTO yizhangtong_transfers (trace_no_in, call_sn, result, result_desc, amount_fen, from_card_list,
                                       trans_time, org_code, operator_id)
    VALUES ("traceNoIn", 'pending ' || "traceNoIn", 'fail', '处理中', 0, '[]', stamp, "orgCode", "operatorId")
    ON CONFLICT (trace_no_in) DO NOTHING;
    IF FOUND THEN
        UPDATE yizhangtong_transfers t SET call_sn = yizhangtong_next_call_sn(stamp) WHERE t.trace_no_in = "traceNoIn";
        BEGIN
            SELECT p.his_cust_id, p.user_name INTO holder
            FROM yizhangtong_patients p WHERE p.id_type = "idType" AND p.id_no = "idNo";
            IF NOT FOUND THEN
                RAISE EXCEPTION '该证件号在本院没有建档';
            END IF;
            IF holder.user_name <> "userName" THEN
                RAISE EXCEPTION '姓名与证件号不符';
            END IF;
            -- The card that receives: the one named, or for 10 (HIS病人ID) the patient's first open card.
            IF "toCardType" = '10' THEN
                IF "toCardNo" <> holder.his_cust_id THEN
                    RAISE EXCEPTION '到账HIS病人ID与证件不符';
                END IF;
                SELECT c.card_no, c.card_type, c.his_cust_id, c.account_type, c.status INTO target
                FROM yizhangtong_cards c
                WHERE c.his_cust_id = holder.his_cust_id AND c.account_type = "accountType" AND c.status = '1'
                ORDER BY c.card_no LIMIT 1;
            ELSE
                SELECT c.card_no, c.card_type, c.his_cust_id, c.account_type, c.status INTO target
                FROM yizhangtong_cards c WHERE c.card_no = "toCardNo";
            END IF;
            IF NOT FOUND THEN
                RAISE EXCEPTION '到账卡号不存在';
            END IF;
            IF target.his_cust_id <> holder.his_cust_id THEN
                RAISE EXCEPTION '到账卡不属于该患者';
            END IF;
            IF coalesce("toCardType", '10') NOT IN ('10', target.card_type) THEN
                RAISE EXCEPTION '到账卡类型不符';
            END IF;
            IF target.account_type <> "accountType" THEN
                RAISE EXCEPTION '到账卡不是%',
                    CASE "accountType" WHEN '01' THEN '门诊账户' WHEN '02' THEN '住院账户' ELSE '体检账户' END;
            END IF;
            IF target.status <> '1' THEN
                RAISE EXCEPTION '到账卡状态不正常';
            END IF;
            IF cardinality(amounts) > 0 AND cardinality(amounts) <> cardinality(named) THEN
                RAISE EXCEPTION 'fromNumber 须与 fromCardNo 一一对应';
            END IF;
            -- The cards to empty: those named, or (“空值全部执行”) every other open or lost card with money.
            IF cardinality(named) = 0 THEN
                named := ARRAY(
                    SELECT c.card_no FROM yizhangtong_cards c
                    WHERE c.his_cust_id = holder.his_cust_id AND c.account_type = "accountType"
                      AND c.card_no <> target.card_no AND c.balance_fen > 0 AND c.status IN ('1', '2')
                    ORDER BY c.card_no);
            END IF;
            FOR k IN 1 .. cardinality(named) LOOP
                SELECT c.card_no, c.card_type, c.balance_fen, c.status INTO source
                FROM yizhangtong_cards c
                WHERE c.card_no = named[k] AND c.his_cust_id = holder.his_cust_id
                  AND c.account_type = "accountType" AND c.card_no <> target.card_no;
                IF NOT FOUND THEN
                    RAISE EXCEPTION '转出卡 % 不是该患者本账户类型的其他卡', named[k];
                END IF;
                IF source.status NOT IN ('1', '2') THEN
                    RAISE EXCEPTION '转出卡 % 已冻结或注销', named[k];
                END IF;
                IF named[k] = ANY (named[1:k - 1]) THEN
                    RAISE EXCEPTION '转出卡 % 重复', named[k];
                END IF;
                IF cardinality(amounts) = 0 THEN
                    fen := source.balance_fen;
                ELSIF amounts[k] ~ '^[0-9]+(\.[0-9]{1,2})?$' AND amounts[k]::numeric > 0 THEN
                    fen := (amounts[k]::numeric * 100)::bigint;
                ELSE
                    RAISE EXCEPTION '转出金额 `%` 须为大于零的元金额，最多两位小数', amounts[k];
                END IF;
                CONTINUE WHEN fen = 0;
                UPDATE yizhangtong_cards c SET balance_fen = c.balance_fen - fen
                WHERE c.card_no = source.card_no AND c.balance_fen >= fen;
                IF NOT FOUND THEN
                    RAISE EXCEPTION '转出卡 % 余额不足 % 元', source.card_no, yizhangtong_yuan(fen);
                END IF;
                total := total + fen;
                moved := moved || jsonb_build_array(jsonb_build_object('cardNo', source.card_no, 'cardType', source.card_type));
            END LOOP;
            IF total = 0 THEN
                RAISE EXCEPTION '没有可转入的余额';
            END IF;
            UPDATE yizhangtong_cards c SET balance_fen = c.balance_fen + total
            WHERE c.card_no = target.card_no RETURNING c.balance_fen INTO balance;
            UPDATE yizhangtong_transfers t
            SET result = 'succ', result_desc = '转入成功', to_card_no = target.card_no, to_card_balance_fen = balance,
                amount_fen = total, from_card_list = moved::text
            WHERE t.trace_no_in = "traceNoIn";
        EXCEPTION WHEN raise_exception THEN
            UPDATE yizhangtong_transfers t SET result_desc = SQLERRM WHERE t.trace_no_in = "traceNoIn";
        END;
    END IF;
    SELECT * INTO line FROM yizhangtong_transfers t WHERE t.trace_no_in = "traceNoIn";
    "retCode" := CASE line.result WHEN 'succ' THEN '00' ELSE '99' END;
    "retMsg" := line.result_desc;
    "toCardBalance" := yizhangtong_yuan(line.to_card_balance_fen);
    "callSn" := line.call_sn;
    "listFormat" := 'JSON';
    "fromCardList" := line.from_card_list;
END
$$;

-- 预交金余额转入查询接口: the journal's line; an unknown traceNoIn is `notfound`, never `fail`.
CREATE OR REPLACE FUNCTION "op_query_transfer_in_result"(
    INOUT "extra" varchar(2560),
    IN "notes" varchar(256),
    IN "orgCode" varchar(64),
    IN "traceNoIn" varchar(32),
    OUT "retCode" text,
    OUT "retMsg" text,
    OUT "callSn" varchar(32),
    OUT "toCardBalance" varchar(32),
    OUT "result" varchar(32),
    OUT "resultDesc" varchar(256),
    OUT "origTraceTime" varchar(32)
) LANGUAGE plpgsql AS $$
DECLARE
    line yizhangtong_transfers%ROWTYPE;
BEGIN
    "retCode" := '00';
    "retMsg" := '处理成功';
    SELECT * INTO line FROM yizhangtong_transfers t WHERE t.trace_no_in = "traceNoIn";
    IF NOT FOUND THEN
        "callSn" := '-';
        "toCardBalance" := '-';
        "result" := 'notfound';
        "resultDesc" := '交易记录不存在';
        "origTraceTime" := '-';
        RETURN;
    END IF;
    "callSn" := line.call_sn;
    "toCardBalance" := coalesce(yizhangtong_yuan(line.to_card_balance_fen), '-');
    "result" := line.result;
    "resultDesc" := line.result_desc;
    "origTraceTime" := line.trans_time;
END
$$;

-- 强实名认证接口: the card's holder is certified as its owner.
CREATE OR REPLACE FUNCTION "op_certification_level"(
    IN "cardNo" varchar(32),
    OUT "retCode" text,
    OUT "retMsg" text,
    OUT "extra" varchar(4000)
) LANGUAGE plpgsql AS $$
BEGIN
    UPDATE yizhangtong_cards c SET authlevel = '1' WHERE c.card_no = "cardNo" AND c.status <> '4';
    IF FOUND THEN
        "retCode" := '00';
        "retMsg" := '处理成功';
    ELSE
        "retCode" := '99';
        "retMsg" := '卡号不存在或已注销';
    END IF;
END
$$;

-- 获取费用清单: a settled visit's fees.
CREATE OR REPLACE FUNCTION "getFeeList"(
    IN "regNo" text,
    OUT "retCode" text,
    OUT "retMsg" text,
    OUT "totalPrice" text,
    OUT "insuranceAmount" text,
    OUT "insurancePlanAmount" text,
    OUT "selfAmount" text,
    OUT "transTime" text,
    OUT "pdfUrl" text
) LANGUAGE plpgsql AS $$
BEGIN
    SELECT '00', '处理成功', yizhangtong_yuan(f.total_fen), yizhangtong_yuan(f.insurance_fen),
           yizhangtong_yuan(f.insurance_plan_fen), yizhangtong_yuan(f.self_fen), f.trans_time, f.pdf_url
    INTO "retCode", "retMsg", "totalPrice", "insuranceAmount", "insurancePlanAmount", "selfAmount", "transTime", "pdfUrl"
    FROM yizhangtong_fees f WHERE f.reg_no = "regNo";
    IF NOT FOUND THEN
        "retCode" := '99';
        "retMsg" := '就诊流水号不存在或尚未结算';
    END IF;
END
$$;

-- 获取用卡轨迹: every card use, with the holder's identity document and the day (YYYYMMDD) to select by.
CREATE OR REPLACE VIEW "getCardTrack" AS
SELECT u.hospital_id AS "hospitalId", u.hospital_name AS "hospitalName", u.depart_id AS "departId",
       u.depart_name AS "departName", u.doctor_id AS "doctorId", u.doctor_name AS "doctorName",
       c.card_no AS "cardNo", c.card_type AS "cardType", u.use_type AS "useType", u.use_channel AS "useChannel",
       yizhangtong_yuan(u.amount_fen) AS "amount", u.record_time AS "recordTime", u.reg_no AS "regNo",
       u.report_url AS "reportUrl", p.id_no AS "idCardNo", p.id_type AS "idType",
       replace(left(u.record_time, 10), '-', '') AS "recordDate"
FROM yizhangtong_card_uses u
JOIN yizhangtong_cards c ON c.card_no = u.card_no
JOIN yizhangtong_patients p ON p.his_cust_id = c.his_cust_id;
