//! Generated servers on 127.0.0.1 for the end-to-end tests: a real listener on a free port, real HTTP.

use hisgate_runtime::client::ClientConfig;
use hisgate_runtime::schema::PlatformSchema;
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::server::{Router, ServerConfig};
use hisgate_runtime::{Interface, Message};
use std::time::Duration;

/// A server running on a free loopback port until dropped.
pub struct Loopback {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Loopback {
    pub async fn start(router: Router) -> Loopback {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port");
        let url = format!("http://{}", listener.local_addr().expect("a bound address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("the server runs");
        });
        Loopback { url, task }
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The credentials every test party shares: each credential's example from `protocol.yaml`.
pub fn credentials(platform: &PlatformSchema) -> Inputs {
    let protocol = platform.protocol.as_ref().expect("a platform with a protocol");
    let examples = protocol.credentials.iter().filter_map(|c| Some((&*c.name, c.example.as_deref()?)));
    Inputs::for_protocol(protocol, examples)
}

pub fn server_config(platform: &PlatformSchema) -> ServerConfig {
    ServerConfig::new(platform, credentials(platform))
}

/// A client of `binding`, quick to give up: everything here is on loopback.
pub fn client_config(platform: &PlatformSchema, binding: &str) -> ClientConfig {
    let mut config = ClientConfig::new(credentials(platform));
    config.binding = Some(binding.to_owned());
    config.timeout = Duration::from_secs(10);
    config
}

/// The names of a platform's bindings.
pub fn bindings(platform: &PlatformSchema) -> Vec<String> {
    platform.protocol.iter().flat_map(|p| p.bindings.iter()).map(|b| b.name.to_string()).collect()
}

/// A request of `I` with every field filled in, as the spec's examples and rules give them.
pub fn full_request<I: Interface>() -> I::Request {
    let (platform, interface) = I::schema();
    let value = hisgate_runtime::sample::payload(platform, interface.request);
    I::Request::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{}: the sample request {value} is invalid: {e}", interface.name))
}

/// A response of `I` with every field filled in.
pub fn full_response<I: Interface>() -> I::Response {
    let (platform, interface) = I::schema();
    let value = hisgate_runtime::sample::payload(platform, interface.response);
    I::Response::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{}: the sample response {value} is invalid: {e}", interface.name))
}
