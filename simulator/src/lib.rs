//! Stateful simulators: each platform's sides as real services on the generated handler traits, keeping their
//! state in a [`Store`](hisgate_runtime::store::Store) (SQLite by default, PostgreSQL for several instances),
//! seeded with sample data on first start. `hisgate serve` runs them; one side can be the simulator and the other
//! a user's own code.

mod answer;
pub mod database;
pub mod generic;
pub mod glorycard;
mod money;
pub mod onepay;
pub mod people;
pub mod shaanxi;
pub mod yizhangtong;

pub use answer::{Recorded, Refused, fingerprint};

use hisgate_runtime::codec::Limits;
use hisgate_runtime::schema::{PlatformSchema, Side};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::server::{CancellationToken, Router, ServerConfig};
use hisgate_runtime::store::outbox::RetryPolicy;
use hisgate_runtime::store::{Store, StoreError};
use hisgate_runtime::strictness::Strictness;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What a simulator is started with.
#[derive(Debug, Clone)]
pub struct Options {
    pub store: Store,
    /// This side's credentials (the key it signs with, the partner or app id it expects).
    pub credentials: Inputs,
    /// The other side's address, for the calls this side makes (notifications, callbacks).
    pub peer: Option<String>,
    /// How this side's outbox couriers retry and lease their calls to `peer`: the default in service; short in
    /// tests of crashes and outages, which would otherwise wait out a minute's lease.
    pub outbox: RetryPolicy,
    /// Cancelled when the server stops: background work (couriers, the payer) ends and gives up its leases.
    pub stop: CancellationToken,
    /// The largest body and deepest nesting a request may have.
    pub limits: Limits,
    /// How long a client may take to send a body.
    pub body_read_timeout: Duration,
    /// Which rule classes of request validation only warn.
    pub strictness: Strictness,
    /// The platform with a counterpart profile merged in, served instead of the compiled-in spec.
    pub schema: Option<Arc<PlatformSchema>>,
}

impl Options {
    /// A side on `store` with `credentials`, calling no peer, with the outbox's default policy.
    pub fn new(store: Store, credentials: Inputs) -> Options {
        Options {
            store,
            credentials,
            peer: None,
            outbox: RetryPolicy::default(),
            stop: CancellationToken::new(),
            limits: Limits::default(),
            body_read_timeout: Duration::from_secs(30),
            strictness: Strictness::STRICT,
            schema: None,
        }
    }
}

/// A started simulator: its routes, and the background work (outbox couriers) to run beside them.
pub struct Simulator {
    pub router: Router,
    pub background: Vec<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("no simulator for the {side} side of `{platform}` (simulated: {known})")]
    Unknown { platform: String, side: Side, known: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The side cannot run on what it was given (yizhangtong's database form on SQLite, or without its procedures).
    #[error("{0}")]
    Unavailable(String),
}

/// The simulated (platform, side) pairs.
pub const SIMULATED: &[(&str, Side)] = &[
    ("glorycard", Side::Platform),
    ("glorycard", Side::Hospital),
    ("shaanxi", Side::Platform),
    ("shaanxi", Side::Hospital),
    ("onepay", Side::Platform),
    ("yizhangtong", Side::Hospital),
];

/// Whether a hand-written simulator serves this side.
pub fn simulated(platform: &str, side: Side) -> bool {
    SIMULATED.iter().any(|&(p, s)| p == platform && s == side)
}

/// Refuses a spec folder that differs from the one the hand-written simulators were compiled from: they would
/// silently serve the compiled-in spec. Compares schema digests (`hisgate_runtime::spec_digest::digest`), not paths.
pub fn same_as_compiled(loaded: &PlatformSchema, side: Side) -> Result<(), String> {
    let Some(compiled) = hisgate_generated::PLATFORMS.iter().find(|p| p.name == loaded.name) else {
        return Ok(());
    };
    let (here, built) = (hisgate_runtime::spec_digest::digest(loaded), hisgate_runtime::spec_digest::digest(compiled));
    if here == built {
        return Ok(());
    }
    Err(format!(
        "the hand-written {} {side} simulator is compiled from another spec than the one given (schema digest {} \
         there, {} in this binary): rebuild hisgate with this spec under specs/{}, or serve it from the spec \
         alone with --generic",
        loaded.name,
        &here[..12],
        &built[..12],
        loaded.name
    ))
}

/// Migrates and seeds the store, and builds the side's server.
pub async fn start(platform: &str, side: Side, options: Options) -> Result<Simulator, StartError> {
    match (platform, side) {
        ("glorycard", Side::Platform) => glorycard::platform(options).await,
        ("glorycard", Side::Hospital) => glorycard::hospital(options).await,
        ("shaanxi", Side::Platform) => shaanxi::platform(options).await,
        ("shaanxi", Side::Hospital) => shaanxi::hospital(options).await,
        ("onepay", Side::Platform) => onepay::platform(options).await,
        ("yizhangtong", Side::Hospital) => yizhangtong::hospital(options).await,
        _ => {
            let known: Vec<String> = SIMULATED.iter().map(|(p, s)| format!("{p} {s}")).collect();
            Err(StartError::Unknown { platform: platform.to_owned(), side, known: known.join(", ") })
        }
    }
}

/// The server configuration of a simulator: the spec's defaults with its credentials, and its store, where the
/// replay guard keeps the signatures it has seen across restarts and instances.
fn server_config(platform: &PlatformSchema, options: &Options) -> ServerConfig {
    let mut config = ServerConfig::new(platform, options.credentials.clone());
    config.store = Some(options.store.clone());
    config.limits = options.limits;
    config.body_read_timeout = options.body_read_timeout;
    config.strictness = options.strictness;
    config.schema = options.schema.clone();
    config
}

#[cfg(test)]
mod tests {
    use hisgate_runtime::store::checksums;

    /// Each component's migrations as databases migrated by earlier versions recorded them, in both dialects: a
    /// step edited after release would make those databases refuse to open.
    #[test]
    fn migration_checksums_stay_what_earlier_versions_recorded() {
        let pinned = |sum: &str| vec![format!("1 {sum} {sum}")];
        let components = [
            (crate::glorycard::MIGRATIONS, "4ca657aa5171aefa2a3753db6dd15f373685081016517c45711219951d4fbe50"),
            (crate::onepay::MIGRATIONS, "a51728051b9c59436c02d78e30bd8c75f097d7431e5181d42959805b0ca87b01"),
            (crate::shaanxi::IDS, "cd90dc0823e099df0a0ea4b802c2ea7959e6f6f23449a026f07f2ac672516e20"),
            (crate::shaanxi::HOSPITAL, "33318970460f3cf04b9e413395bdbe30fb53f4d8ab175ebf49b6ac9684e77374"),
            (crate::shaanxi::PLATFORM, "239fbda3af07f7fff42eae7e4964112f1a6b0d2234c3afcf1880d3655c802f74"),
            (crate::yizhangtong::MIGRATIONS, "0cc8944c3226d9e533ba0e118ba3e34d6ca71e6693df0af4886b54681884620c"),
            (crate::generic::SEQUENCE_MIGRATIONS, "98d6a27225133cce8510d1a82156a242ea9801d2b091cf2fd2b3fab2354edeed"),
        ];
        for (steps, sum) in components {
            assert_eq!(checksums(steps), pinned(sum), "{}", steps[0].name);
        }
    }
}
