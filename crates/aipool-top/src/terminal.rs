//! The interactive screen: the alternate screen, single keys without Enter, the
//! window's size.
//!
//! Why libc termios rather than a terminal crate (crossterm): all `top` needs
//! is "keys arrive one at a time and are not echoed", the window size and four
//! escape sequences every terminal of the last thirty years knows. That is two
//! termios flags and one ioctl on a dependency we already have, against a new
//! crate tree to audit and keep updated. The mode is *cbreak*, not full raw:
//! `ISIG` stays on, so Ctrl-C is still SIGINT (handled like the daemon handles
//! it, and the terminal is restored on the way out), and `OPOST` stays on, so
//! `\n` still starts a new line.

use std::io::{IsTerminal, Read, Write};

/// Switches the alternate screen on and keys to cbreak mode; restores both when
/// dropped (also while unwinding from a panic).
pub struct Screen {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl Screen {
    pub fn enter() -> Screen {
        #[cfg(unix)]
        let saved = cbreak();
        let mut out = std::io::stdout();
        // Alternate screen, cursor hidden, cleared.
        let _ = out.write_all(b"\x1b[?1049h\x1b[?25l\x1b[2J");
        let _ = out.flush();
        Screen {
            #[cfg(unix)]
            saved,
        }
    }

    /// Draws `lines` from the top-left corner, each cut to `width` columns,
    /// clearing what the previous frame left.
    pub fn draw(&self, lines: &[String], width: usize) -> std::io::Result<()> {
        let mut buf = String::from("\x1b[H");
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                buf.push('\n');
            }
            buf.push_str(&fit(l, width));
            buf.push_str("\x1b[K");
        }
        buf.push_str("\x1b[J");
        let mut out = std::io::stdout().lock();
        out.write_all(buf.as_bytes())?;
        out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x1b[0m\x1b[?25h\x1b[?1049l");
        let _ = out.flush();
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            // SAFETY: `saved` is a termios filled in by tcgetattr on this fd.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
            }
        }
    }
}

/// Puts stdin (when it is a terminal) in cbreak mode; returns the settings to
/// restore.
#[cfg(unix)]
fn cbreak() -> Option<libc::termios> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    // SAFETY: termios is plain data; tcgetattr fills it or fails, and we only
    // use it when it succeeded.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(libc::STDIN_FILENO, &mut t) != 0 {
            return None;
        }
        let saved = t;
        t.c_lflag &= !(libc::ICANON | libc::ECHO);
        t.c_cc[libc::VMIN] = 1;
        t.c_cc[libc::VTIME] = 0;
        if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) != 0 {
            return None;
        }
        Some(saved)
    }
}

/// The window's (columns, rows), when stdout is a terminal that says.
pub fn size() -> Option<(usize, usize)> {
    #[cfg(unix)]
    {
        // SAFETY: winsize is plain data; TIOCGWINSZ fills it or fails.
        unsafe {
            let mut ws: libc::winsize = std::mem::zeroed();
            if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0
                && ws.ws_col > 0
                && ws.ws_row > 0
            {
                return Some((ws.ws_col as usize, ws.ws_row as usize));
            }
        }
    }
    None
}

/// Sends each key typed (see [`super::keys`]) until `q`, `Q` or Ctrl-C
/// (should it arrive as a byte). The reading thread blocks on stdin; it ends
/// with the process.
pub fn keys() -> Option<tokio::sync::mpsc::UnboundedReceiver<super::keys::Key>> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new()
        .name("top-keys".into())
        .spawn(move || {
            let mut stdin = std::io::stdin();
            let mut buf = [0u8; 64];
            let mut decoder = super::keys::Decoder::default();
            while let Ok(n @ 1..) = stdin.read(&mut buf) {
                for key in buf[..n].iter().filter_map(|b| decoder.feed(*b)) {
                    let quit = key == super::keys::Key::Quit;
                    if tx.send(key).is_err() || quit {
                        return;
                    }
                }
            }
        });
    spawned.ok().map(|_| rx)
}

/// `line` cut to `width` visible columns; SGR escape sequences are copied and
/// not counted, and a cut line ends with a reset.
pub fn fit(line: &str, width: usize) -> String {
    let mut out = String::with_capacity(line.len());
    let mut shown = 0;
    let mut chars = line.chars().peekable();
    let mut cut = false;
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            out.push(c);
            // CSI: ESC [ parameters… final byte.
            if chars.peek() == Some(&'[') {
                for d in chars.by_ref() {
                    out.push(d);
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        let w = super::layout::width(&c.to_string());
        if shown + w > width {
            cut = true;
            break;
        }
        shown += w;
        out.push(c);
    }
    if cut {
        out.push_str("\x1b[0m");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_only_visible_columns() {
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(fit("\x1b[1mabcdef\x1b[0m", 3), "\x1b[1mabc\x1b[0m");
        assert_eq!(fit("华东一区", 5), "华东\x1b[0m");
    }
}
