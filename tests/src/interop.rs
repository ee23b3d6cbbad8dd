//! Programs no one here wrote, run beside hisgate: the JDK (the Java sources under `tests/java/`, compiled once per
//! test) and the validators' Python (`scripts/install-test-deps` installs `cryptography` and `gmssl` into its
//! virtualenv). Each is a skip where missing, a failure under CI.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The Java sources, compiled into a temporary class path.
pub struct Jdk {
    classes: tempfile::TempDir,
}

impl Jdk {
    /// Compiles `tests/java`; `None`, with a SKIPPED line, where there is no `javac` (under CI, a panic).
    pub fn compile() -> Option<Jdk> {
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("java");
        let mut files: Vec<_> =
            std::fs::read_dir(&sources).expect("tests/java").map(|e| e.expect("an entry").path()).collect();
        files.retain(|p| p.extension().is_some_and(|e| e == "java"));
        let classes = tempfile::tempdir().expect("a temporary directory");
        // The sources hold Chinese text: UTF-8 whatever the platform's default charset.
        let compiled =
            Command::new("javac").args(["-encoding", "UTF-8", "-d"]).arg(classes.path()).args(&files).status();
        match compiled {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::skip::skip("javac not found (scripts/install-test-deps installs a JDK)");
                None
            }
            Err(e) => panic!("cannot run javac: {e}"),
            Ok(status) => {
                assert!(status.success(), "javac failed on {}: {status}", sources.display());
                Some(Jdk { classes })
            }
        }
    }

    /// Runs `class` to completion with `input` on its stdin: what it printed.
    pub fn run(&self, class: &str, args: &[&str], input: &str) -> String {
        use std::io::Write;
        let mut child = Command::new("java")
            .arg("-cp")
            .arg(self.classes.path())
            .arg(class)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start java {class}: {e}"));
        child.stdin.take().expect("piped stdin").write_all(input.as_bytes()).expect("java reads its input");
        JavaProcess(child).output()
    }

    /// Starts `class` with its stdout piped to the test.
    pub fn spawn(&self, class: &str, args: &[&str]) -> JavaProcess {
        let child = Command::new("java")
            .arg("-cp")
            .arg(self.classes.path())
            .arg(class)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start java {class}: {e}"));
        JavaProcess(child)
    }
}

/// A Java process, killed when dropped: no test leaves one behind, however it ends.
pub struct JavaProcess(Child);

impl JavaProcess {
    /// Everything it prints, once it has exited successfully.
    pub fn output(mut self) -> String {
        let mut out = String::new();
        self.0.stdout.take().expect("piped stdout").read_to_string(&mut out).expect("UTF-8 on stdout");
        let status = self.0.wait().expect("the process ends");
        assert!(status.success(), "java exited with {status}; it printed:\n{out}");
        out
    }

    /// The first line it prints: the Java server prints its port there once it listens.
    pub fn first_line(&mut self) -> String {
        let mut line = String::new();
        BufReader::new(self.0.stdout.as_mut().expect("piped stdout")).read_line(&mut line).expect("a line");
        line.trim().to_owned()
    }
}

impl Drop for JavaProcess {
    fn drop(&mut self) {
        // A client that has exited already: the kill fails, harmlessly.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The validators' Python with `module` importable, or a skip (a failure under CI).
pub fn python_with(module: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace");
    let python = std::env::var_os("HISGATE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/test-deps/venv/bin/python"));
    let ok = Command::new(&python).args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success());
    if !ok {
        crate::skip::skip(&format!("python with `{module}` (scripts/install-test-deps installs it)"));
    }
    ok.then_some(python)
}

/// Runs `script` with `args`; its stdout, trimmed. A script that fails fails the test, with its stderr.
pub fn run_python(python: &Path, script: &str, args: &[&str]) -> String {
    let output = Command::new(python).arg("-c").arg(script).args(args).output().expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 from python").trim().to_owned()
}

/// Node with the test packages `scripts/install-test-deps` puts under `target/test-deps/node` (`sm-crypto`), when
/// `module` loads there; otherwise a skip (a failure under CI).
pub fn node_with(module: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace");
    let modules = root.join("target/test-deps/node/node_modules");
    let loads = Command::new("node")
        .args(["-e", &format!("require({module:?})")])
        .env("NODE_PATH", &modules)
        .output()
        .is_ok_and(|o| o.status.success());
    if !loads {
        crate::skip::skip(&format!("node with `{module}` (scripts/install-test-deps installs it)"));
    }
    loads.then_some(modules)
}

/// Runs `script` under node with `modules` on its path and `args` as `process.argv.slice(1)`; its stdout, trimmed.
pub fn run_node(modules: &Path, script: &str, args: &[&str]) -> String {
    let output = Command::new("node")
        .args(["-e", script, "--"])
        .args(args)
        .env("NODE_PATH", modules)
        .output()
        .expect("node runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 from node").trim().to_owned()
}
