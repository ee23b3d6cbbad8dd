//! Every interface of every platform, end to end: a generated client calls a generated server on 127.0.0.1 over
//! real HTTP, in every binding the platform declares. The server's handler checks that the typed request arrived
//! exactly as sent and answers a response with every field filled in; the client checks it got exactly that back.

use hisgate_runtime::Interface;
use hisgate_runtime::server::{Context, Failure};
use hisgate_tests::loopback::{Loopback, bindings, client_config, full_request, full_response, server_config};

/// The handler's answer: the full response, if the request arrived unchanged.
fn answer<I: Interface>(request: I::Request, context: &Context) -> Result<I::Response, Failure> {
    let expected = full_request::<I>();
    if request != expected {
        let detail = format!("over `{}` the request arrived as {request:?}, not {expected:?}", context.binding);
        return Err(Failure::with_message("MISMATCH", detail));
    }
    Ok(full_response::<I>())
}

/// For one side of one platform: a handler answering every interface, and one test per interface that calls it
/// over every binding.
macro_rules! end_to_end {
    ($module:ident = $platform:ident :: $side:ident { $($method:ident => $marker:ident),* $(,)? }) => {
        mod $module {
            use super::*;
            use hisgate_generated::$platform::{interfaces as api, $side as side, PLATFORM};

            struct Full;

            impl side::Handler for Full {
                $(
                    async fn $method(
                        &self,
                        request: <api::$marker as Interface>::Request,
                        context: Context,
                    ) -> Result<<api::$marker as Interface>::Response, Failure> {
                        answer::<api::$marker>(request, &context)
                    }
                )*
            }

            $(
                #[tokio::test]
                async fn $method() {
                    let server = Loopback::start(side::router(Full, server_config(&PLATFORM))).await;
                    let request = full_request::<api::$marker>();
                    for binding in bindings(&PLATFORM) {
                        let client = side::Client::new(&server.url, client_config(&PLATFORM, &binding)).unwrap();
                        let reply = client
                            .$method(&request)
                            .await
                            .unwrap_or_else(|e| panic!("{} over {binding}: {e}", stringify!($marker)));
                        assert!(reply.success, "{} over {binding}: {} {}", stringify!($marker), reply.code, reply.message);
                        assert_eq!(reply.response, Some(full_response::<api::$marker>()), "over {binding}");
                    }
                }
            )*

            #[test]
            fn every_interface_of_the_side_is_tested() {
                let tested = [$(<api::$marker as Interface>::schema().1.name.to_string()),*];
                let provided: Vec<String> = PLATFORM
                    .interfaces
                    .iter()
                    .filter(|i| i.provider.as_str() == stringify!($side))
                    .map(|i| i.name.to_string())
                    .collect();
                assert_eq!(tested.len(), provided.len(), "tested {tested:?}, provided {provided:?}");
            }
        }
    };
}

// Every side of every compiled-in platform, listed by the generator: a new folder under `specs/` is covered by the
// next build with no edit here.
hisgate_generated::for_each_side!(end_to_end);

/// Nothing compiled in escapes the list above: every interface of every platform with a protocol is one side's,
/// and tested there.
#[test]
fn every_compiled_in_interface_has_an_end_to_end_test() {
    let mut tested: Vec<String> = Vec::new();
    macro_rules! collect {
        ($module:ident = $platform:ident :: $side:ident { $($method:ident => $marker:ident),* }) => {
            tested.extend([$(<hisgate_generated::$platform::interfaces::$marker as Interface>::schema().1.name.to_string()),*]);
        };
    }
    hisgate_generated::for_each_side!(collect);
    let mut compiled: Vec<String> = hisgate_generated::PLATFORMS
        .iter()
        .filter(|p| p.protocol.is_some())
        .flat_map(|p| p.interfaces.iter().map(|i| i.name.to_string()))
        .collect();
    tested.sort();
    compiled.sort();
    assert_eq!(tested, compiled);
}
