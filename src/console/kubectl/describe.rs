//! `kubectl describe` for Services (where MetalLB's `IPAllocated` and
//! `nodeAssigned` events tell who leads), Pods, Nodes, and custom resources
//! (kubectl's generic describer). Output goes through one tabwriter
//! (minimum width 0, padding 2) like kubectl's, so `Key:` columns line up
//! within each run of lines that have them.

use super::Reply;
use super::flags::Flags;
use super::objects::{self, Object, parse_timestamp};
use super::printers::{format_labels, node_roles, pod_status};
use super::resources::{self, Resource};
use super::selector::LabelSelector;
use crate::console::table::tabwrite;
use crate::k8s::api::go_value;
use crate::sim::World;
use crate::sort::{Collect, Sort};
use crate::time::Instant;
use serde_json::Value;
use std::collections::BTreeMap;

/// kubectl's annotation values longer than this are shown on their own lines.
const MAX_ANNOTATION_LEN: usize = 140;

pub fn describe(w: &World, f: &Flags) -> Reply {
    let Some(first) = f.args.first() else {
        return Reply::fail(
            "error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.",
        );
    };
    let (kind, names): (&str, Vec<String>) = match first.split_once('/') {
        Some((k, n)) => (k, vec![n.to_string()]),
        None => (first, f.args[1..].to_vec()),
    };
    let Some(res) = resources::lookup(&w.cluster, kind) else {
        return Reply::fail(&format!("error: the server doesn't have a resource type \"{kind}\""));
    };
    if !describable(res) {
        return Reply::fail(&format!(
            "error: vipsim's kubectl describes services, pods, nodes, leases and custom resources, not {}; try kubectl get {} -o yaml",
            res.plural, res.plural
        ));
    }
    let selector = match LabelSelector::parse(f.value("selector").unwrap_or_default()) {
        Ok(s) => s,
        Err(e) => return Reply::fail(&format!("error: {e}")),
    };
    let in_scope: Vec<Object> = objects::list_in(w, res, (!f.all_namespaces()).then(|| f.namespace()))
        .into_iter()
        .filter(|o| selector.matches(&o.labels()))
        .collect();
    let mut picked: Vec<&Object> = Vec::new();
    let mut errors = Vec::new();
    if names.is_empty() {
        picked.extend(&in_scope);
    }
    for name in &names {
        // An exact name, or else every object whose name starts with it.
        let exact: Vec<&Object> = in_scope.iter().filter(|o| &o.name == name).collect();
        let matched =
            if exact.is_empty() { in_scope.iter().filter(|o| o.name.starts_with(name)).collect() } else { exact };
        if matched.is_empty() {
            errors.push(format!("Error from server (NotFound): {} \"{name}\" not found", res.plural_ref()));
        }
        picked.extend(matched);
    }
    let show_events = f.switch("show-events").unwrap_or(true);
    let texts: Vec<String> = picked.iter().map(|o| describe_one(w, o, show_events)).collect();
    let mut reply = Reply::ok(texts.join("\n\n"));
    if picked.is_empty() && errors.is_empty() {
        reply.stderr = format!("No resources found in {} namespace.\n", f.namespace());
    }
    if !errors.is_empty() {
        reply.stderr.push_str(&(errors.join("\n") + "\n"));
        reply.exit = 1;
    }
    reply
}

fn describable(res: &Resource) -> bool {
    // A Lease has no describer of its own: kubectl falls back to the
    // generic one (`GenericDescriberFor`, kubectl pkg/describe/describe.go).
    matches!(res.kind, "Service" | "Pod" | "Node" | "Lease") || resources::is_custom(res)
}

fn describe_one(w: &World, o: &Object, events: bool) -> String {
    let mut d = Doc::default();
    match o.res.kind {
        "Service" => service(&mut d, o, w),
        "Pod" => pod(&mut d, &o.json, w.now),
        "Node" => node(&mut d, &o.json, w),
        _ => generic(&mut d, o),
    }
    if events {
        d.events(&related_events(w, o), w.now);
    }
    tabwrite(&d.text, 0, 2)
}

