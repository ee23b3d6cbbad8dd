//! The new crate's files besides its spec: written from the loaded spec, so every interface of the chosen side has
//! its handler method, named as the generated trait names it.

use hisgate_codegen::ident;
use hisgate_runtime::schema::{PlatformSchema, Side};
use std::fmt::Write;
use std::path::Path;

pub struct Crate<'a> {
    pub name: &'a str,
    pub platform: &'a PlatformSchema,
    pub side: Side,
    /// A checkout's root to depend on by path; crates.io otherwise.
    pub hisgate_path: Option<&'a Path>,
}

impl Crate<'_> {
    /// Each file by its path in the crate.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = vec![
            ("Cargo.toml".to_owned(), self.manifest()),
            ("build.rs".to_owned(), BUILD_RS.to_owned()),
            ("src/main.rs".to_owned(), self.main_rs()),
            ("tests/counterpart.rs".to_owned(), self.test_rs()),
            ("README.md".to_owned(), self.readme()),
            (".gitignore".to_owned(), "/target\n".to_owned()),
            (".cargo/config.toml".to_owned(), CARGO_CONFIG.to_owned()),
        ];
        files.sort();
        files
    }

    fn other(&self) -> Side {
        match self.side {
            Side::Hospital => Side::Platform,
            Side::Platform => Side::Hospital,
        }
    }

    fn manifest(&self) -> String {
        let (facade, build) = match self.hisgate_path {
            Some(root) => (
                format!("{{ path = {:?} }}", root.join("hisgate").display().to_string()),
                format!("{{ path = {:?} }}", root.join("build").display().to_string()),
            ),
            None => {
                let version = format!("{:?}", env!("CARGO_PKG_VERSION"));
                (version.clone(), version)
            }
        };
        format!(
            r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
# Features: client, server, sqlite (the defaults); postgres, proxy. A client-only crate takes
# `default-features = false, features = ["client"]` and `.server(false)` in build.rs.
hisgate = {facade}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net", "signal"] }}

[build-dependencies]
hisgate-build = {build}

# A crate of its own, even inside another workspace's folder.
[workspace]

# Optimized across crates, as hisgate's own release builds are: a request's many small steps through the runtime
# and its dependencies inline (about 7 % fewer instructions a request; hisgate's README, Load).
[profile.release]
lto = "fat"
codegen-units = 1
"#,
            name = self.name
        )
    }

    fn main_rs(&self) -> String {
        let (platform, side) = (&*self.platform.name, self.side.as_str());
        let mut methods = String::new();
        for interface in self.platform.interfaces.iter().filter(|i| i.provider == self.side) {
            let (method, module) = (ident::field(&interface.name), ident::module(&interface.name));
            let _ = write!(
                methods,
                r#"
    /// {title} — `{name}` (service `{service}`).
    async fn {method}(&self, request: api::{module}::Request, _: Context) -> Result<api::{module}::Response, Failure> {{
        let _ = request;
        Err(not_yet("{name}"))
    }}
"#,
                title = interface.title,
                name = interface.name,
                service = interface.service,
            );
        }
        format!(
            r#"//! The {side} side of `{platform}`, served from `specs/{platform}` (built by build.rs). Every interface answers
//! "not implemented yet" with the platform's own code until its method below is written.
//!
//! `cargo run -- --listen 127.0.0.1:8080`; credentials from `HISGATE_<NAME>` (see specs/{platform}/protocol.yaml),
//! else the spec's examples.

hisgate::include_specs!();

use hisgate::secret::{{Inputs, env_var}};
use hisgate::server::listen::{{ConnectionLimits, serve}};
use hisgate::server::{{Context, Failure, ServerConfig}};
use {platform}::interfaces as api;

/// The {side}'s implementation: one method per interface it provides. Each gets a verified, decrypted and
/// validated request and answers a response or a `Failure` (a business return code, signed like any reply).
struct Handler;

impl {platform}::{side}::Handler for Handler {{{methods}}}

/// The platform's own code for an interface not implemented yet (`failures.unsupported` in protocol.yaml), with a
/// message naming the interface.
fn not_yet(interface: &str) -> Failure {{
    let protocol = {platform}::PLATFORM.protocol.as_ref();
    let code = protocol.map(|p| p.failures.unsupported.to_string()).unwrap_or_default();
    Failure::with_message(code, format!("{{interface}} is not implemented yet"))
}}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = match args.as_slice() {{
        [] => "127.0.0.1:8080".to_owned(),
        [flag, address] if flag == "--listen" => address.clone(),
        _ => return Err("usage: {crate_name} [--listen ADDRESS]".into()),
    }};
    let platform = &{platform}::PLATFORM;
    let protocol = platform.protocol.as_ref().ok_or("the spec declares no protocol")?;
    let (credentials, completed) = Inputs::new().from_env(protocol).with_examples(protocol);
    for name in completed {{
        eprintln!("{crate_name}: credential `{{name}}` not given ({{}}): using the spec's example value", env_var(&name));
    }}
    let router = {platform}::{side}::router(Handler, ServerConfig::new(platform, credentials));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    // The first line names the address: tests start it on port 0 and read it.
    println!("{crate_name}: {platform} {side} on http://{{}}", listener.local_addr()?);
    let stop = async {{
        let _ = tokio::signal::ctrl_c().await;
    }};
    serve(listener, router, ConnectionLimits::default(), stop).await?;
    Ok(())
}}
"#,
            crate_name = self.name,
        )
    }

    fn test_rs(&self) -> String {
        let (platform, side, other) = (&*self.platform.name, self.side.as_str(), self.other().as_str());
        let side_variant = variant(self.side);
        let other_calls = self.platform.interfaces.iter().any(|i| i.provider == self.other());
        let mut text = format!(
            r#"//! This crate against hisgate's counterpart for the other side: the `hisgate` binary (`HISGATE_BIN`, else
//! `hisgate` on PATH) calls every interface this crate serves, as the {other} would.
//! Missing `hisgate` fails the test, saying so: install it (`cargo install --path cli` in a hisgate checkout).

hisgate::include_specs!();

use hisgate::schema::Side;
use hisgate::serde_json::{{self, Value}};
use std::io::{{BufRead, BufReader, Write}};
use std::process::{{Child, Command, Stdio}};

fn hisgate() -> Command {{
    Command::new(std::env::var("HISGATE_BIN").unwrap_or_else(|_| "hisgate".to_owned()))
}}

/// A process killed when dropped, with the address its first line names.
struct Running(Child, String);

impl Drop for Running {{
    fn drop(&mut self) {{
        let _ = self.0.kill();
        let _ = self.0.wait();
    }}
}}

fn start(command: &mut Command, what: &str) -> Running {{
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {{what}}: {{e}} (is `hisgate` installed, or HISGATE_BIN set?)"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).expect("a first line");
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned);
    let url = url.unwrap_or_else(|| panic!("{{what}} names no address: {{line:?}}"));
    Running(child, url)
}}

fn specs() -> String {{
    concat!(env!("CARGO_MANIFEST_DIR"), "/specs/{platform}").to_owned()
}}

#[test]
fn every_interface_answers_not_implemented_yet_with_the_platforms_code() {{
    let server = start(Command::new(env!("CARGO_BIN_EXE_{crate_name}")).args(["--listen", "127.0.0.1:0"]), "this crate");
    let platform = &{platform}::PLATFORM;
    let unsupported = platform.protocol.as_ref().expect("a protocol").failures.unsupported.to_string();
    for interface in platform.interfaces.iter().filter(|i| i.provider == Side::{side_variant}) {{
        let request = hisgate::sample::payload(platform, interface.request);
        let mut call = hisgate()
            .args(["call", "--spec", &specs(), "--url", &server.1, &interface.name])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("`hisgate` runs (install it, or set HISGATE_BIN)");
        call.stdin.take().expect("piped").write_all(request.to_string().as_bytes()).expect("the request is sent");
        let output = call.wait_with_output().expect("`hisgate call` ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{{}}: a verified reply expected: {{stderr}}", interface.name);
        let reply: Value = serde_json::from_slice(&output.stdout).expect("`hisgate call` prints JSON");
        assert_eq!(reply["code"], Value::from(unsupported.as_str()), "{{}}: {{reply}}", interface.name);
        let message = reply["message"].as_str().unwrap_or_default();
        assert!(message.contains("is not implemented yet"), "{{}}: {{reply}}", interface.name);
    }}
}}
"#,
            crate_name = self.name,
        );
        if other_calls {
            let other_variant = variant(self.other());
            let _ = write!(
                text,
                r#"
/// The calls this crate makes, through its generated client, to `hisgate serve` playing the {other} from the spec.
#[tokio::test]
async fn the_client_calls_hisgates_{other}_counterpart() {{
    let db = std::env::temp_dir().join(format!("{crate_name}-counterpart-{{}}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let db_url = format!("sqlite://{{}}", db.display());
    let args = ["serve", "--spec", &specs(), "--role", "{other}", "--generic", "--listen", "127.0.0.1:0", "--db", &db_url];
    let counterpart = start(hisgate().args(args), "`hisgate serve`");
    let platform = &{platform}::PLATFORM;
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let (credentials, _) = hisgate::secret::Inputs::new().from_env(protocol).with_examples(protocol);
    let client = {platform}::{other}::Client::new(&counterpart.1, hisgate::client::ClientConfig::new(credentials))
        .expect("a client");
    for interface in platform.interfaces.iter().filter(|i| i.provider == Side::{other_variant}) {{
        let request = hisgate::sample::payload(platform, interface.request);
        let reply = client.untyped().call_value(&interface.name, &request).await;
        let reply = reply.unwrap_or_else(|e| panic!("{{}}: a verified reply expected: {{e}}", interface.name));
        let mut declared = platform.return_codes.iter().chain(interface.return_codes.iter());
        assert!(declared.any(|c| c.code == reply.code), "{{}}: {{reply:?}}", interface.name);
    }}
    drop(counterpart);
    let _ = std::fs::remove_file(&db);
}}
"#,
                crate_name = self.name,
            );
        }
        let _ = side;
        text
    }

    fn readme(&self) -> String {
        let (platform, side, other) = (&*self.platform.name, self.side.as_str(), self.other().as_str());
        format!(
            r#"# {name}

The {side} side of `{platform}`, built with [hisgate](https://docs.rs/hisgate) from the spec in `specs/{platform}`.

- `specs/{platform}/` — the platform's interfaces as YAML. `hisgate check specs` validates it; an error fails
  `cargo build` too, at `file:line:column`.
- `build.rs` — `hisgate_build::configure().specs("specs").compile()?` generates typed requests, responses,
  dictionaries, a `Handler` trait and `router` per side, and a `Client` per side.
- `src/main.rs` — `Handler`: one method per interface the {side} provides, each answering "not implemented yet"
  with the platform's own code. Replace a method's body with your logic: `Ok(Response {{ … }})`, or
  `Err(Failure::business("CODE"))` for one of the platform's return codes.
- `tests/counterpart.rs` — starts this crate and has `hisgate call` (the {other}) call every interface; then calls
  `hisgate serve --role {other} --generic` through the generated client. It needs the `hisgate` binary (on PATH,
  or `HISGATE_BIN=…`).

```sh
cargo test                          # builds from the spec and runs the test above
cargo run -- --listen 127.0.0.1:8080
HISGATE_KEY=… cargo run             # credentials as HISGATE_<NAME>, else the spec's examples (with a warning)
```
"#,
            name = self.name
        )
    }
}

fn variant(side: Side) -> &'static str {
    match side {
        Side::Hospital => "Hospital",
        Side::Platform => "Platform",
    }
}

/// SQLite built as hisgate's own build builds it (its workspace's `.cargo/config.toml`; `new_scaffold` compares
/// the two): the embedded store's allocations then take no process-wide lock.
const CARGO_CONFIG: &str = r#"[env]
# The bundled SQLite (libsqlite3-sys) without its memory statistics, as hisgate's own build has it: with them,
# each of SQLite's allocations and frees takes a process-wide mutex to count itself. Nothing here reads them.
LIBSQLITE3_FLAGS = "-DSQLITE_DEFAULT_MEMSTATUS=0"
"#;

const BUILD_RS: &str = r#"//! Generates typed Rust from `specs/` (every platform folder in it): a spec error fails the build at
//! `file:line:column`. See the hisgate-build documentation for choosing platforms, sides, client or server.

fn main() -> Result<(), hisgate_build::Error> {
    hisgate_build::configure().specs("specs").compile()?;
    Ok(())
}
"#;
