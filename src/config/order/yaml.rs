//! Where key paths are in a YAML config. figment's YAML reader keeps no
//! positions, so the text is read once more with an event parser that reports
//! a span for every node, block or flow style alike, into a small tree of
//! mappings, sequences and leaves. Only the first document counts (the loader
//! rejects more than one); an alias is a leaf, since the keys it stands for are
//! written elsewhere.

use saphyr_parser::{Event, Parser};

use super::{sort_by_position, Segment};
use crate::fields::ConfigError;

/// Deeper than any config needs; a deeper text is not placed at all, so a
/// pathological file cannot grow a tree whose drop recurses that deep.
const MAX_DEPTH: usize = 64;

/// Sorts `errors` (stably) by where their keys are in the YAML `text`; leaves
/// them as they are when the text does not parse.
pub fn sort_by_position_in_yaml(errors: &mut Vec<ConfigError>, text: &str) {
    let Some(root) = parse(text) else {
        return;
    };
    sort_by_position(errors, |path| position(&root, path));
}

/// A node and where it is, in characters from the start of the text.
enum Node {
    Mapping {
        start: usize,
        end: usize,
        entries: Vec<Entry>,
    },
    Sequence {
        start: usize,
        end: usize,
        items: Vec<Node>,
    },
    /// A scalar or an alias.
    Leaf { start: usize, end: usize },
}

struct Entry {
    /// `None` for a key that is not a scalar (`? [a, b] : c`).
    key: Option<String>,
    at: usize,
    value: Node,
}

impl Node {
    fn start(&self) -> usize {
        match self {
            Node::Mapping { start, .. }
            | Node::Sequence { start, .. }
            | Node::Leaf { start, .. } => *start,
        }
    }

    /// Just past its last character; for a collection, its last item's.
    fn end(&self) -> usize {
        match self {
            Node::Mapping { end, .. } | Node::Sequence { end, .. } | Node::Leaf { end, .. } => *end,
        }
    }
}

/// A collection whose end event has not come yet.
enum Open {
    Mapping {
        start: usize,
        entries: Vec<Entry>,
        /// A key read, waiting for its value.
        key: Option<(Option<String>, usize)>,
    },
    Sequence {
        start: usize,
        items: Vec<Node>,
    },
}

/// The first document of `text` as a tree; `None` when it does not parse.
fn parse(text: &str) -> Option<Node> {
    let mut stack: Vec<Open> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        let (start, end) = (span.start.index(), span.end.index());
        let (node, scalar) = match event {
            Event::MappingStart(..) | Event::SequenceStart(..) if stack.len() >= MAX_DEPTH => {
                return None
            }
            Event::MappingStart(..) => {
                stack.push(Open::Mapping {
                    start,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceStart(..) => {
                stack.push(Open::Sequence {
                    start,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingEnd => match stack.pop()? {
                Open::Mapping { start, entries, .. } => {
                    let end = entries.last().map_or(start, |e| e.value.end());
                    (
                        Node::Mapping {
                            start,
                            end,
                            entries,
                        },
                        None,
                    )
                }
                Open::Sequence { .. } => return None,
            },
            Event::SequenceEnd => match stack.pop()? {
                Open::Sequence { start, items } => {
                    let end = items.last().map_or(start, Node::end);
                    (Node::Sequence { start, end, items }, None)
                }
                Open::Mapping { .. } => return None,
            },
            Event::Scalar(value, ..) => (Node::Leaf { start, end }, Some(value.into_owned())),
            Event::Alias(_) => (Node::Leaf { start, end }, None),
            Event::StreamEnd => return None,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {
                continue
            }
        };
        let Some(parent) = stack.last_mut() else {
            // The document's root is complete.
            return Some(node);
        };
        match parent {
            Open::Sequence { items, .. } => items.push(node),
            Open::Mapping { entries, key, .. } => match key.take() {
                None => *key = Some((scalar, node.start())),
                Some((key, at)) => entries.push(Entry {
                    key,
                    at,
                    value: node,
                }),
            },
        }
    }
    None
}

/// The offset of `path` in the tree: its key, or, when the key is missing,
/// the end of the nearest mapping that holds it.
fn position(root: &Node, path: &[Segment<'_>]) -> usize {
    let mut node = root;
    let mut at = 0;
    for segment in path {
        match (segment, node) {
            (Segment::Key(key), Node::Mapping { entries, .. }) => {
                let Some(entry) = entries.iter().find(|e| e.key.as_deref() == Some(*key)) else {
                    return node.end().max(at);
                };
                at = entry.at;
                node = &entry.value;
            }
            (Segment::Index(i), Node::Sequence { items, .. }) => {
                let Some(item) = items.get(*i) else { return at };
                at = item.start().max(at);
                node = item;
            }
            _ => return at,
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(errors: &[ConfigError]) -> Vec<&str> {
        errors.iter().map(|e| e.path.as_str()).collect()
    }

    fn sorted(paths: &[&str], text: &str) -> Vec<String> {
        let mut errors = paths.iter().map(|p| ConfigError::new(*p, "x")).collect();
        sort_by_position_in_yaml(&mut errors, text);
        errors.into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn malformed_yaml_leaves_the_order_as_it_is() {
        // Each text, were it whole, would put `a` first.
        let given = ["b", "a", "accounts[0].name"];
        for text in [
            "a: 1\nb: [1, 2\n",
            "a: {b: 1\n",
            "a: 1\n  b: 2\n c: 3\n",
            "a: 1\nb: \"open\n",
        ] {
            assert_eq!(sorted(&given, text), given, "{text:?}");
        }
        // Too deep to be a config (though within the parser's own limit of
        // 255 flow levels): not placed.
        let deep = format!("b: {}{}\na: 1\n", "[".repeat(200), "]".repeat(200));
        assert_eq!(sorted(&["a", "b"], &deep), ["a", "b"]);
        // Past the parser's limit, and in block style: no crash.
        for deep in [
            format!("b: {}{}\na: 1\n", "[".repeat(10_000), "]".repeat(10_000)),
            format!("b:\n{}1\na: 1\n", "- ".repeat(10_000)),
        ] {
            assert_eq!(sorted(&["a", "b"], &deep), ["a", "b"]);
        }
    }

    #[test]
    fn anchors_aliases_and_later_documents_place_what_they_can() {
        let text = "a: &x {k: 1}\nb: *x\nc: 3\n---\nd: 4\n";
        // `b.k` is inside an alias: it sorts at `b`. `d` is not in the first
        // document, so it sorts where missing top-level keys go (after `c`),
        // keeping its place before `e`.
        assert_eq!(
            sorted(&["d", "e", "c", "b.k", "a.k", "a"], text),
            ["a", "a.k", "b.k", "c", "d", "e"]
        );
    }

    #[test]
    fn errors_without_a_place_keep_their_order() {
        let mut errors = vec![
            ConfigError {
                env_var: Some("AIPOOL_X".into()),
                ..ConfigError::new("", "fits nowhere")
            },
            ConfigError::new("b", "x"),
            ConfigError::new("", "first"),
            ConfigError::new("a", "x"),
        ];
        sort_by_position_in_yaml(&mut errors, "a: 1\nb: 2\n");
        assert_eq!(paths(&errors), ["", "a", "b", ""]);
        assert_eq!(errors[0].reason, "first");
        assert_eq!(errors[3].env_var.as_deref(), Some("AIPOOL_X"));
    }
}
