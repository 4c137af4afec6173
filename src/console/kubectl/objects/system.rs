//! The add-ons every scenario cluster runs besides its workloads: the
//! MetalLB speaker DaemonSet and controller Deployment, the Cilium agent
//! DaemonSet and operator, kube-proxy (when Cilium does not replace it).
//! Their pods have stable names (`speaker-x7k2p`), run where the real ones
//! would, and are ready exactly when the simulated agent is.

use super::workloads::{ContainerState, PodFacts};
use super::{Fields, metadata};
use crate::k8s::cluster::LoadBalancerKind;
use crate::k8s::cluster::{Cluster, Condition, Deployment, DeploymentStatus, REVISION_ANNOTATION, ReplicaSet};
use crate::k8s::deployments::{POD_TEMPLATE_HASH, RsStatus, pod_template_hash};
use crate::k8s::objects::{
    Container, ContainerPort, DeploymentSpec, LabelSelector, ObjectMeta, PodSpec, PodTemplateSpec, TemplateMeta,
};
use crate::k8s::workloads::{daemon_pod_name, name_suffix, system_daemonsets};
use crate::sim::World;
use crate::sort::Collect;
use crate::time::Instant;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// How an add-on is deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Controller {
    DaemonSet,
    Deployment,
}

/// An add-on's workload, as its upstream manifests define it.
struct Addon {
    namespace: &'static str,
    name: &'static str,
    controller: Controller,
    labels: &'static [(&'static str, &'static str)],
    container: &'static str,
    image: &'static str,
    args: &'static [&'static str],
    ports: &'static [(u16, &'static str, &'static str)],
    host_network: bool,
    critical: bool,
    /// The `LogLine` component its log lines carry.
    component: &'static str,
}

const SPEAKER: Addon = Addon {
    namespace: "metallb-system",
    name: "speaker",
    controller: Controller::DaemonSet,
    labels: &[("app", "metallb"), ("component", "speaker")],
    container: "speaker",
    image: "quay.io/metallb/speaker:v0.15.2",
    args: &["--port=7472", "--log-level=info"],
    ports: &[(7472, "monitoring", "TCP"), (7946, "memberlist-tcp", "TCP"), (7946, "memberlist-udp", "UDP")],
    host_network: true,
    critical: false,
    component: "speaker",
};

const METALLB_CONTROLLER: Addon = Addon {
    namespace: "metallb-system",
    name: "controller",
    controller: Controller::Deployment,
    labels: &[("app", "metallb"), ("component", "controller")],
    container: "controller",
    image: "quay.io/metallb/controller:v0.15.2",
    args: &["--port=7472", "--log-level=info", "--tls-min-version=VersionTLS12"],
    ports: &[(7472, "monitoring", "TCP"), (9443, "webhook-server", "TCP")],
    host_network: false,
    critical: false,
    component: "metallb-controller",
};

const CILIUM: Addon = Addon {
    namespace: "kube-system",
    name: "cilium",
    controller: Controller::DaemonSet,
    labels: &[
        ("app.kubernetes.io/name", "cilium-agent"),
        ("app.kubernetes.io/part-of", "cilium"),
        ("k8s-app", "cilium"),
    ],
    container: "cilium-agent",
    image: "quay.io/cilium/cilium:v1.18.3",
    args: &["--config-dir=/tmp/cilium/config-map"],
    ports: &[(9879, "health", "TCP")],
    host_network: true,
    critical: true,
    component: "cilium-agent",
};

const CILIUM_OPERATOR: Addon = Addon {
    namespace: "kube-system",
    name: "cilium-operator",
    controller: Controller::Deployment,
    labels: &[
        ("app.kubernetes.io/name", "cilium-operator"),
        ("app.kubernetes.io/part-of", "cilium"),
        ("io.cilium/app", "operator"),
        ("name", "cilium-operator"),
    ],
    container: "cilium-operator",
    image: "quay.io/cilium/operator-generic:v1.18.3",
    args: &["--config-dir=/tmp/cilium/config-map", "--debug=$(CILIUM_DEBUG)"],
    ports: &[(9234, "health", "TCP")],
    host_network: true,
    critical: true,
    component: "cilium-operator",
};

const KUBE_PROXY: Addon = Addon {
    namespace: "kube-system",
    name: "kube-proxy",
    controller: Controller::DaemonSet,
    labels: &[("k8s-app", "kube-proxy")],
    container: "kube-proxy",
    image: "registry.k8s.io/kube-proxy:v1.34.2",
    args: &[],
    ports: &[],
    host_network: true,
    critical: true,
    component: "kube-proxy",
};

/// The add-ons of this cluster: its DaemonSets (as the k8s layer lists
/// them for `drain`), then the Deployments that go with them.
fn addons(k: &Cluster) -> Vec<&'static Addon> {
    let mut out: Vec<&'static Addon> = system_daemonsets(&k.config)
        .into_iter()
        .filter_map(|(_, name)| [&SPEAKER, &CILIUM, &KUBE_PROXY].into_iter().find(|a| a.name == name))
        .collect();
    if out.iter().any(|a| a.name == "cilium") {
        out.push(&CILIUM_OPERATOR);
    }
    if k.config.load_balancer == LoadBalancerKind::Metallb {
        out.push(&METALLB_CONTROLLER);
    }
    out
}

