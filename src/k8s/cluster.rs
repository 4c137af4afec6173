//! The cluster's state as the API server holds it (nodes, workloads,
//! Services, EndpointSlices, load-balancer objects, events) plus the state
//! of the components that act on it (MetalLB speakers, Cilium agents, BGP
//! sessions). Controllers live in the sibling modules and run from
//! [`super::control`].

use super::ipam::cilium::CiliumIpam;
use super::ipam::metallb::MetalLbIpam;
use super::objects::{DeploymentSpec, LabelSelector, Manifest, ObjectMeta, PodSpec, PodTemplateSpec, ServiceSpec};
use crate::engine::trace::Name;
use crate::net::apps::App;
use crate::net::host::Datapath;
use crate::net::{Cidr, HostId};
use crate::rng::SimRng;
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::rc::Rc;

/// `namespace/name`.
pub type Key = String;

pub fn key(ns: &str, name: &str) -> Key {
    format!("{ns}/{name}")
}

/// The value at `key` in entries keyed by [`Key`] (a map's, or a sorted
/// list's) walked in key order by `walk` (the keys asked for ascending):
/// each entry is passed once, not searched for.
pub fn seek<'m, V>(walk: &mut std::iter::Peekable<impl Iterator<Item = (&'m Key, V)>>, key: &str) -> Option<V> {
    while walk.next_if(|(k, _)| k.as_str() < key).is_some() {}
    walk.next_if(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

/// The namespace MetalLB runs in and reads its configuration from (the
/// manifests' and Helm chart's default).
pub const METALLB_NAMESPACE: &str = "metallb-system";

/// Who assigns LoadBalancer addresses (and, with `announce`, announces them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadBalancerKind {
    #[default]
    Metallb,
    Cilium,
    None,
}

/// How the load balancer makes its addresses reachable on the LAN.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnounceKind {
    #[default]
    L2,
    Bgp,
    None,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterConfig {
    pub load_balancer: LoadBalancerKind,
    pub announce: AnnounceKind,
    pub datapath: Datapath,
    pub service_cidr: Cidr,
    pub pod_cidr: Cidr,
    pub node_monitor_grace: Duration,
    pub eviction_timeout: Duration,
    pub memberlist_detection: Duration,
    pub lease_duration: Duration,
    pub renew_deadline: Duration,
    pub retry_period: Duration,
    pub pod_startup: Duration,
    /// The router's BGP AS number (the scenario's `asn` on the router,
    /// else [`DEFAULT_ROUTER_ASN`]): the AS its OPEN carries.
    #[serde(default = "default_router_asn")]
    pub router_asn: u32,
}

/// The router's AS when the scenario gives it none.
pub const DEFAULT_ROUTER_ASN: u32 = 64500;

fn default_router_asn() -> u32 {
    DEFAULT_ROUTER_ASN
}

/// What a cluster runs when the scenario says nothing: MetalLB in L2
/// mode over kube-proxy's iptables, kubeadm's Service and pod CIDRs, and
/// the components' own default timings.
impl Default for ClusterConfig {
    fn default() -> Self {
        let cidr = |s: &str| Cidr::parse(s).expect("a valid default CIDR");
        ClusterConfig {
            load_balancer: LoadBalancerKind::default(),
            announce: AnnounceKind::default(),
            datapath: Datapath::Iptables,
            // kubeadm's --service-cidr default; flannel's podCIDR, the most common.
            service_cidr: cidr("10.96.0.0/12"),
            pod_cidr: cidr("10.244.0.0/16"),
            // kube-controller-manager --node-monitor-grace-period (50 s since 1.32).
            node_monitor_grace: Duration::from_secs(50),
            // The not-ready/unreachable tolerations the DefaultTolerationSeconds admission adds.
            eviction_timeout: Duration::from_secs(300),
            // How long MetalLB speakers' memberlist takes to notice a dead peer.
            memberlist_detection: Duration::from_secs(5),
            // Cilium --l2-announcements-lease-duration, -renew-deadline, -retry-period.
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(5),
            retry_period: Duration::from_secs(2),
            // Image pull and readiness of the small modelled apps.
            pod_startup: Duration::from_secs(3),
            router_asn: DEFAULT_ROUTER_ASN,
        }
    }
}

/// kubelet posts its node Lease every 10 s (nodeLeaseDurationSeconds 40 /
/// renew fraction 0.25).
pub const KUBELET_LEASE_INTERVAL: Duration = Duration::from_secs(10);
/// The node lifecycle controller checks node health every 5 s (--node-monitor-period).
pub const NODE_MONITOR_PERIOD: Duration = Duration::from_secs(5);
/// How long a powered-on node takes to boot and post Ready again.
pub const NODE_BOOT: Duration = Duration::from_secs(20);
/// Default terminationGracePeriodSeconds.
pub const TERMINATION_GRACE: Duration = Duration::from_secs(30);
/// The pod garbage collector's loop period and how long it waits before
/// deleting the pods of a node that does not exist (`gcCheckPeriod`,
/// `quarantineTime` in pkg/controller/podgc).
pub const POD_GC_PERIOD: Duration = Duration::from_secs(20);
pub const POD_GC_QUARANTINE: Duration = Duration::from_secs(40);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub host: HostId,
    pub ip: Ipv4Addr,
    pub labels: BTreeMap<String, String>,
    pub pod_cidr: Cidr,
    pub created: Instant,
    /// The Ready condition as the API shows it.
    pub ready: bool,
    pub ready_reason: String,
    pub ready_since: Instant,
    pub unschedulable: bool,
    /// The kubelet can reach the API server (host powered and on the LAN).
    pub kubelet_up: bool,
    /// When the kubelet last renewed its Lease.
    pub last_heartbeat: Instant,
    /// Bumped on every kubelet up/down change, to cancel stale timers.
    pub generation: u64,
    /// `node.kubernetes.io/unreachable` taint since this time.
    pub unreachable_since: Option<Instant>,
    /// The MetalLB speaker / Cilium agent runs on this node.
    pub agent_running: bool,
    /// When the agent was stopped (Cilium's responder outlives it briefly).
    pub agent_stopped_at: Option<Instant>,
    pub agent_generation: u64,
}

