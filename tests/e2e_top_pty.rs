//! `aipool_exporter top` full screen in a real pseudo-terminal of 80×24: the
//! binary polls the simulator with the demo's accounts, its output goes
//! through the kernel's tty (so `isatty`, the window size ioctl and cbreak mode
//! are the real ones), a small screen model below applies the escape sequences
//! `top` writes, and the test types keys and reads the screen as a person
//! would: every line within 80 columns, names and accelerators readable,
//! ↓/j/PgDn/End/Home/k/↑ scrolling, the Qianfan section reachable, the
//! "N more lines below" hint, `q` quitting with the terminal restored.
//!
//! The pty comes from libc's `openpty` (libc is already a dependency on
//! Linux/glibc), not a pty crate: the test needs one call and one ioctl.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aipool_top::layout::width;
use common::*;

const COLS: usize = 80;
const ROWS: usize = 24;

/// The screen as a terminal of COLS×ROWS would show it, for the sequences
/// `top` writes: text, `\r`, `\n`, CSI H (cursor position), K, J (erase) and
/// the modes and colours it ignores. Text written past the last column is
/// recorded as an overflow (a real terminal would wrap it).
struct Screen {
    cells: Vec<Vec<String>>,
    row: usize,
    col: usize,
    overflow: Vec<String>,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            cells: vec![vec![String::new(); COLS]; ROWS],
            row: 0,
            col: 0,
            overflow: Vec::new(),
        }
    }

    fn apply(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => {
                    if chars.peek() != Some(&'[') {
                        chars.next();
                        continue;
                    }
                    chars.next();
                    let mut params = String::new();
                    let mut fin = ' ';
                    for d in chars.by_ref() {
                        if d.is_ascii_alphabetic() || d == '~' {
                            fin = d;
                            break;
                        }
                        params.push(d);
                    }
                    self.csi(&params, fin);
                }
                '\r' => self.col = 0,
                '\n' => self.row = (self.row + 1).min(ROWS - 1),
                c => {
                    let w = width(&c.to_string());
                    if self.col + w > COLS {
                        self.overflow.push(format!("row {}: {c:?}", self.row));
                        continue;
                    }
                    self.cells[self.row][self.col] = c.to_string();
                    for k in 1..w {
                        self.cells[self.row][self.col + k] = String::new();
                    }
                    self.col += w.max(1);
                }
            }
        }
    }

    fn csi(&mut self, params: &str, fin: char) {
        let n: Vec<usize> = params
            .trim_start_matches('?')
            .split(';')
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        match fin {
            'H' => {
                self.row = n.first().copied().unwrap_or(1).max(1) - 1;
                self.col = n.get(1).copied().unwrap_or(1).max(1) - 1;
            }
            'K' => {
                for c in self.col..COLS {
                    self.cells[self.row][c] = " ".into();
                }
            }
            'J' => {
                let from = if n.first() == Some(&2) {
                    0
                } else {
                    self.row + 1
                };
                if n.first() != Some(&2) {
                    self.csi("", 'K');
                }
                for r in from..ROWS {
                    self.cells[r] = vec![" ".into(); COLS];
                }
            }
            _ => {}
        }
    }

    fn lines(&self) -> Vec<String> {
        self.cells
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| if c.is_empty() { "" } else { c.as_str() })
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect()
    }
}

/// `top` running in a pty: the master side, and everything it wrote.
struct Pty {
    master: File,
    output: Arc<Mutex<Vec<u8>>>,
    child: std::process::Child,
}

