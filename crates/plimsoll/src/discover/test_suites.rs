//! The assertions of Kubernetes end-to-end test suites: KUTTL's
//! `NN-assert.yaml` and `NN-errors.yaml` steps, and the files a Chainsaw
//! test's `assert:` and `error:` operations name. They are partial objects
//! that the tool matches against a cluster's state, never applied, so they
//! are not read. The files those suites apply stay manifests.

use std::collections::HashSet;

use super::kustomize::{directory_of, is_below, join, text_of};
use super::Candidate;
use crate::yaml::{parse_stream, Limits, Node};

/// The display paths of the test assertions among `candidates`.
pub(super) fn assertion_files(candidates: &[Candidate]) -> HashSet<String> {
    let mut assertions = HashSet::new();
    let kuttl_roots: Vec<&str> = candidates
        .iter()
        .filter(|candidate| {
            matches!(
                file_name(&candidate.display),
                "kuttl-test.yaml" | "kuttl-test.yml"
            )
        })
        .map(|candidate| directory_of(&candidate.display))
        .collect();
    if !kuttl_roots.is_empty() {
        assertions.extend(
            candidates
                .iter()
                .filter(|candidate| is_kuttl_assertion(file_name(&candidate.display)))
                .filter(|candidate| {
                    kuttl_roots
                        .iter()
                        .any(|root| is_below(&candidate.display, root))
                })
                .map(|candidate| candidate.display.clone()),
        );
    }
    for test in candidates.iter().filter(|candidate| {
        matches!(
            file_name(&candidate.display),
            "chainsaw-test.yaml" | "chainsaw-test.yml"
        )
    }) {
        let Some(text) = text_of(&test.origin) else {
            continue;
        };
        let folder = directory_of(&test.display);
        for document in parse_stream(&text, &Limits::default()) {
            let Some(root) = document.root else {
                continue;
            };
            let mut named = Vec::new();
            checked_files(&root, false, &mut named);
            assertions.extend(named.into_iter().filter_map(|file| join(folder, file)));
        }
    }
    assertions
}

/// `00-assert.yaml`, `01-errors-deleted.yaml`: a KUTTL step's assertion
/// (its number, a dash, then `assert` or `errors`).
fn is_kuttl_assertion(name: &str) -> bool {
    let Some((step, rest)) = name.split_once('-') else {
        return false;
    };
    !step.is_empty()
        && step.chars().all(|c| c.is_ascii_digit())
        && (rest.starts_with("assert") || rest.starts_with("errors"))
        && [".yaml", ".yml"]
            .iter()
            .any(|extension| rest.ends_with(extension))
}

/// The `file` values under a Chainsaw test's `assert:` and `error:`
/// operations.
fn checked_files<'n>(node: &'n Node, under_check: bool, named: &mut Vec<&'n str>) {
    if let Some(entries) = node.as_map() {
        for entry in entries {
            let key = entry.key.as_str();
            if under_check && key == "file" {
                named.extend(entry.value.as_str());
            } else {
                checked_files(&entry.value, matches!(key, "assert" | "error"), named);
            }
        }
    } else if let Some(items) = node.as_seq() {
        for item in items {
            checked_files(item, false, named);
        }
    }
}

fn file_name(display: &str) -> &str {
    display.rsplit('/').next().unwrap_or(display)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Origin;

    fn candidate(display: &str, text: &str) -> Candidate {
        Candidate::new(display.to_owned(), Origin::Text(text.into()))
    }

    #[test]
    fn test_suites_assertions_are_found_and_what_they_apply_is_not() {
        let chainsaw = "\
apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
spec:
  steps:
    - try:
        - apply: {file: install.yaml}
        - assert: {file: assert.yaml}
      catch:
        - error: {file: ../shared/gone.yaml}
";
        let candidates = vec![
            candidate("e2e/kuttl-test.yaml", "kind: TestSuite\n"),
            candidate("e2e/suite/001-app/00-install.yaml", ""),
            candidate("e2e/suite/001-app/00-assert.yaml", ""),
            candidate("e2e/suite/001-app/01-errors.yaml", ""),
            candidate("deploy/00-assert.yaml", ""),
            candidate("chainsaw/basic/chainsaw-test.yaml", chainsaw),
            candidate("chainsaw/basic/install.yaml", ""),
            candidate("chainsaw/basic/assert.yaml", ""),
        ];
        let mut found: Vec<String> = assertion_files(&candidates).into_iter().collect();
        found.sort();
        assert_eq!(
            found,
            [
                "chainsaw/basic/assert.yaml",
                "chainsaw/shared/gone.yaml",
                "e2e/suite/001-app/00-assert.yaml",
                "e2e/suite/001-app/01-errors.yaml",
            ]
        );
    }
}
