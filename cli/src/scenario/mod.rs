//! `hisgate scenario run FILE…`: whole flows between two running sides over HTTP — each step a real call through
//! the generated client, checked and timed — with a progress bar and, at the end, a table per interface of calls,
//! failures and p50/p99 latency. Exit 0 when every run passed.

pub mod export;
mod file;
mod path;
mod report;
mod template;

use crate::inputs::Credentials;
use file::{Scenario, Step};
use hisgate_runtime::client::{Client, ClientConfig, Reply};
use hisgate_runtime::schema::{PlatformSchema, Side};
use indicatif::{ProgressBar, ProgressStyle};
use path::lookup;
use report::Report;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use template::Vars;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Run scenario files against running sides (`hisgate serve`, or your own).
    Run(RunArgs),
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario files (`scenarios/*.yaml`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The hospital side's base address, for steps calling interfaces the hospital provides.
    #[arg(long)]
    hospital_url: Option<String>,
    /// The platform side's base address, for steps calling interfaces the platform provides.
    #[arg(long)]
    platform_url: Option<String>,
    /// How many times to run each scenario.
    #[arg(long, default_value_t = 1)]
    runs: u32,
    /// How many runs at once.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// The binding by name; by default the protocol's first.
    #[arg(long)]
    binding: Option<String>,
    /// Seconds to wait for each call.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// A platform's spec folder, read at run time (repeatable): a scenario for the platform it declares runs
    /// against it instead of the compiled-in one, so a platform written as YAML alone has scenarios too.
    #[arg(long, value_name = "DIR")]
    spec: Vec<PathBuf>,
    /// A counterpart profile (repeatable), merged into the platform it names: a scenario for that platform runs
    /// with what this counterpart does differently from the document.
    #[arg(long, value_name = "FILE")]
    profile: Vec<PathBuf>,
    #[command(flatten)]
    credentials: Credentials,
    #[command(flatten)]
    leniency: crate::target::Leniency,
}

