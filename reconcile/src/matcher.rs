//! The matcher. Neither side is held whole: each row is written to one of `partitions` spill files by the hash of
//! its key, then one partition of each side is loaded at a time and its keys classified. Memory is one
//! partition pair plus the counters, whatever the day's size.

use crate::read::{Kind, Rec, Side};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Matched,
    PlatformOnly,
    HisOnly,
    AmountDiffers,
    /// Refunded on one side only.
    StatusDiffers,
    DuplicatePlatform,
    DuplicateHis,
    /// One-sided within the window before midnight (存疑): held for the next day's run.
    Pending,
}

impl Class {
    pub const ALL: [Class; 8] = [
        Class::Matched,
        Class::PlatformOnly,
        Class::HisOnly,
        Class::AmountDiffers,
        Class::StatusDiffers,
        Class::DuplicatePlatform,
        Class::DuplicateHis,
        Class::Pending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Matched => "matched",
            Class::PlatformOnly => "platform_only",
            Class::HisOnly => "his_only",
            Class::AmountDiffers => "amount_differs",
            Class::StatusDiffers => "status_differs",
            Class::DuplicatePlatform => "duplicate_platform",
            Class::DuplicateHis => "duplicate_his",
            Class::Pending => "pending",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Class::Matched => "已对平",
            Class::PlatformOnly => "平台有、HIS 无",
            Class::HisOnly => "HIS 有、平台无",
            Class::AmountDiffers => "金额不符",
            Class::StatusDiffers => "状态不符（单边退款）",
            Class::DuplicatePlatform => "平台重复",
            Class::DuplicateHis => "HIS 重复",
            Class::Pending => "存疑（跨日）",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub class: Class,
    pub key: String,
    pub kind: Kind,
    pub refund_id: String,
    pub platform: Option<Rec>,
    pub his: Option<Rec>,
}

impl Mismatch {
    /// The money in question: the difference, or the one side's amount.
    pub fn at_stake(&self) -> Decimal {
        match (&self.platform, &self.his) {
            (Some(p), Some(h)) if self.class == Class::AmountDiffers => (p.amount - h.amount).abs(),
            (Some(p), _) => p.amount,
            (None, Some(h)) => h.amount,
            (None, None) => Decimal::ZERO,
        }
    }

    pub fn channel(&self) -> &str {
        self.platform.as_ref().or(self.his.as_ref()).map_or("", |r| r.channel.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub day: NaiveDate,
    /// A one-sided row this close before the end of the day is pending, not a mismatch.
    pub window: chrono::Duration,
    pub partitions: usize,
    pub spill_dir: PathBuf,
}

/// Totals of a run; the mismatches themselves go to the caller one by one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub counts: BTreeMap<Class, u64>,
    /// Per class and channel: rows and amount.
    pub by_channel: BTreeMap<(Class, String), (u64, Decimal)>,
    /// Rows per hour of the day, matched and not.
    pub hours: [(u64, u64); 24],
    pub rows: [u64; 2],
}

impl Outcome {
    pub fn unresolved(&self) -> u64 {
        self.counts.iter().filter(|(c, _)| **c != Class::Matched && **c != Class::Pending).map(|(_, n)| n).sum()
    }
}

/// Rows of one side, spread over partition files by key hash.
pub struct Spill {
    files: Vec<BufWriter<std::fs::File>>,
    paths: Vec<PathBuf>,
    pub rows: u64,
}

impl Spill {
    pub fn new(dir: &Path, side: Side, partitions: usize) -> std::io::Result<Spill> {
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        let mut paths = Vec::new();
        for p in 0..partitions.max(1) {
            let path = dir.join(format!("{}-{p}.spill", side.as_str()));
            files.push(BufWriter::with_capacity(32 * 1024, std::fs::File::create(&path)?));
            paths.push(path);
        }
        Ok(Spill { files, paths, rows: 0 })
    }

    pub fn push(&mut self, rec: &Rec) -> std::io::Result<()> {
        let p = partition(&rec.key, self.files.len());
        writeln!(self.files[p], "{}", encode(rec))?;
        self.rows += 1;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<Vec<PathBuf>> {
        for f in &mut self.files {
            f.flush()?;
        }
        Ok(self.paths)
    }
}

fn partition(key: &str, n: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    (h.finish() % n as u64) as usize
}

fn esc(s: &str) -> String {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        return s.to_owned();
    }
    s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r")
}

fn unesc(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One record as a line of the spill (and of a held row in the store).
pub fn encode(rec: &Rec) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        esc(&rec.key),
        rec.kind.as_str(),
        esc(&rec.refund_id),
        rec.amount,
        rec.time.and_utc().timestamp_millis(),
        esc(&rec.channel),
        esc(&rec.at),
        esc(&rec.raw)
    )
}

pub fn decode(line: &str) -> Option<Rec> {
    let f: Vec<&str> = line.splitn(8, '\t').collect();
    if f.len() != 8 {
        return None;
    }
    Some(Rec {
        key: unesc(f[0]),
        kind: if f[1] == "refund" { Kind::Refund } else { Kind::Pay },
        refund_id: unesc(f[2]),
        amount: f[3].parse().ok()?,
        // Milliseconds since 1970 of the naive time: cheaper to read back than text.
        time: chrono::DateTime::from_timestamp_millis(f[4].parse().ok()?)?.naive_utc(),
        channel: unesc(f[5]),
        at: unesc(f[6]),
        raw: unesc(f[7]),
    })
}

fn load(path: &Path) -> std::io::Result<Vec<Rec>> {
    let mut out = Vec::new();
    for line in BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        let rec =
            decode(&line).ok_or_else(|| std::io::Error::other(format!("spill file {} is damaged", path.display())))?;
        out.push(rec);
    }
    Ok(out)
}

