//! Typed Rust from `specs/` (the invented `kiosk` platform): this gateway is the hospital, so it emits the
//! hospital's handler and router, and the platform's client for the calls it makes.

fn main() -> Result<(), hisgate_build::Error> {
    hisgate_build::configure().specs("specs").compile()?;
    Ok(())
}
