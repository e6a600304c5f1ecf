//! `pod-security`: a pod breaks a control of the Kubernetes Pod Security
//! Standard chosen by `podSecurity` (`baseline` or `restricted`, default
//! `restricted`), as the PodSecurity admission controller judges it.
//!
//! Baseline (both levels), one finding per offending value:
//! - `hostNetwork`, `hostPID` or `hostIPC` true; a `hostPath` volume; a
//!   container `ports[].hostPort` other than 0;
//! - `privileged: true`; Windows `windowsOptions.hostProcess: true` (pod or
//!   container);
//! - `capabilities.add` outside the baseline list (AUDIT_WRITE, CHOWN,
//!   DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP,
//!   SETGID, SETPCAP, SETUID, SYS_CHROOT);
//! - `procMount` other than `Default`;
//! - `seccompProfile.type: Unconfined`; an AppArmor profile other than
//!   `RuntimeDefault`/`Localhost` (`appArmorProfile.type`, or the
//!   `container.apparmor.security.beta.kubernetes.io/*` annotation other
//!   than `runtime/default`/`localhost/*`);
//! - `seLinuxOptions` with a `type` other than `container_t`,
//!   `container_init_t`, `container_kvm_t`, `container_engine_t`, or any
//!   `user` or `role`;
//! - a sysctl outside the safe list (see [`SAFE_SYSCTLS`]).
//!
//! Restricted adds:
//! - volumes other than configMap, csi, downwardAPI, emptyDir, ephemeral,
//!   persistentVolumeClaim, projected and secret (hostPath is already
//!   baseline's);
//! - `allowPrivilegeEscalation` not false (absent means true), said apart
//!   from an explicit `true`;
//! - `runAsNonRoot` not true (on the container, else the pod), and
//!   `runAsUser: 0` anywhere; a pod with `hostUsers: false` runs in its own
//!   user namespace, where root is not the node's root, and is exempt from
//!   both (as with the UserNamespacesPodSecurityStandards feature);
//! - no `seccompProfile` of type `RuntimeDefault`/`Localhost` on the pod or
//!   on every container (one finding per pod, naming the containers);
//! - `capabilities.drop` without `ALL`, and any added capability other than
//!   `NET_BIND_SERVICE`.
//!
//! As in the standard, a pod with `os.name: windows` is exempt from the
//! Linux-only restricted controls (privilege escalation, seccomp,
//! capabilities). Every container list is checked (`containers`,
//! `initContainers`, `ephemeralContainers`); a container's `securityContext`
//! overrides the pod's. A required setting that is missing is reported at
//! the nearest key that exists.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::fix::Fix;
use crate::model::workload::pod_labels_pointer;
use crate::model::{containers, pod_spec, Container, Object};
use crate::yaml::Node;

/// A level of the Kubernetes Pod Security Standards that `pod-security`
/// holds pods to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurityLevel {
    /// Blocks the known privilege escalations (host namespaces, privileged,
    /// hostPath, dangerous capabilities, …).
    Baseline,
    /// Baseline plus current hardening practice (non-root, no privilege
    /// escalation, seccomp, `drop: [ALL]`, restricted volume types).
    #[default]
    Restricted,
}

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "pod-security".into(),
            category: Category::Workloads,
            default_severity: Severity::Warning,
            summary: "a pod breaks a control of the Pod Security Standard chosen by `podSecurity` (default restricted)".into(),
            rationale: "Each control closes a way out of a container: to the node's processes, network or \
files, to kernel features, or to root. Namespaces that enforce a Pod Security Standard reject such pods at \
admission, which is a late and confusing place to find out. `podSecurity: baseline` checks privileged, host \
namespaces, hostPath, hostPort, capabilities beyond the baseline list, procMount, seccomp `Unconfined`, \
AppArmor, SELinux options, unsafe sysctls and Windows hostProcess; `restricted` (the default) adds the \
restricted volume types, `allowPrivilegeEscalation: false`, `runAsNonRoot: true` and no `runAsUser: 0` \
(not required with `hostUsers: false`), a `RuntimeDefault` or `Localhost` seccomp profile, and \
`capabilities: {drop: [ALL]}` with only NET_BIND_SERVICE added. The message names the control and what the \
field holds."
                .into(),
            fix: "Set `securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}` on the pod \
and `securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}` on each container; drop \
`privileged`, host namespaces, host ports and `hostPath` volumes. If a workload truly needs them (node \
agents), suppress the finding on it with a reason, or choose `podSecurity: baseline`."
                .into(),
            bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.4.0\n      securityContext:\n        privileged: true\n".into(),
            good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.4.0\n      securityContext:\n        allowPrivilegeEscalation: false\n        capabilities:\n          drop: [ALL]\n".into(),
        },
        check,
    )
    .offering_fix(
        "sets `allowPrivilegeEscalation: false` in the `securityContext` of a container that leaves it unset",
    )
    .configured_by(&["podSecurity"])
}

