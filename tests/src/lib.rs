pub mod arbitrary;
pub mod databases;
pub mod fixtures;
pub mod load;
pub mod loopback;
pub mod registry;
pub mod skip;
pub mod soak;
