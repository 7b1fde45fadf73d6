//! Puts config errors in the order of the file, so `check-config` reads top to
//! bottom like the file it checks. Validation finds problems in its own order
//! (common keys, then the provider's, then unknown keys), and the parsed tree
//! keeps no positions, so the text is parsed once more, with spans, to find
//! where each error's key path is. A key that is missing sorts after the keys
//! of its table; errors that name no place keep their order. The rules are
//! shared; each format only says where a key path is (TOML here, YAML in
//! [`yaml`]).

use toml_edit::{ImDocument, Item, TableLike};

use crate::fields::ConfigError;

mod yaml;

pub use yaml::sort_by_position_in_yaml;

/// Sorts `errors` (stably) by where their keys are in the TOML `text`; leaves
/// them as they are when the text does not parse.
pub fn sort_by_position_in_toml(errors: &mut Vec<ConfigError>, text: &str) {
    let Ok(doc) = ImDocument::parse(text) else {
        return;
    };
    let root: &dyn TableLike = doc.as_table();
    sort_by_position(errors, |path| position(root, path));
}

/// Sorts `errors` (stably) by `locate`, which gives the offset of a key path
/// in the text. An error with no key path sorts first, or last when it names
/// an environment variable (one that fits nowhere in the tree).
fn sort_by_position(errors: &mut Vec<ConfigError>, locate: impl Fn(&[Segment<'_>]) -> usize) {
    let mut keyed: Vec<(usize, ConfigError)> = std::mem::take(errors)
        .into_iter()
        .map(|e| {
            let at = if e.path.is_empty() && e.env_var.is_some() {
                usize::MAX
            } else if e.path.is_empty() {
                0
            } else {
                segments(&e.path).map_or(0, |path| locate(&path))
            };
            (at, e)
        })
        .collect();
    keyed.sort_by_key(|(at, _)| *at);
    errors.extend(keyed.into_iter().map(|(_, e)| e));
}

/// One step of a key path.
enum Segment<'p> {
    Key(&'p str),
    Index(usize),
}

/// `accounts[0].pool_types[1]` → accounts, 0, pool_types, 1.
fn segments(path: &str) -> Option<Vec<Segment<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        out.push(Segment::Key(name));
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            out.push(Segment::Index(inner[..close].parse().ok()?));
            rest = &inner[close + 1..];
        }
    }
    Some(out)
}

/// The byte offset of `path` in the document: its key, or, when the key is
/// missing, the end of the nearest table that holds it.
fn position(root: &dyn TableLike, segments: &[Segment<'_>]) -> usize {
    let mut table: &dyn TableLike = root;
    let mut at = 0;
    let mut item: Option<&Item> = None;
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if let Some(i) = item {
                    match i.as_table_like() {
                        Some(t) => table = t,
                        None => return at,
                    }
                }
                let Some((k, found)) = table.get_key_value(key) else {
                    return end_of(table).max(at);
                };
                at = k.span().map_or(at, |s| s.start);
                item = Some(found);
            }
            &Segment::Index(i) => {
                let Some(parent) = item else { return at };
                if let Some(tables) = parent.as_array_of_tables() {
                    let Some(t) = tables.get(i) else { return at };
                    at = t.span().map_or(at, |s| s.start).max(at);
                    // The next key is looked up in this table.
                    table = t;
                    item = None;
                } else if let Some(array) = parent.as_array() {
                    let Some(v) = array.get(i) else { return at };
                    at = v.span().map_or(at, |s| s.start);
                    match v.as_inline_table() {
                        Some(t) => {
                            table = t;
                            item = None;
                        }
                        None => return at,
                    }
                } else {
                    return at;
                }
            }
        }
    }
    at
}

/// Just past the last key of a table, where a missing key would have gone.
fn end_of(table: &dyn TableLike) -> usize {
    let keys: Vec<&str> = table.iter().map(|(k, _)| k).collect();
    keys.into_iter()
        .filter_map(|k| table.get_key_value(k))
        .filter_map(|(k, v)| v.span().or_else(|| k.span()))
        .map(|s| s.end)
        .max()
        .unwrap_or(0)
}