/// Capabilities the baseline standard lets a container add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls the baseline standard allows (the kubelet's safe set, as of
/// Kubernetes 1.32).
pub(super) const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

/// SELinux types the baseline standard allows.
const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Volume types the restricted standard allows.
const RESTRICTED_VOLUME_TYPES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

fn is_true(node: Option<&Node>) -> bool {
    node.and_then(Node::as_bool) == Some(true)
}

/// A scalar as written, for messages.
fn shown(node: &Node) -> String {
    match node.to_json() {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    }
}

/// Reports of one pod, with the standard's name for the control.
struct Report<'a, 's> {
    object: &'a Object,
    sink: &'s mut Sink,
}

impl Report<'_, '_> {
    fn push(&mut self, pointer: String, message: String, help: &str) {
        self.sink
            .push(Violation::at_value(self.object, pointer, message).with_help(help));
    }

    /// A finding whose fix sets the value at `pointer` to `yaml`.
    fn push_fixable(&mut self, pointer: String, message: String, help: &str, yaml: &str) {
        let fix = Fix::set(help.trim_matches('`').to_owned(), pointer.clone(), yaml);
        self.sink.push(
            Violation::at_value(self.object, pointer, message)
                .with_help(help)
                .with_fix(fix),
        );
    }
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let Some((spec_pointer, spec)) = pod_spec(object) else {
        return;
    };
    let restricted = context.config.pod_security == PodSecurityLevel::Restricted;
    let linux = spec.pointer("/os/name").and_then(Node::as_str) != Some("windows");
    let mut report = Report { object, sink };
    let pod_context = spec.get("securityContext");
    let pod_field = |key: &str| pod_context.and_then(|context| context.get(key));
    let pod_pointer = |key: &str| format!("{spec_pointer}/securityContext/{key}");

    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if is_true(spec.get(field)) {
            report.push(
                format!("{spec_pointer}/{field}"),
                format!("the pod shares the node's namespace ({field}: true): host namespaces"),
                "remove it; suppress this finding with a reason if it is a node agent that needs it",
            );
        }
    }
    check_volumes(&mut report, spec_pointer, spec, restricted);
    check_common(&mut report, "the pod", pod_context, &|key| pod_pointer(key));
    for (at, sysctl) in pod_field("sysctls")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(name) = sysctl.get("name").and_then(Node::as_str) else {
            continue;
        };
        if !SAFE_SYSCTLS.contains(&name) {
            report.push(
                pod_pointer(&format!("sysctls/{at}/name")),
                format!("the pod sets sysctl {name}, which is not in the safe set: sysctls"),
                "remove it, or set it on the node; only the safe sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, …) are allowed",
            );
        }
    }
    check_apparmor_annotations(&mut report, object);

    let all_containers = containers(object);
    for container in &all_containers {
        check_container(&mut report, container, restricted, linux);
    }
    if !restricted {
        return;
    }
    let own_user_namespace = spec.get("hostUsers").and_then(Node::as_bool) == Some(false);
    if !own_user_namespace {
        check_run_as_root(&mut report, spec_pointer, pod_context, &all_containers);
    }
    if linux {
        check_seccomp_set(&mut report, spec_pointer, pod_context, &all_containers);
    }
}