impl Node {
    pub fn zone(&self) -> Option<&str> {
        self.labels.get("topology.kubernetes.io/zone").map(String::as_str)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PodPhase {
    Pending,
    Running,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The ReplicaSet that owns it (`namespace/name`); `None` for a bare Pod.
    pub owner: Option<Key>,
    pub spec: PodSpec,
    pub app: App,
    pub node: Option<String>,
    pub ip: Option<Ipv4Addr>,
    pub phase: PodPhase,
    pub ready: bool,
    /// When the Ready condition last turned true.
    pub ready_since: Option<Instant>,
    pub created: Instant,
    /// When it was bound to its node (by the scheduler, or at creation for
    /// a Pod that names its `nodeName`).
    pub bound_at: Option<Instant>,
    /// The kubelet of its node has admitted it: it has a sandbox, with an IP
    /// unless the node's pod CIDR was full (a pod bound to a node whose
    /// kubelet is down waits, Pending).
    pub admitted: bool,
    /// Set when deletion was requested; the pod is Terminating.
    pub deleted_at: Option<Instant>,
    /// `metadata.deletionGracePeriodSeconds`: the grace period its deletion
    /// gave it (the delete's own, else `terminationGracePeriodSeconds`).
    #[serde(default)]
    pub deletion_grace_period: Option<Duration>,
    /// Bumped when the pod (re)starts, to cancel stale readiness timers.
    pub generation: u64,
    pub restarts: u32,
    /// Why the pod is pending (FailedScheduling message).
    pub pending_reason: Option<String>,
    /// When the pod garbage collector deletes it (bound to a node that
    /// does not exist).
    pub pod_gc_at: Option<Instant>,
    /// When the taint eviction controller deletes it (it came to an
    /// unreachable node after the taint).
    pub evict_at: Option<Instant>,
}

impl Pod {
    pub fn key(&self) -> Key {
        key(&self.namespace, &self.name)
    }
    pub fn terminating(&self) -> bool {
        self.deleted_at.is_some()
    }
    /// `terminationGracePeriodSeconds` (default 30 s).
    pub fn grace(&self) -> Duration {
        self.spec.termination_grace_period_seconds.map(|s| Duration::from_secs(s.into())).unwrap_or(TERMINATION_GRACE)
    }
    /// When the taint eviction controller deletes the pod from a node
    /// tainted `node.kubernetes.io/unreachable:NoExecute` since `tainted`:
    /// its toleration time (see [`super::objects::toleration_time`]; at
    /// once without a matching toleration), counted from the taint or from
    /// when the pod came to the node, whichever is later (`processPodOnNode`,
    /// pkg/controller/tainteviction/taint_eviction.go, 1.34). `None`: a
    /// toleration without `tolerationSeconds` keeps it there for ever.
    pub fn eviction_due(&self, tainted: Instant) -> Option<Instant> {
        use super::objects::{TAINT_UNREACHABLE, Taint, TaintEffect, toleration_time};
        let taints = [Taint { key: TAINT_UNREACHABLE, value: "", effect: TaintEffect::NoExecute }];
        let seconds = toleration_time(&taints, &self.spec.tolerations)?;
        Some(self.bound_at.unwrap_or(self.created).max(tainted) + Duration::from_secs(seconds))
    }
    /// How long its preStop hooks run before SIGTERM, as far as vipsim
    /// times them (`sleep`, an `exec` that only sleeps; any other hook is
    /// taken to return at once): the longest of its containers', since the
    /// kubelet kills them in parallel and the pod goes with the last.
    pub fn pre_stop(&self) -> Duration {
        self.spec
            .containers
            .iter()
            .filter_map(|c| c.lifecycle.as_ref()?.pre_stop.as_ref())
            .filter_map(|h| match h.pre_stop() {
                super::objects::PreStop::Sleeps(d) => Some(d),
                super::objects::PreStop::Unmodelled(_) => None,
            })
            .max()
            .unwrap_or(Duration::ZERO)
    }
    /// The grace period the kubelet kills it with: its deletion's, else
    /// its own.
    pub fn deletion_grace(&self) -> Duration {
        self.deletion_grace_period.unwrap_or_else(|| self.grace())
    }
    /// Named container ports, for Service `targetPort` names.
    pub fn port_named(&self, name: &str) -> Option<u16> {
        self.spec
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.container_port)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub meta: ObjectMeta,
    pub namespace: String,
    pub spec: DeploymentSpec,
    pub created: Instant,
    /// `metadata.generation`: bumped by every change of the spec.
    pub generation: u64,
    /// `status.collisionCount`: bumped when a new ReplicaSet's name is taken.
    pub collision_count: Option<u32>,
    /// The status the Deployment controller last wrote.
    pub status: DeploymentStatus,
    /// When the controller asked to look at a stuck rollout again (its
    /// progress deadline).
    pub progress_check: Option<Instant>,
}

impl Deployment {
    pub fn key(&self) -> Key {
        key(&self.namespace, &self.meta.name)
    }
}

/// `status` of a Deployment (`calculateStatus` in the Deployment controller).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentStatus {
    pub replicas: u32,
    pub updated_replicas: u32,
    pub ready_replicas: u32,
    pub available_replicas: u32,
    pub unavailable_replicas: u32,
    /// `Available` then `Progressing`, as the controller adds them.
    pub conditions: Vec<Condition>,
}

/// A status condition with its two timestamps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_update: Instant,
    pub last_transition: Instant,
}

