//! A HIS's gateway for the `kiosk` platform (an invented self-service kiosk network, `specs/kiosk`), written as a
//! user of hisgate writes one in a repository of their own: `hisgate-build` in `build.rs`, the `hisgate` crate
//! for the rest. [`Gateway`] implements the hospital's interfaces over an in-memory ledger; `main.rs` serves it.

/// The `kiosk` platform's generated code (`hisgate::include_specs!()` would include every platform folder, each as
/// a module named after it).
pub mod kiosk {
    hisgate::include_platform!("kiosk");
}

mod gateway;

pub use gateway::Gateway;

use hisgate::secret::{Inputs, env_var};

/// This side's credentials: each one `specs/kiosk/protocol.yaml` declares, from `HISGATE_<NAME>`
/// (`HISGATE_SECRET`, `HISGATE_KIOSK_ID`), else the spec's example with a warning on stderr.
pub fn credentials() -> Inputs {
    let protocol = kiosk::PLATFORM.protocol.as_ref().expect("the kiosk spec declares a protocol");
    let (inputs, completed) = Inputs::new().from_env(protocol).with_examples(protocol);
    for name in completed {
        eprintln!(
            "his-gateway: credential `{name}` not given ({}): using the spec's example value",
            env_var(name.as_str())
        );
    }
    inputs
}
