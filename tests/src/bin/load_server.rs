//! The server `scripts/load` measures: the generated shaanxi hospital server answering TestNet and QueryRegister
//! (ten orders), or a minimal axum hello world beside it, to show what the protocol costs over plain HTTP.
//!
//! Or the bare server's reply to the load's request of one interface, recorded once at start and answered to every
//! request once its body is read, without looking at it: the same bytes on the wire with none of the protocol's
//! work, the floor under the bare server's row.
//!
//! Or a plain forwarding proxy (axum in, reqwest out, whole bodies, no reading and no journal): the cost of any HTTP
//! hop on loopback, the floor under `hisgate proxy`'s.
//!
//! Usage: `load_server shaanxi|hello [PORT]`, `load_server canned TestNet|QueryRegister [PORT]` or
//! `load_server forward UPSTREAM_PORT [PORT]` — listens on 127.0.0.1 (port 0: a free one) and prints the port.

use axum::Router;
use hisgate_tests::load;

/// The allocator the `hisgate` binary ships with (cli/Cargo.toml), for every server here alike: the bare server
/// measures the generated code, not glibc's malloc, and the hello world beside it gets the same.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn hello() -> Router {
    Router::new().fallback(|| async { "Hello, World!" })
}

async fn canned(interface: &str) -> Router {
    use axum::body::{Body, Bytes};
    use axum::http::{HeaderMap, header};
    use tower::ServiceExt;
    let sent = load::http_request(interface).unwrap_or_else(|e| panic!("{e}"));
    let mut request = axum::http::Request::post(&sent.path);
    for (name, value) in &sent.headers {
        request = request.header(name, value);
    }
    let request = request.body(Body::from(sent.body)).expect("the load's request");
    let reply = load::bare_router().oneshot(request).await.expect("the bare server answers");
    let (mut parts, body) = reply.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("the bare server's reply");
    assert!(parts.status.is_success(), "the bare server answered {interface} with {}", parts.status);
    parts.headers.remove(header::CONTENT_LENGTH);
    let (status, headers): (_, HeaderMap) = (parts.status, parts.headers);
    // The request's body is read, as any server reads it, and not looked at.
    Router::new().fallback(move |_: Bytes| {
        let reply = (status, headers.clone(), body.clone());
        async move { reply }
    })
}

fn forward(upstream: String) -> Router {
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::http::{StatusCode, header};
    use axum::response::Response;
    async fn hop(State((http, upstream)): State<(reqwest::Client, String)>, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let failed = |e: String| Response::builder().status(StatusCode::BAD_GATEWAY).body(Body::from(e)).unwrap();
        let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else { return failed("the request".into()) };
        let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut sent = http.request(parts.method, format!("{upstream}{target}"));
        for (name, value) in &parts.headers {
            if name != header::HOST && name != header::CONTENT_LENGTH && name != header::CONNECTION {
                sent = sent.header(name, value);
            }
        }
        let reply = match sent.body(body).send().await {
            Ok(reply) => reply,
            Err(e) => return failed(e.to_string()),
        };
        let (status, headers) = (reply.status(), reply.headers().clone());
        let Ok(body) = reply.bytes().await else { return failed("the reply".into()) };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        for (name, value) in &headers {
            if name != header::CONTENT_LENGTH && name != header::CONNECTION && name != header::TRANSFER_ENCODING {
                response.headers_mut().append(name.clone(), value.clone());
            }
        }
        response
    }
    let upstream = format!("http://127.0.0.1:{upstream}");
    Router::new().fallback(hop).with_state((reqwest::Client::new(), upstream))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let server = args.next().unwrap_or_default();
    let argument = if matches!(server.as_str(), "forward" | "canned") { args.next() } else { None };
    let port = args.next().unwrap_or_else(|| "0".to_owned());
    let router = match (server.as_str(), argument) {
        ("shaanxi", _) => load::bare_router(),
        ("hello", _) => hello(),
        ("canned", Some(interface)) => canned(&interface).await,
        ("forward", Some(upstream)) => forward(upstream),
        _ => {
            eprintln!(
                "usage: load_server shaanxi|hello [PORT] | load_server canned TestNet|QueryRegister [PORT] | \
                 load_server forward UPSTREAM_PORT [PORT]"
            );
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.expect("a loopback port");
    println!("{}", listener.local_addr().expect("a bound address").port());
    axum::serve(listener, router).await.expect("the server runs");
}