/// A ReplicaSet a Deployment created for one pod template
/// (`<deployment>-<pod-template-hash>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSet {
    pub name: String,
    pub namespace: String,
    /// The owning Deployment's name.
    pub deployment: String,
    pub pod_template_hash: String,
    /// The Deployment's template with the `pod-template-hash` label added.
    pub template: PodTemplateSpec,
    /// The Deployment's selector with `pod-template-hash` added.
    pub selector: LabelSelector,
    /// `spec.replicas`.
    pub replicas: u32,
    /// `deployment.kubernetes.io/revision`, `desired-replicas`,
    /// `max-replicas` and the Deployment's own annotations.
    pub annotations: BTreeMap<String, String>,
    pub created: Instant,
}

impl ReplicaSet {
    pub fn key(&self) -> Key {
        key(&self.namespace, &self.name)
    }

    pub fn revision(&self) -> u64 {
        self.annotations.get(REVISION_ANNOTATION).and_then(|r| r.parse().ok()).unwrap_or(0)
    }
}

/// A running `kubectl rollout status`: it watches one Deployment and prints
/// a line each time the object changes, until the rollout is done, the
/// timeout passes or the Deployment is deleted. Its output is recorded then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RolloutWatch {
    pub host: String,
    pub cmd: String,
    pub started: Instant,
    pub deployment: Key,
    /// `--revision`: the revision the Deployment must be at.
    pub revision: Option<u64>,
    /// `--timeout`: when it gives up.
    pub deadline: Option<Instant>,
    /// The Deployment as the watch last saw it.
    pub seen: String,
    pub stdout: String,
}

/// The annotation holding a ReplicaSet's (and its Deployment's) revision.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub meta: ObjectMeta,
    pub namespace: String,
    pub spec: ServiceSpec,
    pub created: Instant,
    pub cluster_ip: Option<Ipv4Addr>,
    /// Allocated nodePort per spec port (LoadBalancer/NodePort types).
    pub node_ports: Vec<Option<u16>>,
    pub health_check_node_port: Option<u16>,
    /// status.loadBalancer.ingress.
    pub ingress: Vec<Ipv4Addr>,
    /// The pool the address came from.
    pub pool: Option<String>,
    /// When `ingress` last went from empty to assigned or back (creation
    /// before that): the `lastTransitionTime` of Cilium's IPAM condition.
    pub ingress_since: Instant,
    /// The Gateway this Service backs (`cilium-gateway-<name>`).
    pub gateway: Option<String>,
}

impl Service {
    /// A Service as created: nothing allocated yet.
    pub fn new(meta: ObjectMeta, namespace: &str, spec: ServiceSpec, created: Instant) -> Service {
        Service {
            meta,
            namespace: namespace.to_string(),
            spec,
            created,
            cluster_ip: None,
            node_ports: vec![],
            health_check_node_port: None,
            ingress: vec![],
            pool: None,
            ingress_since: created,
            gateway: None,
        }
    }

    pub fn key(&self) -> Key {
        key(&self.namespace, &self.meta.name)
    }
    pub fn is_load_balancer(&self) -> bool {
        self.spec.service_type == super::objects::ServiceType::LoadBalancer
    }
    pub fn external_local(&self) -> bool {
        self.spec.external_traffic_policy == Some(super::objects::TrafficPolicyName::Local)
    }
}

/// One endpoint of an EndpointSlice. Its names and ports are shared
/// (reference-counted): every Service in front of the same pods holds a
/// copy of it, and a copy costs a few counter increments, not four
/// allocations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub pod: Name,
    pub ip: Ipv4Addr,
    pub node: Name,
    pub zone: Option<Name>,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    /// Target port per Service port name.
    pub ports: Rc<BTreeMap<String, u16>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointSlice {
    /// Shared by the slices of Services alike (same namespace, selector
    /// and ports: the same endpoints), so a Deployment behind a hundred
    /// Services keeps one list, and a pod's change edits it once. (Each
    /// endpoint shared too: the edit copies the list's pointers, not its
    /// endpoints.)
    pub endpoints: Rc<Vec<Rc<Endpoint>>>,
    pub created: Instant,
    /// A hash of the endpoints that does not depend on their order, kept
    /// up to date as they change: what tells a speaker the slice changed
    /// without reading it all.
    pub digest: u64,
}