impl Addon {
    fn labels(&self) -> BTreeMap<String, String> {
        self.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect_map()
    }

    /// The controller's selector: the add-on's labels without the
    /// recommended `app.kubernetes.io/*` ones, as upstream manifests do.
    fn selector(&self) -> BTreeMap<String, String> {
        self.labels().into_iter().filter(|(k, _)| !k.starts_with("app.kubernetes.io/")).collect_map()
    }

    fn spec(&self) -> PodSpec {
        let ports = self
            .ports
            .iter()
            .map(|(port, name, proto)| ContainerPort {
                container_port: *port,
                name: Some(name.to_string()),
                protocol: Some(proto.to_string()),
            })
            .collect();
        let container = Container {
            name: self.container.into(),
            image: self.image.into(),
            args: self.args.iter().map(|a| a.to_string()).collect(),
            ports,
            ..Container::default()
        };
        PodSpec {
            containers: vec![container],
            node_selector: [("kubernetes.io/os".to_string(), "linux".to_string())].into(),
            ..PodSpec::default()
        }
    }

    fn template(&self) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: TemplateMeta { labels: self.labels(), ..TemplateMeta::default() },
            spec: self.spec(),
        }
    }

    /// The pod-template-hash of a Deployment add-on.
    fn template_hash(&self) -> String {
        pod_template_hash(&self.template(), None)
    }
}

/// One add-on pod.
pub struct SystemPod {
    pub namespace: &'static str,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub owner: (&'static str, &'static str, String),
    pub spec: PodSpec,
    pub node: String,
    pub node_ip: Ipv4Addr,
    pub ip: Ipv4Addr,
    pub host_network: bool,
    pub state: ContainerState,
    pub ready: bool,
    pub critical: bool,
    /// Its log lines: `(LogLine component, LogLine node)`.
    pub logs: (&'static str, String),
}

/// Every add-on pod: one per node for DaemonSets, one on the first node for Deployments.
pub fn system_pods(w: &World) -> Vec<SystemPod> {
    system_pods_in(w, None)
}

/// The add-on pods in `namespace` (all of them when `None`).
pub fn system_pods_in(w: &World, namespace: Option<&str>) -> Vec<SystemPod> {
    let k = &w.cluster;
    let mut out = Vec::new();
    for addon in addons(k).into_iter().filter(|a| namespace.is_none_or(|n| n == a.namespace)) {
        match addon.controller {
            Controller::DaemonSet => {
                for n in k.nodes.values() {
                    out.push(system_pod(w, addon, &n.name, daemon_pod_name(addon.name, &n.name)));
                }
            }
            Controller::Deployment => {
                let Some(first) = k.nodes.keys().next() else { continue };
                let hash = addon.template_hash();
                let name = format!("{}-{hash}-{}", addon.name, name_suffix(&format!("{}/{hash}", addon.name), 5));
                out.push(system_pod(w, addon, first, name));
            }
        }
    }
    out
}

fn system_pod(w: &World, addon: &Addon, node: &str, name: String) -> SystemPod {
    let k = &w.cluster;
    let n = &k.nodes[node];
    // The speaker and the Cilium agent are what `stop-speaker` stops.
    let agent = matches!(addon.name, "speaker" | "cilium");
    let running = !agent || n.agent_running;
    let mut labels = addon.labels();
    let owner = match addon.controller {
        Controller::DaemonSet => {
            labels.insert("controller-revision-hash".into(), name_suffix(&format!("{}/revision", addon.name), 10));
            labels.insert("pod-template-generation".into(), "1".into());
            ("apps/v1", "DaemonSet", addon.name.to_string())
        }
        Controller::Deployment => {
            let hash = addon.template_hash();
            labels.insert("pod-template-hash".into(), hash.clone());
            ("apps/v1", "ReplicaSet", format!("{}-{hash}", addon.name))
        }
    };
    // The MetalLB controller is the only add-on on the pod network; it takes
    // the node range's .1, which the pod IP allocator never hands out.
    let ip = if addon.host_network { n.ip } else { n.pod_cidr.nth(1).unwrap_or(n.ip) };
    let log_node = if addon.component == "metallb-controller" { "controller".to_string() } else { node.to_string() };
    SystemPod {
        namespace: addon.namespace,
        name,
        labels,
        owner,
        spec: addon.spec(),
        node: node.to_string(),
        node_ip: n.ip,
        ip,
        host_network: addon.host_network,
        state: if running { ContainerState::Running { since: Instant::ZERO } } else { ContainerState::Failed },
        ready: running && n.ready,
        critical: addon.critical,
        logs: (addon.component, log_node),
    }
}

/// The add-on DaemonSets with their status counted over their pods.
pub fn daemon_sets(w: &World) -> Vec<Value> {
    let k = &w.cluster;
    let pods = system_pods(w);
    addons(k)
        .into_iter()
        .filter(|a| a.controller == Controller::DaemonSet)
        .map(|a| {
            let mine: Vec<&SystemPod> =
                pods.iter().filter(|p| p.owner.2 == a.name && p.namespace == a.namespace).collect();
            let ready = mine.iter().filter(|p| p.ready).count();
            daemon_set(a, mine.len(), ready)
        })
        .collect()
}

fn daemon_set(a: &Addon, scheduled: usize, ready: usize) -> Value {
    let annotations: BTreeMap<String, String> =
        [("deprecated.daemonset.template.generation".to_string(), "1".to_string())].into();
    let meta = metadata(a.name, Some(a.namespace), &a.labels(), &annotations, Instant::ZERO);
    let selector = a.selector();
    let template = json!({
        "metadata": {"creationTimestamp": null, "labels": a.labels()},
        "spec": super::workloads::pod_spec(&a.spec(), None, a.host_network, a.critical),
    });
    let status = Fields::new()
        .put("currentNumberScheduled", scheduled)
        .put("desiredNumberScheduled", scheduled)
        .opt("numberAvailable", (ready > 0).then_some(ready))
        .put("numberMisscheduled", 0)
        .put("numberReady", ready)
        .opt("numberUnavailable", (ready < scheduled).then_some(scheduled - ready))
        .put("updatedNumberScheduled", scheduled);
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": Value::from(meta),
        "spec": {
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": selector},
            "template": template,
            "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}, "type": "RollingUpdate"},
        },
        "status": Value::from(status),
    })
}

