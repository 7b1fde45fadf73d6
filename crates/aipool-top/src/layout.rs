//! Text tables that fit a terminal's width: cells with colours, and a column
//! model that says what gives way first when the window is narrow.
//!
//! Columns have a role rather than a width: when a table does not fit, cells
//! switch to their short forms (a name without its id, an accelerator without
//! its vendor prefix, a shorter bar), then the columns people can do without
//! go (parent queue, region, ids: [`Drop::Early`]), then the remaining text is
//! cut with `…` in [`Col::cut`] order — names last — down to each column's
//! floor, and only then do [`Drop::Late`] columns go. A table may also carry a
//! compact variant with other columns (see `table.rs`), used whenever the full
//! one does not fit at its natural width. A new column is one more `Col` with
//! its role; nothing else changes.

/// A piece of a cell with an optional SGR colour.
#[derive(Debug, Clone)]
pub struct Seg(pub String, pub Option<&'static str>);

/// A cell: its text in coloured pieces, and optionally a shorter form for
/// narrow windows.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub full: Vec<Seg>,
    pub short: Option<Vec<Seg>>,
}

impl Cell {
    pub fn plain(s: impl Into<String>) -> Cell {
        Cell::of(vec![Seg(s.into(), None)])
    }

    pub fn colored(s: impl Into<String>, c: &'static str) -> Cell {
        Cell::of(vec![Seg(s.into(), Some(c))])
    }

    pub fn of(segs: Vec<Seg>) -> Cell {
        Cell {
            full: segs,
            short: None,
        }
    }

    /// The same cell with a shorter form for narrow windows (used only when it
    /// is shorter).
    pub fn or_short(mut self, short: Cell) -> Cell {
        if segs_width(&short.full) < segs_width(&self.full) {
            self.short = Some(short.full);
        }
        self
    }

    fn segs(&self, short: bool) -> &[Seg] {
        match (&self.short, short) {
            (Some(s), true) => s,
            _ => &self.full,
        }
    }
}

fn segs_width(segs: &[Seg]) -> usize {
    segs.iter().map(|s| width(&s.0)).sum()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Whether a column may be left out when the table does not fit; the number
/// orders columns of one kind (higher goes first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drop {
    Never,
    /// Before any text is cut: ids, regions, parents, secondary figures.
    Early(u8),
    /// Only when cutting every column to its floor is not enough.
    Late(u8),
}

/// A column: heading, alignment, how it gives way.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub head: &'static str,
    pub align: Align,
    /// Narrowest it may be cut to with `…`; `None`: never cut.
    pub min: Option<usize>,
    /// Cut order: lower is cut first (names get the highest).
    pub cut: u8,
    pub drop: Drop,
}

impl Col {
    /// A column that is never cut nor left out (figures, the headroom bar).
    pub const fn fixed(head: &'static str, align: Align) -> Col {
        Col {
            head,
            align,
            min: None,
            cut: 0,
            drop: Drop::Never,
        }
    }

    /// A text column cut down to `min` in `cut` order.
    pub const fn text(head: &'static str, min: usize, cut: u8) -> Col {
        Col {
            head,
            align: Align::Left,
            min: Some(min),
            cut,
            drop: Drop::Never,
        }
    }

    pub const fn drop(self, drop: Drop) -> Col {
        Col { drop, ..self }
    }
}

pub struct Table {
    pub cols: Vec<Col>,
    pub rows: Vec<Vec<Cell>>,
    /// Used instead when this table does not fit at its natural width.
    pub compact: Option<Box<Table>>,
}

/// How one table is laid out in a width: which columns, how wide, and whether
/// cells take their short forms.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub shown: Vec<bool>,
    pub widths: Vec<usize>,
    pub short: bool,
}

const BOLD: &str = "1";

impl Table {
    pub fn new(cols: Vec<Col>, rows: Vec<Vec<Cell>>) -> Table {
        Table {
            cols,
            rows,
            compact: None,
        }
    }

    fn natural(&self, short: bool) -> Vec<usize> {
        let mut widths: Vec<usize> = self.cols.iter().map(|c| width(c.head)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(widths.len()) {
                widths[i] = widths[i].max(segs_width(cell.segs(short)));
            }
        }
        widths
    }

    /// The layout in `limit` columns (`None`: natural widths, everything).
    pub fn layout(&self, limit: Option<usize>) -> Layout {
        let n = self.cols.len();
        let mut l = Layout {
            shown: vec![true; n],
            widths: self.natural(false),
            short: false,
        };
        let Some(limit) = limit else { return l };
        let total = |l: &Layout, w: &[usize]| {
            let k = l.shown.iter().filter(|s| **s).count();
            (0..n).filter(|&i| l.shown[i]).map(|i| w[i]).sum::<usize>() + 2 * k.saturating_sub(1)
        };
        if total(&l, &l.widths) <= limit {
            return l;
        }
        l.short = true;
        l.widths = self.natural(true);
        let by_rank = |early: bool| {
            let mut idx: Vec<(u8, usize)> = (0..n)
                .filter_map(|i| match self.cols[i].drop {
                    Drop::Early(r) if early => Some((r, i)),
                    Drop::Late(r) if !early => Some((r, i)),
                    _ => None,
                })
                .collect();
            idx.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            idx.into_iter().map(|(_, i)| i)
        };
        for i in by_rank(true) {
            if total(&l, &l.widths) <= limit {
                break;
            }
            l.shown[i] = false;
        }
        let floors: Vec<usize> = (0..n)
            .map(|i| {
                let min = self.cols[i].min.unwrap_or(l.widths[i]).max(1);
                min.min(l.widths[i])
            })
            .collect();
        for i in by_rank(false) {
            if total(&l, &floors) <= limit {
                break;
            }
            l.shown[i] = false;
        }
        // Cut, lowest `cut` first, each column down to its floor at most.
        let mut order: Vec<usize> = (0..n)
            .filter(|&i| l.shown[i] && self.cols[i].min.is_some())
            .collect();
        order.sort_by_key(|&i| (self.cols[i].cut, i));
        for i in order {
            let excess = total(&l, &l.widths).saturating_sub(limit);
            if excess == 0 {
                break;
            }
            l.widths[i] -= excess.min(l.widths[i] - floors[i]);
        }
        l
    }