impl EndpointSlice {
    pub fn new(endpoints: Vec<Endpoint>, created: Instant) -> EndpointSlice {
        let digest = endpoints.iter().fold(0u64, |d, e| d.wrapping_add(e.digest()));
        EndpointSlice { endpoints: Rc::new(endpoints.into_iter().map(Rc::new).collect()), created, digest }
    }
}

impl Endpoint {
    /// FNV-1a over every field: one endpoint's share of [`EndpointSlice::digest`].
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut put = |bytes: &[u8]| {
            for b in bytes.iter().chain(&[0xff]) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        put(self.pod.as_bytes());
        put(&self.ip.octets());
        put(self.node.as_bytes());
        put(self.zone.as_deref().unwrap_or("\u{0}").as_bytes());
        put(&[u8::from(self.ready), u8::from(self.serving), u8::from(self.terminating)]);
        for (name, port) in self.ports.iter() {
            put(name.as_bytes());
            put(&port.to_be_bytes());
        }
        h
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub first: Instant,
    pub last: Instant,
    pub count: u32,
    pub namespace: String,
    /// `service/web`, `pod/web-...`, `node/worker-0`.
    pub object: String,
    pub event_type: String,
    pub reason: String,
    pub message: String,
}

/// A log line of a component (speaker, cilium-agent, kube-proxy, bgp).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: Instant,
    pub node: String,
    pub component: String,
    pub line: String,
}

/// A MetalLB speaker: which peers it believes alive (memberlist), what its
/// controllers last reconciled, what it announces, and its announcer's
/// gratuitous-ARP loop.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    pub view: BTreeSet<String>,
    /// Service key -> VIP this speaker currently answers ARP for (L2).
    pub announcing: BTreeMap<Key, Ipv4Addr>,
    /// Per Service, a fingerprint of the Service and its EndpointSlice as
    /// this speaker last reconciled them: a change is a new reconcile.
    /// Every speaker that took part in a reconcile has seen the same, so
    /// they share one map.
    pub seen: std::rc::Rc<BTreeMap<Key, u64>>,
    /// Fingerprint of the MetalLB configuration last applied (a change
    /// reprocesses every Service).
    pub seen_config: Option<u64>,
    /// A memberlist event or a (re)start asked for every Service to be
    /// reprocessed (`ForceSync`).
    pub force_sync: bool,
    /// The announcer's gratuitous-ARP loop: VIP -> until when it is repeated.
    pub spam: BTreeMap<Ipv4Addr, Instant>,
    /// The loop's running ticker, by generation (`None`: stopped).
    pub ticker: Option<u64>,
    /// Tickers started so far, to ignore the ticks of a stopped one.
    pub tickers: u64,
}

/// A Cilium L2 announcement Lease (`cilium-l2announce-<ns>-<svc>`) as
/// client-go's leader election writes it. The holder's renewals every retry
/// period are not stored one by one: while `renewing`, they happen at
/// `renew_since` + k x retry period ([`super::cilium::renew_time`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    /// When the Lease object was created (it outlives holder changes).
    pub created: Instant,
    /// `holderIdentity`; `None` once released (an empty string in the API).
    pub holder: Option<String>,
    pub acquired: Instant,
    /// The last renewTime written, once the holder stopped renewing.
    pub renewed: Instant,
    /// `leaseDurationSeconds`: the configured duration, 1 s after a release.
    pub duration: Duration,
    pub transitions: u32,
    /// Bumped on every holder change, to cancel stale timers.
    pub term: u64,
    /// The holder's renew loop runs.
    pub renewing: bool,
    /// When the current run of writes (acquire, resume, release) began.
    pub renew_since: Instant,
    /// Writes before `renew_since`: with the renewals since, the record's
    /// version, which is how a candidate sees that it changed.
    pub writes: u64,
}

/// One agent's client-go leader elector for a Service's lease while it is
/// not the holder: its retry loop and what it last saw of the record.
///
/// A try that does not take the lease changes nothing but `observed`, so
/// tries are not events: the one that would take the lease as it stands
/// is scheduled, and the others are made when the lease is next written
/// ([`super::cilium::catch_up`]), each at its own time, before the write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Elector {
    /// Identifies the loop's one pending try event (each new plan, and a
    /// restarted loop, is a new one).
    pub generation: u64,
    /// The record version it last saw change, and when (`observedTime`).
    pub observed: Option<(u64, Instant)>,
    /// When its next try is due; `Instant::MAX` once the loop stopped.
    pub next_try: Instant,
    /// When its pending try event fires, if it has one: a new plan that
    /// lands on the same moment keeps that event, and with it its place
    /// among the events of that instant (the race of a first try).
    pub pending: Option<Instant>,
    /// The loop's own retry jitter: each agent's client-go draws its own,
    /// so its tries do not shift the rest of the world's random draws.
    pub jitter: SimRng,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BgpState {
    Idle,
    Established,
}