pub fn run(command: Command) -> ExitCode {
    let Command::Run(args) = command;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("hisgate scenario: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_all(&args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("hisgate scenario: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every file; `Ok(false)` when a run failed.
async fn run_all(args: &RunArgs) -> Result<bool, String> {
    let scenarios: Vec<Scenario> = args.files.iter().map(|f| file::load(f)).collect::<Result<_, _>>()?;
    let mut loaded = Vec::new();
    for dir in &args.spec {
        let shown = dir.to_string_lossy().trim_end_matches('/').to_owned();
        let platform = hisgate_codegen::load_platform(dir, &shown)
            .map_err(|d| format!("{shown}: the spec has {} error(s):\n{d}", d.len()))?;
        loaded.push(Arc::new(platform));
    }
    for file in &args.profile {
        let named = hisgate_codegen::profile::platform_of(file)
            .ok_or_else(|| format!("{}: not a profile naming its `platform`", file.display()))?;
        let position = loaded.iter().position(|p| p.name == named);
        let base = match position {
            Some(at) => loaded[at].clone(),
            None => {
                compiled(&named).ok_or_else(|| format!("{}: no platform `{named}` to merge it into", file.display()))?
            }
        };
        let (merged, _) = crate::target::with_profile(&base, file)?;
        match position {
            Some(at) => loaded[at] = Arc::new(merged),
            None => loaded.push(Arc::new(merged)),
        }
    }
    let mut prepared = Vec::new();
    for scenario in &scenarios {
        prepared.push(Prepared::new(scenario, &loaded, args)?);
    }
    let total: u64 = prepared.iter().map(|p| p.calls_per_run() * u64::from(args.runs)).sum();
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} calls {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let session = hisgate_runtime::store::now_millis().to_string();
    let mut all_passed = true;
    for plan in prepared {
        progress.set_message(plan.scenario.title.clone());
        let report = plan.run(args, &session, &progress).await;
        progress.suspend(|| {
            println!(
                "\n{} ({}): {} runs, {} passed, {} failed",
                plan.scenario.title,
                plan.scenario.file,
                report.runs,
                report.runs - report.failed_runs,
                report.failed_runs
            );
            print!("{}", report.table());
            for failure in &report.failures {
                eprintln!("  failed: {failure}");
            }
        });
        all_passed &= report.failed_runs == 0;
    }
    progress.finish_and_clear();
    Ok(all_passed)
}

/// The compiled-in platform of that name.
fn compiled(name: &str) -> Option<Arc<PlatformSchema>> {
    hisgate_generated::PLATFORMS.iter().find(|p| p.name == name).map(|p| p.shared())
}

/// A scenario and a client per interface it calls (cheap to clone: each run of it holds one).
#[derive(Clone)]
struct Prepared {
    scenario: Arc<Scenario>,
    clients: BTreeMap<String, Client>,
}

impl Prepared {
    /// `loaded` are the `--spec` platforms, which take the place of a compiled-in platform of the same name.
    fn new(scenario: &Scenario, loaded: &[Arc<PlatformSchema>], args: &RunArgs) -> Result<Prepared, String> {
        let shared = match loaded.iter().find(|p| p.name == scenario.platform) {
            Some(platform) => platform.clone(),
            None => compiled(&scenario.platform).ok_or_else(|| {
                format!("{}: no compiled-in platform `{}` and no --spec for it", scenario.file, scenario.platform)
            })?,
        };
        let platform = &*shared;
        let protocol = crate::target::protocol(platform)?;
        let credentials = crate::inputs::completed(args.credentials.inputs(protocol), protocol, "scenario");
        let mut clients = BTreeMap::new();
        for step in &scenario.steps {
            let interface = platform
                .interfaces
                .iter()
                .find(|i| i.name == step.call)
                .ok_or_else(|| format!("{}: `{}` is not an interface of {}", step.at, step.call, platform.name))?;
            let side = interface.provider;
            let url = match side {
                Side::Hospital => args.hospital_url.as_deref().ok_or("--hospital-url"),
                Side::Platform => args.platform_url.as_deref().ok_or("--platform-url"),
            }
            .map_err(|flag| format!("{}: `{}` is provided by the {side} side: give {flag}", step.at, step.call))?;
            let mut config = ClientConfig::new(credentials.clone());
            config.binding = args.binding.clone();
            config.timeout = Duration::from_secs(args.timeout);
            config.strictness = args.leniency.value()?;
            let client = Client::new(shared.clone(), side, url, config).map_err(|e| e.to_string())?;
            clients.entry(step.call.clone()).or_insert(client);
        }
        Ok(Prepared { scenario: Arc::new(scenario.clone()), clients })
    }

    fn calls_per_run(&self) -> u64 {
        self.scenario.steps.iter().map(|s| u64::from(s.repeat)).sum()
    }

    async fn run(&self, args: &RunArgs, session: &str, progress: &ProgressBar) -> Report {
        let permits = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for number in 1..=args.runs {
            let (permits, plan, progress) = (permits.clone(), self.clone(), progress.clone());
            let session = session.to_owned();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                plan.run_once(number, &session, &progress).await
            });
        }
        let mut report = Report::default();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(one) => report.merge(one),
                Err(e) => {
                    report.runs += 1;
                    report.failed_runs += 1;
                    report.fail(format!("a run stopped: {e}"));
                }
            }
        }
        report
    }

    /// One run: the steps in order, each depending on the ones before; the first failure ends the run.
    async fn run_once(&self, number: u32, session: &str, progress: &ProgressBar) -> Report {
        let now = hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time());
        let mut vars = Vars::new(number, session, now);
        let mut report = Report::one_run();
        for step in &self.scenario.steps {
            if let Err(reason) = self.step(step, &mut vars, &mut report, progress).await {
                report.failed_runs = 1;
                report.fail(format!("run {number}, {} ({}): {reason}", step.at, step.call));
                break;
            }
        }
        report
    }

    async fn step(
        &self,
        step: &Step,
        vars: &mut Vars,
        report: &mut Report,
        progress: &ProgressBar,
    ) -> Result<(), String> {
        let request = vars.fill(&step.request)?;
        let deadline = step.wait.map(|wait| Instant::now() + wait);
        // Expected values may name saved ones (`{hospitalTradeId}`).
        let expected = step
            .response
            .iter()
            .map(|(path, value)| Ok((path.clone(), vars.text(value)?)))
            .collect::<Result<BTreeMap<String, String>, String>>()?;
        let first = loop {
            let replies = self.send(step, &request).await?;
            let (outcome, calls) = self.judge(step, &expected, replies);
            let last_try = deadline.is_none_or(|d| Instant::now() >= d);
            // While a step waits, a try that does not pass yet is neither counted nor reported.
            if outcome.is_err() && !last_try {
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
            for (latency, ok) in calls {
                report.call(&step.call, latency, ok);
            }
            progress.inc(u64::from(step.repeat));
            break outcome?;
        };
        for (name, path) in &step.save {
            let value = lookup(&first, path).ok_or_else(|| {
                // The reply can be long (a schedule of a week): enough of it to see what came back.
                let shown: String = first.to_string().chars().take(400).collect();
                format!("nothing at `{path}` to save as `{name}` in {shown}…")
            })?;
            vars.save(name, value.clone());
        }
        Ok(())
    }

    /// The step's request, sent `repeat` times, one after another or at once: each reply with its latency.
    async fn send(
        &self,
        step: &Step,
        request: &Value,
    ) -> Result<Vec<(Duration, Result<Reply<Value>, String>)>, String> {
        let client = &self.clients[&step.call];
        let mut replies = Vec::new();
        if step.concurrent {
            let mut calls = tokio::task::JoinSet::new();
            for _ in 0..step.repeat {
                let (client, call, request) = (client.clone(), step.call.clone(), request.clone());
                calls.spawn(async move {
                    let started = Instant::now();
                    let reply = client.call_value(&call, &request).await.map_err(|e| e.to_string());
                    (started.elapsed(), reply)
                });
            }
            while let Some(done) = calls.join_next().await {
                replies.push(done.map_err(|e| format!("a call stopped: {e}"))?);
            }
        } else {
            for _ in 0..step.repeat {
                let started = Instant::now();
                let reply = client.call_value(&step.call, request).await.map_err(|e| e.to_string());
                replies.push((started.elapsed(), reply));
            }
        }
        Ok(replies)
    }

    /// The first reply as shown, when every reply passed and all answered alike; and each call's latency and
    /// whether it passed.
    fn judge(
        &self,
        step: &Step,
        expected: &BTreeMap<String, String>,
        replies: Vec<(Duration, Result<Reply<Value>, String>)>,
    ) -> (Result<Value, String>, Vec<(Duration, bool)>) {
        let mut first: Option<Value> = None;
        let mut outcome = Ok(());
        let mut calls = Vec::new();
        for (latency, reply) in replies {
            let checked = reply.and_then(|reply| self.check(step, expected, reply));
            calls.push((latency, checked.is_ok()));
            match (checked, &first) {
                (Err(reason), _) => outcome = outcome.and(Err(reason)),
                (Ok(shown), None) => first = Some(shown),
                (Ok(shown), Some(earlier)) if shown != *earlier => {
                    outcome = outcome.and(Err(format!("a repeat answered {shown}, the first {earlier}")));
                }
                (Ok(_), Some(_)) => {}
            }
        }
        (outcome.map(|()| first.unwrap_or(Value::Null)), calls)
    }

    /// The reply as `{code, message, response}`, once it meets the step's expectations.
    fn check(&self, step: &Step, expected: &BTreeMap<String, String>, reply: Reply<Value>) -> Result<Value, String> {
        let passed = if step.codes.is_empty() { reply.success } else { step.codes.contains(&reply.code) };
        if !passed {
            let expected = if step.codes.is_empty() { "the success code".to_owned() } else { step.codes.join(" or ") };
            return Err(format!("answered {} {} where {expected} was expected", reply.code, reply.message));
        }
        if !reply.violations.is_empty() {
            return Err(format!("the reply breaks the spec: {}", reply.violations));
        }
        let shown = json!({"code": reply.code, "message": reply.message, "response": reply.response});
        for (path, expected) in expected {
            let found = shown.get("response").and_then(|r| lookup(r, path));
            let text = found.and_then(hisgate_runtime::validate::scalar_text);
            if text.as_deref() != Some(expected.as_str()) {
                return Err(format!(
                    "response.{path} is {}, not {expected}",
                    found.map_or("absent".into(), |v| v.to_string())
                ));
            }
        }
        Ok(shown)
    }
}
