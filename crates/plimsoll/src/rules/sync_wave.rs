//! `sync-wave`: Argo CD sync waves that do not parse or that order
//! migrations wrongly.
//!
//! Three checks, per environment:
//! - `argocd.argoproj.io/sync-wave` must be an integer (Argo CD reads it with
//!   `strconv.Atoi`; surrounding spaces are tolerated);
//! - a migration Job (see `migration-hook`) that Argo CD orders (a hook, or
//!   a Job with a wave) must have a lower wave than the lowest wave of the
//!   Deployments and StatefulSets in its namespace (no annotation means
//!   wave 0); a migration Job with neither is `migration-hook`'s to report;
//! - the Jobs of `migrations.waveOrder` entries must have strictly
//!   increasing waves in that order. A Job belongs to the first entry that
//!   its name, labels, container command, args or env values contain, with
//!   `_` and `-` treated alike (`identity_db` ↔ `identity-db`).
//!
//! Findings point at the out-of-order Job's wave (or where it would go).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::settings::recover::recover;

use std::collections::HashMap;

use super::delivery::{
    annotation_pointer, is_migration_job, sync_wave, ARGO_HOOK, HELM_HOOK, SYNC_WAVE,
};
use super::{Category, Rule, RuleMeta, SetContext, Sink, Target, Violation};
use crate::finding::Severity;
use crate::model::{containers, Object};
use crate::yaml::Node;

/// Database migration jobs (`sync-wave`, `migration-hook`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Migrations {
    /// Migrations that must run in strictly increasing sync waves.
    #[serde(default, deserialize_with = "recover")]
    pub wave_order: Vec<String>,
    /// Largest `backoffLimit` a migration Job may have.
    #[serde(default, deserialize_with = "recover")]
    pub max_backoff_limit: Option<i64>,
}

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "sync-wave".into(),
            category: Category::Delivery,
            default_severity: Severity::Error,
            summary: "a sync-wave is not an integer, a migration's wave is not below its namespace's Deployments and StatefulSets, or migrations.waveOrder is not followed".into(),
            rationale: "Argo CD applies resources wave by wave and waits for each wave to be healthy. A \
migration in the same wave as the Deployment it prepares races it; migrations of databases that depend on \
each other (identity before auth before legal) must run in that order. A wave that is not an integer makes \
the sync fail."
                .into(),
            fix: "Give migration Jobs a wave below the workloads (e.g. `\"-1\"` when Deployments use the default \
0), and increasing waves in the order of `migrations.waveOrder`. Write waves as quoted integers: \
`argocd.argoproj.io/sync-wave: \"-2\"`."
                .into(),
            bad: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: api-migrate\n  namespace: shop\n  annotations:\n    argocd.argoproj.io/sync-wave: \"0\"\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n          image: ghcr.io/acme/api:1.4.0\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
            good: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: api-migrate\n  namespace: shop\n  annotations:\n    argocd.argoproj.io/sync-wave: \"-1\"\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n          image: ghcr.io/acme/api:1.4.0\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
        },
        check,
    )
    .reading(&[
        "/metadata/annotations/argocd.argoproj.io~1sync-wave",
        "Job:/metadata/annotations/argocd.argoproj.io~1hook",
        "Job:/metadata/annotations/helm.sh~1hook",
        "Job:/metadata/labels",
        "Job:{container}/command",
        "Job:{container}/args",
        "Job:{container}/image",
        "Job:{container}/env/*/value",
    ])
    .configured_by(&["migrations.waveOrder"])
}

/// Where an object's wave is written: its sync-wave annotation, else its
/// name (no annotation is wave 0).
fn wave_target(object: &Object) -> Target {
    let pointer = annotation_pointer(SYNC_WAVE);
    if object.node.pointer(&pointer).is_some() {
        Target::Value(pointer)
    } else {
        Target::Value("/metadata/name".to_owned())
    }
}

/// Whether a Job is ordered by Argo CD: it is a hook (Argo CD's, or
/// Helm's, which Argo CD maps) or has a wave. A migration Job with neither
/// is applied with the rest (`kubectl apply`, a script that waits for it):
/// `migration-hook` says it is no PreSync hook, and a wave it never wrote
/// is not one to compare.
fn takes_part_in_a_sync(job: &Object) -> bool {
    [SYNC_WAVE, ARGO_HOOK, HELM_HOOK]
        .iter()
        .any(|key| job.annotation(key).is_some())
}

