//! The server `scripts/load` measures: the generated shaanxi hospital server answering TestNet and QueryRegister
//! (ten orders), or a minimal axum hello world beside it, to show what the protocol costs over plain HTTP.
//!
//! Usage: `load_server shaanxi|hello [PORT]` — listens on 127.0.0.1 (port 0: a free one) and prints the port.

use axum::Router;
use hisgate_generated::shaanxi::PLATFORM;
use hisgate_generated::shaanxi::hospital::{self, Handler};
use hisgate_generated::shaanxi::interfaces::{query_register, test_net};
use hisgate_runtime::Message;
use hisgate_runtime::server::{Context, Failure};
use hisgate_tests::load;
use hisgate_tests::loopback::server_config;

/// Answers with the documents' own responses; any other interface is left to the generated default.
struct Bench {
    test_net: test_net::Response,
    query_register: query_register::Response,
}

impl Handler for Bench {
    async fn test_net(&self, _: test_net::Request, _: Context) -> Result<test_net::Response, Failure> {
        Ok(self.test_net.clone())
    }

    async fn query_register(
        &self,
        _: query_register::Request,
        _: Context,
    ) -> Result<query_register::Response, Failure> {
        Ok(self.query_register.clone())
    }
}

fn shaanxi() -> Router {
    let read = |interface: &str| load::reply_payload(interface).unwrap_or_else(|e| panic!("{e}"));
    let bench = Bench {
        test_net: test_net::Response::from_xml(&read("TestNet")).expect("the TestNet response"),
        query_register: query_register::Response::from_xml(&read("QueryRegister")).expect("the QueryRegister response"),
    };
    hospital::router(bench, server_config(&PLATFORM))
}

fn hello() -> Router {
    Router::new().fallback(|| async { "Hello, World!" })
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (server, port) = (args.next().unwrap_or_default(), args.next().unwrap_or_else(|| "0".to_owned()));
    let router = match server.as_str() {
        "shaanxi" => shaanxi(),
        "hello" => hello(),
        _ => {
            eprintln!("usage: load_server shaanxi|hello [PORT]");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.expect("a loopback port");
    println!("{}", listener.local_addr().expect("a bound address").port());
    axum::serve(listener, router).await.expect("the server runs");
}
