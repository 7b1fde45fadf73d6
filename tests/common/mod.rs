//! Helpers for end-to-end tests: run the real `aipool_exporter` binary (exporter
//! and simulator as separate processes), scrape it over HTTP, parse the text.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_aipool_exporter");

/// Demo credentials the simulator accepts (the sim crate's own constants).
pub use aipool_sim::credentials;

/// An AIHC OpenAPI account `name` in region `bj` polling the simulator at `sim`,
/// signing with the simulator's key id and `secret`, then `keys` (more TOML keys
/// of the same account, one per line).
pub fn aihc_openapi_account(sim: &str, name: &str, secret: &str, keys: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "aihc"
region = "bj"
endpoint = "http://{sim}"
access_key_id = "{ak}"
secret_access_key = "{secret}"
{keys}
"#,
        ak = credentials::BCE_ACCESS_KEY_ID,
    )
}

/// A child process killed when dropped.
pub struct Proc {
    pub child: Child,
    pub stderr_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// A process whose stderr goes to `stderr_path` inside `dir` (kept alive
    /// as long as the process).
    pub fn new(child: Child, stderr_path: PathBuf, dir: tempfile::TempDir) -> Proc {
        Proc {
            child,
            stderr_path,
            _dir: dir,
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

/// Starts `aipool_exporter simulate` on an ephemeral port with fixed data.
pub fn simulator(page_cap: u64) -> (Proc, String) {
    simulator_with(&["--page-cap", &page_cap.to_string()])
}

/// Starts the simulator with extra arguments (e.g. `--faults`).
pub fn simulator_with(extra: &[&str]) -> (Proc, String) {
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("sim.stderr");
    let mut child = Command::new(BIN)
        .args(["simulate", "--listen", "127.0.0.1:0", "--no-drift"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        addr.contains(':'),
        "simulator did not report its address: {line:?}"
    );
    (
        Proc {
            child,
            stderr_path,
            _dir: dir,
        },
        addr,
    )
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the exporter with `config` (TOML) and extra args; waits until /ready.
pub fn exporter(config: &str, extra: &[&str]) -> (Proc, String) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config).unwrap();
    // The config lives in the process's own temporary directory, so it stays
    // as long as the process.
    spawn_exporter(&cfg, extra, true, dir)
}

/// Starts the exporter on a config file the test keeps (to change it and
/// reload); waits until /ready unless `wait` is false (e.g. under TLS).
pub fn exporter_on_file(config: &std::path::Path, extra: &[&str], wait: bool) -> (Proc, String) {
    spawn_exporter(config, extra, wait, tempfile::tempdir().unwrap())
}

fn spawn_exporter(
    config: &std::path::Path,
    extra: &[&str],
    wait: bool,
    dir: tempfile::TempDir,
) -> (Proc, String) {
    let stderr_path = dir.path().join("exporter.stderr");
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new(BIN)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address={addr}"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let proc = Proc {
        child,
        stderr_path,
        _dir: dir,
    };
    if wait {
        wait_ready(&addr, &proc);
    }
    (proc, addr)
}

/// Sends a signal to a child process (e.g. "HUP").
pub fn signal(proc: &Proc, sig: &str) {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(proc.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn wait_ready(addr: &str, proc: &Proc) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok((200, _, _)) = get(addr, "/ready", &[]) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "exporter at {addr} never became ready; stderr:\n{}",
        proc.stderr()
    );
}

/// A minimal HTTP/1.1 GET: (status, headers lowercased, body).
pub fn get(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, BTreeMap<String, String>, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut hs = BTreeMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            hs.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let body = if hs
        .get("transfer-encoding")
        .map(|v| v == "chunked")
        .unwrap_or(false)
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, hs, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Parsed exposition: sample name + sorted labels → value.
#[derive(Debug, Default)]
pub struct Metrics {
    pub samples: Vec<(String, BTreeMap<String, String>, f64)>,
    pub text: String,
}

impl Metrics {
    pub fn parse(text: &str) -> Metrics {
        let mut samples = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (name_labels, value) = line.rsplit_once(' ').expect("sample line has a value");
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v
                    .parse()
                    .unwrap_or_else(|_| panic!("bad value in {line:?}")),
            };
            let (name, labels) = match name_labels.split_once('{') {
                None => (name_labels.to_string(), BTreeMap::new()),
                Some((n, rest)) => (
                    n.to_string(),
                    parse_labels(rest.strip_suffix('}').expect("closing brace")),
                ),
            };
            samples.push((name, labels, value));
        }
        Metrics {
            samples,
            text: text.to_string(),
        }
    }

    /// Every sample of `name` whose labels include all of `want`.
    pub fn find(
        &self,
        name: &str,
        want: &[(&str, &str)],
    ) -> Vec<&(String, BTreeMap<String, String>, f64)> {
        self.samples
            .iter()
            .filter(|(n, l, _)| {
                n == name
                    && want
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }

    /// The value of the one sample of `name` matching `want`; panics unless
    /// exactly one matches.
    pub fn value(&self, name: &str, want: &[(&str, &str)]) -> f64 {
        let found = self.find(name, want);
        assert_eq!(
            found.len(),
            1,
            "expected one {name} with {want:?}, found {found:#?}"
        );
        found[0].2
    }

    pub fn has(&self, name: &str, want: &[(&str, &str)]) -> bool {
        !self.find(name, want).is_empty()
    }
}

fn parse_labels(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('"'));
        let mut val = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => val.push('\n'),
                    Some(o) => val.push(o),
                    None => break,
                },
                '"' => break,
                c => val.push(c),
            }
        }
        out.insert(key.trim_start_matches(',').to_string(), val);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    out
}