/// hostPath (baseline) and the restricted volume types.
fn check_volumes(report: &mut Report<'_, '_>, spec_pointer: &str, spec: &Node, restricted: bool) {
    for (at, volume) in spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("");
        let volume_name = if name.is_empty() {
            format!("volume #{}", at + 1)
        } else {
            format!("volume {name}")
        };
        if volume.get("hostPath").is_some() {
            report.sink.push(
                Violation::at_key(
                    report.object,
                    format!("{spec_pointer}/volumes/{at}/hostPath"),
                    format!("{volume_name} mounts a path of the node (hostPath): hostPath volumes"),
                )
                .with_help(
                    "use a persistentVolumeClaim, configMap, secret or emptyDir volume instead",
                ),
            );
            continue;
        }
        if !restricted {
            continue;
        }
        let source = volume
            .as_map()
            .unwrap_or_default()
            .iter()
            .map(|entry| entry.key.as_str())
            .find(|key| *key != "name");
        if let Some(kind) = source.filter(|kind| !RESTRICTED_VOLUME_TYPES.contains(kind)) {
            report.sink.push(
                Violation::at_key(
                    report.object,
                    format!("{spec_pointer}/volumes/{at}/{kind}"),
                    format!("{volume_name} is of type {kind}: restricted volume types allow only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret"),
                )
                .with_help("mount the storage through a persistentVolumeClaim (or a csi volume) instead"),
            );
        }
    }
}

/// The controls a pod's and a container's `securityContext` share:
/// Windows hostProcess, seccomp `Unconfined`, AppArmor and SELinux.
fn check_common(
    report: &mut Report<'_, '_>,
    who: &str,
    security: Option<&Node>,
    pointer: &dyn Fn(&str) -> String,
) {
    let field = |path: &str| security.and_then(|context| context.pointer(&format!("/{path}")));
    if is_true(field("windowsOptions/hostProcess")) {
        report.push(
            pointer("windowsOptions/hostProcess"),
            format!("{who} runs as a Windows host process (windowsOptions.hostProcess: true): HostProcess"),
            "remove it; host processes have the node's full access",
        );
    }
    if let Some(kind) = field("seccompProfile/type").and_then(Node::as_str) {
        if kind == "Unconfined" {
            report.push(
                pointer("seccompProfile/type"),
                format!("{who} turns seccomp off (seccompProfile.type: Unconfined): seccomp"),
                "use `seccompProfile: {type: RuntimeDefault}` (or a Localhost profile)",
            );
        }
    }
    if let Some(kind) = field("appArmorProfile/type").and_then(Node::as_str) {
        if kind != "RuntimeDefault" && kind != "Localhost" {
            report.push(
                pointer("appArmorProfile/type"),
                format!("{who} sets appArmorProfile.type: {kind}: AppArmor allows only RuntimeDefault or Localhost"),
                "use `appArmorProfile: {type: RuntimeDefault}` or remove it",
            );
        }
    }
    if let Some(options) = field("seLinuxOptions") {
        if let Some(kind) = options
            .get("type")
            .and_then(Node::as_str)
            .filter(|kind| !kind.is_empty() && !SELINUX_TYPES.contains(kind))
        {
            report.push(
                pointer("seLinuxOptions/type"),
                format!("{who} sets seLinuxOptions.type: {kind}: SELinux allows only container_t, container_init_t, container_kvm_t or container_engine_t"),
                "remove the SELinux type, or use one the standard allows",
            );
        }
        for key in ["user", "role"] {
            if let Some(value) = options
                .get(key)
                .and_then(Node::as_str)
                .filter(|value| !value.is_empty())
            {
                report.push(
                    pointer(&format!("seLinuxOptions/{key}")),
                    format!("{who} sets seLinuxOptions.{key}: {value}: SELinux forbids a custom user or role"),
                    "remove the SELinux user and role",
                );
            }
        }
    }
}

