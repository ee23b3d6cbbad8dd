pub mod check;
pub mod list;
