//! `aipool_exporter top` end to end: the real binary polls the simulator with
//! the demo accounts (table and JSON, checked against the exporter's own
//! /metrics), wrong keys (exit 1, the reason, no secret anywhere), a running
//! exporter read with `--url` behind TLS and basic auth, plain frames when
//! stdout is not a terminal, and exit 2 on bad command lines and configs.

mod common;

#[path = "e2e_top/config_mode.rs"]
mod config_mode;
#[path = "e2e_top/errors.rs"]
mod errors;
#[path = "e2e_top/url_mode.rs"]
mod url_mode;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn top(args: &[&str]) -> Output {
    Command::new(BIN).arg("top").args(args).output().unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The demo's accounts, pointed at `sim`.
fn demo_config(sim: &str) -> String {
    aipool_sim::demo::config_toml(sim, "127.0.0.1:0", Duration::from_secs(3600))
}

/// The capacity table's rows, as whitespace-separated columns.
fn capacity_rows(stdout: &str) -> Vec<Vec<&str>> {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !(l.starts_with("ACCOUNT ") && l.contains("HEADROOM")));
    assert!(lines.next().is_some(), "no capacity table:\n{stdout}");
    lines
        .take_while(|l| !l.is_empty() && !l.starts_with('*') && !l.starts_with("BLOCK:"))
        .map(|l| l.split_whitespace().collect())
        .collect()
}