    /// The table as lines: a bold heading line, then one line per row. The
    /// compact variant stands in when this one does not fit at its natural
    /// width.
    pub fn render(&self, color: bool, limit: Option<usize>, out: &mut Vec<String>) {
        if let (Some(compact), Some(limit)) = (&self.compact, limit) {
            let natural = self.layout(None);
            let n = natural.widths.len();
            if natural.widths.iter().sum::<usize>() + 2 * n.saturating_sub(1) > limit {
                return compact.render(color, Some(limit), out);
            }
        }
        let l = self.layout(limit);
        let head: Vec<Cell> = self
            .cols
            .iter()
            .map(|c| Cell::colored(c.head, BOLD))
            .collect();
        let last = (0..self.cols.len()).rev().find(|&i| l.shown[i]);
        for row in std::iter::once(&head).chain(self.rows.iter()) {
            let mut line = String::new();
            let mut first = true;
            for (i, col) in self.cols.iter().enumerate() {
                if !l.shown[i] {
                    continue;
                }
                let empty = Cell::default();
                let cell = row.get(i).unwrap_or(&empty);
                let segs = cell.segs(l.short);
                let text: String = segs.iter().map(|s| s.0.as_str()).collect();
                let cut;
                let segs = if width(&text) > l.widths[i] {
                    cut = [Seg(
                        ellipsize(&text, l.widths[i]),
                        segs.first().and_then(|s| s.1),
                    )];
                    &cut[..]
                } else {
                    segs
                };
                let pad = " ".repeat(l.widths[i].saturating_sub(segs_width(segs)));
                if !first {
                    line.push_str("  ");
                }
                first = false;
                if col.align == Align::Right {
                    line.push_str(&pad);
                }
                for Seg(text, c) in segs {
                    paint(&mut line, text, *c, color);
                }
                if col.align == Align::Left && Some(i) != last {
                    line.push_str(&pad);
                }
            }
            out.push(line.trim_end().to_string());
        }
    }
}

pub fn paint(out: &mut String, text: &str, color: Option<&str>, enabled: bool) {
    match color {
        Some(c) if enabled && !text.is_empty() => {
            out.push_str("\x1b[");
            out.push_str(c);
            out.push('m');
            out.push_str(text);
            out.push_str("\x1b[0m");
        }
        _ => out.push_str(text),
    }
}

/// Columns a string takes in a terminal: East Asian wide characters (CJK
/// pool or region names) take two.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let c = c as u32;
    let wide = matches!(c,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x20000..=0x3FFFD);
    if c < 0x20 {
        0
    } else if wide {
        2
    } else {
        1
    }
}

/// `s` cut to `max` columns, ending in `…` when cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let row = |name: &str, id: &str| {
            vec![
                Cell::plain(format!("{name} ({id})")).or_short(Cell::plain(name)),
                Cell::plain("bj-region"),
                Cell::plain("some long detail text"),
                Cell::plain("8"),
            ]
        };
        Table::new(
            vec![
                Col::text("NAME", 8, 9),
                Col::text("REGION", 4, 1).drop(Drop::Early(1)),
                Col::text("DETAIL", 6, 0).drop(Drop::Late(1)),
                Col::fixed("N", Align::Right),
            ],
            vec![row("a-long-name", "id-123456"), row("b", "id-2")],
        )
    }

    #[test]
    fn a_wide_window_shows_everything_at_natural_width() {
        let l = table().layout(Some(200));
        assert_eq!(l.shown, [true; 4]);
        assert_eq!(l.widths, [23, 9, 21, 1]);
        assert!(!l.short);
    }

    #[test]
    fn narrow_first_short_forms_then_early_drops_then_cuts_names_last() {
        let t = table();
        // Short names (11) + region (9) + detail (21) + 1 + 6 gaps = 48.
        let l = t.layout(Some(48));
        assert!(l.short);
        assert_eq!(
            (l.shown.clone(), l.widths.clone()),
            (vec![true; 4], vec![11, 9, 21, 1])
        );
        // One less: the region goes before anything is cut.
        let l = t.layout(Some(47));
        assert_eq!(l.shown, [true, false, true, true]);
        assert_eq!(l.widths[2], 21);
        // Then the detail is cut (cut order 0) before the name (9).
        let l = t.layout(Some(30));
        assert_eq!((l.widths[0], l.widths[2]), (11, 14));
        let l = t.layout(Some(20));
        assert_eq!((l.widths[0], l.widths[2]), (9, 6));
        // Floors do not fit: the late column goes, the name gets the room.
        let l = t.layout(Some(14));
        assert_eq!(l.shown, [true, false, false, true]);
        assert_eq!(l.widths[0], 11);
    }

    #[test]
    fn rendered_lines_fit_and_cut_with_an_ellipsis() {
        let mut out = Vec::new();
        table().render(false, Some(20), &mut out);
        for l in &out {
            assert!(width(l) <= 20, "{l}");
        }
        assert_eq!(out[1], "a-long-n…  some …  8");
    }

    #[test]
    fn widths_and_ellipsis() {
        assert_eq!(width("华东一区"), 8);
        assert_eq!(ellipsize("abcdefghij", 5), "abcd…");
        assert_eq!(ellipsize("华东一区", 5), "华东…");
    }
}
