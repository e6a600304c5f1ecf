//! Resolving many JSON pointers into the same trees.
//!
//! A pointer finds each key of its path by scanning the mapping's entries,
//! so a finding on every key of a mapping of N keys cost N²/2 comparisons
//! (100,000 findings in one ConfigMap took 25 s). A [`Locator`] indexes a
//! large mapping by key the first time a pointer passes through it.

use std::collections::HashMap;

use super::tree::{first_entry, Entry, Located, Node};
use crate::source::TextRange;

/// Mappings with fewer entries are scanned: an index would cost more than
/// it saves.
const INDEX_FROM: usize = 32;

/// Resolves pointers into trees that outlive it, indexing the large
/// mappings it passes through.
#[derive(Debug, Default)]
pub(crate) struct Locator<'n> {
    /// Key → position of its first entry, per mapping, by the address of
    /// the mapping's entries (stable: the trees are borrowed for `'n`).
    indexes: HashMap<usize, HashMap<&'n str, usize>>,
}

impl<'n> Locator<'n> {
    /// [`Node::locate`].
    pub(crate) fn locate(&mut self, root: &'n Node, pointer: &str) -> Located {
        root.locate_with(pointer, &mut |entries, key| self.entry(entries, key))
    }

    /// [`Node::key_span`].
    pub(crate) fn key_span(&mut self, root: &'n Node, pointer: &str) -> Option<TextRange> {
        root.key_span_with(pointer, &mut |entries, key| self.entry(entries, key))
    }

    fn entry(&mut self, entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
        if entries.len() < INDEX_FROM {
            return first_entry(entries, key);
        }
        let index = self
            .indexes
            .entry(entries.as_ptr() as usize)
            .or_insert_with(|| {
                let mut index = HashMap::with_capacity(entries.len());
                for (at, entry) in entries.iter().enumerate() {
                    index.entry(entry.key.as_str()).or_insert(at);
                }
                index
            });
        index.get(key).and_then(|at| entries.get(*at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    #[test]
    fn a_locator_finds_what_the_tree_finds() {
        let keys: String = (0..100).map(|at| format!("  k{at}: v{at}\n")).collect();
        let text = format!("data:\n{keys}  list:\n    - {{a: 1}}\nsmall: {{x: 1}}\n");
        let root = parse_stream(&text, &Limits::default())
            .remove(0)
            .root
            .unwrap();
        let mut locator = Locator::default();
        for pointer in [
            "",
            "/data/k0",
            "/data/k99",
            "/data/k57",
            "/data/list/0/a",
            "/data/list/1",
            "/data/missing/deeper",
            "/small/x",
            "/small/y",
            "/data/k57/not-a-map",
        ] {
            assert_eq!(
                locator.locate(&root, pointer),
                root.locate(pointer),
                "{pointer}"
            );
            assert_eq!(
                locator.key_span(&root, pointer),
                root.key_span(pointer),
                "{pointer}"
            );
        }
        assert_eq!(locator.indexes.len(), 1);
    }
}
