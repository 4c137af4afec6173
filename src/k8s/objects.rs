//! Kubernetes objects as users write them: the manifest types vipsim reads
//! (core, apps, MetalLB, Cilium, Gateway API), with the fields that affect
//! networking typed and checked. Fields that exist in the real API but do
//! not change what vipsim simulates are accepted and kept (so real
//! manifests load unchanged) and reported by the loader as "ignored"
//! ([`IGNORED_FIELDS`]); anything else is an error (`deny_unknown_fields`),
//! which is how typos are caught.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A field the real API has but vipsim does not simulate.
pub type Ignored = Option<Value>;

/// `(kind, field path)` pairs the loader reports as ignored when present.
/// `[]` marks list items.
pub const IGNORED_FIELDS: &[(&str, &str)] = &[
    ("*", "metadata.uid"),
    ("*", "metadata.resourceVersion"),
    ("*", "metadata.generation"),
    ("*", "metadata.creationTimestamp"),
    ("*", "metadata.managedFields"),
    ("*", "metadata.finalizers"),
    ("*", "metadata.ownerReferences"),
    ("*", "status"),
    ("Deployment", "spec.progressDeadlineSeconds"),
    ("Deployment", "spec.minReadySeconds"),
    ("*", "spec.template.spec.volumes"),
    ("*", "spec.template.spec.serviceAccountName"),
    ("*", "spec.template.spec.securityContext"),
    ("*", "spec.template.spec.initContainers"),
    ("*", "spec.template.spec.affinity.nodeAffinity"),
    ("*", "spec.template.spec.affinity.podAffinity"),
    ("*", "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"),
    ("*", "spec.template.spec.containers[].resources"),
    ("*", "spec.template.spec.containers[].env[].valueFrom"),
    ("*", "spec.template.spec.containers[].volumeMounts"),
    ("*", "spec.template.spec.containers[].livenessProbe"),
    ("*", "spec.template.spec.containers[].startupProbe"),
    ("*", "spec.template.spec.containers[].imagePullPolicy"),
    ("*", "spec.template.spec.containers[].securityContext"),
    ("*", "spec.template.spec.containers[].lifecycle.postStart"),
    ("*", "spec.template.spec.containers[].lifecycle.stopSignal"),
    ("*", "spec.template.spec.containers[].readinessProbe.httpGet"),
    ("*", "spec.template.spec.containers[].readinessProbe.tcpSocket"),
    ("*", "spec.template.spec.containers[].readinessProbe.exec"),
    ("Service", "spec.clusterIPs"),
    ("BGPAdvertisement", "spec.communities"),
    ("BGPAdvertisement", "spec.localPref"),
    ("BGPPeer", "spec.password"),
    ("BGPPeer", "spec.ebgpMultiHop"),
];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_fields: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalizers: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_references: Ignored,
}

/// Labels and annotations of a pod template (no name).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateMeta {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// An empty selector matches everything (Kubernetes' LabelSelector semantics).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_with(|key| labels.get(key).map(String::as_str))
    }

    /// [`LabelSelector::matches`] against the labels `label` looks up (an
    /// object's own, with others that are not stored in a map).
    pub fn matches_with<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.match_labels.iter().all(|(k, v)| label(k) == Some(v.as_str()))
            && self.match_expressions.iter().all(|r| {
                let v = label(&r.key);
                match r.operator {
                    SelectorOperator::In => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    SelectorOperator::NotIn => v.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                    SelectorOperator::Exists => v.is_some(),
                    SelectorOperator::DoesNotExist => v.is_none(),
                }
            })
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// An integer or a port name (Service `targetPort`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(u16),
    String(String),
}

/// Read by a visitor rather than `#[serde(untagged)]`, which buffers the
/// value and tries each variant: a bad value is reported at the value, and
/// the wasm carries no buffered copy.
impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a port number (1-65535) or a port name")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<IntOrString, E> {
                u16::try_from(n)
                    .map(IntOrString::Int)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<IntOrString, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(n), &self)),
                }
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(s.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------
// core/v1 and apps/v1
// ---------------------------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerPort {
    pub container_port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// The parts of a readiness probe that decide *when* a pod becomes ready
/// (what it checks is assumed to pass once the app runs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Probe {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_get: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Ignored,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Container {
    pub name: String,
    pub image: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
}

/// `containers[].lifecycle`: the preStop hook is modelled (it delays
/// SIGTERM), postStart is ignored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lifecycle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<LifecycleHandler>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_start: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Ignored,
}

/// A lifecycle hook: `exec`, `httpGet`, `sleep` (or the deprecated `tcpSocket`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleHandler {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_get: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep: Option<SleepAction>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecAction {
    #[serde(default)]
    pub command: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SleepAction {
    pub seconds: i64,
}

/// How long a preStop hook takes, as vipsim reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum PreStop {
    /// `sleep: {seconds: N}`, or an `exec` that only sleeps
    /// (`["sleep", "N"]`, `["/bin/sh", "-c", "sleep N"]`): N seconds.
    Sleeps(crate::time::Duration),
    /// Any other `exec`, `httpGet` or `tcpSocket`: taken to return at once;
    /// the text says what it is, for the loader's warning.
    Unmodelled(String),
}

