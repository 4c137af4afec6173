//! `kubectl get` tables: the API server's column sets, computed from the
//! objects the way its printers (and, for custom resources, the CRDs'
//! `additionalPrinterColumns`) compute them. Columns with a priority above
//! zero only appear with `-o wide`.

use super::objects::{self, Object, parse_timestamp};
use crate::console::jsonpath::{Template, print_value};
use crate::sort::{Collect, Sort};
use crate::time::Instant;
use serde_json::Value;
use std::collections::BTreeMap;

/// One table column of one row.
pub struct Cell {
    pub header: &'static str,
    pub wide: bool,
    pub value: String,
}

fn cell(header: &'static str, value: impl Into<String>) -> Cell {
    Cell { header, wide: false, value: value.into() }
}

fn wide(header: &'static str, value: impl Into<String>) -> Cell {
    Cell { header, wide: true, value: value.into() }
}

/// The row of `o` (NAME first, as the server sends it).
pub fn row(o: &Object, now: Instant) -> Vec<Cell> {
    let v = &o.json;
    let age = || objects::age(now, o.created());
    let mut cells = vec![cell("NAME", o.name.clone())];
    cells.extend(match o.res.kind {
        "Service" => service(v, age()),
        "Pod" => pod(v, age()),
        "Node" => node(v, age()),
        "Namespace" => vec![cell("STATUS", text(v, "/status/phase")), cell("AGE", age())],
        "Endpoints" => vec![cell("ENDPOINTS", endpoints(v)), cell("AGE", age())],
        "EndpointSlice" => endpoint_slice(v, age()),
        "Event" => return event(v, &o.name, now),
        "Deployment" => deployment(v, age()),
        "ReplicaSet" => replica_set(v, age()),
        "DaemonSet" => daemon_set(v, age()),
        "Lease" => vec![cell("HOLDER", text(v, "/spec/holderIdentity")), cell("AGE", age())],
        kind => custom_columns(kind).iter().map(|c| c.cell(v, now)).collect(),
    });
    cells
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn int(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

/// `labels.FormatLabels`: `k=v,k2=v2` in key order, `<none>` when empty.
pub fn format_labels(v: Option<&Value>) -> String {
    let labels: BTreeMap<&String, &str> = v
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k, v.as_str().unwrap_or_default())).collect_map())
        .unwrap_or_default();
    if labels.is_empty() {
        return "<none>".into();
    }
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// `metav1.FormatLabelSelector`: match labels, then expressions.
pub fn format_selector(v: Option<&Value>) -> String {
    let Some(v) = v else { return "<none>".into() };
    let mut parts: Vec<String> = match format_labels(v.get("matchLabels")) {
        s if s == "<none>" => Vec::new(),
        s => vec![s],
    };
    for e in v.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let key = text(e, "/key");
        let values: Vec<&str> = list(e, "/values").iter().filter_map(Value::as_str).collect();
        parts.push(match text(e, "/operator") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            _ => format!("!{key}"),
        });
    }
    if parts.is_empty() { "<none>".into() } else { parts.join(",") }
}

fn service(v: &Value, age: String) -> Vec<Cell> {
    let ports: Vec<String> = list(v, "/spec/ports")
        .iter()
        .map(|p| {
            let proto = text(p, "/protocol");
            match p.get("nodePort") {
                Some(np) => format!("{}:{np}/{proto}", int(p, "/port")),
                None => format!("{}/{proto}", int(p, "/port")),
            }
        })
        .collect();
    let cluster_ip = match text(v, "/spec/clusterIP") {
        "" => "<none>",
        ip => ip,
    };
    vec![
        cell("TYPE", text(v, "/spec/type")),
        cell("CLUSTER-IP", cluster_ip),
        cell("EXTERNAL-IP", external_ip(v, false)),
        cell("PORT(S)", if ports.is_empty() { "<none>".into() } else { ports.join(",") }),
        cell("AGE", age),
        wide("SELECTOR", format_labels(v.pointer("/spec/selector"))),
    ]
}