fn wave_of(object: &Object) -> i64 {
    sync_wave(object).ok().flatten().unwrap_or(0)
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    for object in context.index.all() {
        if let Err(text) = sync_wave(object) {
            sink.push(
                Violation::at_value(
                    object,
                    annotation_pointer(SYNC_WAVE),
                    format!("sync-wave \"{text}\" is not an integer"),
                )
                .with_help("write the wave as a quoted integer, e.g. `argocd.argoproj.io/sync-wave: \"-1\"`"),
            );
        }
    }
    // The first workload of the lowest wave in each namespace, found in one
    // pass: scanning the namespace again for every migration Job grew with
    // the square of the input.
    let mut lowest_by_namespace: HashMap<&str, (i64, &Object)> = HashMap::new();
    for object in context.index.all() {
        let identity = &object.identity;
        if !(identity.is("apps", "Deployment") || identity.is("apps", "StatefulSet")) {
            continue;
        }
        let Some(namespace) = identity.namespace.as_deref() else {
            continue;
        };
        let wave = wave_of(object);
        lowest_by_namespace
            .entry(namespace)
            .and_modify(|lowest| {
                if wave < lowest.0 {
                    *lowest = (wave, object);
                }
            })
            .or_insert((wave, object));
    }
    for job in context
        .index
        .of_kind("Job")
        .filter(|job| is_migration_job(job) && takes_part_in_a_sync(job))
    {
        let Some(namespace) = job.identity.namespace.as_deref() else {
            continue;
        };
        let Some(&(lowest, workload)) = lowest_by_namespace.get(namespace) else {
            continue;
        };
        let wave = wave_of(job);
        if wave >= lowest {
            sink.push(
                Violation::at_value(
                    job,
                    annotation_pointer(SYNC_WAVE),
                    format!(
                        "migration Job `{}` is in wave {wave}, not before {} `{}` (wave {lowest}): it races the code that needs it",
                        job.identity.name, workload.identity.kind, workload.identity.name
                    ),
                )
                .with_help(format!(
                    "set `argocd.argoproj.io/sync-wave: \"{}\"` on the Job",
                    lowest.saturating_sub(1)
                ))
                .with_related(
                    workload,
                    wave_target(workload),
                    format!("{} `{}` syncs in wave {lowest}", workload.identity.kind, workload.identity.name),
                ),
            );
        }
    }
    check_wave_order(context, sink);
}

fn normalise(text: &str) -> String {
    text.to_lowercase().replace('_', "-")
}

/// Every text a Job is recognised by.
fn texts_of(job: &Object) -> Vec<String> {
    let mut texts = vec![job.identity.name.clone()];
    for (key, value) in job.labels() {
        texts.push(key.to_owned());
        texts.push(value.to_owned());
    }
    for container in containers(job) {
        for field in ["command", "args"] {
            if let Some(items) = container.node.get(field).and_then(Node::as_seq) {
                texts.extend(items.iter().filter_map(Node::as_str).map(str::to_owned));
            }
        }
        if let Some(env) = container.node.get("env").and_then(Node::as_seq) {
            texts.extend(
                env.iter()
                    .filter_map(|item| item.get("value").and_then(Node::as_str))
                    .map(str::to_owned),
            );
        }
    }
    texts.into_iter().map(|text| normalise(&text)).collect()
}

fn check_wave_order(context: &SetContext<'_>, sink: &mut Sink) {
    let order = &context.config.migrations.wave_order;
    if order.len() < 2 {
        return;
    }
    let entries: Vec<String> = order.iter().map(|entry| normalise(entry)).collect();
    // (entry index, wave, job), in input order.
    let mut members: Vec<(usize, i64, &Object)> = Vec::new();
    for job in context
        .index
        .of_kind("Job")
        .filter(|job| job.identity.group == "batch")
    {
        let texts = texts_of(job);
        if let Some(at) = entries
            .iter()
            .position(|entry| texts.iter().any(|text| text.contains(entry.as_str())))
        {
            members.push((at, wave_of(job), job));
        }
    }
    // For each entry of the order, the member of the highest wave among the
    // earlier entries (the last such member in input order on a tie), from
    // prefix maxima instead of a scan of every member per member.
    let mut highest_per_entry: Vec<Option<(i64, usize)>> = vec![None; entries.len()];
    for (position, (at, wave, _)) in members.iter().enumerate() {
        if let Some(slot) = highest_per_entry.get_mut(*at) {
            *slot = (*slot).max(Some((*wave, position)));
        }
    }
    let mut highest_before: Vec<Option<(i64, usize)>> = Vec::with_capacity(entries.len());
    let mut running = None;
    for highest in &highest_per_entry {
        highest_before.push(running);
        running = running.max(*highest);
    }
    for (at, wave, job) in &members {
        let earlier = highest_before
            .get(*at)
            .copied()
            .flatten()
            .and_then(|(_, position)| members.get(position));
        let Some((earlier_at, earlier_wave, earlier_job)) = earlier else {
            continue;
        };
        if wave <= earlier_wave {
            let (Some(name), Some(earlier_name)) = (order.get(*at), order.get(*earlier_at)) else {
                continue;
            };
            sink.push(
                Violation::at_value(
                    job,
                    annotation_pointer(SYNC_WAVE),
                    format!(
                        "migration Job `{}` ({name}, wave {wave}) does not run after `{}` ({earlier_name}, wave {earlier_wave}): migrations.waveOrder is {}",
                        job.identity.name,
                        earlier_job.identity.name,
                        order.join(", ")
                    ),
                )
                .with_help(format!(
                    "give `{}` a wave above {earlier_wave}",
                    job.identity.name
                ))
                .with_related(
                    earlier_job,
                    wave_target(earlier_job),
                    format!("`{}` ({earlier_name}) syncs in wave {earlier_wave}", earlier_job.identity.name),
                )
                .configured_at("migrations.waveOrder", "migrations.waveOrder configured here"),
            );
        }
    }
}