/// AppArmor profiles set by the (deprecated) per-container annotation.
fn check_apparmor_annotations(report: &mut Report<'_, '_>, object: &Object) {
    let Some(labels) = pod_labels_pointer(object) else {
        return;
    };
    let annotations = format!(
        "{}/annotations",
        labels.strip_suffix("/labels").unwrap_or("/metadata")
    );
    for entry in object
        .node
        .pointer(&annotations)
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(container) = entry.key.as_str().strip_prefix(APPARMOR_ANNOTATION) else {
            continue;
        };
        let Some(profile) = entry.value.as_str() else {
            continue;
        };
        if profile != "runtime/default" && !profile.starts_with("localhost/") {
            let mut at = annotations.clone();
            crate::yaml::push_pointer(&mut at, &entry.key);
            report.push(
                at,
                format!("the AppArmor annotation of container {container} is {profile}: AppArmor allows only runtime/default or localhost/*"),
                "use `runtime/default` or a `localhost/` profile",
            );
        }
    }
}

fn check_container(
    report: &mut Report<'_, '_>,
    container: &Container<'_>,
    restricted: bool,
    linux: bool,
) {
    let who = container.describe();
    let security = container.node.get("securityContext");
    let field = |key: &str| security.and_then(|context| context.get(key));
    let pointer = |key: &str| container.pointer(&format!("securityContext/{key}"));
    if is_true(field("privileged")) {
        report.push(
            pointer("privileged"),
            format!("{who} is privileged (privileged: true): privileged containers"),
            "remove `privileged: true`; grant the one capability it needs instead",
        );
    }
    check_common(report, &who, security, &pointer);
    if let Some(mount) = field("procMount").and_then(Node::as_str) {
        if mount != "Default" {
            report.push(
                pointer("procMount"),
                format!("{who} sets procMount: {mount}: /proc mount type allows only Default"),
                "remove procMount",
            );
        }
    }
    for (at, port) in container
        .node
        .get("ports")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(host_port) = port
            .get("hostPort")
            .filter(|value| value.as_i64() != Some(0) && !value.is_null())
        {
            report.push(
                container.pointer(&format!("ports/{at}/hostPort")),
                format!(
                    "{who} binds a port of the node (hostPort: {}): host ports",
                    shown(host_port)
                ),
                "remove hostPort; reach the pod through a Service",
            );
        }
    }
    let capabilities = field("capabilities");
    let added = capabilities
        .and_then(|capabilities| capabilities.get("add"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for (at, capability) in added.iter().enumerate() {
        let Some(text) = capability.as_str() else {
            continue;
        };
        let bare = text
            .strip_prefix("CAP_")
            .unwrap_or(text)
            .to_ascii_uppercase();
        let (allowed, control) = if restricted && linux {
            (
                bare == "NET_BIND_SERVICE",
                "the restricted standard allows adding only NET_BIND_SERVICE",
            )
        } else {
            (
                BASELINE_CAPABILITIES.contains(&bare.as_str()),
                "capabilities beyond the baseline list",
            )
        };
        if !allowed {
            report.push(
                pointer(&format!("capabilities/add/{at}")),
                format!("{who} adds capability {text}: {control}"),
                "drop it; grant only what the process needs",
            );
        }
    }
    if !restricted || !linux {
        return;
    }
    match field("allowPrivilegeEscalation").and_then(Node::as_bool) {
        Some(false) => {}
        Some(true) => report.push(
            pointer("allowPrivilegeEscalation"),
            format!("{who} allows privilege escalation (allowPrivilegeEscalation: true): the restricted standard wants false"),
            "set `allowPrivilegeEscalation: false`",
        ),
        // Unset: setting it changes nothing the workload asked for.
        None => report.push_fixable(
            pointer("allowPrivilegeEscalation"),
            format!("{who} does not set allowPrivilegeEscalation: false (Kubernetes defaults it to true): privilege escalation"),
            "set `securityContext.allowPrivilegeEscalation: false` on the container",
            "false",
        ),
    }
    let drops_all = capabilities
        .and_then(|capabilities| capabilities.get("drop"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|item| item.as_str() == Some("ALL"));
    if !drops_all {
        let holds = match capabilities.and_then(|c| c.get("drop")) {
            Some(drop) if !drop.is_null() => format!(
                "capabilities.drop: [{}]",
                drop.as_seq()
                    .unwrap_or_default()
                    .iter()
                    .map(shown)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "no capabilities.drop".to_owned(),
        };
        report.push(
            pointer("capabilities/drop"),
            format!("{who} does not drop ALL capabilities ({holds}): the restricted standard wants drop: [ALL]"),
            "set `capabilities: {drop: [ALL]}` (add back NET_BIND_SERVICE if it binds a low port)",
        );
    }
}

/// Running as non-root: `runAsNonRoot` true on every container (its own,
/// else the pod's), and `runAsUser: 0` nowhere.
fn check_run_as_root(
    report: &mut Report<'_, '_>,
    spec_pointer: &str,
    pod_context: Option<&Node>,
    all_containers: &[Container<'_>],
) {
    let pod_field = |key: &str| pod_context.and_then(|context| context.get(key));
    if pod_field("runAsUser").and_then(Node::as_i64) == Some(0) {
        report.push(
            format!("{spec_pointer}/securityContext/runAsUser"),
            "the pod runs as root (runAsUser: 0): running as non-root user".to_owned(),
            "run as a non-zero user and set `runAsNonRoot: true`",
        );
    }
    let pod_non_root = pod_field("runAsNonRoot").and_then(Node::as_bool);
    for container in all_containers {
        let who = container.describe();
        let security = container.node.get("securityContext");
        let field = |key: &str| security.and_then(|context| context.get(key));
        let pointer = |key: &str| container.pointer(&format!("securityContext/{key}"));
        if field("runAsUser").and_then(Node::as_i64) == Some(0) {
            report.push(
                pointer("runAsUser"),
                format!("{who} runs as root (runAsUser: 0): running as non-root user"),
                "run as a non-zero user and set `runAsNonRoot: true`",
            );
            continue;
        }
        match field("runAsNonRoot")
            .and_then(Node::as_bool)
            .or(pod_non_root)
        {
            Some(true) => {}
            Some(false) => {
                let at = if field("runAsNonRoot").is_some() {
                    pointer("runAsNonRoot")
                } else {
                    format!("{spec_pointer}/securityContext/runAsNonRoot")
                };
                report.push(
                    at,
                    format!("{who} may run as root (runAsNonRoot: false): running as non-root"),
                    "set `runAsNonRoot: true` and a non-zero user in the image or `runAsUser`",
                );
            }
            None => {
                let user = field("runAsUser")
                    .or_else(|| pod_field("runAsUser"))
                    .and_then(Node::as_i64);
                let holds = match user {
                    Some(user) => format!("runAsUser is {user}, but runAsNonRoot is not set"),
                    None => "neither runAsNonRoot nor runAsUser is set".to_owned(),
                };
                report.push(
                    pointer("runAsNonRoot"),
                    format!("{who} does not set runAsNonRoot: true ({holds}): running as non-root"),
                    "set `runAsNonRoot: true` on the container or in the pod's securityContext",
                );
            }
        }
    }
}

/// Seccomp: `RuntimeDefault` or `Localhost` on the pod, or on every
/// container that does not inherit it. One finding per pod.
fn check_seccomp_set(
    report: &mut Report<'_, '_>,
    spec_pointer: &str,
    pod_context: Option<&Node>,
    all_containers: &[Container<'_>],
) {
    let confined = |context: Option<&Node>| {
        context
            .and_then(|c| c.pointer("/seccompProfile/type"))
            .and_then(Node::as_str)
            .is_some_and(|kind| kind == "RuntimeDefault" || kind == "Localhost")
    };
    let explicitly_set = |context: Option<&Node>| {
        context
            .and_then(|c| c.pointer("/seccompProfile/type"))
            .is_some()
    };
    if confined(pod_context) {
        return;
    }
    let unset: Vec<String> = all_containers
        .iter()
        .filter(|container| !explicitly_set(container.node.get("securityContext")))
        .map(Container::describe)
        .collect();
    if unset.is_empty() || explicitly_set(pod_context) {
        // Every container says its own; an Unconfined one is reported as a
        // baseline finding. A pod-level Unconfined is reported likewise.
        return;
    }
    let mut names = unset.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if unset.len() > 3 {
        names.push_str(&format!(" and {} more", unset.len() - 3));
    }
    report.push(
        format!("{spec_pointer}/securityContext/seccompProfile"),
        format!("the pod sets no seccompProfile, nor does {names}: the restricted standard wants RuntimeDefault or Localhost"),
        "set `securityContext: {seccompProfile: {type: RuntimeDefault}}` on the pod",
    );
}