/// kubectl's EXTERNAL-IP: load-balancer addresses (cut to 16 characters
/// unless wide), then externalIPs; `<pending>` for a LoadBalancer without any.
pub fn external_ip(v: &Value, wide: bool) -> String {
    let external: Vec<&str> = list(v, "/spec/externalIPs").iter().filter_map(Value::as_str).collect();
    if text(v, "/spec/type") != "LoadBalancer" {
        return if external.is_empty() { "<none>".into() } else { external.join(",") };
    }
    let mut lb: Vec<&str> = list(v, "/status/loadBalancer/ingress")
        .iter()
        .filter_map(|i| i.get("ip").or(i.get("hostname")).and_then(Value::as_str))
        .collect();
    lb.stable_sort();
    lb.dedup();
    let mut lb = lb.join(",");
    if !wide && lb.chars().count() > 16 {
        lb = format!("{}...", lb.chars().take(13).collect::<String>());
    }
    let all: Vec<&str> = lb.split(',').filter(|s| !s.is_empty()).chain(external).collect();
    if all.is_empty() { "<pending>".into() } else { all.join(",") }
}

/// The pod's STATUS the way `printPod` derives it.
pub fn pod_status(v: &Value) -> String {
    let mut reason = text(v, "/status/phase").to_string();
    for c in list(v, "/status/containerStatuses").iter().rev() {
        if let Some(r) = c.pointer("/state/waiting/reason").and_then(Value::as_str) {
            reason = r.to_string();
        } else if let Some(r) = c.pointer("/state/terminated/reason").and_then(Value::as_str) {
            reason = r.to_string();
        }
    }
    if v.pointer("/metadata/deletionTimestamp").is_some() {
        reason = "Terminating".into();
    }
    reason
}

fn pod(v: &Value, age: String) -> Vec<Cell> {
    let statuses = list(v, "/status/containerStatuses");
    let total = list(v, "/spec/containers").len();
    let ready = statuses.iter().filter(|c| c.get("ready") == Some(&Value::Bool(true))).count();
    let restarts: u64 = statuses.iter().map(|c| int(c, "/restartCount")).sum();
    let or_none = |s: &str| if s.is_empty() { "<none>".to_string() } else { s.to_string() };
    vec![
        cell("READY", format!("{ready}/{total}")),
        cell("STATUS", pod_status(v)),
        cell("RESTARTS", restarts.to_string()),
        cell("AGE", age),
        wide("IP", or_none(text(v, "/status/podIP"))),
        wide("NODE", or_none(text(v, "/spec/nodeName"))),
        wide("NOMINATED NODE", "<none>"),
        wide("READINESS GATES", "<none>"),
    ]
}

/// `Ready`, `NotReady`, `Ready,SchedulingDisabled`.
pub fn node_status(v: &Value) -> String {
    let ready =
        list(v, "/status/conditions").iter().any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True");
    let mut status = if ready { "Ready".to_string() } else { "NotReady".to_string() };
    if v.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
        status.push_str(",SchedulingDisabled");
    }
    status
}

/// Roles from `node-role.kubernetes.io/<role>` labels.
pub fn node_roles(v: &Value) -> String {
    let roles: Vec<&str> = v
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| m.keys().filter_map(|k| k.strip_prefix("node-role.kubernetes.io/")).collect())
        .unwrap_or_default();
    if roles.is_empty() { "<none>".into() } else { roles.join(",") }
}

