use crate::Violations;
use crate::codec::CodecError;

/// Why a message could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error("invalid message: {0}")]
    Invalid(#[from] Violations),
    /// A value that passed validation but does not fit its Rust type: a bug in hisgate, reported, not hidden.
    #[error("cannot convert {what}: {detail}")]
    Convert { what: String, detail: String },
}
