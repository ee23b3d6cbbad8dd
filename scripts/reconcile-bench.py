"""DuckDB side of scripts/reconcile-bench: the same full outer join and classification as `hisgate reconcile`,
on the same files; writes class,key of every mismatch to the path given."""
import sys, time, duckdb

platform, his, out, day, window = sys.argv[1:6]
start = time.time()
con = duckdb.connect()
con.execute("SET preserve_insertion_order = false")
con.execute(f"""
CREATE TEMP TABLE p AS SELECT "平台订单号" AS key, CASE "交易类型" WHEN '2' THEN 'refund' ELSE 'pay' END AS kind,
  CASE "交易类型" WHEN '2' THEN coalesce("平台退款单号", '') ELSE '' END AS rid,
  CAST("交易金额(分)" AS DECIMAL(18,2)) / 100 AS amount, CAST("交易时间" AS TIMESTAMP) AS t
FROM read_csv('{platform}', delim=',', quote='''', header=true, all_varchar=true, new_line='\\r\\n')
WHERE "平台订单号" IS NOT NULL;
CREATE TEMP TABLE h AS SELECT platform_order_id AS key, kind, '' AS rid, CAST(amount AS DECIMAL(18,2)) AS amount,
  CAST(time AS TIMESTAMP) AS t FROM read_csv('{his}', header=true, all_varchar=true);
""")
day_end = f"TIMESTAMP '{day}' + INTERVAL 1 DAY"
held = f"{day_end} - INTERVAL {int(window)} MINUTE"
con.execute(f"""
COPY (
WITH pn AS (SELECT *, row_number() OVER (PARTITION BY key, kind, rid ORDER BY t) AS n FROM p),
     hn AS (SELECT *, row_number() OVER (PARTITION BY key, kind, rid ORDER BY t) AS n FROM h),
     j AS (SELECT coalesce(pn.key, hn.key) AS key, coalesce(pn.kind, hn.kind) AS kind, pn.amount AS pa,
                  hn.amount AS ha, coalesce(pn.t, hn.t) AS t
           FROM (SELECT * FROM pn WHERE n = 1) pn FULL OUTER JOIN (SELECT * FROM hn WHERE n = 1) hn
           ON pn.key = hn.key AND pn.kind = hn.kind AND pn.rid = hn.rid),
     paid AS (SELECT key FROM j WHERE kind = 'pay' AND pa IS NOT NULL AND ha IS NOT NULL)
SELECT 'duplicate_platform' AS class, key FROM pn WHERE n > 1
UNION ALL SELECT 'duplicate_his', key FROM hn WHERE n > 1
UNION ALL SELECT CASE
   WHEN pa IS NOT NULL AND ha IS NOT NULL THEN CASE WHEN pa = ha THEN 'matched' ELSE 'amount_differs' END
   WHEN kind = 'refund' AND key IN (SELECT key FROM paid) THEN 'status_differs'
   WHEN t >= {held} AND t < {day_end} THEN 'pending'
   WHEN pa IS NOT NULL THEN 'platform_only' ELSE 'his_only' END, key
 FROM j
) TO '{out}.all' (HEADER, DELIMITER ',');
""")
con.execute(f"COPY (SELECT * FROM read_csv('{out}.all', header=true) WHERE class <> 'matched') TO '{out}' (HEADER, DELIMITER ',')")
print(f"duckdb {duckdb.__version__}: {time.time() - start:.2f} s", file=sys.stderr)
