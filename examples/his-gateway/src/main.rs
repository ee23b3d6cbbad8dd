//! `his-gateway [--listen ADDR]`: serves the kiosk platform's hospital side on ADDR (default 127.0.0.1:8090), and
//! prints the address it listens on as its first line.

use his_gateway::{Gateway, credentials, kiosk};
use hisgate::Decimal;
use hisgate::server::ServerConfig;
use hisgate::server::listen::{ConnectionLimits, serve};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = match args.as_slice() {
        [] => "127.0.0.1:8090".to_owned(),
        [flag, addr] if flag == "--listen" => addr.clone(),
        _ => return Err("usage: his-gateway [--listen ADDR]".into()),
    };
    let gateway = Gateway::with_patients(&[("0001", "P0001", "王五", Decimal::new(12_50, 2))]);
    let router = kiosk::hospital::router(gateway, ServerConfig::new(&kiosk::PLATFORM, credentials()));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("his-gateway: kiosk hospital on http://{}", listener.local_addr()?);
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(listener, router, ConnectionLimits::default(), stop).await?;
    Ok(())
}
