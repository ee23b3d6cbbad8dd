pub mod arbitrary;
pub mod fixtures;
pub mod registry;
