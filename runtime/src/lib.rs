//! The runtime every generated platform module stands on. It knows nothing of any one platform: everything
//! platform-specific arrives as data ([`schema::PlatformSchema`]) emitted by `hisgate-codegen` from a spec.

pub mod business_keys;
pub mod cipher;
pub mod client;
pub mod clock;
pub mod codec;
pub mod dictionary;
pub mod envelope;
mod error;
mod macros;
mod message;
pub mod proxy;
pub mod redact;
pub mod sample;
pub mod schema;
pub mod secret;
pub mod server;
pub mod signature;
pub mod store;
pub mod strictness;
pub mod template;
pub mod transport;
pub mod validate;
mod violation;

pub use dictionary::Dictionary;
pub use error::Error;
pub use message::{Interface, Message};
pub use violation::{Rule, Violation, Violations};

pub use rust_decimal::Decimal;
/// Re-exported for the serde impls that `dictionary!` expands to.
pub use serde;
