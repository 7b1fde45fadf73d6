//! Keys typed at the full-screen view, from the bytes a terminal sends: `q`
//! quits; ↑/↓, `k`/`j`, PgUp/PgDn, Home/End and `g`/`G` scroll. Arrows and the
//! other named keys arrive as escape sequences, in either of the two forms
//! terminals use (`ESC [ A` normally, `ESC O A` in application cursor mode;
//! Home and End also as `ESC [ 1 ~` / `ESC [ 4 ~` or `7 ~` / `8 ~`).

/// A key `top` acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
}

/// Turns bytes into keys; an escape sequence may arrive split across reads.
#[derive(Debug, Default)]
pub struct Decoder {
    pending: Vec<u8>,
}

impl Decoder {
    /// The key `byte` completes, if any. Unknown keys and sequences are
    /// ignored.
    pub fn feed(&mut self, byte: u8) -> Option<Key> {
        if self.pending.is_empty() {
            return match byte {
                0x1b => {
                    self.pending.push(byte);
                    None
                }
                b'q' | b'Q' | 0x03 => Some(Key::Quit),
                b'k' => Some(Key::Up),
                b'j' => Some(Key::Down),
                b'g' => Some(Key::Home),
                b'G' => Some(Key::End),
                b' ' => Some(Key::PageDown),
                b'b' => Some(Key::PageUp),
                _ => None,
            };
        }
        self.pending.push(byte);
        let seq = &self.pending[1..];
        let key = match seq {
            [b'[' | b'O'] => return None,
            [b'[' | b'O', b'A'] => Some(Key::Up),
            [b'[' | b'O', b'B'] => Some(Key::Down),
            [b'[' | b'O', b'H'] => Some(Key::Home),
            [b'[' | b'O', b'F'] => Some(Key::End),
            [b'[', rest @ ..]
                if rest
                    .last()
                    .is_some_and(|b| b.is_ascii_digit() || *b == b';') =>
            {
                // `ESC [ 5 ~` and the like: wait for the final byte, but not
                // forever on garbage.
                if rest.len() < 8 {
                    return None;
                }
                None
            }
            [b'[', rest @ ..] if rest.last() == Some(&b'~') => match &rest[..rest.len() - 1] {
                b"5" => Some(Key::PageUp),
                b"6" => Some(Key::PageDown),
                b"1" | b"7" => Some(Key::Home),
                b"4" | b"8" => Some(Key::End),
                _ => None,
            },
            _ => None,
        };
        self.pending.clear();
        key
    }
}

/// Where the view is scrolled to: the first body line shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub top: usize,
}

impl Scroll {
    /// Moves by `key` in a body of `lines` lines of which `room` fit. End is
    /// kept as a large offset and clamped when drawn, so it stays at the end
    /// while the data grows.
    pub fn apply(&mut self, key: Key, lines: usize, room: usize) {
        let room = room.max(1);
        let max = lines.saturating_sub(room);
        let top = self.top.min(max);
        self.top = match key {
            Key::Up => top.saturating_sub(1),
            Key::Down => (top + 1).min(max),
            Key::PageUp => top.saturating_sub(room.saturating_sub(1).max(1)),
            Key::PageDown => (top + room.saturating_sub(1).max(1)).min(max),
            Key::Home => 0,
            Key::End => max,
            Key::Quit => top,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut d = Decoder::default();
        bytes.iter().filter_map(|b| d.feed(*b)).collect()
    }

    #[test]
    fn letters_arrows_and_named_keys_in_both_forms() {
        use Key::*;
        assert_eq!(
            keys(b"jkqgG b"),
            [Down, Up, Quit, Home, End, PageDown, PageUp]
        );
        assert_eq!(keys(b"\x1b[A\x1b[B\x1bOA\x1bOB"), [Up, Down, Up, Down]);
        assert_eq!(keys(b"\x1b[5~\x1b[6~"), [PageUp, PageDown]);
        assert_eq!(
            keys(b"\x1b[H\x1b[F\x1bOH\x1bOF\x1b[1~\x1b[4~\x1b[7~\x1b[8~"),
            [Home, End, Home, End, Home, End, Home, End]
        );
        // Unknown sequences (F5, a modified arrow) are skipped whole.
        assert_eq!(keys(b"\x1b[15~j\x1b[1;5Ck"), [Down, Up]);
        assert_eq!(keys(b"x\x03"), [Quit]);
    }

    #[test]
    fn scrolling_stays_within_the_body() {
        let mut s = Scroll::default();
        s.apply(Key::Up, 50, 20);
        assert_eq!(s.top, 0);
        s.apply(Key::Down, 50, 20);
        assert_eq!(s.top, 1);
        s.apply(Key::PageDown, 50, 20);
        assert_eq!(s.top, 20);
        s.apply(Key::PageDown, 50, 20);
        assert_eq!(s.top, 30, "the last page ends at the last line");
        s.apply(Key::PageUp, 50, 20);
        assert_eq!(s.top, 11);
        s.apply(Key::End, 50, 20);
        assert_eq!(s.top, 30);
        s.apply(Key::Home, 50, 20);
        assert_eq!(s.top, 0);
        // A body that fits does not scroll.
        s.apply(Key::Down, 10, 20);
        assert_eq!(s.top, 0);
    }
}
