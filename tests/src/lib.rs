pub mod arbitrary;
pub mod fixtures;
pub mod loopback;
pub mod registry;