impl LifecycleHandler {
    pub fn pre_stop(&self) -> PreStop {
        if let Some(sleep) = &self.sleep {
            return PreStop::Sleeps(crate::time::Duration::from_secs(sleep.seconds.max(0) as u64));
        }
        if let Some(exec) = &self.exec {
            return match sleep_command(&exec.command) {
                Some(d) => PreStop::Sleeps(d),
                None => PreStop::Unmodelled(format!("`exec` {:?}", exec.command)),
            };
        }
        if self.http_get.is_some() {
            return PreStop::Unmodelled("`httpGet`".into());
        }
        if self.tcp_socket.is_some() {
            return PreStop::Unmodelled("`tcpSocket`".into());
        }
        // No handler at all: the API server refuses it ("must specify a
        // handler type"); vipsim runs nothing.
        PreStop::Unmodelled("with no handler".into())
    }
}

/// The seconds of a command that only sleeps: `sleep N` run directly or by
/// a shell (`sh -c`, `bash -c`), N a number of seconds (GNU sleep's
/// optional `s` suffix allowed).
fn sleep_command(command: &[String]) -> Option<crate::time::Duration> {
    let words: Vec<&str> = match command {
        [shell, flag, script] if is_program(shell, &["sh", "bash", "ash", "dash"]) && flag == "-c" => {
            script.split_whitespace().collect()
        }
        _ => command.iter().map(String::as_str).collect(),
    };
    let [program, seconds] = words.as_slice() else { return None };
    if !is_program(program, &["sleep"]) {
        return None;
    }
    let number = seconds.strip_suffix('s').unwrap_or(seconds);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let millis: u64 = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
        digits.parse().ok()?
    };
    Some(crate::time::Duration::from_millis(whole * 1000 + millis))
}

/// `program` names one of `names`, by itself or by path (`/bin/sleep`).
fn is_program(program: &str, names: &[&str]) -> bool {
    let base = program.rsplit('/').next().unwrap_or(program);
    names.contains(&base)
}

impl Container {
    /// The value of an environment variable set with `value` (not `valueFrom`).
    pub fn env_value(&self, name: &str) -> Option<&str> {
        self.env.as_ref()?.as_array()?.iter().find(|e| e["name"] == name)?["value"].as_str()
    }