/// The events whose involved object is `o`.
fn related_events(w: &World, o: &Object) -> Vec<Object> {
    let mut evs: Vec<Object> = objects::list(w, &resources::EVENT)
        .into_iter()
        .filter(|e| {
            let inv = &e.json["involvedObject"];
            inv["name"] == o.name.as_str()
                && inv["kind"] == o.res.kind
                && (o.namespace.is_none() || inv["namespace"].as_str() == o.namespace.as_deref())
        })
        .collect();
    evs.stable_sort_by_key(|e| parse_timestamp(e.json["lastTimestamp"].as_str().unwrap_or_default()));
    evs
}

/// Lines for the tabwriter, indented by level (two spaces each).
#[derive(Default)]
struct Doc {
    text: String,
}

impl Doc {
    fn line(&mut self, level: usize, s: &str) {
        self.text.push_str(&"  ".repeat(level));
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn field(&mut self, level: usize, key: &str, value: &str) {
        self.line(level, &format!("{key}:\t{value}"));
    }

    /// `Labels:` with one `key=value` per line, or `<none>`.
    fn labels(&mut self, title: &str, labels: &BTreeMap<String, String>) {
        if labels.is_empty() {
            return self.field(0, title, "<none>");
        }
        for (i, (k, v)) in labels.iter().enumerate() {
            let first = if i == 0 { format!("{title}:") } else { String::new() };
            self.line(0, &format!("{first}\t{k}={v}"));
        }
    }

    /// `Annotations:` as `key: value`; long or multi-line values on their own lines.
    fn annotations(&mut self, annotations: &BTreeMap<String, String>) {
        let shown: Vec<(&String, &String)> =
            annotations.iter().filter(|(k, _)| *k != "kubectl.kubernetes.io/last-applied-configuration").collect();
        if shown.is_empty() {
            return self.field(0, "Annotations", "<none>");
        }
        for (i, (k, v)) in shown.into_iter().enumerate() {
            let first = if i == 0 { "Annotations:" } else { "" };
            let value = v.trim_end_matches('\n');
            if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
                self.line(0, &format!("{first}\t{k}:"));
                for part in value.split('\n') {
                    let short: String = part.chars().take(MAX_ANNOTATION_LEN - 2).collect();
                    self.line(0, &format!("\t  {short}"));
                }
            } else {
                self.line(0, &format!("{first}\t{k}: {value}"));
            }
        }
    }