/// Classifies every key of the two spills; each mismatch (every class but matched) goes to `found`.
pub fn reconcile(
    settings: &Settings,
    platform: Vec<PathBuf>,
    his: Vec<PathBuf>,
    mut found: impl FnMut(Mismatch) -> std::io::Result<()>,
) -> std::io::Result<Outcome> {
    let mut outcome = Outcome::default();
    let day_end = settings.day.succ_opt().unwrap_or(settings.day).and_hms_opt(0, 0, 0).unwrap_or_default();
    let held_from = day_end - settings.window;
    for (p_path, h_path) in platform.iter().zip(&his) {
        type Group = (Vec<Rec>, Vec<Rec>);
        let mut groups: HashMap<(String, Kind, String), Group> = HashMap::new();
        for rec in load(p_path)? {
            outcome.rows[0] += 1;
            groups.entry((rec.key.clone(), rec.kind, rec.refund_id.clone())).or_default().0.push(rec);
        }
        for rec in load(h_path)? {
            outcome.rows[1] += 1;
            groups.entry((rec.key.clone(), rec.kind, rec.refund_id.clone())).or_default().1.push(rec);
        }
        // Which orders were paid on both sides, to tell a one-sided refund (status) from a one-sided order.
        let paid_both: std::collections::HashSet<String> = groups
            .iter()
            .filter(|((_, kind, _), (p, h))| *kind == Kind::Pay && !p.is_empty() && !h.is_empty())
            .map(|((key, _, _), _)| key.clone())
            .collect();
        // Mismatches of the partition, sorted by key before they go out so a run's output is deterministic.
        let mut partition_found = Vec::new();
        for ((key, kind, refund_id), (mut p, mut h)) in groups {
            let mut emit = |class: Class, platform: Option<Rec>, his: Option<Rec>| -> std::io::Result<()> {
                let m = Mismatch { class, key: key.clone(), kind, refund_id: refund_id.clone(), platform, his };
                *outcome.counts.entry(class).or_default() += 1;
                let entry = outcome.by_channel.entry((class, m.channel().to_owned())).or_default();
                entry.0 += 1;
                entry.1 += m.at_stake();
                if let Some(r) = m.platform.as_ref().or(m.his.as_ref()) {
                    use chrono::Timelike;
                    let hour = &mut outcome.hours[r.time.hour() as usize];
                    if class == Class::Matched { hour.0 += 1 } else { hour.1 += 1 }
                }
                if class != Class::Matched {
                    partition_found.push(m);
                }
                Ok(())
            };
            p.sort_by(|a, b| a.time.cmp(&b.time));
            h.sort_by(|a, b| a.time.cmp(&b.time));
            let extra_p = if p.len() > 1 { p.split_off(1) } else { Vec::new() };
            let extra_h = if h.len() > 1 { h.split_off(1) } else { Vec::new() };
            for r in extra_p {
                emit(Class::DuplicatePlatform, Some(r), None)?;
            }
            for r in extra_h {
                emit(Class::DuplicateHis, None, Some(r))?;
            }
            match (p.pop(), h.pop()) {
                (Some(a), Some(b)) if a.amount == b.amount => emit(Class::Matched, Some(a), Some(b))?,
                (Some(a), Some(b)) => emit(Class::AmountDiffers, Some(a), Some(b))?,
                (a, b) => {
                    let one = a.as_ref().or(b.as_ref()).map(|r| r.time);
                    let class = if kind == Kind::Refund && paid_both.contains(&key) {
                        Class::StatusDiffers
                    } else if one.is_some_and(|t| t >= held_from && t < day_end) {
                        Class::Pending
                    } else if a.is_some() {
                        Class::PlatformOnly
                    } else {
                        Class::HisOnly
                    };
                    emit(class, a, b)?
                }
            }
        }
        partition_found.sort_by(|a: &Mismatch, b: &Mismatch| {
            (&a.key, a.kind, &a.refund_id, a.class).cmp(&(&b.key, b.kind, &b.refund_id, b.class))
        });
        for m in partition_found {
            found(m)?;
        }
    }
    for path in platform.iter().chain(&his) {
        let _ = std::fs::remove_file(path);
    }
    Ok(outcome)
}