    /// The TCP ports the container's process listens on: the one the
    /// modelled app picks from its flags, environment or default
    /// ([`App::listen_port`](crate::net::apps::App::listen_port)); for an
    /// image vipsim does not model, a guess: the declared `containerPort`s
    /// and the port a common listen flag names.
    pub fn listen_ports(&self) -> Vec<u16> {
        use crate::net::apps::App;
        match App::listen_port(&self.image, &self.args, self.env_value("PORT")) {
            Some(port) => vec![port],
            None => self.ports.iter().map(|p| p.container_port).chain(App::flag_port(&self.args)).collect(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodAffinityTerm {
    #[serde(default)]
    pub label_selector: LabelSelector,
    pub topology_key: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodAntiAffinity {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_during_scheduling_ignored_during_execution: Vec<PodAffinityTerm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_during_scheduling_ignored_during_execution: Ignored,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Affinity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_anti_affinity: Option<PodAntiAffinity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_affinity: Ignored,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WhenUnsatisfiable {
    #[default]
    DoNotSchedule,
    ScheduleAnyway,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TopologySpreadConstraint {
    pub max_skew: u32,
    pub topology_key: String,
    #[serde(default)]
    pub when_unsatisfiable: WhenUnsatisfiable,
    #[serde(default)]
    pub label_selector: LabelSelector,
    /// Labels of the incoming pod whose values narrow `labelSelector`
    /// (`[pod-template-hash]`: count only the pods of the same ReplicaSet).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_label_keys: Vec<String>,
}

impl TopologySpreadConstraint {
    /// The pods this constraint counts for `pod`: `labelSelector` ANDed
    /// with the pod's own values of `matchLabelKeys` (keys the pod lacks
    /// are ignored), as kube-scheduler's PodTopologySpread plugin does
    /// (KEP-3243, on by default since 1.27).
    pub fn selector_for(&self, pod_labels: &BTreeMap<String, String>) -> LabelSelector {
        let mut s = self.label_selector.clone();
        for key in &self.match_label_keys {
            if let Some(v) = pod_labels.get(key) {
                s.match_labels.insert(key.clone(), v.clone());
            }
        }
        s
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_containers: Ignored,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
}

/// The effect of a node taint, or the one a toleration matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// How a toleration compares its value: `Equal` (the default) or `Exists`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TolerationOperator {
    #[default]
    Equal,
    Exists,
}

/// A node taint: what kube-scheduler and the taint eviction controller
/// compare tolerations against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: &'static str,
    pub value: &'static str,
    pub effect: TaintEffect,
}

/// The taint a cordoned node carries (`node.kubernetes.io/unschedulable`).
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// The taint of a node whose Ready condition is Unknown.
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// The taint of a node whose Ready condition is False.
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";

/// `spec.tolerations[]` of a pod (core/v1 `Toleration`, Kubernetes 1.34).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<TolerationOperator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// `ToleratesTaint` (k8s.io/api core/v1 toleration.go, 1.34): an empty
    /// effect matches every effect, an empty key every key (with
    /// `Exists`); `Equal` compares the values, `Exists` ignores them.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        if self.key.as_deref().is_some_and(|k| !k.is_empty() && k != taint.key) {
            return false;
        }
        match self.operator.unwrap_or_default() {
            TolerationOperator::Equal => self.value.as_deref().unwrap_or("") == taint.value,
            TolerationOperator::Exists => true,
        }
    }

    /// What the API server's validation refuses (`ValidateTolerations`,
    /// pkg/apis/core/validation/validation.go, 1.34), as (field, message).
    pub fn invalid(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        let operator = self.operator.unwrap_or_default();
        if self.key.as_deref().unwrap_or("").is_empty() && operator != TolerationOperator::Exists {
            out.push((
                "operator",
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if self.toleration_seconds.is_some() && self.effect != Some(TaintEffect::NoExecute) {
            out.push(("effect", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
        }
        if operator == TolerationOperator::Exists && self.value.as_deref().is_some_and(|v| !v.is_empty()) {
            out.push(("operator", "value must be empty when `operator` is 'Exists'"));
        }
        out
    }
}

/// `GetMatchingTolerations` (pkg/apis/core/v1/helper, 1.34): for each
/// taint the first toleration that tolerates it, or `None` when some
/// taint is not tolerated.
pub fn matching_tolerations<'a>(taints: &[Taint], tolerations: &'a [Toleration]) -> Option<Vec<&'a Toleration>> {
    taints.iter().map(|taint| tolerations.iter().find(|t| t.tolerates(taint))).collect()
}

/// How long a pod may stay on a node with these NoExecute taints, as the
/// taint eviction controller reads its tolerations (`processPodOnNode`
/// and `getMinTolerationTime`, pkg/controller/tainteviction/
/// taint_eviction.go, 1.34): `Some(0)` when a taint is not tolerated (or a
/// matching toleration has `tolerationSeconds` of 0 or less), the least
/// `tolerationSeconds` of the matching tolerations, or `None` (forever)
/// when none of them has one.
pub fn toleration_time(taints: &[Taint], tolerations: &[Toleration]) -> Option<u64> {
    let Some(used) = matching_tolerations(taints, tolerations) else { return Some(0) };
    if used.is_empty() {
        return Some(0);
    }
    let mut least: Option<u64> = None;
    for t in used {
        if let Some(s) = t.toleration_seconds {
            if s <= 0 {
                return Some(0);
            }
            least = Some(least.map_or(s as u64, |l| l.min(s as u64)));
        }
    }
    least
}

/// The DefaultTolerationSeconds admission plugin (plugin/pkg/admission/
/// defaulttolerationseconds, Kubernetes 1.34): a new pod that does not
/// tolerate `not-ready:NoExecute` or `unreachable:NoExecute` (a toleration
/// with that key or none, and that effect or none) gets `Exists`
/// tolerations for them with `seconds` (kube-apiserver's
/// `--default-not-ready-toleration-seconds` and
/// `--default-unreachable-toleration-seconds`, 300 by default).
pub fn admit_default_tolerations(tolerations: &mut Vec<Toleration>, seconds: u64) {
    let covers = |key: &str| {
        tolerations.iter().any(|t| {
            t.key.as_deref().is_none_or(|k| k.is_empty() || k == key)
                && t.effect.is_none_or(|e| e == TaintEffect::NoExecute)
        })
    };
    let (not_ready, unreachable) = (covers(TAINT_NOT_READY), covers(TAINT_UNREACHABLE));
    for (key, covered) in [(TAINT_NOT_READY, not_ready), (TAINT_UNREACHABLE, unreachable)] {
        if !covered {
            tolerations.push(Toleration {
                key: Some(key.to_string()),
                operator: Some(TolerationOperator::Exists),
                value: None,
                effect: Some(TaintEffect::NoExecute),
                toleration_seconds: Some(seconds as i64),
            });
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodTemplateSpec {
    #[serde(default)]
    pub metadata: TemplateMeta,
    pub spec: PodSpec,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentSpec {
    #[serde(default = "one")]
    pub replicas: u32,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    /// Old ReplicaSets kept for `rollout undo` (the API's default: 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ready_seconds: Ignored,
}

fn one() -> u32 {
    1
}

/// `spec.strategy` of a Deployment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentStrategy {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub strategy_type: Option<StrategyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdate>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StrategyType {
    #[default]
    RollingUpdate,
    Recreate,
}

/// `spec.strategy.rollingUpdate`: how far a rollout may go over and under
/// the desired replicas.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollingUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrPercent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrPercent>,
}

/// A count or a percentage (`25%`), like apimachinery's `intstr.IntOrString`
/// where a number of pods is meant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IntOrPercent {
    Int(u32),
    Percent(String),
}

/// A visitor, as for [`IntOrString`].
impl<'de> Deserialize<'de> for IntOrPercent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntOrPercent;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of pods (0, 1, 2...) or a percentage such as \"25%\"")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<IntOrPercent, E> {
                u32::try_from(n)
                    .map(IntOrPercent::Int)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<IntOrPercent, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(n), &self)),
                }
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<IntOrPercent, E> {
                Ok(IntOrPercent::Percent(s.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl IntOrPercent {
    /// `intstr.GetScaledValueFromIntOrPercent`: a count as it is, a
    /// percentage of `total` rounded up or down.
    pub fn scaled(&self, total: u32, round_up: bool) -> Result<u32, String> {
        match self {
            IntOrPercent::Int(n) => Ok(*n),
            IntOrPercent::Percent(s) => {
                let pct = Self::percent(s)?;
                let scaled = u64::from(pct) * u64::from(total);
                let v = if round_up { scaled.div_ceil(100) } else { scaled / 100 };
                Ok(u32::try_from(v).unwrap_or(u32::MAX))
            }
        }
    }

    /// The number of a `N%` string.
    pub fn percent(s: &str) -> Result<u32, String> {
        s.strip_suffix('%')
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| format!("invalid value for IntOrString: invalid type: string is not a percentage: {s:?}"))
    }
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(s) => write!(f, "{s}"),
        }
    }
}

impl DeploymentSpec {
    /// The strategy with the API server's defaults filled in
    /// (`SetDefaults_Deployment`, apps/v1): RollingUpdate, and 25% for
    /// whichever of maxSurge and maxUnavailable is not given.
    pub fn strategy(&self) -> DeploymentStrategy {
        let given = self.strategy.clone().unwrap_or_default();
        let kind = given.strategy_type.unwrap_or_default();
        let rolling = (kind == StrategyType::RollingUpdate).then(|| {
            let r = given.rolling_update.clone().unwrap_or_default();
            let quarter = || Some(IntOrPercent::Percent("25%".into()));
            RollingUpdate {
                max_surge: r.max_surge.or_else(quarter),
                max_unavailable: r.max_unavailable.or_else(quarter),
            }
        });
        DeploymentStrategy { strategy_type: Some(kind), rolling_update: rolling }
    }

    pub fn revision_history_limit(&self) -> u32 {
        self.revision_history_limit.unwrap_or(10)
    }

    /// What the API server's validation refuses in the spec
    /// (`ValidateDeploymentStrategy`, `ValidateRollingUpdateDeployment` in
    /// pkg/apis/apps/validation).
    pub fn invalid(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        let Some(given) = &self.strategy else { return out };
        let kind = given.strategy_type.unwrap_or_default();
        if kind == StrategyType::Recreate {
            if given.rolling_update.is_some() {
                out.push(FieldError::forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
            return out;
        }
        let Some(r) = self.strategy().rolling_update else { return out };
        const PERCENT: &str = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
        let mut value = |field: &str, v: &IntOrPercent| -> u32 {
            match v {
                IntOrPercent::Int(n) => *n,
                IntOrPercent::Percent(s) => IntOrPercent::percent(s).unwrap_or_else(|_| {
                    out.push(FieldError::invalid(&format!("spec.strategy.rollingUpdate.{field}"), v, PERCENT));
                    1
                }),
            }
        };
        let surge = r.max_surge.as_ref().map(|v| value("maxSurge", v)).unwrap_or(0);
        let unavailable = r.max_unavailable.as_ref().map(|v| value("maxUnavailable", v)).unwrap_or(0);
        let max_unavailable = r.max_unavailable.clone().unwrap_or(IntOrPercent::Int(0));
        if surge == 0 && unavailable == 0 {
            out.push(FieldError::invalid(
                "spec.strategy.rollingUpdate.maxUnavailable",
                &max_unavailable,
                "may not be 0 when `maxSurge` is 0",
            ));
        }
        if let IntOrPercent::Percent(s) = &max_unavailable
            && IntOrPercent::percent(s).is_ok_and(|p| p > 100)
        {
            out.push(FieldError::invalid(
                "spec.strategy.rollingUpdate.maxUnavailable",
                &max_unavailable,
                "must not be greater than 100%",
            ));
        }
        out
    }
}

/// One validation error of the API server: the field, kubectl's wording
/// of it (`Invalid value: ...: message`), and the message alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub api: String,
    pub message: String,
}

impl FieldError {
    /// `field.Invalid` with an `intstr.IntOrString`, which the API prints
    /// with Go's `%#v`.
    fn invalid(path: &str, v: &IntOrPercent, message: &str) -> FieldError {
        let go = match v {
            IntOrPercent::Int(n) => format!("intstr.IntOrString{{Type:0, IntVal:{n}, StrVal:\"\"}}"),
            IntOrPercent::Percent(s) => format!("intstr.IntOrString{{Type:1, IntVal:0, StrVal:{s:?}}}"),
        };
        FieldError { path: path.into(), api: format!("Invalid value: {go}: {message}"), message: message.into() }
    }

    fn forbidden(path: &str, message: &str) -> FieldError {
        FieldError { path: path.into(), api: format!("Forbidden: {message}"), message: message.into() }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceType {
    #[default]
    ClusterIP,
    NodePort,
    LoadBalancer,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficPolicyName {
    #[default]
    Cluster,
    Local,
}

/// `spec.sessionAffinity`: `ClientIP` sends each client address to the
/// endpoint it was sent to last, for `sessionAffinityConfig.clientIP.timeoutSeconds`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionAffinity {
    #[default]
    None,
    #[serde(rename = "ClientIP")]
    ClientIp,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionAffinityConfig {
    #[serde(default, rename = "clientIP", skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<ClientIpConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientIpConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i64>,
}

/// The API server's default `timeoutSeconds` for ClientIP affinity (3 h,
/// `DefaultClientIPServiceAffinitySeconds`) and its maximum (1 day,
/// `MaxClientIPServiceAffinitySeconds`), pkg/apis/core/types.go, 1.34.
pub const CLIENT_IP_AFFINITY_DEFAULT_SECONDS: i64 = 10800;
pub const CLIENT_IP_AFFINITY_MAX_SECONDS: i64 = 86400;

impl ServiceSpec {
    /// How long a client sticks to its endpoint under `ClientIP`
    /// affinity (the default filled in), or `None` without affinity.
    pub fn affinity_timeout_seconds(&self) -> Option<i64> {
        (self.session_affinity == Some(SessionAffinity::ClientIp)).then(|| {
            self.session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
                .unwrap_or(CLIENT_IP_AFFINITY_DEFAULT_SECONDS)
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicePort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<u16>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSpec {
    #[serde(default, rename = "type")]
    pub service_type: ServiceType,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<ServicePort>,
    #[serde(default, rename = "clusterIP", skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    #[serde(default, rename = "externalIPs", skip_serializing_if = "Vec::is_empty")]
    pub external_ips: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<TrafficPolicyName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_traffic_policy: Option<TrafficPolicyName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_node_port: Option<u16>,
    #[serde(default, rename = "loadBalancerIP", skip_serializing_if = "Option::is_none")]
    pub load_balancer_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_distribution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<SessionAffinity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity_config: Option<SessionAffinityConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_families: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Ignored,
    #[serde(default, rename = "clusterIPs", skip_serializing_if = "Option::is_none")]
    pub cluster_ips: Ignored,
    /// `false`: a LoadBalancer Service gets no node ports except those its
    /// ports ask for (`initNodePorts`, pkg/registry/core/service/storage/alloc.go).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocate_load_balancer_node_ports: Option<bool>,
}

// ---------------------------------------------------------------------
// MetalLB (metallb.io/v1beta1, BGPPeer v1beta2)
// ---------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IpAddressPoolSpec {
    pub addresses: Vec<String>,
    #[serde(default = "yes")]
    pub auto_assign: bool,
    #[serde(default, rename = "avoidBuggyIPs")]
    pub avoid_buggy_ips: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_allocation: Option<ServiceAllocationSpec>,
}

/// `spec.serviceAllocation` of an IPAddressPool (MetalLB 0.14.9
/// `api/v1beta1/ipaddresspool_types.go`, `ServiceAllocation`): which
/// Services the pool is for, and its priority among the pools pinned to a
/// Service (lower first, 0 last).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAllocationSpec {
    #[serde(default)]
    pub priority: i32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespace_selectors: Vec<LabelSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_selectors: Vec<LabelSelector>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct L2AdvertisementSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_address_pools: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_address_pool_selectors: Vec<LabelSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_selectors: Vec<LabelSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BgpAdvertisementSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_address_pools: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_address_pool_selectors: Vec<LabelSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_selectors: Vec<LabelSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_length: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communities: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_pref: Ignored,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BgpPeerSpec {
    #[serde(rename = "myASN")]
    pub my_asn: u32,
    #[serde(rename = "peerASN")]
    pub peer_asn: u32,
    pub peer_address: String,
    #[serde(default, deserialize_with = "duration_string", skip_serializing_if = "Option::is_none")]
    pub hold_time: Option<String>,
    #[serde(default, deserialize_with = "duration_string", skip_serializing_if = "Option::is_none")]
    pub keepalive_time: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_selectors: Vec<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bfd_profile: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebgp_multi_hop: Ignored,
}

/// The webhook MetalLB's controller serves for BGPPeers
/// (internal/k8s/webhooks/webhookv1beta2/bgppeer_webhook.go, 0.14.9).
pub const BGPPEER_WEBHOOK: &str = "bgppeersvalidationwebhook.metallb.io";
/// The name MetalLB's IPAddressPool validating webhook denies under.
pub const IPADDRESSPOOL_WEBHOOK: &str = "ipaddresspoolvalidationwebhook.metallb.io";

/// A BGPPeer's `holdTime`/`keepaliveTime`: the CRD declares them `type:
/// string` (a Go duration), so the API server refuses a bare number before
/// any webhook sees it (`spec.holdTime in body must be of type string:
/// "integer"`).
fn duration_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};
    struct Text;
    impl<'de> Visitor<'de> for Text {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a duration string such as \"90s\" (the CRD's type is string; the API server refuses a number: `must be of type string`)")
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
            Err(E::invalid_type(Unexpected::Unsigned(v), &self))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
            Err(E::invalid_type(Unexpected::Signed(v), &self))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
            Err(E::invalid_type(Unexpected::Float(v), &self))
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<Self::Value, E> {
            Err(E::invalid_type(Unexpected::Bool(v), &self))
        }
    }
    d.deserialize_any(Text)
}

/// Go's `time.ParseDuration` (Go 1.22 src/time/format.go), in nanoseconds:
/// `[-+]` then one or more decimal numbers, each with a unit (`ns`, `us`,
/// `µs`, `ms`, `s`, `m`, `h`); `0` alone needs none. The errors are Go's.
pub fn go_duration(text: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration \"{text}\"");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let n = digits(rest);
        let whole = &rest[..n];
        rest = &rest[n..];
        let mut fraction = "";
        if let Some(after) = rest.strip_prefix('.') {
            let f = digits(after);
            fraction = &after[..f];
            rest = &after[f..];
        }
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        let u = rest.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..u];
        rest = &rest[u..];
        let scale: i128 = match unit {
            "" => return Err(format!("time: missing unit in duration \"{text}\"")),
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit \"{unit}\" in duration \"{text}\"")),
        };
        let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| invalid())? };
        let mut part = whole.checked_mul(scale).ok_or_else(invalid)?;
        let mut place = scale;
        for d in fraction.bytes().take(30) {
            place /= 10;
            part += i128::from(d - b'0') * place;
        }
        total += part;
        if total > i128::from(i64::MAX) {
            return Err(invalid());
        }
    }
    Ok(if negative { -total } else { total })
}

impl BgpPeerSpec {
    /// The hold time this speaker's OPEN offers, as MetalLB 0.14.9 derives
    /// it (`parseTimers`, internal/config/config.go): `holdTime`, else three
    /// `keepaliveTime`s, else the native session's 90 s (`NewSession`,
    /// internal/bgp/native/native.go); whole seconds, as an OPEN carries
    /// them. Only meaningful for a spec [`BgpPeerSpec::refused`] accepts.
    pub fn requested_hold_time(&self) -> Option<u64> {
        let secs =
            |t: &Option<String>| t.as_deref().map(|t| go_duration(t).map(|ns| (ns / 1_000_000_000).max(0) as u64));
        match (secs(&self.hold_time), secs(&self.keepalive_time)) {
            (Some(Ok(h)), _) => Some(h),
            (None, Some(Ok(k))) => Some(k * 3),
            (None, None) => None,
            _ => None,
        }
    }

