//! The server half of a generated side module, written once: [`Service`] holds a side's handler, dispatches each
//! verified request to it through the side's [`Handles`] (the one match a generated module emits), and wraps the
//! handling of any one interface in a tower [`Layer`] ([`Service::layer_on`]) — a rate limit or an audit on
//! `RegisterOrder` alone — the way smithy-rs's `Plugin` wraps one operation, while a layer on the whole
//! [`Router`] sees every request.

use super::{BoxFuture, Context, Dispatch, Failure, Reply, Router, ServerConfig};
use crate::{Interface, Provider};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::Poll;
use tower::{Layer, ServiceExt};

/// How a call by interface name reaches a handler's typed method: what a generated side module implements for
/// its `Provided`, over its own `Handler` trait.
pub trait Handles<H>: Provider {
    fn dispatch(
        handler: &Arc<H>,
        interface: &str,
        payload: Value,
        context: Context,
    ) -> BoxFuture<Result<Reply, Failure>>;
}

/// One call of one interface, as a layer sees it: the request's payload, verified, decrypted and validated (wire
/// names), and the call's context. The layered service answers the response's payload (a [`Reply`]: the handler's
/// typed response, or a tree a layer answers in its place) or a [`Failure`].
#[derive(Debug, Clone)]
pub struct Call {
    pub payload: Value,
    pub context: Context,
}

/// One interface's handling as a tower service: what a layer given to [`Service::layer_on`] wraps.
#[derive(Clone)]
pub struct Handling(Arc<dyn Fn(Call) -> BoxFuture<Result<Reply, Failure>> + Send + Sync>);

impl Handling {
    fn of(handle: impl Fn(Call) -> BoxFuture<Result<Reply, Failure>> + Send + Sync + 'static) -> Handling {
        Handling(Arc::new(handle))
    }

    /// A layered service, shared by every call: each waits its turn to find it ready (a rate limit's clock, a
    /// concurrency limit's permit), then its answer is awaited without holding it.
    fn shared<S>(service: S) -> Handling
    where
        S: tower::Service<Call, Response = Reply, Error = Failure> + Send + 'static,
        S::Future: Send + 'static,
    {
        let service = Arc::new(tokio::sync::Mutex::new(service));
        Handling::of(move |call| {
            let service = Arc::clone(&service);
            Box::pin(async move {
                let answer = {
                    let mut service = service.lock().await;
                    service.ready().await?.call(call)
                };
                answer.await
            })
        })
    }
}

impl tower::Service<Call> for Handling {
    type Response = Reply;
    type Error = Failure;
    type Future = BoxFuture<Result<Reply, Failure>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> Poll<Result<(), Failure>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        (self.0)(call)
    }
}

/// A side's handler served: every verified request dispatched to its method, through the layers given to
/// [`layer_on`](Service::layer_on) for the interfaces that have them. A generated module names it `Service<H>`.
pub struct Service<P, H> {
    handler: Arc<H>,
    /// The interfaces wrapped in a layer, by name.
    layered: BTreeMap<String, Handling>,
    provider: PhantomData<fn() -> P>,
}

impl<P: Handles<H>, H: Send + Sync + 'static> Service<P, H> {
    pub fn new(handler: H) -> Self {
        Service { handler: Arc::new(handler), layered: BTreeMap::new(), provider: PhantomData }
    }

    /// Wraps the handling of interface `I` alone in `layer`: its calls pass through the layered service, every
    /// other interface's do not. Layers given for one interface nest, the last outermost. The service is shared
    /// by the interface's calls (a rate limit counts them all).
    ///
    /// # Panics
    ///
    /// Where this side does not provide `I` (another side's or platform's interface): a mistake in the code
    /// that builds the server, not in any request.
    pub fn layer_on<I, L>(mut self, layer: L) -> Self
    where
        I: Interface,
        L: Layer<Handling>,
        L::Service: tower::Service<Call, Response = Reply, Error = Failure> + Send + 'static,
        <L::Service as tower::Service<Call>>::Future: Send + 'static,
    {
        let (platform, interface) = I::schema();
        assert!(
            std::ptr::eq(platform, P::platform()) && interface.provider == P::SIDE,
            "`{}` is not an interface the {} side of `{}` provides",
            interface.name,
            P::SIDE,
            P::platform().name,
        );
        let name = interface.name.to_string();
        let inner = match self.layered.remove(&name) {
            Some(layered) => layered,
            None => {
                let (handler, name) = (Arc::clone(&self.handler), name.clone());
                Handling::of(move |call| P::dispatch(&handler, &name, call.payload, call.context))
            }
        };
        self.layered.insert(name, Handling::shared(layer.layer(inner)));
        self
    }

    /// The axum router serving this handler on every binding of the protocol: it reads, checks, verifies,
    /// decrypts and validates each request in the spec's order, and signs every reply. Add tower layers for
    /// every request (auth, logging, metrics) with `Router::layer`.
    pub fn router(self, config: ServerConfig) -> Router {
        super::router(P::platform().shared(), P::SIDE, Arc::new(self), config)
            .expect("codegen emits a server only for a platform with a protocol")
    }
}

impl<P: Handles<H>, H: Send + Sync + 'static> Dispatch for Service<P, H> {
    fn dispatch(&self, interface: &str, payload: Value, context: Context) -> BoxFuture<Result<Reply, Failure>> {
        match self.layered.get(interface) {
            Some(layered) => (layered.0)(Call { payload, context }),
            None => P::dispatch(&self.handler, interface, payload, context),
        }
    }
}

impl<P, H: fmt::Debug> fmt::Debug for Service<P, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service").field("handler", &self.handler).field("layered", &self.layered.keys()).finish()
    }
}
