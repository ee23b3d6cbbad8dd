//! Headless Chromium driven over the Chrome DevTools Protocol through `--remote-debugging-pipe`: JSON messages
//! separated by NUL bytes on two pipes, the same transport Playwright and Puppeteer use by default. No port to
//! find or race for, no WebSocket, no dependency: the pipes are FIFOs that the shell hands to Chromium as file
//! descriptors 3 (commands in) and 4 (replies and events out).

use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// How long one command may take before the test gives up on the browser.
const REPLY: Duration = Duration::from_secs(30);

pub struct Browser {
    child: Child,
    commands: File,
    replies: Receiver<Value>,
    next_id: u64,
    session: String,
    _profile: PathBuf,
}

/// The flags this machine needs: no sandbox as root, and nothing that reaches for the network on its own.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
];

impl Browser {
    /// Starts Chromium with a fresh profile under `work` and opens one page.
    pub fn launch(chromium: &Path, work: &Path) -> Result<Browser, String> {
        let profile = work.join("profile");
        std::fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
        let (to_browser, from_browser) = (work.join("cdp-in"), work.join("cdp-out"));
        for fifo in [&to_browser, &from_browser] {
            let _ = std::fs::remove_file(fifo);
            let made = Command::new("mkfifo").arg(fifo).status().map_err(|e| format!("mkfifo: {e}"))?;
            if !made.success() {
                return Err(format!("mkfifo {} failed", fifo.display()));
            }
        }
        let child = Command::new("bash")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<"$CDP_IN" 4>"$CDP_OUT""#)
            .arg(chromium)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .env("CDP_IN", &to_browser)
            .env("CDP_OUT", &from_browser)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromium.display()))?;
        // The shell opens fd 3 first: opening the write end here lets it go on to fd 4, whose read end is ours.
        let commands = File::options().write(true).open(&to_browser).map_err(|e| e.to_string())?;
        let reader = File::open(&from_browser).map_err(|e| e.to_string())?;
        let (sender, replies) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                message.pop();
                if let Ok(value) = serde_json::from_slice::<Value>(&message) {
                    if sender.send(value).is_err() {
                        break;
                    }
                }
                message.clear();
            }
        });
        let mut browser = Browser { child, commands, replies, next_id: 0, session: String::new(), _profile: profile };
        let target = browser.send(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = target["targetId"].as_str().ok_or("no target id")?.to_owned();
        let attached =
            browser.send(None, "Target.attachToTarget", json!({ "targetId": target_id, "flatten": true }))?;
        browser.session = attached["sessionId"].as_str().ok_or("no session id")?.to_owned();
        browser.call("Page.enable", json!({}))?;
        browser.call("Runtime.enable", json!({}))?;
        Ok(browser)
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).map_err(|e| e.to_string())?;
        bytes.push(0);
        self.commands.write_all(&bytes).map_err(|e| format!("{method}: {e}"))?;
        let deadline = Instant::now() + REPLY;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = self.replies.recv_timeout(left).map_err(|_| format!("{method}: no reply from Chromium"))?;
            // Events (no id) and replies to other commands are not waited for.
            if reply["id"] == id {
                if let Some(error) = reply.get("error") {
                    return Err(format!("{method}: {error}"));
                }
                return Ok(reply["result"].clone());
            }
        }
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        self.send(Some(&session), method, params)
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    pub fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let params = json!({ "expression": expression, "returnByValue": true, "awaitPromise": true });
        let result = self.call("Runtime.evaluate", params)?;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(format!("{expression}: {exception}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Waits until `condition` (a JavaScript expression) is true, polling.
    pub fn wait_for(&mut self, condition: &str) -> Result<(), String> {
        let deadline = Instant::now() + REPLY;
        while Instant::now() < deadline {
            if self.eval(condition).unwrap_or(Value::Null) == json!(true) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("timed out waiting for {condition}"))
    }

    /// Opens `url` and waits until its document has loaded.
    pub fn open(&mut self, url: &str) -> Result<(), String> {
        self.call("Page.navigate", json!({ "url": url }))?;
        let page = url.split('#').next().unwrap_or(url);
        self.wait_for(&format!("document.readyState === 'complete' && location.href.split('#')[0] === {}", json!(page)))
    }

    /// Clicks the first element matching `selector` (as a person would: at its position) and waits for the page
    /// it leads to, whose address must end with `expect`.
    pub fn click(&mut self, selector: &str, expect: &str) -> Result<(), String> {
        let point = self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()",
            json!(selector)
        ))?;
        let [x, y] = [&point[0], &point[1]].map(|v| v.as_f64().unwrap_or(-1.0));
        if x < 0.0 {
            return Err(format!("nothing matches {selector}"));
        }
        for kind in ["mousePressed", "mouseReleased"] {
            let event = json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 });
            self.call("Input.dispatchMouseEvent", event)?;
        }
        self.wait_for(&format!(
            "document.readyState === 'complete' && location.href.split('#')[0].endsWith({})",
            json!(expect)
        ))
    }

    /// The page's width and height in CSS pixels, and whether it is a phone.
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) -> Result<(), String> {
        let scale = if mobile { 2 } else { 1 };
        let params = json!({ "width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile });
        self.call("Emulation.setDeviceMetricsOverride", params).map(|_| ())
    }

    /// A PNG of the whole page, written to `path`.
    pub fn screenshot(&mut self, path: &Path) -> Result<(), String> {
        self.capture(path, json!({ "format": "png", "captureBeyondViewport": true }))
    }

    /// A PNG of what the screen shows.
    pub fn screenshot_view(&mut self, path: &Path) -> Result<(), String> {
        self.capture(path, json!({ "format": "png" }))
    }

    /// A PNG of the first element matching `selector`.
    pub fn screenshot_of(&mut self, selector: &str, path: &Path) -> Result<(), String> {
        let rect = self.eval(&format!(
            "(() => {{ const r = document.querySelector({}).getBoundingClientRect(); \
             return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }})()",
            json!(selector)
        ))?;
        let clip = json!({ "x": rect[0], "y": rect[1], "width": rect[2], "height": rect[3], "scale": 1 });
        self.capture(path, json!({ "format": "png", "captureBeyondViewport": true, "clip": clip }))
    }

    fn capture(&mut self, path: &Path, params: Value) -> Result<(), String> {
        use base64::Engine;
        let shot = self.call("Page.captureScreenshot", params)?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| e.to_string())?;
        std::fs::write(path, bytes).map_err(|e| e.to_string())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.send(None, "Browser.close", json!({}));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
