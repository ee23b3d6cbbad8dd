pub mod bench;
pub mod call;
pub mod check;
pub mod crypt;
pub mod explain;
mod io;
pub mod list;
pub mod serve;
pub mod sign;