    /// The Events table (oldest first), or `Events: <none>`.
    fn events(&mut self, evs: &[Object], now: Instant) {
        if evs.is_empty() {
            return self.field(0, "Events", "<none>");
        }
        self.line(0, "Events:");
        self.line(1, "Type\tReason\tAge\tFrom\tMessage");
        self.line(1, "----\t------\t----\t----\t-------");
        for e in evs {
            let v = &e.json;
            let since = |p: &str| objects::age(now, parse_timestamp(v[p].as_str().unwrap_or_default()));
            let count = v["count"].as_u64().unwrap_or(1);
            let interval = if count > 1 {
                format!("{} (x{count} over {})", since("lastTimestamp"), since("firstTimestamp"))
            } else {
                since("firstTimestamp")
            };
            let row = [
                text(v, "/type"),
                text(v, "/reason"),
                &interval,
                text(v, "/source/component"),
                text(v, "/message").trim(),
            ];
            self.line(1, &row.join("\t"));
        }
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

fn string_map(v: &Value, pointer: &str) -> BTreeMap<String, String> {
    v.pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect_map())
        .unwrap_or_default()
}

/// Go's `time.RFC1123Z`: `Thu, 01 Jan 2026 00:00:05 +0000`.
pub fn rfc1123z(ts: &str) -> String {
    let Some(t) = parse_timestamp(ts) else { return ts.to_string() };
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let secs = t.as_secs();
    let day = secs / 86_400;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    format!("{}, {:02} Jan 2026 {h:02}:{m:02}:{s:02} +0000", DAYS[(day % 7) as usize], day + 1)
}

fn service(d: &mut Doc, o: &Object, w: &World) {
    let v = &o.json;
    d.field(0, "Name", text(v, "/metadata/name"));
    d.field(0, "Namespace", text(v, "/metadata/namespace"));
    d.labels("Labels", &string_map(v, "/metadata/labels"));
    d.annotations(&string_map(v, "/metadata/annotations"));
    d.field(0, "Selector", &format_labels(v.pointer("/spec/selector")));
    d.field(0, "Type", text(v, "/spec/type"));
    d.field(0, "IP Family Policy", text(v, "/spec/ipFamilyPolicy"));
    let families: Vec<&str> = list(v, "/spec/ipFamilies").iter().filter_map(Value::as_str).collect();
    d.field(0, "IP Families", &families.join(","));
    d.field(0, "IP", text(v, "/spec/clusterIP"));
    let ips: Vec<&str> = list(v, "/spec/clusterIPs").iter().filter_map(Value::as_str).collect();
    d.field(0, "IPs", &ips.join(","));
    let external: Vec<&str> = list(v, "/spec/externalIPs").iter().filter_map(Value::as_str).collect();
    if !external.is_empty() {
        d.field(0, "External IPs", &external.join(","));
    }
    if let Some(ip) = v.pointer("/spec/loadBalancerIP").and_then(Value::as_str) {
        d.field(0, "Desired LoadBalancer IP", ip);
    }
    let ingress: Vec<String> = list(v, "/status/loadBalancer/ingress")
        .iter()
        .map(|i| match i.get("ipMode").and_then(Value::as_str) {
            Some(mode) => format!("{} ({mode})", text(i, "/ip")),
            None => text(i, "/ip").to_string(),
        })
        .collect();
    if !ingress.is_empty() {
        d.field(0, "LoadBalancer Ingress", &ingress.join(", "));
    }
    let slices: Vec<Object> = objects::list(w, &resources::ENDPOINTSLICE)
        .into_iter()
        .filter(|s| s.namespace == o.namespace && s.labels().get("kubernetes.io/service-name") == Some(&o.name))
        .collect();
    for p in list(v, "/spec/ports") {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("<unset>");
        let proto = text(p, "/protocol");
        d.line(0, &format!("Port:\t{name}\t{}/{proto}", p["port"]));
        let target = match &p["targetPort"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        d.field(0, "TargetPort", &format!("{target}/{proto}"));
        if let Some(np) = p.get("nodePort") {
            d.line(0, &format!("NodePort:\t{name}\t{np}/{proto}"));
        }
        d.field(0, "Endpoints", &slice_endpoints(&slices, p.get("name").and_then(Value::as_str).unwrap_or("")));
    }
    d.field(0, "Session Affinity", text(v, "/spec/sessionAffinity"));
    if let Some(p) = v.pointer("/spec/externalTrafficPolicy").and_then(Value::as_str) {
        d.field(0, "External Traffic Policy", p);
    }
    d.field(0, "Internal Traffic Policy", text(v, "/spec/internalTrafficPolicy"));
    if let Some(hc) = v.pointer("/spec/healthCheckNodePort") {
        d.field(0, "HealthCheck NodePort", &hc.to_string());
    }
    if let Some(td) = v.pointer("/spec/trafficDistribution").and_then(Value::as_str) {
        d.field(0, "Traffic Distribution", td);
    }
}

/// `formatEndpointSlices`: every endpoint's `ip:port` for the named port,
/// at most three; `<none>` without a slice.
/// The `Endpoints:` line of a Service port (`formatEndpointSlices`,
/// kubectl 1.34 pkg/describe/describe.go): `address:port` of the ready
/// endpoints of every slice that has the port, each with its slice's port
/// number (pods that resolve a named targetPort differently show their
/// own), three at most, then a count of the rest. (As kubectl does, the
/// "more" mark is set on reaching three before an endpoint is skipped as
/// not ready, so the count can read `+ 0 more...`.)
fn slice_endpoints(slices: &[Object], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let (mut shown, mut more, mut count) = (Vec::new(), false, 0);
    for s in slices {
        for p in list(&s.json, "/ports").iter().filter(|p| text(p, "/name") == port_name) {
            for e in list(&s.json, "/endpoints") {
                if shown.len() == MAX {
                    more = true;
                }
                if e.pointer("/conditions/ready").and_then(Value::as_bool) == Some(false) {
                    continue;
                }
                if !more {
                    shown.push(format!(
                        "{}:{}",
                        list(e, "/addresses").first().and_then(Value::as_str).unwrap_or_default(),
                        p["port"]
                    ));
                }
                count += 1;
            }
        }
    }
    let line = shown.join(",");
    if more { format!("{line} + {} more...", count - MAX) } else { line }
}

fn pod(d: &mut Doc, v: &Value, now: Instant) {
    d.field(0, "Name", text(v, "/metadata/name"));
    d.field(0, "Namespace", text(v, "/metadata/namespace"));
    d.field(0, "Priority", &v["spec"]["priority"].to_string());
    if let Some(c) = v.pointer("/spec/priorityClassName").and_then(Value::as_str) {
        d.field(0, "Priority Class Name", c);
    }
    d.field(0, "Service Account", text(v, "/spec/serviceAccountName"));
    let node = match (text(v, "/spec/nodeName"), text(v, "/status/hostIP")) {
        ("", _) => "<none>".to_string(),
        (n, ip) => format!("{n}/{ip}"),
    };
    d.field(0, "Node", &node);
    if let Some(t) = v.pointer("/status/startTime").and_then(Value::as_str) {
        d.field(0, "Start Time", &rfc1123z(t));
    }
    d.labels("Labels", &string_map(v, "/metadata/labels"));
    d.annotations(&string_map(v, "/metadata/annotations"));
    match v.pointer("/metadata/deletionTimestamp").and_then(Value::as_str) {
        Some(t) => {
            let grace = v["metadata"]["deletionGracePeriodSeconds"].as_u64().unwrap_or(30);
            d.field(0, "Status", &format!("Terminating (lasts {})", objects::age(now, parse_timestamp(t))));
            d.field(0, "Termination Grace Period", &format!("{grace}s"));
        }
        None => d.field(0, "Status", text(v, "/status/phase")),
    }
    d.field(0, "IP", text(v, "/status/podIP"));
    let ips = list(v, "/status/podIPs");
    if ips.is_empty() {
        d.field(0, "IPs", "<none>");
    } else {
        d.line(0, "IPs:");
    }
    for ip in ips {
        d.field(1, "IP", text(ip, "/ip"));
    }
    if let Some(o) = list(v, "/metadata/ownerReferences").first() {
        d.field(0, "Controlled By", &format!("{}/{}", text(o, "/kind"), text(o, "/name")));
    }
    d.line(0, "Containers:");
    let statuses = list(v, "/status/containerStatuses");
    for c in list(v, "/spec/containers") {
        let name = text(c, "/name");
        let st = statuses.iter().find(|s| text(s, "/name") == name);
        container(d, c, st);
    }
    let conditions = list(v, "/status/conditions");
    if !conditions.is_empty() {
        d.line(0, "Conditions:");
        d.line(1, "Type\tStatus");
    }
    for c in conditions {
        d.line(1, &format!("{} \t{} ", text(c, "/type"), text(c, "/status")));
    }
    d.field(0, "QoS Class", text(v, "/status/qosClass"));
    let selectors = format_labels(v.pointer("/spec/nodeSelector"));
    d.field(0, "Node-Selectors", &selectors);
    let tolerations: Vec<String> = list(v, "/spec/tolerations")
        .iter()
        .map(|t| {
            let mut s = format!("{}:{} op={}", text(t, "/key"), text(t, "/effect"), text(t, "/operator"));
            if let Some(secs) = t.get("tolerationSeconds") {
                s.push_str(&format!(" for {secs}s"));
            }
            s
        })
        .collect();
    if tolerations.is_empty() {
        d.field(0, "Tolerations", "<none>");
    }
    for (i, t) in tolerations.iter().enumerate() {
        d.line(0, &format!("{}\t{t}", if i == 0 { "Tolerations:" } else { "" }));
    }
}

fn container(d: &mut Doc, c: &Value, st: Option<&Value>) {
    d.line(1, &format!("{}:", text(c, "/name")));
    d.field(2, "Image", text(c, "/image"));
    let ports: Vec<String> =
        list(c, "/ports").iter().map(|p| format!("{}/{}", p["containerPort"], text(p, "/protocol"))).collect();
    let or_none = |v: Vec<String>| if v.is_empty() { "<none>".to_string() } else { v.join(", ") };
    d.field(2, "Port", &or_none(ports));
    let host_ports: Vec<String> = list(c, "/ports").iter().map(|p| format!("0/{}", text(p, "/protocol"))).collect();
    d.field(2, "Host Port", &or_none(host_ports));
    for (key, title) in [("/command", "Command"), ("/args", "Args")] {
        let items = list(c, key);
        if !items.is_empty() {
            d.line(2, &format!("{title}:"));
            for a in items {
                d.line(3, a.as_str().unwrap_or_default());
            }
        }
    }
    // A container no kubelet reported on has no state, readiness or restarts.
    let Some(st) = st else {
        d.field(2, "Environment", "<none>");
        return;
    };
    let st = Some(st);
    let state = st.and_then(|s| s.get("state"));
    match state.and_then(|s| s.as_object()).and_then(|m| m.iter().next()) {
        Some((kind, detail)) => {
            let title = match kind.as_str() {
                "running" => "Running",
                "waiting" => "Waiting",
                _ => "Terminated",
            };
            d.field(2, "State", title);
            if let Some(r) = detail.get("reason").and_then(Value::as_str) {
                d.field(3, "Reason", r);
            }
            if let Some(code) = detail.get("exitCode") {
                d.field(3, "Exit Code", &code.to_string());
            }
            if let Some(t) = detail.get("startedAt").and_then(Value::as_str) {
                d.field(3, "Started", &rfc1123z(t));
            }
        }
        None => d.field(2, "State", "Waiting"),
    }
    let ready = st.and_then(|s| s.get("ready")).and_then(Value::as_bool).unwrap_or(false);
    d.field(2, "Ready", if ready { "True" } else { "False" });
    let restarts = st.and_then(|s| s.get("restartCount")).cloned().unwrap_or(Value::from(0));
    d.field(2, "Restart Count", &restarts.to_string());
    d.field(2, "Environment", "<none>");
}

fn node(d: &mut Doc, v: &Value, w: &World) {
    let name = text(v, "/metadata/name");
    d.field(0, "Name", name);
    d.field(0, "Roles", &node_roles(v));
    d.labels("Labels", &string_map(v, "/metadata/labels"));
    d.annotations(&string_map(v, "/metadata/annotations"));
    d.field(0, "CreationTimestamp", &rfc1123z(text(v, "/metadata/creationTimestamp")));
    let taints: Vec<String> =
        list(v, "/spec/taints").iter().map(|t| format!("{}:{}", text(t, "/key"), text(t, "/effect"))).collect();
    if taints.is_empty() {
        d.field(0, "Taints", "<none>");
    }
    for (i, t) in taints.iter().enumerate() {
        d.line(0, &format!("{}\t{t}", if i == 0 { "Taints:" } else { "" }));
    }
    let unschedulable = v.pointer("/spec/unschedulable").and_then(Value::as_bool).unwrap_or(false);
    d.field(0, "Unschedulable", &unschedulable.to_string());
    let lease = objects::list(w, &resources::LEASE)
        .into_iter()
        .find(|l| l.name == name && l.namespace.as_deref() == Some("kube-node-lease"));
    d.line(0, "Lease:");
    d.field(1, "HolderIdentity", lease.as_ref().map(|l| text(&l.json, "/spec/holderIdentity")).unwrap_or("<unset>"));
    d.field(1, "AcquireTime", "<unset>");
    let renew = lease.as_ref().map(|l| rfc1123z(text(&l.json, "/spec/renewTime"))).unwrap_or_else(|| "<unset>".into());
    d.field(1, "RenewTime", &renew);
    d.line(0, "Conditions:");
    d.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage");
    d.line(1, "----\t------\t-----------------\t------------------\t------\t-------");
    for c in list(v, "/status/conditions") {
        let row = [
            text(c, "/type").to_string(),
            text(c, "/status").to_string(),
            rfc1123z(text(c, "/lastHeartbeatTime")),
            rfc1123z(text(c, "/lastTransitionTime")),
            text(c, "/reason").to_string(),
            text(c, "/message").to_string(),
        ];
        d.line(1, &row.join("\t"));
    }
    d.line(0, "Addresses:");
    for a in list(v, "/status/addresses") {
        d.field(1, text(a, "/type"), text(a, "/address"));
    }
    d.line(0, "System Info:");
    let info = &v["status"]["nodeInfo"];
    for (title, key) in [
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ] {
        d.field(1, title, info[key].as_str().unwrap_or_default());
    }
    d.field(0, "PodCIDR", text(v, "/spec/podCIDR"));
    let cidrs: Vec<&str> = list(v, "/spec/podCIDRs").iter().filter_map(Value::as_str).collect();
    d.field(0, "PodCIDRs", &cidrs.join(","));
    let pods: Vec<Object> = objects::list(w, &resources::POD)
        .into_iter()
        .filter(|p| p.json["spec"]["nodeName"] == name && pod_status(&p.json) != "Terminating")
        .collect();
    d.field(0, "Non-terminated Pods", &format!("({} in total)", pods.len()));
    d.line(1, "Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
    d.line(1, "---------\t----\t------------\t----------\t---------------\t-------------\t---");
    for p in &pods {
        let ns = p.namespace.clone().unwrap_or_default();
        let age = objects::age(w.now, p.created());
        d.line(1, &format!("{ns}\t{}\t0 (0%)\t0 (0%)\t0 (0%)\t0 (0%)\t{age}", p.name));
    }
}

/// kubectl's generic describer: Name, Namespace, Labels, Annotations, then
/// the object's content with camelCase keys turned into titles.
fn generic(d: &mut Doc, o: &Object) {
    d.field(0, "Name", &o.name);
    d.field(0, "Namespace", o.namespace.as_deref().unwrap_or_default());
    d.labels("Labels", &o.labels());
    d.annotations(&o.annotations());
    if let Some(m) = o.json.as_object() {
        content(d, 0, m, "");
    }
}

/// `printUnstructuredContent`, skipping what the header already showed.
fn content(d: &mut Doc, level: usize, m: &serde_json::Map<String, Value>, prefix: &str) {
    const SKIP: &[&str] = &[".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"];
    let mut keys: Vec<&String> = m.keys().collect();
    keys.stable_sort();
    for key in keys {
        let path = format!("{prefix}.{key}");
        if SKIP.contains(&path.as_str()) {
            continue;
        }
        match &m[key] {
            Value::Object(inner) => {
                d.line(level, &format!("{}:", smart_label(key)));
                content(d, level + 1, inner, &path);
            }
            Value::Array(items) => {
                d.line(level, &format!("{}:", smart_label(key)));
                for item in items {
                    match item {
                        Value::Object(inner) => content(d, level + 1, inner, &path),
                        other => d.line(level + 1, &go_value(other)),
                    }
                }
            }
            other => d.field(level, &smart_label(key), &go_value(other)),
        }
    }
}

/// kubectl's `smartLabelFor`: `creationTimestamp` -> `Creation Timestamp`,
/// `peerASN` -> `Peer ASN`, keys with other characters unchanged.
/// `strings.Title` title-cases each part's first letter. Here only ASCII
/// letters are: the keys an API server admits are ASCII (schema field
/// names; label keys, by `IsQualifiedName`), and Unicode's case tables
/// would cost the wasm 17 KB gzip. A pasted scenario's non-ASCII key (the
/// loader does not check label keys) keeps its first letter as written.
fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    camel_split(field)
        .into_iter()
        .map(|part| {
            if ["API", "URL", "UID", "OSB", "GUID"].contains(&part.to_ascii_uppercase().as_str()) {
                part.to_ascii_uppercase()
            } else {
                let mut cs = part.chars();
                cs.next().map(|c| c.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `fatih/camelcase.Split`: runs of one character class, an upper-case run
/// giving its last letter to a following lower-case run (`IPs` -> `I`, `Ps`).
fn camel_split(s: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_lowercase() {
            1
        } else if c.is_uppercase() {
            2
        } else if c.is_ascii_digit() {
            3
        } else {
            4
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    for c in s.chars() {
        match runs.last_mut() {
            Some(run) if class(run[0]) == class(c) => run.push(c),
            _ => runs.push(vec![c]),
        }
    }
    for i in 0..runs.len().saturating_sub(1) {
        if class(runs[i][0]) == 2 && class(runs[i + 1][0]) == 1 {
            let moved = runs[i].pop().expect("runs are non-empty");
            runs[i + 1].insert(0, moved);
        }
    }
    runs.into_iter().filter(|r| !r.is_empty()).map(|r| r.into_iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_labels() {
        assert_eq!(smart_label("creationTimestamp"), "Creation Timestamp");
        assert_eq!(smart_label("peerASN"), "Peer ASN");
        assert_eq!(smart_label("ipAddressPools"), "Ip Address Pools");
        assert_eq!(smart_label("allowFirstLastIPs"), "Allow First Last I Ps");
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("vipsim/hold"), "vipsim/hold");
    }

    #[test]
    fn rfc1123z_weekdays() {
        assert_eq!(rfc1123z("2026-01-01T00:00:05Z"), "Thu, 01 Jan 2026 00:00:05 +0000");
        assert_eq!(rfc1123z("2026-01-04T10:00:00Z"), "Sun, 04 Jan 2026 10:00:00 +0000");
    }
}
