//! Sample data. On first start each side writes its part — the hospital its catalogue, patients and sample orders,
//! the platform its ledger of the same orders — once, however many instances start on one database: the first
//! row written is the marker, and an instance that finds it leaves the data alone. The hospital also publishes the
//! schedules of the seven days from every start, as a HIS releases new days.

mod catalog;
mod hospital;
mod orders;
mod people;
mod platform;

pub use hospital::hospital;
pub use people::{SamplePatient, sample_patients};
pub use platform::platform;
