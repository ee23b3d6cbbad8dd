//! The matcher. Neither side is held whole: each row is written to one of `partitions` spill files by the hash of
//! its key, then partition pairs are loaded and their keys classified, two at a time on two threads. Memory is two
//! partition pairs, a few finished pairs' mismatches and the counters, whatever the day's size.

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
    /// Adds another partition's counts.
    fn merge(&mut self, other: Outcome) {
        for (class, n) in other.counts {
            *self.counts.entry(class).or_default() += n;
        }
        for (key, (rows, amount)) in other.by_channel {
            let entry = self.by_channel.entry(key).or_default();
            entry.0 += rows;
            entry.1 += amount;
        }
        for (hour, (matched, not)) in self.hours.iter_mut().zip(other.hours) {
            hour.0 += matched;
            hour.1 += not;
        }
        self.rows[0] += other.rows[0];
        self.rows[1] += other.rows[1];
    }

    pub fn unresolved(&self) -> u64 {
        self.counts.iter().filter(|(c, _)| **c != Class::Matched && **c != Class::Pending).map(|(_, n)| n).sum()
    }
}

/// Rows of one side, spread over partition files by key hash.
pub struct Spill {
    files: Vec<BufWriter<std::fs::File>>,
    paths: Vec<PathBuf>,
    line: String,
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
        Ok(Spill { files, paths, line: String::new(), rows: 0 })
    }

    pub fn push(&mut self, rec: &Rec) -> std::io::Result<()> {
        let p = partition(&rec.key, self.files.len());
        // One line buffer for the whole spill: a million rows a side, no allocation per row or field.
        self.line.clear();
        encode_into(rec, &mut self.line);
        self.line.push('\n');
        self.files[p].write_all(self.line.as_bytes())?;
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

/// `s` with the spill's separators escaped, appended to `out`.
fn esc_into(s: &str, out: &mut String) {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
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
    let mut out = String::new();
    encode_into(rec, &mut out);
    out
}

fn encode_into(rec: &Rec, out: &mut String) {
    use std::fmt::Write as _;
    esc_into(&rec.key, out);
    out.push('\t');
    out.push_str(rec.kind.as_str());
    out.push('\t');
    esc_into(&rec.refund_id, out);
    // Writing to a String cannot fail.
    let _ = write!(out, "\t{}\t{}\t", rec.amount, rec.time.and_utc().timestamp_millis());
    esc_into(&rec.channel, out);
    out.push('\t');
    esc_into(&rec.at, out);
    out.push('\t');
    esc_into(&rec.raw, out);
}

pub fn decode(line: &str) -> Option<Rec> {
    let mut f = line.splitn(8, '\t');
    let mut next = || f.next();
    let (key, kind, refund_id, amount, time) = (next()?, next()?, next()?, next()?, next()?);
    let (channel, at, raw) = (next()?, next()?, next()?);
    Some(Rec {
        key: unesc(key),
        kind: if kind == "refund" { Kind::Refund } else { Kind::Pay },
        refund_id: unesc(refund_id),
        amount: amount.parse().ok()?,
        // Milliseconds since 1970 of the naive time: cheaper to read back than text.
        time: chrono::DateTime::from_timestamp_millis(time.parse().ok()?)?.naive_utc(),
        channel: unesc(channel),
        at: unesc(at),
        raw: unesc(raw),
    })
}

fn load(path: &Path) -> std::io::Result<Vec<Rec>> {
    let mut out = Vec::new();
    let mut reader = BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 0 {
        let text = line.strip_suffix('\n').unwrap_or(&line);
        let rec =
            decode(text).ok_or_else(|| std::io::Error::other(format!("spill file {} is damaged", path.display())))?;
        out.push(rec);
        line.clear();
    }
    Ok(out)
}

/// Classifies every key of the two spills; each mismatch (every class but matched) goes to `found`, partition by
/// partition in order and sorted within each, so a run's output is deterministic. Two partition pairs are
/// classified at once (the machines this runs on have two cores and more), each one pair in memory.
pub fn reconcile(
    settings: &Settings,
    platform: Vec<PathBuf>,
    his: Vec<PathBuf>,
    mut found: impl FnMut(Mismatch) -> std::io::Result<()>,
) -> std::io::Result<Outcome> {
    let pairs: Vec<(&PathBuf, &PathBuf)> = platform.iter().zip(&his).collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 2);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: std::sync::Mutex<BTreeMap<usize, std::io::Result<Matched>>> = Default::default();
    let ready = std::sync::Condvar::new();
    // Set when the emitting side stops early (an error), so no worker waits for a reader that is gone.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stopped = || stop.load(std::sync::atomic::Ordering::Relaxed);
    let mut outcome = Outcome::default();
    std::thread::scope(|scope| -> std::io::Result<()> {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stopped() {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((p, h)) = pairs.get(i) else { break };
                    let result = classify(settings, p, h);
                    let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                    done.insert(i, result);
                    ready.notify_all();
                    // Bounded memory: a worker waits while results pile up ahead of the one emitting in order.
                    while done.len() > workers * 2 && !stopped() {
                        done = ready.wait(done).unwrap_or_else(|e| e.into_inner());
                    }
                }
            });
        }
        let emitted = (0..pairs.len()).try_for_each(|i| -> std::io::Result<()> {
            let result = {
                let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(result) = done.remove(&i) {
                        ready.notify_all();
                        break result;
                    }
                    done = ready.wait(done).unwrap_or_else(|e| e.into_inner());
                }
            };
            let (part, mismatches) = result?;
            outcome.merge(part);
            mismatches.into_iter().try_for_each(&mut found)
        });
        // Under the lock, so a worker checking before it waits cannot miss it.
        let guard = done.lock().unwrap_or_else(|e| e.into_inner());
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        drop(guard);
        ready.notify_all();
        emitted
    })?;
    for path in platform.iter().chain(&his) {
        let _ = std::fs::remove_file(path);
    }
    Ok(outcome)
}

/// One partition's pair of files compared: its counts and its mismatches.
type Matched = (Outcome, Vec<Mismatch>);

/// One partition pair: its outcome and its mismatches, sorted by key.
fn classify(settings: &Settings, p_path: &Path, h_path: &Path) -> std::io::Result<Matched> {
    let mut outcome = Outcome::default();
    let day_end = settings.day.succ_opt().unwrap_or(settings.day).and_hms_opt(0, 0, 0).unwrap_or_default();
    let held_from = day_end - settings.window;
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
        p.sort_by_key(|r| r.time);
        h.sort_by_key(|r| r.time);
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
    Ok((outcome, partition_found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spilled_row_reads_back_as_written_separators_and_chinese_included() {
        let rec = Rec {
            key: "P1\t\\2".into(),
            kind: Kind::Refund,
            refund_id: "R\n1".into(),
            amount: "12.30".parse().unwrap(),
            time: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(23, 59, 58).unwrap(),
            channel: "微信\r".into(),
            at: "对账单.txt:7".into(),
            raw: "'2026-12-01 23:59:58','P1\t\\2','退款'".into(),
        };
        let line = encode(&rec);
        assert_eq!(line.matches('\t').count(), 7, "{line}");
        assert!(!line.contains('\n') && !line.contains('\r'));
        assert_eq!(decode(&line), Some(rec));
    }
}
