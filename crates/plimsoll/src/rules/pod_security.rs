//! `pod-security`: a pod breaks the Pod Security Standards "restricted"
//! profile in one of the ways that matter most.
//!
//! Reported, one finding each, pointing at the offending value (or at the
//! nearest existing key when a required setting is missing):
//! - `hostNetwork`, `hostPID` or `hostIPC` set to true;
//! - a `hostPath` volume;
//! - a container with `privileged: true`;
//! - a container whose `allowPrivilegeEscalation` is not `false`
//!   (Kubernetes defaults it to true);
//! - a container that may run as root: `runAsUser: 0`, or `runAsNonRoot`
//!   not true on the container nor on the pod and no non-zero `runAsUser`
//!   either (an explicit non-zero user cannot be root, so it is accepted
//!   although "restricted" also wants the flag);
//! - added capabilities other than `NET_BIND_SERVICE`.
//!
//! Every container list is checked (`containers`, `initContainers`,
//! `ephemeralContainers`); the container's `securityContext` overrides the
//! pod's, as in Kubernetes. `seccompProfile` and `drop: [ALL]`, also part of
//! "restricted", are left to admission: the rule reports what widens a pod's
//! reach, not every hardening knob.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::{containers, pod_spec};
use crate::yaml::{Node, Value};

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "pod-security".into(),
            category: Category::Workloads,
            default_severity: Severity::Warning,
            summary: "privileged, privilege escalation allowed, root user, host namespaces, hostPath or added capabilities (Pod Security Standards restricted)".into(),
            rationale: "Each of these gives a compromised container a way out: to the node's processes, \
network or files, or to root. Namespaces enforcing the `restricted` Pod Security Standard reject such pods at \
admission, which is a late and confusing place to find out."
                .into(),
            fix: "Set `securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: \
{drop: [ALL]}}` on each container, drop `privileged`, `hostNetwork`/`hostPID`/`hostIPC` and `hostPath` volumes; \
if a workload truly needs them (node agents), suppress the finding on it with a reason."
                .into(),
            bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.4.0\n      securityContext:\n        privileged: true\n".into(),
            good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.4.0\n      securityContext:\n        allowPrivilegeEscalation: false\n        capabilities:\n          drop: [ALL]\n".into(),
        },
        check,
    )
}

fn is_true(node: Option<&Node>) -> bool {
    node.and_then(Node::as_bool) == Some(true)
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let Some((spec_pointer, spec)) = pod_spec(object) else {
        return;
    };
    let help = "run it under the restricted Pod Security Standard, or suppress this finding with a reason if it is a node agent that needs it";
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if is_true(spec.get(field)) {
            sink.push(
                Violation::at_value(
                    object,
                    format!("{spec_pointer}/{field}"),
                    format!("the pod shares the node's namespace ({field}: true)"),
                )
                .with_help(help),
            );
        }
    }
    for (at, volume) in spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if volume.get("hostPath").is_some() {
            let name = volume.get("name").and_then(Node::as_str).unwrap_or("");
            sink.push(
                Violation::at_key(
                    object,
                    format!("{spec_pointer}/volumes/{at}/hostPath"),
                    format!("volume {name} mounts a path of the node (hostPath)"),
                )
                .with_help(
                    "use a persistentVolumeClaim, configMap, secret or emptyDir volume instead",
                ),
            );
        }
    }
    let pod_context = spec.get("securityContext");
    let pod_non_root = is_true(pod_context.and_then(|c| c.get("runAsNonRoot")));
    let pod_user = pod_context
        .and_then(|c| c.get("runAsUser"))
        .and_then(Node::as_i64);
    for container in containers(object) {
        let container_name = container.describe();
        let security = container.node.get("securityContext");
        let field = |key: &str| security.and_then(|context| context.get(key));
        let pointer = |key: &str| container.pointer(&format!("securityContext/{key}"));
        if is_true(field("privileged")) {
            sink.push(
                Violation::at_value(
                    object,
                    pointer("privileged"),
                    format!("{container_name} is privileged"),
                )
                .with_help("remove `privileged: true`; grant the one capability it needs instead"),
            );
        }
        if field("allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false) {
            sink.push(
                Violation::at_value(
                    object,
                    pointer("allowPrivilegeEscalation"),
                    format!("{container_name} does not set allowPrivilegeEscalation: false"),
                )
                .with_help(
                    "set `securityContext.allowPrivilegeEscalation: false` on the container",
                ),
            );
        }
        let user = field("runAsUser").and_then(Node::as_i64).or(pod_user);
        let non_root = match field("runAsNonRoot").and_then(Node::as_bool) {
            Some(flag) => flag,
            None => pod_non_root,
        };
        if user == Some(0) {
            let at = if field("runAsUser").is_some() {
                pointer("runAsUser")
            } else {
                format!("{spec_pointer}/securityContext/runAsUser")
            };
            sink.push(
                Violation::at_value(
                    object,
                    at,
                    format!("{container_name} runs as root (runAsUser: 0)"),
                )
                .with_help("run as a non-zero user and set `runAsNonRoot: true`"),
            );
        } else if !non_root && user.is_none() {
            sink.push(
                Violation::at_value(
                    object,
                    pointer("runAsNonRoot"),
                    format!("{container_name} may run as root (neither runAsNonRoot: true nor a non-zero runAsUser)"),
                )
                .with_help(
                    "set `runAsNonRoot: true` on the container or in the pod's securityContext",
                ),
            );
        }
        let added = field("capabilities")
            .and_then(|capabilities| capabilities.get("add"))
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (at, capability) in added.iter().enumerate() {
            let text = match &capability.value {
                Value::String(text) => text.as_str(),
                _ => continue,
            };
            let bare = text.strip_prefix("CAP_").unwrap_or(text);
            if !bare.eq_ignore_ascii_case("NET_BIND_SERVICE") {
                sink.push(
                    Violation::at_value(
                        object,
                        pointer(&format!("capabilities/add/{at}")),
                        format!("{container_name} adds capability {text}"),
                    )
                    .with_help(
                        "drop it; only NET_BIND_SERVICE may be added under the restricted standard",
                    ),
                );
            }
        }
    }
}
