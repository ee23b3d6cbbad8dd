//! Writes a synthetic day for reconciliation benchmarks: `platform.txt` (shaanxi's DownloadStatement layout: quoted
//! values, `\r\n`, amounts in fen), `his.csv` (the default ledger layout, yuan) with N payments a side, and
//! `planted.csv`: every mismatch planted (class,key), ten of each class, so a run can be checked exactly.
//! Usage: reconcile-gen N DIR [DATE]

use std::io::{BufWriter, Write};

const PLANTS: u64 = 10;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(dir)) = (args.get(1).and_then(|n| n.parse::<u64>().ok()), args.get(2)) else {
        eprintln!("usage: reconcile-gen N DIR [YYYY-MM-DD]");
        std::process::exit(2);
    };
    let day = args.get(3).map_or("2026-12-01", String::as_str);
    assert!(n >= 100 * PLANTS, "N must be at least {}", 100 * PLANTS);
    std::fs::create_dir_all(dir)?;
    let dir = std::path::Path::new(dir);
    let mut p = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("platform.txt"))?);
    let mut h = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("his.csv"))?);
    let mut planted = BufWriter::new(std::fs::File::create(dir.join("planted.csv"))?);
    write!(
        p,
        "'交易时间','平台订单号','医院订单号','平台支付单号','第三方支付流水号','平台退款单号','医院退款单号','交易类型','交易金额(分)','支付类型','支付渠道'"
    )?;
    writeln!(h, "time,platform_order_id,hospital_order_id,kind,amount,channel")?;
    writeln!(planted, "class,key")?;
    // Plants sit at fixed strides so each class gets PLANTS distinct orders.
    let stride = n / (PLANTS * 8);
    let class_of = |i: u64| if i % stride == 0 { Some((i / stride) % 7) } else { None };
    for i in 0..n {
        let key = format!("P{i:010}");
        let fen = 100 + (i * 7919) % 100_000;
        let secs = (i * 86_000) / n; // before 23:53:20: clear of the pending window
        let mut time = format!("{day} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        let channel = ["微信", "支付宝", "银联"][(i % 3) as usize];
        let yuan = |fen: u64| format!("{}.{:02}", fen / 100, fen % 100);
        let class = class_of(i);
        if class == Some(6) {
            time = format!("{day} 23:59:{:02}", 50 + i % 10);
        }
        let prow = |time: &str, kind: &str, rid: &str, fen: u64| {
            format!("\r\n'{time}','{key}','H{i}','T{i}','W{i}','{rid}','','{kind}','{fen}','1','{channel}'")
        };
        let hrow = |amount: String| format!("{time},{key},H{i},pay,{amount},{channel}\n");
        match class {
            Some(0) => {
                // platform only
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                writeln!(planted, "platform_only,{key}")?;
            }
            Some(1) => {
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                h.write_all(hrow(yuan(fen + 1)).as_bytes())?;
                writeln!(planted, "amount_differs,{key}")?;
            }
            Some(2) => {
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                p.write_all(prow(&time, "2", &format!("R{i}"), fen).as_bytes())?;
                h.write_all(hrow(yuan(fen)).as_bytes())?;
                writeln!(planted, "status_differs,{key}")?;
            }
            Some(3) => {
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                h.write_all(hrow(yuan(fen)).as_bytes())?;
                writeln!(planted, "duplicate_platform,{key}")?;
            }
            Some(4) => {
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                h.write_all(hrow(yuan(fen)).as_bytes())?;
                h.write_all(hrow(yuan(fen)).as_bytes())?;
                writeln!(planted, "duplicate_his,{key}")?;
            }
            Some(5) => {
                h.write_all(format!("{time},X{i:010},H{i},pay,{},现金\n", yuan(fen)).as_bytes())?;
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                h.write_all(hrow(yuan(fen)).as_bytes())?;
                writeln!(planted, "his_only,X{i:010}")?;
            }
            Some(_) => {
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                writeln!(planted, "pending,{key}")?;
            }
            None => {
                p.write_all(prow(&time, "1", "", fen).as_bytes())?;
                h.write_all(hrow(yuan(fen)).as_bytes())?;
            }
        }
    }
    p.write_all(b"\r\n")?;
    p.flush()?;
    h.flush()?;
    planted.flush()
}
