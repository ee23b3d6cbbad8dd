//! What hisgate makes from a validated spec besides Rust: the documentation site (`docs`), OpenAPI and WSDL
//! (`openapi`), PostgreSQL declarations of the database form (`sql`) and the compatibility report between two
//! versions of a spec (`diff`). They read the IR that `hisgate-codegen` loads; the CLI calls them. They live apart
//! from the generator so that `generated/build.rs` compiles the generator alone.

pub mod diff;
pub mod docs;
pub mod openapi;
pub mod sql;