fn node(v: &Value, age: String) -> Vec<Cell> {
    let address = |kind: &str| {
        list(v, "/status/addresses")
            .iter()
            .find(|a| text(a, "/type") == kind)
            .map(|a| text(a, "/address").to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    vec![
        cell("STATUS", node_status(v)),
        cell("ROLES", node_roles(v)),
        cell("AGE", age),
        cell("VERSION", text(v, "/status/nodeInfo/kubeletVersion")),
        wide("INTERNAL-IP", address("InternalIP")),
        wide("EXTERNAL-IP", address("ExternalIP")),
        wide("OS-IMAGE", text(v, "/status/nodeInfo/osImage")),
        wide("KERNEL-VERSION", text(v, "/status/nodeInfo/kernelVersion")),
        wide("CONTAINER-RUNTIME", text(v, "/status/nodeInfo/containerRuntimeVersion")),
    ]
}

/// At most three entries, then ` + N more...`.
fn at_most_three(list: Vec<String>, empty: &str) -> String {
    match list.len() {
        0 => empty.into(),
        1..=3 => list.join(","),
        n => format!("{} + {} more...", list[..3].join(","), n - 3),
    }
}

/// `formatEndpoints`: ready `ip:port` pairs, port by port.
pub fn endpoints(v: &Value) -> String {
    let subsets = list(v, "/subsets");
    if subsets.is_empty() {
        return "<none>".into();
    }
    let mut all = Vec::new();
    for s in subsets {
        for p in list(s, "/ports") {
            for a in list(s, "/addresses") {
                all.push(format!("{}:{}", text(a, "/ip"), int(p, "/port")));
            }
        }
    }
    if all.is_empty() { String::new() } else { at_most_three(all, "") }
}

fn endpoint_slice(v: &Value, age: String) -> Vec<Cell> {
    let ports: Vec<String> = list(v, "/ports").iter().map(|p| int(p, "/port").to_string()).collect();
    let addresses: Vec<String> = list(v, "/endpoints")
        .iter()
        .flat_map(|e| list(e, "/addresses").iter().filter_map(Value::as_str).map(String::from))
        .collect();
    vec![
        cell("ADDRESSTYPE", text(v, "/addressType")),
        cell("PORTS", at_most_three(ports, "<unset>")),
        cell("ENDPOINTS", at_most_three(addresses, "<unset>")),
        cell("AGE", age),
    ]
}

/// An event's source: `component, host`.
pub fn event_source(v: &Value) -> String {
    let component = text(v, "/source/component");
    match text(v, "/source/host") {
        "" => component.to_string(),
        host => format!("{component}, {host}"),
    }
}

/// `service/web`: the lower-cased kind and the name of the object.
pub fn event_object(v: &Value) -> String {
    format!("{}/{}", text(v, "/involvedObject/kind").to_ascii_lowercase(), text(v, "/involvedObject/name"))
}

fn event(v: &Value, name: &str, now: Instant) -> Vec<Cell> {
    let since = |p: &str| objects::age(now, parse_timestamp(text(v, p)));
    vec![
        cell("LAST SEEN", since("/lastTimestamp")),
        cell("TYPE", text(v, "/type")),
        cell("REASON", text(v, "/reason")),
        cell("OBJECT", event_object(v)),
        wide("SUBOBJECT", ""),
        wide("SOURCE", event_source(v)),
        cell("MESSAGE", text(v, "/message").trim()),
        wide("FIRST SEEN", since("/firstTimestamp")),
        wide("COUNT", int(v, "/count").to_string()),
        wide("NAME", name),
    ]
}

/// CONTAINERS and IMAGES of a pod template.
fn containers(v: &Value) -> (String, String) {
    let cs = list(v, "/spec/template/spec/containers");
    let names: Vec<&str> = cs.iter().map(|c| text(c, "/name")).collect();
    let images: Vec<&str> = cs.iter().map(|c| text(c, "/image")).collect();
    (names.join(","), images.join(","))
}

fn deployment(v: &Value, age: String) -> Vec<Cell> {
    let (names, images) = containers(v);
    vec![
        cell("READY", format!("{}/{}", int(v, "/status/readyReplicas"), int(v, "/spec/replicas"))),
        cell("UP-TO-DATE", int(v, "/status/updatedReplicas").to_string()),
        cell("AVAILABLE", int(v, "/status/availableReplicas").to_string()),
        cell("AGE", age),
        wide("CONTAINERS", names),
        wide("IMAGES", images),
        wide("SELECTOR", format_selector(v.pointer("/spec/selector"))),
    ]
}

fn replica_set(v: &Value, age: String) -> Vec<Cell> {
    let (names, images) = containers(v);
    vec![
        cell("DESIRED", int(v, "/spec/replicas").to_string()),
        cell("CURRENT", int(v, "/status/replicas").to_string()),
        cell("READY", int(v, "/status/readyReplicas").to_string()),
        cell("AGE", age),
        wide("CONTAINERS", names),
        wide("IMAGES", images),
        wide("SELECTOR", format_selector(v.pointer("/spec/selector"))),
    ]
}

fn daemon_set(v: &Value, age: String) -> Vec<Cell> {
    let (names, images) = containers(v);
    vec![
        cell("DESIRED", int(v, "/status/desiredNumberScheduled").to_string()),
        cell("CURRENT", int(v, "/status/currentNumberScheduled").to_string()),
        cell("READY", int(v, "/status/numberReady").to_string()),
        cell("UP-TO-DATE", int(v, "/status/updatedNumberScheduled").to_string()),
        cell("AVAILABLE", int(v, "/status/numberAvailable").to_string()),
        cell("NODE SELECTOR", format_labels(v.pointer("/spec/template/spec/nodeSelector"))),
        cell("AGE", age),
        wide("CONTAINERS", names),
        wide("IMAGES", images),
        wide("SELECTOR", format_selector(v.pointer("/spec/selector"))),
    ]
}

/// The type of a CRD printer column, which decides how its value prints.
#[derive(Clone, Copy)]
enum ColumnType {
    Text,
    Boolean,
    Date,
}

/// One `additionalPrinterColumns` entry.
struct CustomColumn {
    header: &'static str,
    path: &'static str,
    kind: ColumnType,
    wide: bool,
}

const fn col(header: &'static str, path: &'static str) -> CustomColumn {
    CustomColumn { header, path, kind: ColumnType::Text, wide: false }
}

const AGE: CustomColumn =
    CustomColumn { header: "AGE", path: ".metadata.creationTimestamp", kind: ColumnType::Date, wide: false };

const IP_ADDRESS_POOL: &[CustomColumn] = &[
    CustomColumn { header: "AUTO ASSIGN", path: ".spec.autoAssign", kind: ColumnType::Boolean, wide: false },
    CustomColumn { header: "AVOID BUGGY IPS", path: ".spec.avoidBuggyIPs", kind: ColumnType::Boolean, wide: false },
    col("ADDRESSES", ".spec.addresses"),
];
const NODE_SELECTORS: CustomColumn =
    CustomColumn { header: "NODE SELECTORS", path: ".spec.nodeSelectors", kind: ColumnType::Text, wide: true };
const L2_ADVERTISEMENT: &[CustomColumn] = &[
    col("IPADDRESSPOOLS", ".spec.ipAddressPools"),
    col("IPADDRESSPOOL SELECTORS", ".spec.ipAddressPoolSelectors"),
    col("INTERFACES", ".spec.interfaces"),
    NODE_SELECTORS,
];
const BGP_ADVERTISEMENT: &[CustomColumn] = &[
    col("IPADDRESSPOOLS", ".spec.ipAddressPools"),
    col("IPADDRESSPOOL SELECTORS", ".spec.ipAddressPoolSelectors"),
    col("PEERS", ".spec.peers"),
    NODE_SELECTORS,
];
const BGP_PEER: &[CustomColumn] = &[
    col("ADDRESS", ".spec.peerAddress"),
    col("ASN", ".spec.peerASN"),
    col("BFD PROFILE", ".spec.bfdProfile"),
    col("MULTI HOPS", ".spec.ebgpMultiHop"),
];
const LB_IP_POOL: &[CustomColumn] = &[
    CustomColumn { header: "DISABLED", path: ".spec.disabled", kind: ColumnType::Boolean, wide: false },
    col("CONFLICTING", ".status.conditions[?(@.type==\"cilium.io/PoolConflict\")].status"),
    col("IPS AVAILABLE", ".status.conditions[?(@.type==\"cilium.io/IPsAvailable\")].message"),
    AGE,
];
const GATEWAY: &[CustomColumn] = &[
    col("CLASS", ".spec.gatewayClassName"),
    col("ADDRESS", ".status.addresses[*].value"),
    col("PROGRAMMED", ".status.conditions[?(@.type==\"Programmed\")].status"),
    AGE,
];
const GATEWAY_CLASS: &[CustomColumn] = &[
    col("CONTROLLER", ".spec.controllerName"),
    col("ACCEPTED", ".status.conditions[?(@.type==\"Accepted\")].status"),
    AGE,
    CustomColumn { header: "DESCRIPTION", path: ".spec.description", kind: ColumnType::Text, wide: true },
];

/// The printer columns of the custom resources' CRDs (MetalLB 0.15,
/// Cilium 1.18, Gateway API 1.3); a CRD without any shows its age.
fn custom_columns(kind: &str) -> &'static [CustomColumn] {
    match kind {
        "IPAddressPool" => IP_ADDRESS_POOL,
        "L2Advertisement" => L2_ADVERTISEMENT,
        "BGPAdvertisement" => BGP_ADVERTISEMENT,
        "BGPPeer" => BGP_PEER,
        "CiliumLoadBalancerIPPool" => LB_IP_POOL,
        "Gateway" => GATEWAY,
        "GatewayClass" => GATEWAY_CLASS,
        _ => &[AGE],
    }
}

impl CustomColumn {
    /// The apiextensions table convertor: the first result of the path,
    /// nothing when missing.
    fn cell(&self, v: &Value, now: Instant) -> Cell {
        let first = Template::parse(&format!("{{{}}}", self.path))
            .and_then(|t| t.find(v))
            .ok()
            .and_then(|mut r| (!r.is_empty()).then(|| r.swap_remove(0)));
        let value = match (first, self.kind) {
            (None, _) => String::new(),
            (Some(Value::String(s)), ColumnType::Date) => objects::age(now, parse_timestamp(&s)),
            (Some(x), ColumnType::Boolean) => x.as_bool().map(|b| b.to_string()).unwrap_or_default(),
            (Some(x), _) => print_value(&x),
        };
        Cell { header: self.header, wide: self.wide, value }
    }
}
