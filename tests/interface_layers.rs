//! A tower layer on one interface of a generated server (`Service::layer_on`) sees that interface's calls and no
//! other's, may answer for it with the platform's code, nests with a second layer, and a stock tower layer fits.

use hisgate_generated::glorycard::{PLATFORM, interfaces as api, platform as side};
use hisgate_runtime::Interface;
use hisgate_runtime::server::{Call, Context, Failure, Reply};
use hisgate_tests::loopback::{Loopback, client_config, full_request, full_response, server_config};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use tower::{Layer, Service};

struct Full;

impl side::Handler for Full {
    async fn store_all(&self, _: api::store_all::Request, _: Context) -> Result<api::store_all::Response, Failure> {
        Ok(full_response::<api::StoreAll>())
    }

    async fn store_deduct(
        &self,
        _: api::store_deduct::Request,
        _: Context,
    ) -> Result<api::store_deduct::Response, Failure> {
        Ok(full_response::<api::StoreDeduct>())
    }

    async fn store_deduct_cancel(
        &self,
        _: api::store_deduct_cancel::Request,
        _: Context,
    ) -> Result<api::store_deduct_cancel::Response, Failure> {
        Ok(full_response::<api::StoreDeductCancel>())
    }
}

/// Notes `tag:interface` for every call it passes on, before the inner service sees it; refuses every call with
/// the platform's failure code `0` where it is a gate.
#[derive(Clone)]
struct Audit {
    tag: &'static str,
    seen: Arc<Mutex<Vec<String>>>,
    gate: bool,
}

struct Audited<S> {
    audit: Audit,
    inner: S,
}

impl<S> Layer<S> for Audit {
    type Service = Audited<S>;

    fn layer(&self, inner: S) -> Audited<S> {
        Audited { audit: self.clone(), inner }
    }
}

impl<S> Service<Call> for Audited<S>
where
    S: Service<Call, Response = Reply, Error = Failure>,
    S::Future: Send + 'static,
{
    type Response = Reply;
    type Error = Failure;
    type Future = Pin<Box<dyn Future<Output = Result<Reply, Failure>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Failure>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: Call) -> Self::Future {
        self.audit.seen.lock().unwrap().push(format!("{}:{}", self.audit.tag, call.context.interface));
        if self.audit.gate {
            return Box::pin(async { Err(Failure::with_message("0", "closed for audit")) });
        }
        Box::pin(self.inner.call(call))
    }
}

fn audit(tag: &'static str, seen: &Arc<Mutex<Vec<String>>>) -> Audit {
    Audit { tag, seen: Arc::clone(seen), gate: false }
}

fn client(server: &Loopback) -> side::Client {
    side::Client::new(&server.url, client_config(&PLATFORM, "json")).unwrap()
}

#[tokio::test]
async fn a_layer_on_one_interface_sees_its_calls_only() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let router = side::Service::new(Full)
        .layer_on::<api::StoreDeduct, _>(audit("inner", &seen))
        .layer_on::<api::StoreDeduct, _>(audit("outer", &seen))
        .layer_on::<api::StoreDeduct, _>(tower::limit::ConcurrencyLimitLayer::new(1))
        .router(server_config(&PLATFORM));
    let server = Loopback::start(router).await;
    let client = client(&server);
    let reply = client.store_all(&full_request::<api::StoreAll>()).await.unwrap();
    assert_eq!(reply.response, Some(full_response::<api::StoreAll>()));
    let reply = client.store_deduct(&full_request::<api::StoreDeduct>()).await.unwrap();
    assert_eq!(reply.response, Some(full_response::<api::StoreDeduct>()));
    let reply = client.store_deduct_cancel(&full_request::<api::StoreDeductCancel>()).await.unwrap();
    assert_eq!(reply.response, Some(full_response::<api::StoreDeductCancel>()));
    // The last layer given is the outermost: it sees the call first.
    let name = api::StoreDeduct::schema().1.name.to_string();
    let once = [format!("outer:{name}"), format!("inner:{name}")];
    assert_eq!(*seen.lock().unwrap(), once);
    // The layers wrap the handler: a repeat the pipeline answers itself (`idempotency:`) does not reach them.
    let again = client.store_deduct(&full_request::<api::StoreDeduct>()).await.unwrap();
    assert_eq!(again.response, Some(full_response::<api::StoreDeduct>()));
    assert_eq!(*seen.lock().unwrap(), once);
}

#[tokio::test]
async fn a_layer_answers_for_its_interface_with_the_platforms_code() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let gate = Audit { gate: true, ..audit("gate", &seen) };
    let router = side::Service::new(Full).layer_on::<api::StoreDeductCancel, _>(gate).router(server_config(&PLATFORM));
    let server = Loopback::start(router).await;
    let client = client(&server);
    let reply = client.store_deduct_cancel(&full_request::<api::StoreDeductCancel>()).await.unwrap();
    assert!(!reply.success);
    assert_eq!((reply.code.as_str(), reply.message.as_str()), ("0", "失败：closed for audit"));
    assert_eq!(reply.response, None);
    let reply = client.store_deduct(&full_request::<api::StoreDeduct>()).await.unwrap();
    assert!(reply.success, "{} {}", reply.code, reply.message);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
#[should_panic(expected = "is not an interface the platform side of `glorycard` provides")]
fn a_layer_on_another_sides_interface_is_a_mistake_named_at_once() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let _ = side::Service::new(Full).layer_on::<api::DeductCheck, _>(audit("wrong", &seen));
}