/// A BGP session between a node's speaker and the router.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BgpSession {
    pub state: BgpState,
    pub since: Instant,
    pub hold_time: Duration,
    pub peer: String,
    pub generation: u64,
    /// The prefixes this node advertises over the session: each VIP masked
    /// to its BGPAdvertisement's `aggregationLength` (a /32 by default).
    pub advertised: BTreeSet<crate::net::Cidr>,
    /// The node went silent while its speaker kept running (a partition):
    /// the same process finds its session again when the network heals.
    #[serde(default)]
    pub cut_off: bool,
    /// The peer as the speaker dials it, and the ASNs of its OPEN.
    pub peer_addr: Ipv4Addr,
    pub my_asn: u32,
    pub peer_asn: u32,
    /// The native session's connect backoff: the wait after the next
    /// failed attempt (0 s, then 1 s doubling to 2 min; reset when a
    /// session comes up).
    #[serde(default)]
    pub backoff: Duration,
    /// The speaker's last connect failed and it is retrying.
    #[serde(default)]
    pub failing: bool,
    /// The router has seen this session Established at least once (its
    /// `Up/Down` column says `never` until then).
    #[serde(default)]
    pub established_once: bool,
}

/// A speaker's session to a BGPPeer address where no BGP speaker answers
/// (nobody has it, or a host that does not listen on port 179): it dials
/// and fails, again and again, with the native session's backoff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BgpDialer {
    pub peer_addr: Ipv4Addr,
    pub my_asn: u32,
    pub peer_asn: u32,
    pub backoff: Duration,
    pub generation: u64,
}

/// Cilium's service IDs (`cilium-dbg service list`): one per frontend,
/// handed out from a counter in the order frontends appear and released
/// when the frontend goes, like the agent's ID allocator. Kept here so an
/// ID stays the same for the whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceIds {
    pub next: u32,
    /// By Service, then by [`super::services::Frontend::key`].
    pub by_frontend: BTreeMap<Key, BTreeMap<String, u32>>,
}

impl Default for ServiceIds {
    fn default() -> ServiceIds {
        ServiceIds { next: 1, by_frontend: BTreeMap::new() }
    }
}

/// A stored object of the kinds vipsim does not keep in typed tables
/// (pools, advertisements, peers, policies, gateways).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    pub manifest: Manifest,
    pub created: Instant,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub config: ClusterConfig,
    pub namespaces: BTreeMap<String, Instant>,
    /// The labels of the namespaces applied from manifests (what MetalLB's
    /// `serviceAllocation.namespaceSelectors` match).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
    pub nodes: BTreeMap<String, Node>,
    pub deployments: BTreeMap<Key, Deployment>,
    pub replica_sets: BTreeMap<Key, ReplicaSet>,
    pub pods: BTreeMap<Key, Pod>,
    pub services: BTreeMap<Key, Service>,
    pub slices: BTreeMap<Key, EndpointSlice>,
    /// Other objects by `Kind/namespace/name` (cluster-scoped: `Kind//name`).
    pub objects: BTreeMap<String, Stored>,
    pub metallb: MetalLbIpam,
    pub cilium: CiliumIpam,
    pub speakers: BTreeMap<String, Speaker>,
    pub leases: BTreeMap<Key, Lease>,
    /// Per Service, the Cilium agents trying to take its lease.
    pub electors: BTreeMap<Key, BTreeMap<String, Elector>>,
    /// Electors started so far (their generations).
    pub elector_seq: u64,
    pub bgp: BTreeMap<String, BgpSession>,
    /// Per node, by BGPPeer name, the sessions to addresses that are not
    /// the router's.
    #[serde(default)]
    pub bgp_dialers: BTreeMap<String, BTreeMap<String, BgpDialer>>,
    /// Which nodes announce each Service's VIP (what the trace reports as leader).
    pub announcers: BTreeMap<Key, Vec<String>>,
    /// The VIP each Service in `announcers` was last announced under: what
    /// the record names when the Service loses its address or is deleted.
    pub announced_vips: BTreeMap<Key, Ipv4Addr>,
    pub events: Vec<Event>,
    pub logs: Vec<LogLine>,
    pub cilium_ids: ServiceIds,
    /// A MetalLB speaker reconcile is queued for this instant (their
    /// work queues fold the changes of one instant into one pass).
    pub speaker_sync_due: bool,
    /// `kubectl rollout status` commands still waiting.
    pub rollout_watches: Vec<RolloutWatch>,
    /// Where kube-scheduler's next search for feasible nodes starts in its
    /// node list (`nextStartNodeIndex`, pkg/scheduler/schedule_one.go):
    /// see [`super::workloads::schedule`].
    pub next_start_node: usize,
    /// What changed since the controllers last ran (empty between events).
    #[serde(skip)]
    pub touched: Touched,
    /// Values derived from the state above, kept to save recomputing them.
    #[serde(skip)]
    pub caches: Caches,
}

