//! Label sets indexed by label, so that the sets a selector selects are
//! found without testing the selector against every set.
//!
//! Rules that relate selectors (NetworkPolicies, PodDisruptionBudgets,
//! Services) to pod templates of one namespace would otherwise compare every
//! selector with every template: with thousands of applications in one
//! namespace, that grows with the square of the input. A selector is
//! resolved from the shortest list its requirements point at (a
//! `matchLabels` pair, an `In` with its values, an `Exists`), then checked
//! in full on those candidates only. A selector with none of these (only
//! `NotIn` or `DoesNotExist`) selects by exclusion, so it selects most
//! sets of its namespace anyway: it looks at every set.

use std::collections::HashMap;

use super::selector::{Requirement, Selector};

/// Label sets (the pod template labels of workloads, in the caller's
/// order), indexed by pair and by key.
#[derive(Debug, Default)]
pub(crate) struct LabelIndex<'a> {
    label_sets: Vec<Vec<(&'a str, &'a str)>>,
    by_pair: HashMap<(&'a str, &'a str), Vec<usize>>,
    by_key: HashMap<&'a str, Vec<usize>>,
}

impl<'a> LabelIndex<'a> {
    /// Indexes label sets; positions in the index are positions in
    /// `label_sets`.
    pub(crate) fn new(label_sets: Vec<Vec<(&'a str, &'a str)>>) -> LabelIndex<'a> {
        let mut by_pair: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
        for (at, labels) in label_sets.iter().enumerate() {
            for (key, value) in labels {
                by_pair.entry((key, value)).or_default().push(at);
                by_key.entry(key).or_default().push(at);
            }
        }
        LabelIndex {
            label_sets,
            by_pair,
            by_key,
        }
    }

    /// The positions of the label sets `selector` selects, in order (every
    /// position for an empty selector).
    pub(crate) fn selected(&self, selector: &Selector) -> Vec<usize> {
        let matches = |at: &usize| {
            self.label_sets
                .get(*at)
                .is_some_and(|labels| selector.matches(labels))
        };
        match self.narrowest(selector) {
            Some(lists) => {
                let several = lists.len() > 1;
                let mut candidates: Vec<usize> = lists.into_iter().flatten().copied().collect();
                if several {
                    // The values of an `In`, one list each: back in order,
                    // and once each (a value may be listed twice).
                    candidates.sort_unstable();
                    candidates.dedup();
                }
                candidates.into_iter().filter(matches).collect()
            }
            None => (0..self.label_sets.len()).filter(matches).collect(),
        }
    }

    /// The positions some requirement of `selector` needs a label set to be
    /// in, as the lists of the index that hold them (one per value of an
    /// `In`), for the requirement with the fewest; `None` when no
    /// requirement narrows.
    fn narrowest<'s>(&'s self, selector: &'s Selector) -> Option<Vec<&'s [usize]>> {
        let list = |found: Option<&'s Vec<usize>>| found.map_or(&[][..], Vec::as_slice);
        selector
            .requirements
            .iter()
            .filter_map(|requirement| match requirement {
                Requirement::In(key, values) => Some(
                    values
                        .iter()
                        .map(|value| list(self.by_pair.get(&(key.as_str(), value.as_str()))))
                        .collect::<Vec<_>>(),
                ),
                Requirement::Exists(key) => Some(vec![list(self.by_key.get(key.as_str()))]),
                Requirement::NotIn(..) | Requirement::DoesNotExist(_) => None,
            })
            .min_by_key(|lists| lists.iter().map(|list| list.len()).sum::<usize>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(requirements: Vec<Requirement>) -> Selector {
        Selector { requirements }
    }

    fn index() -> LabelIndex<'static> {
        LabelIndex::new(vec![
            vec![("app", "api"), ("tier", "web")],
            vec![("app", "db"), ("tier", "data")],
            vec![("app", "web"), ("tier", "web")],
            vec![],
        ])
    }

    fn is_in(key: &str, values: &[&str]) -> Requirement {
        Requirement::In(key.into(), values.iter().map(|v| (*v).into()).collect())
    }

    #[test]
    fn a_selector_finds_the_sets_it_selects_in_order() {
        let index = index();
        assert_eq!(
            index.selected(&selector(vec![is_in("tier", &["web"])])),
            [0, 2]
        );
        assert_eq!(
            index.selected(&selector(vec![
                is_in("tier", &["web"]),
                is_in("app", &["web"])
            ])),
            [2]
        );
        assert_eq!(
            index.selected(&selector(vec![Requirement::Exists("app".into())])),
            [0, 1, 2]
        );
        assert!(index
            .selected(&selector(vec![is_in("app", &["cache"])]))
            .is_empty());
    }

    #[test]
    fn selectors_that_cannot_narrow_look_at_every_set() {
        let index = index();
        assert_eq!(index.selected(&Selector::default()), [0, 1, 2, 3]);
        assert_eq!(
            index.selected(&selector(vec![Requirement::NotIn(
                "tier".into(),
                vec!["web".into()]
            )])),
            [1, 3]
        );
        assert_eq!(
            index.selected(&selector(vec![Requirement::DoesNotExist("app".into())])),
            [3]
        );
        assert_eq!(
            index.selected(&selector(vec![is_in("app", &["api", "db"])])),
            [0, 1]
        );
    }
}
