//! `promotion-path`: `plimsoll promote --from A --to B` where B is not one of
//! A's `promotesTo` targets — skipping an environment or going backwards.
//!
//! Reported by `promote`, not by `check` (a promotion is a request, not a
//! file). The finding points at the name of the first document of B (the
//! environment being changed), else of A, so that it has a file and a line
//! like every other finding; the message names both environments and lists
//! A's allowed targets.

use super::{Category, Rule, RuleMeta};
use crate::environment::{EnvId, Environments};
use crate::finding::Severity;

pub(crate) const ID: &str = "promotion-path";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Promotion,
        default_severity: Severity::Error,
        summary: "`promote --from A --to B` where B is not in A's promotesTo (skipping or going backwards)".into(),
        rationale: "Each environment validates what the next one runs: QA signs off before UAT, staging \
before prod. Promoting past an environment ships images nobody tested there; promoting backwards overwrites \
an earlier stage with something it never produced."
            .into(),
        fix: "Promote to one of the allowed targets listed in the message (`environments[].promotesTo` in \
`.plimsoll.yaml` defines them), one step at a time. This rule is evaluated by `plimsoll promote`."
            .into(),
        bad: "".into(),
        good: "".into(),
    })
    .configured_by(&["environments[].promotesTo"])
}

/// Why promoting `from` to `to` is not allowed (message, help), or `None`
/// when `to` is a direct successor of `from`.
pub(crate) fn problem(
    environments: &Environments,
    from: EnvId,
    to: EnvId,
) -> Option<(String, String)> {
    let source = environments.get(from)?;
    let target = environments.get(to)?;
    if source.promotes_to.contains(&to) {
        return None;
    }
    let allowed = names(environments, &source.promotes_to);
    let how = if from == to {
        "an environment cannot be promoted to itself".to_owned()
    } else if reaches(environments, to, from) {
        format!(
            "that goes backwards: {} comes before {}",
            target.name, source.name
        )
    } else if reaches(environments, from, to) {
        "that skips a stage".to_owned()
    } else {
        format!(
            "{} is not on a promotion path from {}",
            target.name, source.name
        )
    };
    let allowed_text = if allowed.is_empty() {
        format!("{} promotes to no environment", source.name)
    } else {
        format!("{} promotes to {allowed}", source.name)
    };
    Some((
        format!(
            "promotion from {} to {} is not allowed: {how}; {allowed_text}",
            source.name, target.name
        ),
        if allowed.is_empty() {
            format!("{} is the last environment of the graph", source.name)
        } else {
            format!("promote {} to {allowed} first", source.name)
        },
    ))
}

/// Whether `to` can be reached from `from` through `promotesTo` edges.
fn reaches(environments: &Environments, from: EnvId, to: EnvId) -> bool {
    // Marks by id: a list of the environments seen, searched at each step,
    // grew with the square of a long chain.
    let mut seen = vec![false; environments.iter().count()];
    if let Some(mark) = seen.get_mut(from.0) {
        *mark = true;
    }
    let mut queue = vec![from];
    while let Some(current) = queue.pop() {
        let Some(environment) = environments.get(current) else {
            continue;
        };
        for next in &environment.promotes_to {
            if *next == to {
                return true;
            }
            if let Some(mark) = seen.get_mut(next.0).filter(|mark| !**mark) {
                *mark = true;
                queue.push(*next);
            }
        }
    }
    false
}

fn names(environments: &Environments, ids: &[EnvId]) -> String {
    let names: Vec<&str> = ids
        .iter()
        .filter_map(|id| environments.get(*id))
        .map(|environment| environment.name.as_str())
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn skips_and_backward_steps_are_named() {
        let environments = Environments::from_config(&Config::default()).unwrap();
        let id = |name| environments.lookup(name).unwrap();
        assert!(problem(&environments, id("dev"), id("staging")).is_none());
        let (message, _) = problem(&environments, id("dev"), id("prod")).unwrap();
        assert_eq!(
            message,
            "promotion from dev to prod is not allowed: that skips a stage; dev promotes to staging"
        );
        let (message, _) = problem(&environments, id("prod"), id("staging")).unwrap();
        assert_eq!(
            message,
            "promotion from prod to staging is not allowed: that goes backwards: staging comes before prod; prod promotes to no environment"
        );
    }
}