/// What changed since the controllers last ran, so that a reconcile visits
/// only that ([`super::control::Plane`]): a pod's change updates the
/// EndpointSlices of the Services that select it and programs its node,
/// not every Service and node. Not part of the cluster's state: it is
/// emptied by every reconcile, so it is neither serialised nor compared.
#[derive(Clone, Debug, Default)]
pub struct Touched {
    /// Anything may have changed (a console command, a fault, a manifest,
    /// a timer of a rare kind): every controller runs over every object.
    pub all: bool,
    /// Pods created, changed (node, address, phase, readiness, deletion)
    /// or gone.
    pub pods: BTreeSet<Key>,
    /// Nodes whose pods changed: what they program (pods, listeners,
    /// health checks) is redone.
    pub nodes: BTreeSet<String>,
    /// Deployments whose pods changed: their controller runs.
    pub deployments: BTreeSet<Key>,
    /// Services whose object changed (addresses, spec), or whose Cilium
    /// lease changed hands.
    pub services: BTreeSet<Key>,
    /// The MetalLB speakers' announcements changed.
    pub announcers: bool,
    /// A MetalLB speaker's memberlist view changed.
    pub speakers: bool,
    /// An EndpointSlice's endpoints changed in this pass (noted by the
    /// slices' reconcile for the controllers after it).
    pub slices: bool,
    /// Nodes whose BGP session changed state (an OPEN exchanged).
    pub sessions: BTreeSet<String>,
}

impl PartialEq for Touched {
    /// Always equal: two clusters in the same state compare equal whatever
    /// their pending change sets (empty between events anyway).
    fn eq(&self, _: &Touched) -> bool {
        true
    }
}

/// Values derived from the cluster's state, cached between reconciles.
/// Each is rebuilt when missing, so a clone or a deserialised cluster
/// computes them again; they never change what the simulation does.
#[derive(Clone, Debug, Default)]
pub struct Caches {
    /// Kubernetes Events by a hash of (object, reason, message): the
    /// positions of `events[..events_indexed]` with that hash.
    events_by_key: BTreeMap<u64, Vec<usize>>,
    events_indexed: usize,
    /// The endpoints of each (namespace, selector) as the trace shows
    /// them, shared by every Service with that selector.
    pub endpoint_lists: BTreeMap<(String, BTreeMap<String, String>), crate::engine::trace::EndpointList>,
    /// MetalLB's caches (election orders, configuration fingerprint).
    pub metallb: super::metallb::Caches,
    /// Each ReplicaSet's pod counts.
    pub rs_counts: super::deployments::RsCounts,
    /// The pods each controller looks for, by what they wait for.
    pub pods: PodIndex,
    /// What the BGP speakers and the router's routes were last weighed from.
    pub bgp: Option<super::bgp::Memo>,
    /// The nodes' facts the BGP speakers weigh (dropped by the BGP
    /// reconcile after a change they follow).
    pub bgp_nodes: Option<std::rc::Rc<super::bgp::NodeFacts>>,
    /// Until when the nodes' ARP responders stay as the last sync left
    /// them unless something changes (a Cilium holder's liveness or renew
    /// deadline is the clock's part).
    pub responders_until: Option<Instant>,
    /// The Cilium lease candidates' lists ([`super::cilium::candidates_of_each`]).
    pub lease_candidates: super::cilium::Candidates,
}

/// The pods the scheduler, the kubelets and the node programming look
/// for, kept up to date from the pods the controllers touch
/// (`Cluster::touched`) instead of found by a pass over every pod at each
/// reconcile (with 1,000 pods, four passes per pod coming up). Rebuilt
/// from scratch after a change the control loop does not track, and when
/// missing (a cloned or deserialised cluster). Sets in key order, the
/// order of the pod map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodIndex {
    valid: bool,
    /// Not bound to a node, not deleted: the scheduler's queue.
    pub unscheduled: BTreeSet<Key>,
    /// Bound, not admitted by the kubelet yet, not deleted.
    pub unadmitted: BTreeSet<Key>,
    /// Admitted but their sandbox got no address, Pending, not deleted.
    pub no_address: BTreeSet<Key>,
    /// Every pod bound to each node.
    pub on_node: BTreeMap<String, BTreeSet<Key>>,
    /// What each pod is filed under, to take it out again.
    filed: BTreeMap<Key, Filed>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Filed {
    node: Option<String>,
    unscheduled: bool,
    unadmitted: bool,
    no_address: bool,
}

impl Filed {
    fn of(p: &Pod) -> Filed {
        let live = !p.terminating();
        Filed {
            node: p.node.clone(),
            unscheduled: p.node.is_none() && live,
            unadmitted: p.node.is_some() && !p.admitted && live,
            no_address: p.node.is_some() && p.admitted && p.ip.is_none() && p.phase == PodPhase::Pending && live,
        }
    }
}

impl PodIndex {
    /// The index now: the touched pods filed again, or every pod when
    /// anything may have changed.
    pub fn refresh(k: &mut Cluster) {
        let Cluster { touched, pods, caches, .. } = k;
        let ix = &mut caches.pods;
        if touched.all || !ix.valid {
            *ix = PodIndex::of(pods);
            return;
        }
        for pk in &touched.pods {
            let now = pods.get(pk).map(Filed::of);
            if ix.filed.get(pk) == now.as_ref() {
                continue;
            }
            if let Some(old) = ix.filed.remove(pk) {
                ix.file(pk, &old, false);
            }
            if let Some(now) = now {
                ix.file(pk, &now, true);
                ix.filed.insert(pk.clone(), now);
            }
        }
    }

