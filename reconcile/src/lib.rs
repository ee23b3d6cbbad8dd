//! Reconciliation (对账): a platform's statement against the HIS ledger, each read as its `statements.yaml`
//! declaration says ([`read`]), matched by key in bounded memory ([`matcher`]: both sides are partitioned by key
//! hash into spill files, two partition pairs in memory at a time), and reported ([`report`]). It names no
//! platform: everything platform-specific comes from the declaration.

pub mod ledger_sql;
pub mod matcher;
pub mod read;
pub mod report;
pub mod store;

pub use matcher::{Class, Mismatch, Outcome, Settings, reconcile};
pub use read::{BadRow, Kind, Rec, Side};