impl Pty {
    fn spawn(args: &[&str]) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let ws = libc::winsize {
            ws_row: ROWS as u16,
            ws_col: COLS as u16,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty fills two fds on success; the pointers are valid.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &ws,
            )
        };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both fds were just opened and are owned here only.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
        let child = Command::new(BIN)
            .arg("top")
            .args(args)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .stdin(stdio(&slave))
            .stdout(stdio(&slave))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        drop(slave);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child has exited and the slave is closed.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            output,
            child,
        }
    }

    fn screen(&self) -> Screen {
        let mut s = Screen::new();
        s.apply(&String::from_utf8_lossy(&self.output.lock().unwrap()));
        s
    }

    /// Waits until the screen satisfies `ok`; fails with the screen.
    fn wait_for(&self, what: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let lines = self.screen().lines();
            if ok(&lines) {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "never {what}; the screen:\n{}",
                lines.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
        self.master.flush().unwrap();
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (lines below, lines above) from the last line's hint.
fn hint(lines: &[String]) -> Option<(usize, usize)> {
    let last = lines.last()?;
    let rest = last.strip_prefix("── ")?;
    let (below, rest) = rest.split_once(" more line")?;
    let above = rest.split_once("below, ")?.1.split_once(" above")?.0;
    Some((below.parse().ok()?, above.parse().ok()?))
}

fn has(lines: &[String], s: &str) -> bool {
    lines.iter().any(|l| l.contains(s))
}

#[test]
fn top_at_80_by_24_fits_scrolls_and_reaches_every_section() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("demo.toml");
    std::fs::write(
        &cfg,
        aipool_sim::demo::config_toml(&sim, "127.0.0.1:0", Duration::from_secs(3600)),
    )
    .unwrap();
    let cfg_arg = format!("--config.file={}", cfg.display());
    let mut top = Pty::spawn(&[&cfg_arg]);

    // Every account polled: one status line per demo account that says ok.
    let accounts = demo_accounts().len();
    let first = top.wait_for("every demo account polled", |l| {
        l.iter().filter(|l| l.contains(" ok ")).count() == accounts && hint(l).is_some()
    });
    let screen = top.screen();
    assert!(screen.overflow.is_empty(), "{:?}", screen.overflow);
    assert_eq!(first.len(), ROWS);
    assert!(first[0].starts_with("aipool_exporter top · "), "{first:?}");
    // The columns that matter, names and accelerators whole (their vendor
    // prefix dropped), free of capability, the largest free block and the
    // bar; the account cut to fit, allocated and the pool left out.
    let head = first
        .iter()
        .position(|l| l.starts_with("POOL / QUEUE"))
        .expect("the compact capacity table");
    let columns: Vec<&str> = first[head].split("  ").filter(|c| !c.is_empty()).collect();
    assert_eq!(
        columns.iter().map(|c| c.trim()).collect::<Vec<_>>(),
        [
            "POOL / QUEUE",
            "ACCELERATOR",
            "FREE/CAP",
            "BLOCK",
            "HEADROOM",
            "ACCOUNT"
        ],
        "{first:#?}"
    );
    let full = &first[head + 2];
    assert!(
        full.starts_with("aihc-test-pd-as ")
            && full.contains(" h20_141g_cgpu ")
            && full.contains(" 0/8 "),
        "{full}"
    );
    assert!(full.contains("0 % ██████████"), "{full}");
    // AIHC reports no per-node figure: no block.
    assert!(full.contains(" 0/8      —    0 % "), "{full}");
    // A pool's own row says so in front, so a cut name keeps the mark.
    assert!(
        first[head + 1].starts_with("(pool) aihc-reg-p"),
        "{first:#?}"
    );
    // The hint: the body does not fit, nothing above yet.
    let (below, above) = hint(&first).unwrap();
    assert_eq!(above, 0);
    assert!(below > 20, "{first:#?}");
    assert!(!has(&first, "Qianfan compute units"));

    // j, ↓ (both forms): one line each.
    let row1 = first[1].clone();
    top.keys(b"j");
    let l = top.wait_for("j scrolled", |l| hint(l) == Some((below - 1, 1)));
    assert_eq!(l[0], first[0], "the title stays");
    assert_eq!(l[1], first[2]);
    top.keys(b"\x1b[B");
    top.wait_for("↓ scrolled", |l| hint(l) == Some((below - 2, 2)));
    top.keys(b"\x1bOB");
    top.wait_for("↓ (application mode) scrolled", |l| {
        hint(l) == Some((below - 3, 3))
    });
    // k and ↑ back.
    top.keys(b"k\x1b[A");
    top.wait_for("k and ↑ scrolled back", |l| {
        hint(l) == Some((below - 1, 1))
    });
    // PgDn: a page less one line of context (22 rows of body).
    top.keys(b"\x1b[6~");
    let page = top.wait_for("PgDn scrolled a page", |l| {
        hint(l) == Some((below - 22, 22))
    });
    // Sugon's xahdnormal has 20 free DCUs in whole free nodes of 4: on the
    // first screen or the page below it (where exactly follows the number
    // of demo accounts above the table).
    let xa = first
        .iter()
        .chain(&page)
        .find(|l| l.starts_with("xahdnormal "))
        .unwrap_or_else(|| panic!("the xahdnormal row: {first:#?}\n{page:#?}"));
    let cols: Vec<&str> = xa.split_whitespace().collect();
    assert_eq!(cols[..4], ["xahdnormal", "dcu", "20/64", "4"], "{xa}");
    // End: the last section, Qianfan's compute units above it, reachable.
    top.keys(b"\x1b[F");
    let end = top.wait_for("End reached the end", |l| hint(l).is_some_and(|h| h.0 == 0));
    let total_hidden = hint(&end).unwrap().1;
    assert_eq!(total_hidden, below);
    assert!(has(&end, "sugon-demo"), "{end:#?}");
    // PgUp from the end until the Qianfan section shows.
    let mut seen_qianfan = has(&end, "Qianfan compute units");
    for _ in 0..4 {
        if seen_qianfan {
            break;
        }
        let before = hint(&top.screen().lines()).unwrap().1;
        top.keys(b"\x1b[5~");
        let l = top.wait_for("PgUp scrolled", |l| hint(l).is_some_and(|h| h.1 < before));
        seen_qianfan = has(&l, "Qianfan compute units");
    }
    let l = top.screen().lines();
    assert!(seen_qianfan, "{l:#?}");
    // The seed's compute unit, its replicas and its expiry (past: expired).
    let unit = l
        .iter()
        .find(|r| r.contains("a0085162xxx9d19e58e"))
        .expect("the seed's compute unit");
    assert!(
        unit.contains("ernie-speed-sft") && unit.contains(" 5  expired "),
        "{unit}"
    );
    // Home: back to the top.
    top.keys(b"\x1b[H");
    let home = top.wait_for("Home went back", |l| hint(l).is_some_and(|h| h.1 == 0));
    assert_eq!(home[1], row1);
    assert!(top.screen().overflow.is_empty());

    // q quits, 0 (every account polled fine), the main screen restored.
    top.keys(b"q");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = top.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "q did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    std::thread::sleep(Duration::from_millis(100));
    let out = String::from_utf8_lossy(&top.output.lock().unwrap()).to_string();
    assert!(
        out.ends_with("\x1b[?25h\x1b[?1049l"),
        "{:?}",
        &out[out.len().saturating_sub(40)..]
    );
}