    /// What MetalLB 0.14.9 in native BGP mode refuses in this BGPPeer, with
    /// the field and the error, in the order it finds them: the webhook
    /// decodes the durations (Go's `time.ParseDuration`), runs
    /// `DiscardFRROnly` (internal/config/validation.go: a non-zero
    /// `keepaliveTime`) and `peerFromCR`'s checks (internal/config/config.go:
    /// the address, `parseTimers`: a hold time under 3 s other than 0).
    /// `bfdProfile` passes the webhook (`resetTransientErrorsFields` clears
    /// it, internal/config/validator.go) but fails `DiscardFRROnly` when the
    /// controller and the speakers load the configuration: `webhook` is
    /// false for that one.
    pub fn refused(&self) -> Option<PeerRefusal> {
        let refuse = |path: &'static str, message: String, webhook: bool| Some(PeerRefusal { path, message, webhook });
        for (path, value) in [("spec.holdTime", &self.hold_time), ("spec.keepaliveTime", &self.keepalive_time)] {
            if let Some(Err(e)) = value.as_deref().map(go_duration) {
                return refuse(path, e, true);
            }
        }
        let address = &self.peer_address;
        if self.bfd_profile.as_ref().is_some_and(|v| v.as_str() != Some("")) {
            return refuse("spec.bfdProfile", format!("peer {address} has bfd-profile set on native bgp mode"), false);
        }
        if self.keepalive_time.as_deref().and_then(|k| go_duration(k).ok()).is_some_and(|k| k != 0) {
            return refuse(
                "spec.keepaliveTime",
                format!("peer {address} has keepalive-time set on native bgp mode"),
                true,
            );
        }
        if self.my_asn == 0 {
            return refuse("spec.myASN", "missing local ASN".into(), true);
        }
        if self.peer_asn == 0 {
            return refuse("spec.peerASN", "missing peer ASN and dynamicASN".into(), true);
        }
        if address.parse::<std::net::IpAddr>().is_err() {
            return refuse("spec.peerAddress", format!("invalid BGPPeer address \"{address}\""), true);
        }
        // parseTimers: `keepaliveTime` is 0 here (anything else was refused above).
        let hold = self.hold_time.as_deref().map(go_duration).and_then(Result::ok);
        let rounded = hold.or_else(|| self.keepalive_time.as_ref().map(|_| 0)).map(|ns| ns / 1_000_000_000);
        if let Some(secs) = rounded
            && secs != 0
            && secs < 3
        {
            let given = self.hold_time.as_deref().map(|h| go_duration_string(go_duration(h).unwrap_or(0)));
            let quoted = given.map(|g| format!("\"{g}\"")).unwrap_or_else(|| "<nil>".into());
            return refuse(
                "spec.holdTime",
                format!("invalid BGPPeer timers: invalid hold time {quoted}: must be 0 or >=3s"),
                true,
            );
        }
        None
    }
}

/// A BGPPeer MetalLB refuses: where, why, and whether its webhook denies it
/// (else it is admitted and the configuration fails to load).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerRefusal {
    pub path: &'static str,
    pub message: String,
    pub webhook: bool,
}

