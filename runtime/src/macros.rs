//! What generated code expands to. Each macro turns one line of generated code into the trait impls every
//! message, interface or dictionary shares, so the emitter writes declarations and data, not logic.

/// Implements [`Message`](crate::Message) and [`XmlElement`](crate::codec::xml::XmlElement) for a generated
/// struct whose members are listed with their wire names in the schema's field order:
/// `message!(Request, platform = super::super::PLATFORM, id = 3, fields = [order_id: "orderId", fee: "fee"])`.
/// Each element's tags are spelled out at compile time. Without `fields` (an open map) its XML is written
/// through its tree.
#[macro_export]
macro_rules! message {
    ($ty:ident, platform = $platform:expr, id = $id:expr $(,)?) => {
        impl $crate::Message for $ty {
            $crate::message!(@schema $platform, $id);
        }
        $crate::message!(@element $ty);
    };
    (
        $ty:ident,
        platform = $platform:expr,
        id = $id:expr,
        fields = [$($field:ident : $name:literal),* $(,)?] $(,)?
    ) => {
        impl $crate::Message for $ty {
            $crate::message!(@schema $platform, $id);

            fn write_xml_fields(
                &self,
                #[allow(unused_variables)] writer: &mut $crate::codec::xml::Writer<'_>,
            ) -> ::core::result::Result<(), $crate::codec::xml::Unwritten> {
                $(
                    $crate::codec::xml::XmlElement::write_element(
                        &self.$field,
                        writer,
                        &$crate::codec::xml::Tags {
                            name: $name,
                            open: ::core::concat!("<", $name, ">"),
                            close: ::core::concat!("</", $name, ">"),
                            open_cdata: ::core::concat!("<", $name, "><![CDATA["),
                            close_cdata: ::core::concat!("]]></", $name, ">"),
                        },
                    )?;
                )*
                ::core::result::Result::Ok(())
            }
        }
        $crate::message!(@element $ty);
    };
    (@schema $platform:expr, $id:expr) => {
        fn schema() -> (&'static $crate::schema::PlatformSchema, $crate::schema::MessageId) {
            (&$platform, $crate::schema::MessageId($id))
        }
    };
    // A nested message's element: its fields inside it (an open map's `write_xml_fields` says `Unsupported`).
    (@element $ty:ident) => {
        impl $crate::codec::xml::XmlElement for $ty {
            fn write_element(
                &self,
                writer: &mut $crate::codec::xml::Writer<'_>,
                tags: &$crate::codec::xml::Tags,
            ) -> ::core::result::Result<(), $crate::codec::xml::Unwritten> {
                $crate::codec::xml::write_struct(writer, tags, |writer| $crate::Message::write_xml_fields(self, writer))
            }
        }
    };
}

/// Declares a generated side module's marker and implements [`Provider`](crate::Provider) for it:
/// `provider!(Provided, Hospital, platform = super::PLATFORM)`.
#[macro_export]
macro_rules! provider {
    ($ty:ident, $side:ident, platform = $platform:expr $(,)?) => {
        /// This side's interfaces, as the runtime's generic server and client name them.
        #[derive(Debug)]
        pub struct $ty;

        impl $crate::Provider for $ty {
            const SIDE: $crate::schema::Side = $crate::schema::Side::$side;

            fn platform() -> &'static $crate::schema::PlatformSchema {
                &$platform
            }
        }
    };
}

/// Implements [`Handles`](crate::server::Handles) for a side's marker over its `Handler` trait: each interface's
/// name to its typed method, `handles!(Provided: Handler { "TestNet" => test_net(api::TestNet), … })`.
#[macro_export]
macro_rules! handles {
    ($ty:ident : $handler:ident { $($name:literal => $method:ident($marker:ty)),* $(,)? }) => {
        impl<H: $handler> $crate::server::Handles<H> for $ty {
            fn dispatch(
                handler: &::std::sync::Arc<H>,
                interface: &str,
                payload: $crate::serde_json::Value,
                context: $crate::server::Context,
            ) -> $crate::server::BoxFuture<::core::result::Result<$crate::server::Reply, $crate::server::Failure>>
            {
                let handler = ::std::sync::Arc::clone(handler);
                match interface {
                    $(
                        $name => $crate::server::handle::<$marker, _, _>(payload, move |request| async move {
                            handler.$method(request, context).await
                        }),
                    )*
                    other => $crate::server::unknown(other),
                }
            }
        }
    };
}