pub fn scrape(addr: &str) -> Metrics {
    let (status, _, body) = get(addr, "/metrics", &[]).unwrap();
    assert_eq!(status, 200);
    Metrics::parse(&body)
}

pub const GIB: f64 = 1_073_741_824.0;

/// A minimal HTTP/1.1 POST with a text body; returns the status.
pub fn post(addr: &str, path: &str, body: &str) -> std::io::Result<u16> {
    post_full(addr, path, body).map(|(status, _)| status)
}

/// [`post`], returning the status and the response body.
pub fn post_full(addr: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, body.to_string()))
}

/// Scrapes until `pred` holds, for at most `secs` seconds; returns the last scrape.
pub fn scrape_until(addr: &str, secs: u64, what: &str, pred: impl Fn(&Metrics) -> bool) -> Metrics {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let m = scrape(addr);
        if pred(&m) {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for: {what}\n{}",
            m.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The demo config's accounts as (name, provider), in its order, read from
/// `aipool_sim::demo::config_toml` itself: the tests that run the demo expect
/// exactly these, so a platform added to the demo needs no list here. Fails
/// if the demo leaves out a platform the exporter knows, since those tests
/// (the golden files first) would then not cover it.
pub fn demo_accounts() -> Vec<(String, String)> {
    let text =
        aipool_sim::demo::config_toml("127.0.0.1:1", "127.0.0.1:0", Duration::from_secs(3600));
    let doc: toml_edit::DocumentMut = text.parse().expect("the demo config is TOML");
    let accounts: Vec<(String, String)> = doc["accounts"]
        .as_array_of_tables()
        .expect("the demo config's [[accounts]]")
        .iter()
        .map(|t| {
            let key = |k: &str| {
                t.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_else(|| panic!("a demo account without {k}: {t}"))
                    .to_string()
            };
            (key("name"), key("provider"))
        })
        .collect();
    for kind in aipool_exporter::providers::ProviderKind::NAMES {
        assert!(
            accounts.iter().any(|(_, p)| p == kind),
            "the demo config has no {kind} account: add one in crates/aipool-sim/src/demo.rs"
        );
    }
    accounts
}