/// Go's `time.Duration.String` for what a BGPPeer's timers hold (`1s`,
/// `1.5s`, `500ms`, `5m0s`, `-1s`).
pub fn go_duration_string(ns: i128) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let ns = ns.unsigned_abs();
    if ns == 0 {
        return "0s".into();
    }
    let frac = |v: u128, unit: u128| -> String {
        let whole = v / unit;
        let rest = v % unit;
        if rest == 0 {
            return whole.to_string();
        }
        let width = unit.ilog10() as usize;
        let digits = format!("{rest:0width$}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    };
    if ns < 1_000_000_000 {
        let (unit, name) = if ns < 1_000 {
            (1, "ns")
        } else if ns < 1_000_000 {
            (1_000, "\u{b5}s")
        } else {
            (1_000_000, "ms")
        };
        return format!("{sign}{}{name}", frac(ns, unit));
    }
    let secs = ns % 60_000_000_000;
    let mins = ns / 60_000_000_000;
    let s = format!("{}s", frac(secs, 1_000_000_000));
    match (mins / 60, mins % 60) {
        (0, 0) => format!("{sign}{s}"),
        (0, m) => format!("{sign}{m}m{s}"),
        (h, m) => format!("{sign}{h}h{m}m{s}"),
    }
}

// ---------------------------------------------------------------------
// Cilium (cilium.io/v2, v2alpha1)
// ---------------------------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CiliumPoolBlock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CiliumLoadBalancerIpPoolSpec {
    /// `blocks` (Cilium >= 1.15); `cidrs` is the older spelling.
    #[serde(default, alias = "cidrs")]
    pub blocks: Vec<CiliumPoolBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_selector: Option<LabelSelector>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, rename = "allowFirstLastIPs", skip_serializing_if = "Option::is_none")]
    pub allow_first_last_ips: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CiliumL2AnnouncementPolicySpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
    #[serde(default, rename = "externalIPs")]
    pub external_ips: bool,
    #[serde(default, rename = "loadBalancerIPs")]
    pub load_balancer_ips: bool,
}