/// Declares a generated side module's typed client over the runtime's [`Client`](crate::client::Client):
/// `side_client!(Client, Provided)` gives `Client` with `new`, `with_hook` and `untyped`, for the side
/// `Provided` names; the module adds one typed method per interface.
#[macro_export]
macro_rules! side_client {
    ($client:ident, $provider:ty $(,)?) => {
        /// Calls these interfaces: seals each request, and verifies each reply before reading it.
        #[derive(Debug, Clone)]
        pub struct $client($crate::client::Client);

        impl $client {
            /// A client of the server at `base_url` (`http://127.0.0.1:8080`).
            pub fn new(
                base_url: &str,
                config: $crate::client::ClientConfig,
            ) -> ::core::result::Result<$client, $crate::client::CallError> {
                let platform = <$provider as $crate::Provider>::platform().shared();
                $crate::client::Client::new(platform, <$provider as $crate::Provider>::SIDE, base_url, config)
                    .map($client)
            }

            /// Adds a hook that sees every attempt (auth headers, logging, metrics).
            pub fn with_hook(self, hook: impl $crate::client::Hook) -> $client {
                $client(self.0.with_hook(hook))
            }

            /// The untyped client underneath, for calls by interface name.
            pub fn untyped(&self) -> &$crate::client::Client {
                &self.0
            }
        }
    };
}

/// Implements [`Interface`](crate::Interface) for a generated marker type:
/// `interface!(Pay, request = pay::Request, response = pay::Response, platform = super::PLATFORM, index = 3)`.
#[macro_export]
macro_rules! interface {
    (
        $ty:ident,
        request = $request:ty,
        response = $response:ty,
        platform = $platform:expr,
        index = $index:expr $(,)?
    ) => {
        impl $crate::Interface for $ty {
            type Request = $request;
            type Response = $response;

            fn schema() -> (&'static $crate::schema::PlatformSchema, &'static $crate::schema::InterfaceSchema) {
                (&$platform, &$platform.interfaces[$index])
            }
        }
    };
}

/// Implements [`Dictionary`](crate::Dictionary), `FromStr`, `Display` (the code) and serde (as the code) for a
/// generated enum whose variants are listed in table order:
/// `dictionary!(Sex, closed = [Unknown, Male, Female, Other], platform = super::PLATFORM, dict = 0, table = None)`.
/// An `open` enum also has `UnknownCode(String)`.
#[macro_export]
macro_rules! dictionary {
    (
        $ty:ident,
        closed = [$($variant:ident),* $(,)?],
        platform = $platform:expr,
        dict = $dict:expr,
        table = $table:expr $(,)?
    ) => {
        impl $crate::Dictionary for $ty {
            $crate::dictionary!(@schema $platform, $dict, $table);

            fn index(&self) -> ::core::result::Result<usize, &str> {
                ::core::result::Result::Ok(*self as usize)
            }

            fn from_index(index: usize) -> ::core::option::Option<Self> {
                [$(Self::$variant),*].get(index).copied()
            }

            fn unknown(_: &str) -> ::core::option::Option<Self> {
                ::core::option::Option::None
            }
        }
        $crate::dictionary!(@traits $ty);
    };
    (
        $ty:ident,
        open = [$($variant:ident),* $(,)?],
        platform = $platform:expr,
        dict = $dict:expr,
        table = $table:expr $(,)?
    ) => {
        impl $crate::Dictionary for $ty {
            $crate::dictionary!(@schema $platform, $dict, $table);

            fn index(&self) -> ::core::result::Result<usize, &str> {
                match self {
                    Self::UnknownCode(code) => ::core::result::Result::Err(code),
                    known => ::core::result::Result::Ok(
                        [$(Self::$variant),*].iter().position(|v| v == known).unwrap_or(usize::MAX),
                    ),
                }
            }

            fn from_index(index: usize) -> ::core::option::Option<Self> {
                [$(Self::$variant),*].get(index).cloned()
            }

            fn unknown(code: &str) -> ::core::option::Option<Self> {
                ::core::option::Option::Some(Self::UnknownCode(::std::borrow::ToOwned::to_owned(code)))
            }
        }
        $crate::dictionary!(@traits $ty);
    };
    (@schema $platform:expr, $dict:expr, $table:expr) => {
        fn schema() -> (&'static $crate::schema::PlatformSchema, $crate::schema::DictRef) {
            (&$platform, $crate::schema::DictRef { dict: $crate::schema::DictId($dict), table: $table })
        }
    };
    (@traits $ty:ident) => {
        impl ::core::str::FromStr for $ty {
            type Err = $crate::dictionary::UnknownCode;

            fn from_str(code: &str) -> ::core::result::Result<Self, Self::Err> {
                <$ty as $crate::Dictionary>::from_code(code)
                    .ok_or_else(|| $crate::dictionary::UnknownCode::new::<$ty>(code))
            }
        }

        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str($crate::Dictionary::code(self))
            }
        }

        impl $crate::serde::Serialize for $ty {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str($crate::Dictionary::code(self))
            }
        }

        impl $crate::codec::xml::XmlElement for $ty {
            fn write_element(
                &self,
                writer: &mut $crate::codec::xml::Writer<'_>,
                tags: &$crate::codec::xml::Tags,
            ) -> ::core::result::Result<(), $crate::codec::xml::Unwritten> {
                $crate::codec::xml::write_code($crate::Dictionary::code(self), writer, tags)
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                d.deserialize_any($crate::dictionary::CodeVisitor::<$ty>::default())
            }
        }
    };
}
