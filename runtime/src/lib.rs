//! The runtime every generated platform module stands on. It knows nothing of any one platform: everything
//! platform-specific arrives as data ([`schema::PlatformSchema`]) emitted by `hisgate-codegen` from a spec.
//!
//! The codecs, envelope, signatures, ciphers and validation are always here; the rest are features (all on by
//! default): `client` (reqwest), `server` (axum and hyper, with a `store`), `sqlite` and `postgres` (the store's
//! drivers, sqlx), `proxy` (client and server). Users take them through the `hisgate` facade.

pub mod cipher;
#[cfg(feature = "client")]
pub mod client;
pub mod clock;
pub mod codec;
pub mod dictionary;
pub mod envelope;
mod error;
pub mod keys;
mod macros;
mod message;
pub mod nonce;
#[cfg(feature = "proxy")]
pub mod proxy;
pub mod sample;
pub mod secret;
#[cfg(feature = "server")]
pub mod server;
pub mod signature;
#[cfg(feature = "store")]
pub mod store;
pub mod strictness;
pub mod transport;

pub use dictionary::Dictionary;
pub use error::Error;
pub use hisgate_schema::{Rule, Violation, Violations};
pub use message::{Interface, Message, Provider};
// The IR and the checks codegen shares live in `hisgate-schema` (the build script links that, not this crate);
// re-exported at their old paths so generated code and users name them as before.
pub use hisgate_schema as schema;
pub mod spec_digest;
pub use hisgate_schema::{business_keys, redact, template, validate};

pub use rust_decimal::Decimal;
/// Re-exported for the serde impls that `dictionary!` expands to, and for generated code that names the runtime
/// through a facade (`hisgate_codegen::emit::Options::runtime`).
pub use serde;
/// Re-exported for generated code that names the runtime through a facade.
pub use serde_json;
