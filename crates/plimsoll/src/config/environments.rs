//! `environments:`: the checks that need the whole list (unique names,
//! known `promotesTo` targets, no cycle, every environment reachable). The
//! types are `crate::settings::environments`.

use std::collections::{BTreeMap, HashMap};

use super::reader::Reading;
use super::ConfigError;
use crate::settings::EnvironmentConfig;

/// Fills in where each environment's name and `promotesTo` are written.
pub(super) fn place(reading: &Reading<'_>, environments: &mut [EnvironmentConfig]) {
    for (at, environment) in environments.iter_mut().enumerate() {
        let key = format!("environments[{at}]");
        if let Some(span) = reading
            .value_span(&format!("{key}.name"))
            .or_else(|| reading.value_span(&key))
        {
            environment.span = span;
        }
        environment.promotes_to_span = reading.value_span(&format!("{key}.promotesTo"));
    }
}

/// Names are unique (aliases included) and `promotesTo` names known
/// environments.
pub(super) fn validate_environments(
    reading: &Reading<'_>,
    environments: &[EnvironmentConfig],
) -> Result<(), ConfigError> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for environment in environments {
        for name in std::iter::once(&environment.name).chain(&environment.aliases) {
            if let Some(owner) = seen.insert(name.to_lowercase(), &environment.name) {
                return Err(reading.mistake(
                    environment.span,
                    "environments",
                    format!(
                        "the name \"{name}\" is used by both `{owner}` and `{}`",
                        environment.name
                    ),
                ));
            }
        }
    }
    for environment in environments {
        for target in &environment.promotes_to {
            if !seen.contains_key(&target.to_lowercase()) {
                return Err(reading.mistake(
                    environment.span,
                    "promotesTo",
                    format!(
                        "`{}` promotes to unknown environment \"{target}\"",
                        environment.name
                    ),
                ));
            }
        }
    }
    validate_graph(reading, environments)
}

/// The promotion graph has no cycle, and every environment can be reached
/// from the first one. Checked only when some environment has `promotesTo`
/// (a list of environments without edges defines no graph).
fn validate_graph(
    reading: &Reading<'_>,
    environments: &[EnvironmentConfig],
) -> Result<(), ConfigError> {
    if environments
        .iter()
        .all(|environment| environment.promotes_to.is_empty())
    {
        return Ok(());
    }
    // Names and aliases, lower-cased as the graph looks them up: looking
    // for each target among every environment grew with the square of a
    // long chain.
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for (at, environment) in environments.iter().enumerate() {
        for name in std::iter::once(&environment.name).chain(&environment.aliases) {
            index_of.entry(name.to_lowercase()).or_insert(at);
        }
    }
    let edges: Vec<Vec<usize>> = environments
        .iter()
        .map(|environment| {
            environment
                .promotes_to
                .iter()
                .filter_map(|target| index_of.get(&target.to_lowercase()).copied())
                .collect()
        })
        .collect();
    let span_of =
        |environment: &EnvironmentConfig| environment.promotes_to_span.unwrap_or(environment.span);
    // Cycles: depth-first search, in configured order.
    let mut state = vec![0u8; environments.len()]; // 0 new, 1 on the path, 2 done
    for start in 0..environments.len() {
        let mut path = Vec::new();
        if let Some(cycle) = find_cycle(start, &edges, &mut state, &mut path) {
            let names: Vec<&str> = cycle
                .iter()
                .filter_map(|at| environments.get(*at))
                .map(|environment| environment.name.as_str())
                .collect();
            let closing = cycle
                .iter()
                .rev()
                .nth(1)
                .and_then(|at| environments.get(*at));
            if let Some(closing) = closing {
                return Err(reading.mistake(
                    span_of(closing),
                    "promotesTo",
                    format!("the promotion graph has a cycle: {}", names.join(" → ")),
                ));
            }
        }
    }
    // Reachability from the first environment.
    let mut reached = vec![false; environments.len()];
    let mut queue = vec![0];
    while let Some(at) = queue.pop() {
        if reached.get(at).copied().unwrap_or(true) {
            continue;
        }
        if let Some(slot) = reached.get_mut(at) {
            *slot = true;
        }
        queue.extend(edges.get(at).into_iter().flatten().copied());
    }
    let first = environments
        .first()
        .map(|environment| environment.name.as_str())
        .unwrap_or("");
    for (environment, reached) in environments.iter().zip(&reached) {
        if !reached {
            return Err(reading.mistake(
                environment.span,
                "environments",
                format!(
                    "`{}` cannot be reached from `{first}` through promotesTo: add it to the promotesTo of the environment before it, or list the entry environment first",
                    environment.name
                ),
            ));
        }
    }
    Ok(())
}