// ---------------------------------------------------------------------
// Gateway API (gateway.networking.k8s.io/v1)
// ---------------------------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayListener {
    pub name: String,
    pub port: u16,
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_routes: Ignored,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Ignored,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewaySpec {
    pub gateway_class_name: String,
    pub listeners: Vec<GatewayListener>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Ignored,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayClassSpec {
    pub controller_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

// ---------------------------------------------------------------------
// The manifest envelope
// ---------------------------------------------------------------------

/// One Kubernetes manifest. `apiVersion` is checked by the loader against
/// the kind (see [`Resource::api_versions`](super::kinds::Resource::api_versions)).
// Manifests are few and never on a hot path: boxing the large specs would
// only add noise to every match on them.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Manifest {
    Namespace {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spec: Ignored,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    Deployment {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: DeploymentSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    Pod {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: PodSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    Service {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: ServiceSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    IPAddressPool {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: IpAddressPoolSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    L2Advertisement {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        #[serde(default)]
        spec: L2AdvertisementSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    BGPAdvertisement {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        #[serde(default)]
        spec: BgpAdvertisementSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    BGPPeer {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: BgpPeerSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    CiliumLoadBalancerIPPool {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: CiliumLoadBalancerIpPoolSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    CiliumL2AnnouncementPolicy {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        #[serde(default)]
        spec: CiliumL2AnnouncementPolicySpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    GatewayClass {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: GatewayClassSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
    Gateway {
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: ObjectMeta,
        spec: GatewaySpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Ignored,
    },
}

impl Manifest {
    pub fn kind(&self) -> &'static str {
        match self {
            Manifest::Namespace { .. } => "Namespace",
            Manifest::Deployment { .. } => "Deployment",
            Manifest::Pod { .. } => "Pod",
            Manifest::Service { .. } => "Service",
            Manifest::IPAddressPool { .. } => "IPAddressPool",
            Manifest::L2Advertisement { .. } => "L2Advertisement",
            Manifest::BGPAdvertisement { .. } => "BGPAdvertisement",
            Manifest::BGPPeer { .. } => "BGPPeer",
            Manifest::CiliumLoadBalancerIPPool { .. } => "CiliumLoadBalancerIPPool",
            Manifest::CiliumL2AnnouncementPolicy { .. } => "CiliumL2AnnouncementPolicy",
            Manifest::GatewayClass { .. } => "GatewayClass",
            Manifest::Gateway { .. } => "Gateway",
        }
    }

    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Manifest::Namespace { metadata, .. }
            | Manifest::Deployment { metadata, .. }
            | Manifest::Pod { metadata, .. }
            | Manifest::Service { metadata, .. }
            | Manifest::IPAddressPool { metadata, .. }
            | Manifest::L2Advertisement { metadata, .. }
            | Manifest::BGPAdvertisement { metadata, .. }
            | Manifest::BGPPeer { metadata, .. }
            | Manifest::CiliumLoadBalancerIPPool { metadata, .. }
            | Manifest::CiliumL2AnnouncementPolicy { metadata, .. }
            | Manifest::GatewayClass { metadata, .. }
            | Manifest::Gateway { metadata, .. } => metadata,
        }
    }

    pub fn api_version(&self) -> &str {
        match self {
            Manifest::Namespace { api_version, .. }
            | Manifest::Deployment { api_version, .. }
            | Manifest::Pod { api_version, .. }
            | Manifest::Service { api_version, .. }
            | Manifest::IPAddressPool { api_version, .. }
            | Manifest::L2Advertisement { api_version, .. }
            | Manifest::BGPAdvertisement { api_version, .. }
            | Manifest::BGPPeer { api_version, .. }
            | Manifest::CiliumLoadBalancerIPPool { api_version, .. }
            | Manifest::CiliumL2AnnouncementPolicy { api_version, .. }
            | Manifest::GatewayClass { api_version, .. }
            | Manifest::Gateway { api_version, .. } => api_version,
        }
    }

    /// Namespaced kinds default to `default`; cluster-scoped ones have none.
    pub fn namespace(&self) -> Option<&str> {
        // MetalLB objects live in metallb-system by convention; keep what the file says.
        super::kinds::namespaced(self.kind()).then(|| self.metadata().namespace.as_deref().unwrap_or("default"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selector_semantics() {
        let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
        assert!(LabelSelector::default().matches(&labels));
        let sel: LabelSelector = serde_norway::from_str("matchLabels: {app: web}").unwrap();
        assert!(sel.matches(&labels));
        let sel: LabelSelector =
            serde_norway::from_str("matchExpressions: [{key: app, operator: NotIn, values: [web]}]").unwrap();
        assert!(!sel.matches(&labels));
        let sel: LabelSelector =
            serde_norway::from_str("matchExpressions: [{key: tier, operator: DoesNotExist}]").unwrap();
        assert!(sel.matches(&labels));
    }

    #[test]
    fn real_manifests_parse_and_typos_do_not() {
        let svc = r#"
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: web-app
  ports:
  - port: 80
    targetPort: 8080
"#;
        let m: Manifest = serde_norway::from_str(svc).unwrap();
        assert_eq!(m.kind(), "Service");
        assert_eq!(m.namespace(), Some("default"));
        let typo = svc.replace("externalTrafficPolicy", "externalTraficPolicy");
        let err = serde_norway::from_str::<Manifest>(&typo).unwrap_err().to_string();
        assert!(err.contains("externalTraficPolicy"), "{err}");
        let pool = "apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: demo-pool}\nspec:\n  blocks:\n  - start: \"192.0.2.10\"\n    stop: \"192.0.2.50\"\n";
        let m: Manifest = serde_norway::from_str(pool).unwrap();
        assert_eq!(m.namespace(), None);
    }

    /// The preStop commands vipsim times: `sleep N` run directly or by a
    /// shell's `-c`, N whole or fractional seconds (GNU sleep takes an `s`
    /// suffix); anything more is not a plain sleep.
    #[test]
    fn pre_stop_sleep_commands() {
        use crate::time::Duration;
        let exec = |words: &[&str]| {
            LifecycleHandler {
                exec: Some(ExecAction { command: words.iter().map(|w| w.to_string()).collect() }),
                ..Default::default()
            }
            .pre_stop()
        };
        assert_eq!(exec(&["sleep", "5"]), PreStop::Sleeps(Duration::from_secs(5)));
        assert_eq!(exec(&["/bin/sleep", "2.5"]), PreStop::Sleeps(Duration::from_millis(2500)));
        assert_eq!(exec(&["/bin/sh", "-c", "sleep 10s"]), PreStop::Sleeps(Duration::from_secs(10)));
        assert_eq!(exec(&["bash", "-c", " sleep  3 "]), PreStop::Sleeps(Duration::from_secs(3)));
        assert_eq!(
            exec(&["sh", "-c", "sleep 5 && nginx -s quit"]),
            PreStop::Unmodelled(r#"`exec` ["sh", "-c", "sleep 5 && nginx -s quit"]"#.into())
        );
        assert_eq!(exec(&["sleep", "infinity"]), PreStop::Unmodelled(r#"`exec` ["sleep", "infinity"]"#.into()));
        let sleep = LifecycleHandler { sleep: Some(SleepAction { seconds: 15 }), ..Default::default() };
        assert_eq!(sleep.pre_stop(), PreStop::Sleeps(Duration::from_secs(15)));
    }
}