    /// The index built from scratch.
    pub fn of(pods: &BTreeMap<Key, Pod>) -> PodIndex {
        let mut ix = PodIndex { valid: true, ..Default::default() };
        for (pk, p) in pods {
            let f = Filed::of(p);
            ix.file(pk, &f, true);
            ix.filed.insert(pk.clone(), f);
        }
        ix
    }

    fn file(&mut self, pk: &Key, f: &Filed, add: bool) {
        let put = |set: &mut BTreeSet<Key>, on: bool| {
            if on {
                if add {
                    set.insert(pk.clone());
                } else {
                    set.remove(pk);
                }
            }
        };
        put(&mut self.unscheduled, f.unscheduled);
        put(&mut self.unadmitted, f.unadmitted);
        put(&mut self.no_address, f.no_address);
        if let Some(n) = &f.node {
            if add {
                self.on_node.entry(n.clone()).or_default().insert(pk.clone());
            } else if let Some(set) = self.on_node.get_mut(n) {
                set.remove(pk);
                if set.is_empty() {
                    self.on_node.remove(n);
                }
            }
        }
    }
}

impl PartialEq for Caches {
    /// Caches hold nothing of the state: always equal.
    fn eq(&self, _: &Caches) -> bool {
        true
    }
}

/// FNV-1a over the parts that identify a folded Kubernetes Event.
fn event_key(object: &str, reason: &str, message: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [object, reason, message] {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Cluster {
    pub fn new(config: ClusterConfig) -> Cluster {
        let announce = config.announce;
        let mut namespaces = BTreeMap::new();
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            namespaces.insert(ns.to_string(), Instant::ZERO);
        }
        match config.load_balancer {
            LoadBalancerKind::Metallb => {
                namespaces.insert("metallb-system".into(), Instant::ZERO);
            }
            LoadBalancerKind::Cilium | LoadBalancerKind::None => {}
        }
        Cluster {
            config,
            namespaces,
            namespace_labels: BTreeMap::new(),
            nodes: BTreeMap::new(),
            deployments: BTreeMap::new(),
            replica_sets: BTreeMap::new(),
            pods: BTreeMap::new(),
            services: BTreeMap::new(),
            slices: BTreeMap::new(),
            objects: BTreeMap::new(),
            metallb: MetalLbIpam::default(),
            cilium: {
                let mut c = CiliumIpam::default();
                // Services may opt into an announcer with loadBalancerClass.
                c.set_enabled_announcers(announce == AnnounceKind::Bgp, announce == AnnounceKind::L2);
                c
            },
            speakers: BTreeMap::new(),
            leases: BTreeMap::new(),
            electors: BTreeMap::new(),
            elector_seq: 0,
            bgp: BTreeMap::new(),
            bgp_dialers: BTreeMap::new(),
            announcers: BTreeMap::new(),
            announced_vips: BTreeMap::new(),
            events: Vec::new(),
            logs: Vec::new(),
            cilium_ids: ServiceIds::default(),
            speaker_sync_due: false,
            rollout_watches: Vec::new(),
            next_start_node: 0,
            touched: Touched::default(),
            caches: Caches::default(),
        }
    }

    /// Notes that a pod was created, changed or is about to go (call it
    /// before removing the pod): its node and its Deployment are touched too.
    pub fn touch_pod(&mut self, pk: &Key) {
        if let Some(p) = self.pods.get(pk) {
            if let Some(n) = &p.node {
                self.touched.nodes.insert(n.clone());
            }
            if let Some(d) = p.owner.as_ref().and_then(|o| self.replica_sets.get(o)) {
                self.touched.deployments.insert(key(&d.namespace, &d.deployment));
            }
        }
        self.touched.pods.insert(pk.clone());
    }

    /// Stored objects of one kind, in creation order.
    /// The MetalLB objects of `kind` MetalLB reads: those in the namespace
    /// it runs in ([`METALLB_NAMESPACE`]); its controller and speakers list
    /// them `client.InNamespace` (MetalLB 0.14.9
    /// internal/k8s/controllers/config_controller.go), so one applied to
    /// another namespace is ignored.
    pub fn metallb_objects(&self, kind: &str) -> Vec<&Stored> {
        let mut v = self.objects_of(kind);
        v.retain(|s| s.manifest.namespace() == Some(METALLB_NAMESPACE));
        v
    }

    /// The IPAddressPools MetalLB reads, oldest first.
    pub fn metallb_pools(&self) -> Vec<(ObjectMeta, super::objects::IpAddressPoolSpec)> {
        self.metallb_objects("IPAddressPool")
            .into_iter()
            .filter_map(|s| match &s.manifest {
                Manifest::IPAddressPool { metadata, spec, .. } => Some((metadata.clone(), spec.clone())),
                _ => None,
            })
            .collect()
    }

    /// Every namespace with its labels, as MetalLB's controller lists them
    /// for `namespaceSelectors` (each carries the API server's
    /// `kubernetes.io/metadata.name` label).
    pub fn namespaces_with_labels(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.namespaces
            .keys()
            .map(|ns| {
                let mut labels = self.namespace_labels.get(ns).cloned().unwrap_or_default();
                labels.insert("kubernetes.io/metadata.name".into(), ns.clone());
                (ns.clone(), labels)
            })
            .collect_map()
    }

    /// The stored objects of `kind`, oldest first.
    pub fn objects_of(&self, kind: &str) -> Vec<&Stored> {
        let mut v: Vec<&Stored> = self.objects_of_kind(kind).collect();
        v.stable_sort_by_key(|s| s.created);
        v
    }

    /// The stored objects of `kind`, in key order. Their keys begin with
    /// the kind and a slash (`object_key`), so they are one run of the map,
    /// after any of a kind that extends this one with a character before
    /// `/` (`Kind-x/...`): the Cilium lease electors ask for the L2
    /// announcement policies on every try.
    pub fn objects_of_kind<'s>(&'s self, kind: &str) -> impl Iterator<Item = &'s Stored> {
        let of_kind = move |key: &str| key.strip_prefix(kind).is_some_and(|rest| rest.starts_with('/'));
        self.objects
            .range::<str, _>((std::ops::Bound::Included(kind), std::ops::Bound::Unbounded))
            .skip_while(move |(key, _)| key.starts_with(kind) && !of_kind(key))
            .take_while(move |(key, _)| of_kind(key))
            .map(|(_, stored)| stored)
    }

    pub fn node_of_host(&self, host: HostId) -> Option<&Node> {
        self.nodes.values().find(|n| n.host == host)
    }

    /// Records an Event about pod `pk` (`pod/NAME` in its namespace); none
    /// if the pod is gone.
    pub fn pod_event(&mut self, now: Instant, pk: &Key, event_type: &str, reason: &str, message: String) {
        let Some(p) = self.pods.get(pk) else { return };
        let (namespace, object) = (p.namespace.clone(), format!("pod/{}", p.name));
        self.event(now, &namespace, &object, event_type, reason, message);
    }

    /// Records a Kubernetes Event, folding repeats like the API server does.
    pub fn event(
        &mut self,
        now: Instant,
        namespace: &str,
        object: &str,
        event_type: &str,
        reason: &str,
        message: String,
    ) {
        // The same search as a reverse scan of `events`, through an index
        // (tens of thousands of Events in a large cluster).
        let index = &mut self.caches.events_by_key;
        if self.caches.events_indexed > self.events.len() {
            index.clear();
            self.caches.events_indexed = 0;
        }
        for (i, e) in self.events.iter().enumerate().skip(self.caches.events_indexed) {
            index.entry(event_key(&e.object, &e.reason, &e.message)).or_default().push(i);
        }
        self.caches.events_indexed = self.events.len();
        let h = event_key(object, reason, &message);
        let found = index.get(&h).and_then(|at| {
            at.iter().rev().copied().find(|&i| {
                let e = &self.events[i];
                e.object == object && e.reason == reason && e.message == message
            })
        });
        if let Some(i) = found {
            let e = &mut self.events[i];
            e.count += 1;
            e.last = now;
            return;
        }
        index.entry(h).or_default().push(self.events.len());
        self.caches.events_indexed += 1;
        self.events.push(Event {
            first: now,
            last: now,
            count: 1,
            namespace: namespace.to_string(),
            object: object.to_string(),
            event_type: event_type.to_string(),
            reason: reason.to_string(),
            message,
        });
    }

    /// Pods selected by a Service selector (non-empty), in name order.
    pub fn selected_pods<'a>(
        &'a self,
        ns: &'a str,
        selector: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = &'a Pod> + 'a {
        self.pods.values().filter(move |p| {
            p.namespace == ns && !selector.is_empty() && selector.iter().all(|(k, v)| p.labels.get(k) == Some(v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One kind's objects are a run of the map keyed `Kind/namespace/name`
    /// (`object_key` in api.rs), found whatever kinds sort beside it, kinds
    /// that extend its name (`Kind-x`, `KindX`) included; `objects_of`
    /// gives them oldest first.
    #[test]
    fn objects_of_a_kind_are_found_among_neighbouring_kinds() {
        let mut k = Cluster::new(ClusterConfig::default());
        let stored = |name: &str, t: u64| Stored {
            manifest: Manifest::CiliumL2AnnouncementPolicy {
                api_version: "cilium.io/v2alpha1".into(),
                metadata: ObjectMeta { name: name.into(), ..Default::default() },
                spec: Default::default(),
                status: None,
            },
            created: Instant::from_secs(t),
        };
        for (key, t) in [("Kind-x//a", 1), ("Kind//b", 5), ("Kind//c", 2), ("KindX//d", 3), ("Kin//e", 4), ("Kind", 6)]
        {
            k.objects.insert(key.into(), stored(key, t));
        }
        let names = |v: Vec<&Stored>| v.iter().map(|s| s.manifest.metadata().name.clone()).collect::<Vec<_>>();
        assert_eq!(names(k.objects_of_kind("Kind").collect()), ["Kind//b", "Kind//c"]);
        assert_eq!(names(k.objects_of("Kind")), ["Kind//c", "Kind//b"]);
        assert_eq!(names(k.objects_of("Kind-x")), ["Kind-x//a"]);
        assert_eq!(names(k.objects_of("KindX")), ["KindX//d"]);
        assert!(k.objects_of("Ki").is_empty());
    }
}