/// A cycle through `at` (its environments, the first repeated at the end).
fn find_cycle(
    at: usize,
    edges: &[Vec<usize>],
    state: &mut [u8],
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    match state.get(at).copied() {
        Some(2) | None => return None,
        Some(1) => {
            let from = path.iter().position(|step| *step == at)?;
            let mut cycle: Vec<usize> = path.get(from..)?.to_vec();
            cycle.push(at);
            return Some(cycle);
        }
        _ => {}
    }
    if let Some(slot) = state.get_mut(at) {
        *slot = 1;
    }
    path.push(at);
    for next in edges.get(at).into_iter().flatten() {
        if let Some(cycle) = find_cycle(*next, edges, state, path) {
            return Some(cycle);
        }
    }
    path.pop();
    if let Some(slot) = state.get_mut(at) {
        *slot = 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn error_of(text: &str) -> ConfigError {
        crate::config::Config::from_yaml(text, Path::new(".plimsoll.yaml")).unwrap_err()
    }

    #[test]
    fn cycles_are_named_at_the_closing_edge() {
        let error = error_of(
            "environments:\n  - name: dev\n    promotesTo: [qa]\n  - name: qa\n    promotesTo: [staging]\n  - name: staging\n    promotesTo: [dev]\n",
        );
        assert_eq!(error.line, 7);
        assert_eq!(error.column, 17);
        assert_eq!(
            error.message,
            "the promotion graph has a cycle: dev → qa → staging → dev"
        );
    }

    #[test]
    fn unreachable_environments_are_named() {
        let error = error_of(
            "environments:\n  - name: dev\n    promotesTo: [prod]\n  - name: sandbox\n  - name: prod\n",
        );
        assert_eq!(error.line, 4);
        assert!(
            error
                .message
                .starts_with("`sandbox` cannot be reached from `dev`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn fan_out_graphs_and_graphless_lists_load() {
        crate::config::Config::from_yaml(
            "environments:\n  - name: qa\n    promotesTo: [uat1, uat2]\n  - name: uat1\n    promotesTo: [staging]\n  - name: uat2\n    promotesTo: [staging]\n  - name: staging\n",
            Path::new(".plimsoll.yaml"),
        )
        .unwrap();
        crate::config::Config::from_yaml(
            "environments:\n  - name: dev\n  - name: prod\n",
            Path::new(".plimsoll.yaml"),
        )
        .unwrap();
    }
}

#[cfg(test)]
mod floor_tests {
    use crate::config::Config;

    #[test]
    fn resource_floors_must_be_quantities() {
        let good = "environments:\n  - name: prod\n    resources: {requests: {cpu: 100m, memory: 0.5Gi}}\n";
        let config = Config::from_yaml(good, ".plimsoll.yaml".as_ref()).unwrap();
        let floor = &config.environments[0].resources.requests;
        assert_eq!(floor.memory.as_deref(), Some("0.5Gi"));
        let bad =
            "environments:\n  - name: prod\n    resources: {requests: {cpu: 100m, memory: 64MB}}\n";
        let error = Config::from_yaml(bad, ".plimsoll.yaml".as_ref()).unwrap_err();
        assert_eq!((error.line, error.column), (3, 47));
        assert!(error.message.contains("unknown suffix \"MB\""), "{error}");
    }
}