/// The add-on Deployments, each with its one ReplicaSet and that one's
/// status: a single replica, rolled out when the cluster started.
pub fn addon_deployments(w: &World) -> Vec<(Deployment, ReplicaSet, RsStatus)> {
    let pods = system_pods(w);
    addons(&w.cluster)
        .into_iter()
        .filter(|a| a.controller == Controller::Deployment)
        .map(|a| {
            let hash = a.template_hash();
            let rs_name = format!("{}-{hash}", a.name);
            let ready = pods.iter().filter(|p| p.owner.2 == rs_name && p.ready).count() as u32;
            let labels = a.labels();
            let spec = DeploymentSpec {
                replicas: 1,
                selector: LabelSelector { match_labels: a.selector(), ..LabelSelector::default() },
                template: a.template(),
                strategy: None,
                revision_history_limit: None,
                progress_deadline_seconds: None,
                min_ready_seconds: None,
            };
            let condition = |kind: &str, status: &str, reason: &str, message: String| Condition {
                kind: kind.into(),
                status: status.into(),
                reason: reason.into(),
                message,
                last_update: Instant::ZERO,
                last_transition: Instant::ZERO,
            };
            let (available, reason, message) = if ready == 1 {
                ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
            } else {
                ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
            };
            let status = DeploymentStatus {
                replicas: 1,
                updated_replicas: 1,
                ready_replicas: ready,
                available_replicas: ready,
                unavailable_replicas: 1 - ready,
                conditions: vec![
                    condition("Available", available, reason, message.into()),
                    condition(
                        "Progressing",
                        "True",
                        "NewReplicaSetAvailable",
                        format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                    ),
                ],
            };
            let annotations: BTreeMap<String, String> = [(REVISION_ANNOTATION.to_string(), "1".to_string())].into();
            let d = Deployment {
                meta: ObjectMeta { name: a.name.into(), labels: labels.clone(), annotations, ..ObjectMeta::default() },
                namespace: a.namespace.into(),
                spec,
                created: Instant::ZERO,
                generation: 1,
                collision_count: None,
                status,
                progress_check: None,
            };
            let mut template = a.template();
            template.metadata.labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
            let mut selector = d.spec.selector.clone();
            selector.match_labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
            let rs = ReplicaSet {
                name: rs_name,
                namespace: a.namespace.into(),
                deployment: a.name.into(),
                pod_template_hash: hash,
                template,
                selector,
                replicas: 1,
                annotations: [
                    (REVISION_ANNOTATION.to_string(), "1".to_string()),
                    ("deployment.kubernetes.io/desired-replicas".to_string(), "1".to_string()),
                    ("deployment.kubernetes.io/max-replicas".to_string(), "2".to_string()),
                ]
                .into(),
                created: Instant::ZERO,
            };
            (d, rs, RsStatus { replicas: 1, ready, available: ready })
        })
        .collect()
}

impl SystemPod {
    /// What the pod's JSON is built from.
    pub fn facts(&self) -> PodFacts<'_> {
        PodFacts {
            namespace: self.namespace,
            name: &self.name,
            labels: self.labels.clone(),
            annotations: BTreeMap::new(),
            owner: Some(self.owner.clone()),
            spec: &self.spec,
            node: Some(&self.node),
            host_ip: Some(self.node_ip),
            ip: Some(self.ip),
            host_network: self.host_network,
            state: self.state.clone(),
            ready: self.ready,
            restarts: 0,
            created: Instant::ZERO,
            deleted: None,
            unschedulable: None,
            critical: self.critical,
        }
    }
}
