//! Workloads off the scripted path (issue 13, points 1-3): pods that name
//! their node, Deployments that roll out through ReplicaSets, and pods
//! that keep serving while they terminate. Each test cites the upstream
//! code it follows (Kubernetes 1.34, MetalLB 0.14).

use crate::common;

use std::net::Ipv4Addr;
use std::rc::Rc;
use vipsim::engine::trace::{DropReason, Kind, Record};
use vipsim::play::run::Run;
use vipsim::time::{Duration, Instant};

fn run_yaml(text: &str) -> Run {
    let s = vipsim::scenario::load::load("inline.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
    common::at_end(Run::new(Rc::new(s), None, None, None).expect("builds"))
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn at(s: u64) -> Instant {
    Instant::ZERO + secs(s)
}

/// The output of the command `cmd` started at `at`.
fn output(trace: &[Record], cmd: &str, started: Instant) -> (String, i32) {
    trace
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { cmd: c, started: s, stdout, stderr, exit, .. } if **c == *cmd && *s == started => {
                Some((format!("{stdout}{stderr}"), *exit))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no `{cmd}` started at {started}"))
}

/// The Deployment's ReplicaSets as `kubectl get rs -o json` lists them at
/// the end of the run, oldest revision first: `(name, spec.replicas, revision)`.
fn replica_sets(run: &Run) -> Vec<(String, u64, u64)> {
    let mut w = run.world().clone();
    let json = vipsim::console::run(&mut w, "client", "kubectl get rs -o json", &mut Vec::new())
        .expect("runs")
        .expect("at once");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let mut sets: Vec<(u64, String, u64)> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|rs| {
            let revision = rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                .as_str()
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            (
                revision,
                rs["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                rs["spec"]["replicas"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    sets.sort();
    sets.into_iter().map(|(revision, name, replicas)| (name, replicas, revision)).collect()
}

fn text(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Every `pod` record of one pod: `(time, phase, ready, reason)`.
fn pod_records(trace: &[Record], pod: &str) -> Vec<(Instant, String, bool, String)> {
    trace
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Pod { pod: p, phase, ready, reason, .. } if &**p == pod => {
                Some((r.t, phase.clone(), *ready, reason.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Every EndpointSlice change of a Service: `(time, ready, serving, terminating)`.
type Slice = (Instant, Vec<String>, Vec<String>, Vec<String>);

fn slices(trace: &[Record], service: &str) -> Vec<Slice> {
    trace
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Endpoints { service: s, endpoints } if s == service => {
                let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect();
                Some((r.t, owned(endpoints.ready()), owned(endpoints.serving()), owned(endpoints.terminating())))
            }
            _ => None,
        })
        .collect()
}

/// A MetalLB L2 cluster of three nodes with a LoadBalancer Service `web`
/// (VIP 192.168.1.200); `STEPS` is the timeline, `APP` the Deployment's
/// spec (it selects and labels `app: web`) and `EXTRA` further manifests.
const BASE: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: workloads }
spec:
  duration: DURATION
  cluster: { loadBalancer: metallb, announce: l2 }
  hosts:
  - { name: router, role: router, ip: 192.168.1.1/24 }
  - { name: client, role: client, ip: 10.0.0.5/24, behind: router }
  - { name: node-a, role: node, ip: 192.168.1.11/24 }
  - { name: node-b, role: node, ip: 192.168.1.12/24 }
  - { name: node-c, role: node, ip: 192.168.1.13/24 }
  timeline:
STEPS
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: pool, namespace: metallb-system }
spec: { addresses: [192.168.1.200/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: LoadBalancer
  externalTrafficPolicyPOLICY
  selector: { app: web }
  ports: [ { port: 80, targetPort: 8080, nodePort: 30080 } ]
EXTRA"#;

fn scenario(duration: &str, steps: &str, policy: &str, extra: &str) -> String {
    BASE.replace("DURATION", duration)
        .replace("STEPS", steps)
        .replace("externalTrafficPolicyPOLICY", &format!("externalTrafficPolicy: {policy}"))
        .replace("EXTRA", extra)
}

/// A Deployment `web` of netexec pods; `spec` goes under `spec:` before the
/// selector, `pod` under the pod spec, `args` are netexec's.
fn deployment(name_suffix: &str, spec: &str, pod: &str, args: &str) -> String {
    format!(
        r#"---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web{name_suffix}
spec:
{spec}  selector: {{ matchLabels: {{ app: web }} }}
  template:
    metadata: {{ labels: {{ app: web }} }}
    spec:
{pod}      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080{args}]
        ports: [ {{ containerPort: 8080 }} ]
"#
    )
}

// ---------------------------------------------------------------------
// 1. Pods that name their node
// ---------------------------------------------------------------------

/// A pod with `spec.nodeName` never goes through the scheduler (it only
/// takes pods whose nodeName is empty, pkg/scheduler/eventhandlers.go);
/// the kubelet of that node watches the pods bound to it
/// (pkg/kubelet/config/apiserver.go, field selector spec.nodeName) and
/// starts them like any other: a sandbox, an IP from the node's range, the
/// containers. So there is no Scheduled event, and it runs.
#[test]
fn a_pod_naming_its_node_runs_there_without_the_scheduler() {
    let pod = r#"---
apiVersion: v1
kind: Pod
metadata: { name: pinned, labels: { app: web } }
spec:
  nodeName: node-b
  containers:
  - { name: web, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec, --http-port=8080], ports: [ { containerPort: 8080 } ] }
"#;
    let steps = r#"  - at: 5s
    run: { host: client, cmd: "kubectl get pods -o wide" }
  - at: 6s
    run: { host: client, cmd: "curl -s -m 2 http://192.168.1.200/hostname" }
  - at: 7s
    run: { host: client, cmd: "kubectl get events" }"#;
    let run = run_yaml(&scenario("10s", steps, "Cluster", pod));
    let t = run.trace();
    let (out, _) = output(t, "kubectl get pods -o wide", at(5));
    let line = out.lines().nth(1).expect("a pod");
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!((cells[0], cells[1], cells[2], cells[6]), ("pinned", "1/1", "Running", "node-b"), "{out}");
    let ip: Ipv4Addr = cells[5].parse().expect("a pod IP");
    assert!(ip.octets()[..3] == [10, 244, 1], "node-b's pod range 10.244.1.0/24: {ip}");
    assert_eq!(
        pod_records(t, "pinned"),
        [
            (at(0), "Pending".into(), false, format!("started by the kubelet, pod IP {ip}")),
            (at(3), "Running".into(), true, "containers started, readiness probe passed".into()),
        ]
    );
    assert_eq!(output(t, "curl -s -m 2 http://192.168.1.200/hostname", at(6)), ("pinned".into(), 0));
    let (events, _) = output(t, "kubectl get events", at(7));
    assert!(!events.contains("Scheduled"), "no scheduler event for a pinned pod:\n{events}");
    assert!(events.contains("Started container app"), "{events}");
}

/// A Deployment whose template names a node: its ReplicaSet's pods are
/// created bound to that node and all start there (the same kubelet path).
#[test]
fn a_deployment_template_naming_a_node_runs_every_replica_there() {
    let d = deployment("", "  replicas: 2\n", "      nodeName: node-c\n", "");
    let steps = r#"  - at: 5s
    run: { host: client, cmd: "kubectl get pods -o custom-columns=NODE:.spec.nodeName,READY:.status.containerStatuses[0].ready,IP:.status.podIP" }"#;
    let run = run_yaml(&scenario("6s", steps, "Cluster", &d));
    let (out, _) = output(
        run.trace(),
        "kubectl get pods -o custom-columns=NODE:.spec.nodeName,READY:.status.containerStatuses[0].ready,IP:.status.podIP",
        at(5),
    );
    let rows: Vec<Vec<&str>> = out.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{out}");
    for r in &rows {
        assert_eq!((r[0], r[1]), ("node-c", "true"), "{out}");
        assert!(r[2].starts_with("10.244.2."), "{out}");
    }
}

/// A pod bound to a node whose kubelet is not running gets nothing: no
/// kubelet admits it (pkg/kubelet/lifecycle admission runs in the kubelet),
/// so the API shows only what the API server wrote, phase Pending and no
/// conditions. When the node boots, its kubelet admits and starts it.
#[test]
fn a_pod_pinned_to_a_powered_off_node_waits_pending_until_the_node_boots() {
    let pod = r#"---
apiVersion: v1
kind: Pod
metadata: { name: lonely, annotations: { vipsim/hold: "true" } }
spec:
  nodeName: node-c
  containers:
  - { name: c, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec] }
"#;
    let steps = r#"  - at: 1s
    fault: { host: node-c, action: power-off }
  - at: 5s
    apply: lonely
  - at: 10s
    run: { host: client, cmd: "kubectl get pod lonely -o wide" }
  - at: 11s
    run: { host: client, cmd: "kubectl describe pod lonely" }
  - at: 12s
    run: { host: client, cmd: "kubectl get pod lonely -o jsonpath={.status}" }
  - at: 20s
    fault: { host: node-c, action: power-on }
  - at: 45s
    run: { host: client, cmd: "kubectl get pod lonely" }"#;
    let run = run_yaml(&scenario("46s", steps, "Cluster", pod));
    let t = run.trace();
    assert_eq!(
        output(t, "kubectl get pod lonely -o wide", at(10)).0,
        text(&[
            "NAME     READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES",
            "lonely   0/1     Pending   0          5s    <none>   node-c   <none>           <none>",
        ])
    );
    assert_eq!(
        output(t, "kubectl describe pod lonely", at(11)).0,
        text(&[
            "Name:             lonely",
            "Namespace:        default",
            "Priority:         0",
            "Service Account:  default",
            "Node:             node-c/",
            "Labels:           <none>",
            "Annotations:      vipsim/hold: true",
            "Status:           Pending",
            "IP:               ",
            "IPs:              <none>",
            "Containers:",
            "  c:",
            "    Image:      registry.k8s.io/e2e-test-images/agnhost:2.53",
            "    Port:       <none>",
            "    Host Port:  <none>",
            "    Args:",
            "      netexec",
            "    Environment:  <none>",
            "QoS Class:        BestEffort",
            "Node-Selectors:   <none>",
            "Tolerations:      node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
            "                  node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
            "Events:           <none>",
        ])
    );
    assert_eq!(
        output(t, "kubectl get pod lonely -o jsonpath={.status}", at(12)).0,
        r#"{"phase":"Pending","qosClass":"BestEffort"}"#
    );
    // The node boots 20 s after power-on; its kubelet starts the pod.
    let records = pod_records(t, "lonely");
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!((records[0].0, records[0].1.as_str()), (at(40), "Pending"));
    assert!(records[0].3.starts_with("started by the kubelet, pod IP 10.244.2."), "{records:?}");
    assert_eq!((records[1].0, records[1].1.as_str(), records[1].2), (at(43), "Running", true));
    let (out, _) = output(t, "kubectl get pod lonely", at(45));
    assert!(out.lines().nth(1).is_some_and(|l| l.starts_with("lonely   1/1     Running   0")), "{out}");
}

/// The taint eviction controller counts a pod's toleration (300 s) from
/// when it saw the pod on the tainted node, not from the taint, for a pod
/// that came to the node later (`processPodOnNode` in
/// pkg/controller/tainteviction/taint_eviction.go).
#[test]
fn a_pod_pinned_to_an_unreachable_node_is_evicted_300s_after_it_came() {
    let pod = |name: &str| {
        format!(
            r#"---
apiVersion: v1
kind: Pod
metadata: {{ name: {name}, annotations: {{ vipsim/hold: "true" }} }}
spec:
  nodeName: node-c
  containers:
  - {{ name: c, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec] }}
"#
        )
    };
    // node-c powers off at 1 s: NotReady (and tainted) at 50 s, so the
    // pods there at that time go at 350 s; `late` comes at 100 s and
    // `later` after that, at 400 s.
    let steps = r#"  - at: 1s
    fault: { host: node-c, action: power-off }
  - at: 100s
    apply: late
  - at: 400s
    apply: later"#;
    let run = run_yaml(&scenario("720s", steps, "Cluster", &(pod("late") + &pod("later"))));
    let t = run.trace();
    let evicted = |name: &str| -> Vec<Instant> {
        pod_records(t, name).iter().filter(|r| r.1 == "Terminating").map(|r| r.0).collect()
    };
    assert_eq!((evicted("late"), evicted("later")), (vec![at(400)], vec![at(700)]));
    let marked: Vec<(Instant, String)> = run
        .world()
        .cluster
        .events
        .iter()
        .filter(|e| e.reason == "TaintManagerEviction" && e.object.starts_with("pod/late"))
        .map(|e| (e.first, e.message.clone()))
        .collect();
    assert_eq!(
        marked,
        [
            (at(400), "Marking for deletion Pod default/late".to_string()),
            (at(700), "Marking for deletion Pod default/later".to_string())
        ]
    );
}

/// A pod bound to a node that does not exist stays Pending; the pod
/// garbage collector queues the node on its first pass after the pod
/// appeared (every 20 s), checks again 40 s later and, the node still
/// missing, marks the pod Failed and deletes it at once (`gcOrphaned`,
/// quarantineTime 40 s, pkg/controller/podgc/gc_controller.go).
#[test]
fn a_pod_bound_to_a_missing_node_is_deleted_by_the_pod_garbage_collector() {
    let pod = r#"---
apiVersion: v1
kind: Pod
metadata: { name: stray }
spec:
  nodeName: node-z
  containers:
  - { name: c, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec] }
"#;
    let steps = r#"  - at: 59s
    run: { host: client, cmd: "kubectl get pods" }
  - at: 61s
    run: { host: client, cmd: "kubectl get pods" }"#;
    let run = run_yaml(&scenario("62s", steps, "Cluster", pod));
    let t = run.trace();
    assert_eq!(
        output(t, "kubectl get pods", at(59)).0,
        text(&["NAME    READY   STATUS    RESTARTS   AGE", "stray   0/1     Pending   0          59s"])
    );
    assert_eq!(pod_records(t, "stray"), [(at(60), "Deleted".into(), false, "PodGC: node no longer exists".into())]);
    assert_eq!(output(t, "kubectl get pods", at(61)).0, "No resources found in default namespace.\n");
}

// ---------------------------------------------------------------------
// 2. Rolling updates
// ---------------------------------------------------------------------

/// The RollingUpdate strategy with its defaults (maxSurge 25% rounded up,
/// maxUnavailable 25% rounded down: 1 and 0 of 3 replicas), after
/// `rolloutRolling` in pkg/controller/deployment/rolling.go: the new
/// ReplicaSet starts at one pod; each time a new pod is ready one old pod
/// is scaled away and one more new pod is created; the ready endpoints
/// never drop below three. (Today's code replaced every pod at once.)
#[test]
fn a_new_template_rolls_out_one_pod_at_a_time() {
    let extra = deployment("", "  replicas: 3\n", "", "")
        + &deployment("", "  replicas: 3\n", "", ", --delay-shutdown=1")
            .replace("  name: web\n", "  name: web\n  annotations: { vipsim/hold: \"true\", vipsim/id: web-v2 }\n");
    let steps = r#"  - at: 10s
    apply: web-v2
  - at: 10s
    run: { host: client, cmd: "kubectl get rs" }
  - at: 14s
    run: { host: client, cmd: "kubectl get rs" }
  - at: 30s
    run: { host: client, cmd: "kubectl get rs" }
  - at: 30s
    run: { host: client, cmd: "kubectl events --for deployment/web" }"#;
    let run = run_yaml(&scenario("31s", steps, "Cluster", &extra));
    let t = run.trace();
    let sets = replica_sets(&run);
    assert_eq!(sets.iter().map(|rs| rs.2).collect::<Vec<_>>(), [1, 2], "{sets:?}");
    let (old, new) = (sets[0].0.clone(), sets[1].0.clone());
    assert_eq!(
        output(t, "kubectl get rs", at(10)).0,
        text(&[
            "NAME             DESIRED   CURRENT   READY   AGE",
            &format!("{new:<15}  1         1         0       0s"),
            &format!("{old:<15}  3         3         3       10s"),
        ])
    );
    assert_eq!(
        output(t, "kubectl get rs", at(14)).0,
        text(&[
            "NAME             DESIRED   CURRENT   READY   AGE",
            &format!("{new:<15}  2         2         1       4s"),
            &format!("{old:<15}  2         2         2       14s"),
        ])
    );
    assert_eq!(
        output(t, "kubectl get rs", at(30)).0,
        text(&[
            "NAME             DESIRED   CURRENT   READY   AGE",
            &format!("{new:<15}  3         3         3       20s"),
            &format!("{old:<15}  0         0         0       30s"),
        ])
    );
    assert_eq!(
        output(t, "kubectl events --for deployment/web", at(30)).0,
        text(&[
            "LAST SEEN   TYPE     REASON              OBJECT           MESSAGE",
            &format!(
                "30s         Normal   ScalingReplicaSet   deployment/web   Scaled up replica set {old} from 0 to 3"
            ),
            &format!(
                "20s         Normal   ScalingReplicaSet   deployment/web   Scaled up replica set {new} from 0 to 1"
            ),
            &format!(
                "17s         Normal   ScalingReplicaSet   deployment/web   Scaled down replica set {old} from 3 to 2"
            ),
            &format!(
                "17s         Normal   ScalingReplicaSet   deployment/web   Scaled up replica set {new} from 1 to 2"
            ),
            &format!(
                "14s         Normal   ScalingReplicaSet   deployment/web   Scaled down replica set {old} from 2 to 1"
            ),
            &format!(
                "14s         Normal   ScalingReplicaSet   deployment/web   Scaled up replica set {new} from 2 to 3"
            ),
            &format!(
                "11s         Normal   ScalingReplicaSet   deployment/web   Scaled down replica set {old} from 1 to 0"
            ),
        ])
    );
    // (At 3 s the first pods become ready one record at a time.)
    let after_start = slices(t, "default/web").into_iter().filter(|s| s.0 > at(3));
    for (time, ready, ..) in after_start {
        assert!(ready.len() >= 3, "only {} ready endpoints at {time}", ready.len());
    }
}

/// maxSurge and maxUnavailable as a count and a percentage (4 replicas,
/// maxSurge 2, maxUnavailable 50% = 2): the new ReplicaSet starts at 2
/// (`NewRSNewReplicas`: up to replicas + maxSurge pods in all), and the old
/// one goes down by 2 at once, since 4 available pods exceed the 2 that
/// must stay (`scaleDownOldReplicaSetsForRollingUpdate`); then the new one
/// fills the room (4).
#[test]
fn surge_and_unavailability_as_counts_and_percentages() {
    let strategy = "  replicas: 4\n  strategy:\n    rollingUpdate: { maxSurge: 2, maxUnavailable: 50% }\n";
    let extra = deployment("", strategy, "", "")
        + &deployment("", strategy, "", ", --delay-shutdown=1")
            .replace("  name: web\n", "  name: web\n  annotations: { vipsim/hold: \"true\", vipsim/id: web-v2 }\n");
    let steps = "  - at: 10s\n    apply: web-v2";
    let run = run_yaml(&scenario("20s", steps, "Cluster", &extra));
    let k = &run.world().cluster;
    let sets = replica_sets(&run);
    assert_eq!(sets.len(), 2, "{sets:?}");
    let (old, new) = (sets[0].0.clone(), sets[1].0.clone());
    let at10: Vec<String> = k.events.iter().filter(|e| e.first == at(10)).map(|e| e.message.clone()).collect();
    let scaling: Vec<&String> = at10.iter().filter(|m| m.starts_with("Scaled")).collect();
    assert_eq!(
        scaling,
        [
            &format!("Scaled up replica set {new} from 0 to 2"),
            &format!("Scaled down replica set {old} from 4 to 2"),
            &format!("Scaled up replica set {new} from 2 to 4"),
        ]
    );
    let deleted = at10.iter().filter(|m| m.starts_with("Deleted pod")).count();
    assert_eq!(deleted, 2);
}

/// Recreate (pkg/controller/deployment/recreate.go): every old pod is
/// scaled away first, and the new ReplicaSet is created only once no old
/// pod is left, terminating ones included (`oldPodsRunning`): here 3 s
/// later, when netexec's `--delay-shutdown=3` lets the old pods exit.
#[test]
fn recreate_waits_until_the_old_pods_are_gone() {
    let strategy = "  replicas: 3\n  strategy: { type: Recreate }\n";
    let extra = deployment("", strategy, "", ", --delay-shutdown=3")
        + &deployment("", strategy, "", "")
            .replace("  name: web\n", "  name: web\n  annotations: { vipsim/hold: \"true\", vipsim/id: web-v2 }\n");
    let steps = "  - at: 10s\n    apply: web-v2";
    let run = run_yaml(&scenario("20s", steps, "Cluster", &extra));
    let k = &run.world().cluster;
    let sets = replica_sets(&run);
    assert_eq!(sets.len(), 2, "{sets:?}");
    let (old, new) = (sets[0].0.clone(), sets[1].0.clone());
    let scaling: Vec<(Instant, String)> = k
        .events
        .iter()
        .filter(|e| e.reason == "ScalingReplicaSet" && e.first > at(0))
        .map(|e| (e.first, e.message.clone()))
        .collect();
    assert_eq!(
        scaling,
        [
            (at(10), format!("Scaled down replica set {old} from 3 to 0")),
            (at(13), format!("Scaled up replica set {new} from 0 to 3")),
        ]
    );
    // No endpoint at all between the old pods' exit and the new ones' start.
    let empty: Vec<Instant> =
        slices(run.trace(), "default/web").into_iter().filter(|s| s.0 > at(3) && s.2.is_empty()).map(|s| s.0).collect();
    assert_eq!(empty.first(), Some(&at(13)));
}

/// A replica change in the middle of a rollout scales every active
/// ReplicaSet in proportion (`scale` in sync.go, `GetProportion` in
/// util/deployment_util.go): 3 replicas rolling (old 3, new 1, each sized
/// for max-replicas 4) scaled to 6 may have 8 pods, so the old one gets
/// 3 * 8 / 4 = 6 and the new one 1 * 8 / 4 = 2. The rollout then goes on
/// at once: the old ReplicaSet's three new, not yet ready pods are
/// unhealthy replicas one of which may go (`cleanupUnhealthyReplicas`: 8
/// pods, 5 must stay available, 2 new ones unavailable), which makes room
/// for a third new pod.
#[test]
fn scaling_mid_rollout_is_proportional() {
    let extra = deployment("", "  replicas: 3\n", "", "")
        + &deployment("", "  replicas: 3\n", "", ", --delay-shutdown=1")
            .replace("  name: web\n", "  name: web\n  annotations: { vipsim/hold: \"true\", vipsim/id: web-v2 }\n");
    let steps = r#"  - at: 10s
    apply: web-v2
  - at: 11s
    run: { host: client, cmd: "kubectl scale deployment web --replicas=6" }"#;
    let run = run_yaml(&scenario("12s", steps, "Cluster", &extra));
    let k = &run.world().cluster;
    let sets = replica_sets(&run);
    assert_eq!(sets.len(), 2, "{sets:?}");
    let (old, new) = (sets[0].0.clone(), sets[1].0.clone());
    let at11: Vec<String> = k
        .events
        .iter()
        .filter(|e| e.first == at(11) && e.reason == "ScalingReplicaSet")
        .map(|e| e.message.clone())
        .collect();
    assert_eq!(
        at11,
        [
            format!("Scaled up replica set {old} from 3 to 6"),
            format!("Scaled up replica set {new} from 1 to 2"),
            format!("Scaled down replica set {old} from 6 to 5"),
            format!("Scaled up replica set {new} from 2 to 3"),
        ]
    );
    assert_eq!((sets[0].1, sets[1].1), (5, 3));
}

/// The ReplicaSet controller deletes the pod that shares its node with the
/// most pods of the Deployment first (`getPodsToDelete` and
/// `ActivePodsWithRanks` in pkg/controller/replicaset and
/// controller_utils.go); between equals (ready as long, as many restarts,
/// created together) the real order is by random UID, vipsim's by name.
#[test]
fn scaling_down_deletes_a_pod_from_the_most_crowded_node() {
    let extra = deployment("", "  replicas: 4\n", "", "");
    let steps = r#"  - at: 10s
    run: { host: client, cmd: "kubectl scale deployment web --replicas=3" }"#;
    let run = run_yaml(&scenario("11s", steps, "Cluster", &extra));
    let t = run.trace();
    let mut nodes: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in t.iter().filter(|r| r.t == at(0)) {
        if let Kind::Pod { pod, node: Some(node), .. } = &r.kind {
            nodes.entry(node.to_string()).or_default().push(pod.to_string());
        }
    }
    let crowded: Vec<&Vec<String>> = nodes.values().filter(|pods| pods.len() == 2).collect();
    assert_eq!(crowded.len(), 1, "{nodes:?}");
    let mut pair = crowded[0].clone();
    pair.sort();
    let deleted: Vec<String> = t
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Pod { pod, phase, .. } if phase == "Terminating" => Some(pod.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(deleted, [pair[0].clone()]);
}

/// Where kube-scheduler puts a pod, as vipsim simplifies it (FIDELITY.md,
/// Workloads): the filters drop nodes that cannot take it (here a cordoned
/// node: NodeUnschedulable, pkg/scheduler/framework/plugins, Kubernetes
/// 1.34), and of the rest a node with the fewest pods wins, ties at random.
/// On identical nodes with pods that request nothing, the real default
/// scores (NodeResourcesFit LeastAllocated counts such a pod as 100m CPU
/// and 200 MiB, and the system default PodTopologySpread spreads a
/// ReplicaSet's pods over hostnames) lead to the same even spread.
#[test]
fn the_scheduler_fills_the_emptiest_schedulable_node_first() {
    let extra = deployment("", "  replicas: 6\n", "", "");
    let steps = r#"  - at: 5s
    run: { host: client, cmd: "kubectl cordon node-a" }
  - at: 6s
    run: { host: client, cmd: "kubectl scale deployment web --replicas=9" }"#;
    let run = run_yaml(&scenario("7s", steps, "Cluster", &extra));
    let mut placed: std::collections::BTreeMap<Instant, std::collections::BTreeMap<String, u32>> = Default::default();
    for r in run.trace() {
        if let Kind::Pod { pod, node: Some(node), phase, .. } = &r.kind
            && pod.starts_with("web-")
            && phase == "Pending"
        {
            *placed.entry(r.t).or_default().entry(node.to_string()).or_default() += 1;
        }
    }
    let first: Vec<(&str, u32)> = placed[&at(0)].iter().map(|(n, c)| (n.as_str(), *c)).collect();
    assert_eq!(first, [("node-a", 2), ("node-b", 2), ("node-c", 2)], "six pods on three empty nodes");
    assert!(!placed[&at(6)].contains_key("node-a"), "the cordoned node takes none: {placed:?}");
    let mut later: Vec<u32> = placed[&at(6)].values().copied().collect();
    later.sort();
    assert_eq!(later, [1, 2], "three more over node-b and node-c, the emptiest first: {placed:?}");
}

/// `cleanupDeployment` (sync.go) keeps `revisionHistoryLimit` old
/// ReplicaSets once a rollout is complete, deleting the oldest revisions
/// that have no pods left.
#[test]
fn old_replica_sets_beyond_the_history_limit_are_deleted() {
    let spec = "  replicas: 1\n  revisionHistoryLimit: 1\n";
    let v = |n: &str, args: &str| {
        deployment("", spec, "", args).replace(
            "  name: web\n",
            &format!("  name: web\n  annotations: {{ vipsim/hold: \"true\", vipsim/id: web-{n} }}\n"),
        )
    };
    let extra = deployment("", spec, "", "") + &v("v2", ", --delay-shutdown=1") + &v("v3", ", --delay-shutdown=2");
    let steps = "  - at: 10s\n    apply: web-v2\n  - at: 20s\n    apply: web-v3";
    let run = run_yaml(&scenario("30s", steps, "Cluster", &extra));
    let revisions: Vec<u64> = replica_sets(&run).iter().map(|rs| rs.2).collect();
    assert_eq!(revisions, [2, 3]);
}

/// kubectl's `DeploymentStatusViewer` (kubectl/pkg/polymorphichelpers/
/// rollout_status.go) run on every change of the Deployment while `kubectl
/// rollout status` watches: its exact lines, until "successfully rolled out".
#[test]
fn rollout_status_prints_each_step_until_the_rollout_is_done() {
    let extra = deployment("", "  replicas: 3\n", "", "")
        + &deployment("", "  replicas: 3\n", "", ", --delay-shutdown=1")
            .replace("  name: web\n", "  name: web\n  annotations: { vipsim/hold: \"true\", vipsim/id: web-v2 }\n");
    let steps = r#"  - at: 5s
    run: { host: client, cmd: "kubectl rollout status deployment/web" }
  - at: 10s
    apply: web-v2
  - at: 10s
    run: { host: client, cmd: "kubectl rollout status deployment/web" }
  - at: 10s
    run: { host: client, cmd: "kubectl rollout status deployment/web --watch=false" }
  - at: 11s
    run: { host: client, cmd: "kubectl rollout status deploy/web --timeout=2s" }"#;
    let run = run_yaml(&scenario("30s", steps, "Cluster", &extra));
    let t = run.trace();
    assert_eq!(
        output(t, "kubectl rollout status deployment/web", at(5)),
        ("deployment \"web\" successfully rolled out\n".into(), 0)
    );
    let done = t.iter().find_map(|r| match &r.kind {
        Kind::Command { cmd, started, .. }
            if &**cmd == "kubectl rollout status deployment/web" && *started == at(10) =>
        {
            Some(r.t)
        }
        _ => None,
    });
    assert_eq!(done, Some(at(19)));
    assert_eq!(
        output(t, "kubectl rollout status deployment/web", at(10)),
        (
            text(&[
                "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...",
                "Waiting for deployment \"web\" rollout to finish: 2 out of 3 new replicas have been updated...",
                "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...",
                "deployment \"web\" successfully rolled out",
            ]),
            0
        )
    );
    assert_eq!(
        output(t, "kubectl rollout status deployment/web --watch=false", at(10)),
        ("Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n".into(), 0)
    );
    assert_eq!(
        output(t, "kubectl rollout status deploy/web --timeout=2s", at(11)),
        (
            text(&[
                "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...",
                "Waiting for deployment \"web\" rollout to finish: 2 out of 3 new replicas have been updated...",
                "error: timed out waiting for the condition",
            ]),
            1
        )
    );
}

// ---------------------------------------------------------------------
// 3. Graceful termination
// ---------------------------------------------------------------------

/// The EndpointSlice controller's conditions (`podToEndpoint`,
/// pkg/controller/endpointslice, via endpointslice utils): serving is the
/// pod's Ready condition, which the kubelet keeps while the app runs after
/// SIGTERM; ready is serving and not terminating. The pod goes when its
/// app exits: netexec's `--delay-shutdown=5`, or SIGKILL at the end of
/// `terminationGracePeriodSeconds` when that comes first.
#[test]
fn a_deleted_pod_serves_as_terminating_until_its_app_exits() {
    let pods = r#"---
apiVersion: v1
kind: Pod
metadata: { name: slow, labels: { app: web } }
spec:
  nodeName: node-a
  containers:
  - { name: web, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec, --http-port=8080, --delay-shutdown=5], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: capped, labels: { app: web } }
spec:
  nodeName: node-b
  terminationGracePeriodSeconds: 3
  containers:
  - { name: web, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec, --http-port=8080, --delay-shutdown=5], ports: [ { containerPort: 8080 } ] }
"#;
    let steps = r#"  - at: 10s
    run: { host: client, cmd: "kubectl delete pod slow capped" }
  - at: 11s
    run: { host: client, cmd: 'kubectl get endpointslices -o jsonpath="{range .items[0].endpoints[*]}{.targetRef.name} {.conditions};{end}"' }
  - at: 11s
    run: { host: client, cmd: "kubectl get pods" }"#;
    let run = run_yaml(&scenario("20s", steps, "Cluster", pods));
    let t = run.trace();
    assert_eq!(
        output(
            t,
            r#"kubectl get endpointslices -o jsonpath="{range .items[0].endpoints[*]}{.targetRef.name} {.conditions};{end}""#,
            at(11)
        )
        .0,
        concat!(
            r#"capped {"ready":false,"serving":true,"terminating":true};"#,
            r#"slow {"ready":false,"serving":true,"terminating":true};"#,
        )
    );
    assert_eq!(
        output(t, "kubectl get pods", at(11)).0,
        text(&[
            "NAME     READY   STATUS        RESTARTS   AGE",
            "capped   1/1     Terminating   0          11s",
            "slow     1/1     Terminating   0          11s",
        ])
    );
    let gone = |pod: &str| pod_records(t, pod).into_iter().find(|r| r.1 == "Deleted").map(|r| r.0);
    assert_eq!((gone("slow"), gone("capped")), (Some(at(15)), Some(at(13))));
}

/// With no ready endpoint left on a node, kube-proxy's Local policy uses
/// the node's serving-terminating ones (`CategorizeEndpoints`,
/// pkg/proxy/topology.go, KEP-1669) and MetalLB keeps that node as a
/// candidate, counting ready *or* serving endpoints (`EndpointCanServe` in
/// MetalLB 0.14's internal/k8s/epslices, used by `usableNodes` in
/// speaker/layer2_controller.go). So the VIP keeps answering from the
/// leader while its only pod drains, and moves when the pod is gone; the
/// health-check node port meanwhile says 503, counting only ready
/// endpoints (`LocalReadyEndpoints`, pkg/proxy).
#[test]
fn local_traffic_drains_through_a_terminating_pod() {
    let extra = deployment("", "  replicas: 2\n", "      nodeName: node-c\n", ", --delay-shutdown=6")
        + &deployment("-b", "  replicas: 1\n", "      nodeName: node-b\n", "")
            .replace("app: web }", "app: web, half: b }");
    let steps = r#"  - at: 5s
    run: { host: router, cmd: "arping -c 1 192.168.1.200" }
  - at: 5s
    run: { host: client, cmd: "curl -s -o /dev/null -w %{http_code} http://192.168.1.13:32000/healthz" }
  - at: 10s
    run: { host: client, cmd: "kubectl scale deployment web --replicas=0" }
  - at: 12s
    run: { host: client, cmd: "curl -s -m 2 http://192.168.1.13:30080/hostname" }
  - at: 12s
    run: { host: router, cmd: "arping -c 1 192.168.1.200" }
  - at: 13s
    run: { host: client, cmd: "curl -s -o /dev/null -w %{http_code} http://192.168.1.13:32000/healthz" }"#;
    let run = run_yaml(&scenario("25s", steps, "Local\n  healthCheckNodePort: 32000", &extra));
    let t = run.trace();
    let leaders: Vec<(Instant, Option<String>)> = t
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Leader { node, .. } => Some((r.t, node.as_deref().map(String::from))),
            _ => None,
        })
        .collect();
    // node-c leads (before node-b in MetalLB's order for this VIP) ...
    let c_mac = run.world().net.host("node-c").expect("node-c").ifaces[0].mac.to_string().to_uppercase();
    let arping = output(t, "arping -c 1 192.168.1.200", at(5)).0;
    assert!(arping.contains(&c_mac), "{arping} {c_mac}");
    assert_eq!(output(t, "curl -s -o /dev/null -w %{http_code} http://192.168.1.13:32000/healthz", at(5)).0, "200");
    // ... and still leads while its two pods drain (10 s to 16 s), serving Local traffic.
    assert!(output(t, "arping -c 1 192.168.1.200", at(12)).0.contains(&c_mac));
    let served = output(t, "curl -s -m 2 http://192.168.1.13:30080/hostname", at(12));
    assert!(served.0.starts_with("web-") && served.1 == 0, "{served:?}");
    let dropped = t.iter().any(|r| matches!(&r.kind, Kind::Drop { reason: DropReason::NoLocalEndpoints { .. }, .. }));
    assert!(!dropped, "nothing dropped while node-c's pods still serve");
    // The health check already says 503: no ready endpoint on node-c.
    assert_eq!(output(t, "curl -s -o /dev/null -w %{http_code} http://192.168.1.13:32000/healthz", at(13)).0, "503");
    // The leader moves to node-b once they are gone.
    assert_eq!(leaders.last(), Some(&(at(16), Some("node-b".to_string()))), "{leaders:?}");
}

/// kube-scheduler's system default spread (PodTopologySpread with
/// `defaultingType: System`: hostname maxSkew 3 and zone maxSkew 5,
/// ScheduleAnyway) counts the pods the pod's Services and ReplicaSet
/// select, and the ReplicaSet's selector has `pod-template-hash`: during a
/// rolling update each new pod goes where the new ReplicaSet has none yet,
/// while a terminating old pod still counts as load on its node
/// (`DefaultSelector`, pkg/scheduler/framework/plugins/helper/spread.go;
/// `countPodsMatchSelector` skips terminating pods; Kubernetes 1.34).
/// Before, vipsim counted only running pods and no default spread, and put
/// two of three new pods on one node for some seeds. Other names, sizes
/// and a bare pod of the same app pinned to a fourth node.
#[test]
fn a_rolling_update_spreads_the_new_pods_over_nodes() {
    for seed in 1..=8 {
        let yaml = format!(
            "apiVersion: vipsim/v1\nkind: Scenario\nmetadata: {{ name: roll }}\nspec:\n  seed: {seed}\n  duration: 40s\n  \
             cluster: {{ loadBalancer: none }}\n  hosts:\n  - {{ name: gw, role: router, ip: 10.60.0.1/24 }}\n  \
             - {{ name: w1, role: node, ip: 10.60.0.11/24 }}\n  - {{ name: w2, role: node, ip: 10.60.0.12/24 }}\n  \
             - {{ name: w3, role: node, ip: 10.60.0.13/24 }}\n  - {{ name: w4, role: node, ip: 10.60.0.14/24 }}\n  \
             timeline:\n  - at: 10s\n    run: {{ host: gw, cmd: \"kubectl set image deployment/app web=registry.k8s.io/e2e-test-images/agnhost:2.52\" }}\n\
             ---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: app }}\nspec:\n  replicas: 3\n  \
             strategy: {{ rollingUpdate: {{ maxSurge: 1, maxUnavailable: 0 }} }}\n  selector: {{ matchLabels: {{ app: app }} }}\n  \
             template:\n    metadata: {{ labels: {{ app: app }} }}\n    spec:\n      containers:\n      - name: web\n        \
             image: registry.k8s.io/e2e-test-images/agnhost:2.53\n        args: [netexec, --http-port=8080]\n\
             ---\napiVersion: v1\nkind: Pod\nmetadata: {{ name: pinned, labels: {{ app: app }} }}\nspec:\n  nodeName: w4\n  \
             containers:\n  - name: web\n    image: registry.k8s.io/e2e-test-images/agnhost:2.53\n    args: [netexec, --http-port=8080]\n\
             ---\napiVersion: v1\nkind: Service\nmetadata: {{ name: app }}\nspec:\n  selector: {{ app: app }}\n  ports: [{{ port: 80, targetPort: 8080 }}]\n"
        );
        let run = run_yaml(&yaml);
        let mut first = Vec::new();
        let mut rolled = Vec::new();
        for r in run.trace() {
            if let Kind::Pod { pod, node: Some(node), phase, .. } = &r.kind
                && pod.starts_with("app-")
                && phase == "Pending"
            {
                if r.t < at(10) { &mut first } else { &mut rolled }.push(node.to_string());
            }
        }
        let distinct = |nodes: &[String]| nodes.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert_eq!((first.len(), distinct(&first)), (3, 3), "seed {seed}: three pods on three nodes: {first:?}");
        assert_eq!((rolled.len(), distinct(&rolled)), (3, 3), "seed {seed}: three new pods on three nodes: {rolled:?}");
    }
}

/// Above 100 nodes kube-scheduler stops filtering once it has found
/// `numFeasibleNodesToFind` nodes that fit (100 of 120 here: 50 % is
/// fewer, and 100 is the floor) and scores only those; the next pod's
/// search starts where this one stopped (`nextStartNodeIndex`,
/// `findNodesThatPassFilters` in pkg/scheduler/schedule_one.go). Its node
/// list takes one node of each zone in turn (`nodeTree.list`,
/// pkg/scheduler/backend/cache/node_tree.go), nodes by name within a zone.
/// So in a 120-node cluster whose first 100 listed nodes each run a pod,
/// the first pod goes to one of those busy nodes although 20 nodes are
/// empty, and the second, whose search starts at the 101st, goes to an
/// empty one.
#[test]
fn above_100_nodes_the_scheduler_scores_the_first_feasible_nodes_it_finds() {
    // One zone: the list is name order, n001 to n100 first.
    placed_on_a_wide_cluster(|_| None, |i| i <= 100);
    // Two zones, n001-n060 and n061-n120: the list alternates, so its first
    // 100 are n001-n050 and n061-n110.
    placed_on_a_wide_cluster(|i| Some(if i <= 60 { "za" } else { "zb" }), |i| i <= 50 || (61..=110).contains(&i));
}

/// A 120-node cluster with a pod pinned on each node `busy` picks, and a
/// Deployment of one pod scaled to two at 5 s: the first pod must land on
/// a busy node, the second on an empty one.
fn placed_on_a_wide_cluster(zone: impl Fn(u32) -> Option<&'static str>, busy: impl Fn(u32) -> bool) {
    let mut hosts = String::from("  - { name: gw, role: router, ip: 10.70.0.1/16 }\n");
    let mut pinned = String::new();
    for i in 1..=120 {
        let zone = zone(i).map(|z| format!(", zone: {z}")).unwrap_or_default();
        hosts.push_str(&format!("  - {{ name: n{i:03}, role: node, ip: 10.70.1.{i}/16{zone} }}\n"));
        if busy(i) {
            pinned.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{ name: busy-{i:03}, labels: {{ app: busy }} }}\n\
                 spec:\n  nodeName: n{i:03}\n  containers:\n  - {{ name: c, image: hashicorp/http-echo:1.0 }}\n"
            ));
        }
    }
    let yaml = format!(
        "apiVersion: vipsim/v1\nkind: Scenario\nmetadata: {{ name: wide }}\nspec:\n  seed: 5\n  duration: 8s\n  \
         cluster: {{ loadBalancer: none }}\n  hosts:\n{hosts}  timeline:\n  - at: 5s\n    \
         run: {{ host: gw, cmd: \"kubectl scale deployment web --replicas=2\" }}\n{pinned}\
         ---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: web }}\nspec:\n  replicas: 1\n  \
         selector: {{ matchLabels: {{ app: web }} }}\n  template:\n    metadata: {{ labels: {{ app: web }} }}\n    \
         spec:\n      containers:\n      - {{ name: web, image: hashicorp/http-echo:1.0 }}\n"
    );
    let run = run_yaml(&yaml);
    let mut placed = Vec::new();
    for r in run.trace() {
        if let Kind::Pod { pod, node: Some(node), phase, .. } = &r.kind
            && pod.starts_with("web-")
            && phase == "Pending"
        {
            placed.push((r.t, node.to_string()));
        }
    }
    let number = |node: &str| node[1..].parse::<u32>().expect("nNNN");
    assert_eq!(placed.len(), 2, "{placed:?}");
    let (first, second) = (&placed[0], &placed[1]);
    assert!(first.0 < at(5) && busy(number(&first.1)), "a busy node among the first 100 listed: {placed:?}");
    assert!(second.0 >= at(5) && !busy(number(&second.1)), "an empty node, listed after them: {placed:?}");
}

/// A node that reboots before it is marked NotReady keeps its pods, but
/// not their sandboxes: the kubelet finds none ready, kills what is left
/// (the CNI releases the address) and creates a new one, with a
/// `SandboxChanged` event (`podSandboxChanged`, `computePodActions`,
/// pkg/kubelet/kuberuntime, Kubernetes 1.34). The pod comes back under a
/// new address, restarted once, and its endpoint follows. Before, it kept
/// its old address.
#[test]
fn a_rebooted_node_re_creates_its_pods_sandboxes_under_new_addresses() {
    let yaml =
        "apiVersion: vipsim/v1\nkind: Scenario\nmetadata: { name: reboot }\nspec:\n  seed: 5\n  duration: 60s\n  \
                cluster: { loadBalancer: none }\n  hosts:\n  - { name: rt, role: router, ip: 172.20.0.1/24 }\n  \
                - { name: n-a, role: node, ip: 172.20.0.11/24 }\n  - { name: n-b, role: node, ip: 172.20.0.12/24 }\n  \
                timeline:\n  - { at: 10s, fault: { host: n-a, action: power-off } }\n  \
                - { at: 30s, fault: { host: n-a, action: power-on } }\n---\n"
            .to_string()
            + &deployment("", "  replicas: 2\n", "", "")
            + "---\napiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  selector: { app: web }\n  ports: [{ port: 80, targetPort: 8080 }]\n";
    let run = run_yaml(&yaml);
    let on_a: Vec<(Instant, String)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Pod { node: Some(node), phase, reason, .. } if &**node == "n-a" && phase == "Pending" => {
                Some((r.t, reason.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(on_a.len(), 2, "{on_a:?}");
    let ip = |reason: &str| reason.rsplit(' ').next().unwrap_or_default().to_string();
    assert!(on_a[0].1.starts_with("scheduled, pod IP "), "{on_a:?}");
    assert_eq!(on_a[1].0, at(50), "the kubelet is back 20 s after power-on");
    assert!(on_a[1].1.starts_with("sandbox re-created after the reboot, pod IP "), "{on_a:?}");
    assert_ne!(ip(&on_a[0].1), ip(&on_a[1].1), "a new address: {on_a:?}");
    let mut w = run.world().clone();
    let pods = vipsim::console::run(&mut w, "rt", "kubectl get pods -o wide", &mut Vec::new()).unwrap().unwrap();
    let line = pods.lines().find(|l| l.contains(" n-a ")).expect("n-a's pod");
    assert!(line.contains(&format!(" {} ", ip(&on_a[1].1))) && line.contains("Running   1 "), "{pods}");
    let events = vipsim::console::run(&mut w, "rt", "kubectl get events", &mut Vec::new()).unwrap().unwrap();
    assert!(events.contains("Normal   SandboxChanged      pod/") || events.contains("SandboxChanged"), "{events}");
    let endpoints = vipsim::console::run(&mut w, "rt", "kubectl get endpoints web", &mut Vec::new()).unwrap().unwrap();
    assert!(endpoints.contains(&ip(&on_a[1].1)) && !endpoints.contains(&ip(&on_a[0].1)), "{endpoints}");
}

/// A `delete-pod` fault acts on a pod of the node it names (the scenario
/// format's fault table: delete-pod applies to nodes): of a Deployment's
/// pods, one running there; a pod by name only if it runs there. A pod
/// the scheduler put elsewhere makes the step fail, said in the trace; a
/// pod pinned elsewhere by `nodeName` is a load error (see
/// `tests/scenario_loader.rs`).
#[test]
fn delete_pod_acts_on_a_pod_of_the_node_it_names() {
    let extra = deployment("", "  replicas: 3\n", "", "");
    let steps = r#"  - at: 10s
    fault: { host: node-b, action: delete-pod, pod: web }"#;
    let run = run_yaml(&scenario("15s", steps, "Cluster", &extra));
    let t = run.trace();
    let terminating: Vec<(String, String)> = t
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Pod { pod, node: Some(n), phase, .. } if phase == "Terminating" => {
                Some((pod.to_string(), n.to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(terminating.len(), 1, "{terminating:?}");
    assert_eq!(terminating[0].1, "node-b");
    let fault = t
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Fault { host: Some(h), action, detail } if action == "delete-pod" => Some(format!("{h}: {detail}")),
            _ => None,
        })
        .expect("the fault");
    assert_eq!(fault, format!("node-b: pod default/{} deleted", terminating[0].0));

    // By name: a bare pod asked for on a node it does not run on stays.
    let solo = r#"---
apiVersion: v1
kind: Pod
metadata: { name: solo, labels: { app: other } }
spec:
  containers:
  - { name: c, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec] }
"#;
    let placed = run_yaml(&scenario("5s", "  - { at: 1s, note: x }", "Cluster", solo));
    let home = placed.world().cluster.pods.values().find(|p| p.name == "solo").and_then(|p| p.node.clone());
    let home = home.expect("scheduled");
    let other = if home == "node-a" { "node-b" } else { "node-a" };
    let steps = format!("  - at: 10s\n    fault: {{ host: {other}, action: delete-pod, pod: solo }}");
    let run = run_yaml(&scenario("15s", &steps, "Cluster", solo));
    let t = run.trace();
    assert!(pod_records(t, "solo").iter().all(|r| r.1 != "Terminating"));
    let failed: Vec<String> = t
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Log { host, component, line } if &**host == "vipsim" && component == "timeline" => Some(line.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(failed, [format!("delete-pod {other}: pod default/solo runs on {home}, not on {other}")]);
}

/// The kubelet never gives a container less than 2 s between SIGTERM and
/// SIGKILL: `killContainer` raises a shorter grace period to
/// `minimumGracePeriodInSeconds` (pkg/kubelet/kuberuntime/
/// kuberuntime_container.go, Kubernetes 1.34). So a pod with
/// `terminationGracePeriodSeconds: 1` whose app would take 30 s serves as
/// terminating for 2 s, not 1. A grace period of 0 is no kill at all for
/// the API server: `CheckGracefulDelete` (pkg/registry/core/pod/
/// strategy.go) passes the pod's 0 on, and a deletion with grace 0 removes
/// the object at once (`BeforeDelete`, apiserver pkg/registry/rest/
/// delete.go), so its endpoint goes in the same instant.
#[test]
fn a_grace_period_under_two_seconds_still_leaves_two_before_sigkill() {
    let pod = |name: &str, node: &str, grace: u32| {
        format!(
            r#"---
apiVersion: v1
kind: Pod
metadata: {{ name: {name}, labels: {{ app: web }} }}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: {grace}
  containers:
  - {{ name: web, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec, --http-port=8080, --delay-shutdown=30] }}
"#
        )
    };
    let steps = r#"  - at: 10s
    run: { host: client, cmd: "kubectl delete pod one zero" }
  - at: 10s
    run: { host: client, cmd: 'kubectl get endpointslices -o jsonpath="{range .items[0].endpoints[*]}{.targetRef.name} {.conditions};{end}"' }"#;
    let run = run_yaml(&scenario("20s", steps, "Cluster", &(pod("one", "node-a", 1) + &pod("zero", "node-b", 0))));
    let t = run.trace();
    let records = |name: &str| -> Vec<(Instant, String, String)> {
        pod_records(t, name).into_iter().filter(|r| r.0 >= at(10)).map(|r| (r.0, r.1, r.3)).collect()
    };
    assert_eq!(
        records("one"),
        [
            (at(10), "Terminating".into(), "deleted; serving until its app exits (2s after SIGTERM)".into()),
            (at(12), "Deleted".into(), "terminated".into()),
        ]
    );
    assert_eq!(
        records("zero"),
        [(
            at(10),
            "Deleted".into(),
            "deleted with grace period 0: gone from the API at once, its containers may still run on the node".into()
        )]
    );
    // Right after the delete, only `one` is still an endpoint (serving, terminating).
    assert_eq!(
        output(
            t,
            r#"kubectl get endpointslices -o jsonpath="{range .items[0].endpoints[*]}{.targetRef.name} {.conditions};{end}""#,
            at(10)
        )
        .0,
        r#"one {"ready":false,"serving":true,"terminating":true};"#
    );
}

/// A pod's own tolerations decide when it leaves an unreachable node. The
/// taint eviction controller matches the node's
/// `node.kubernetes.io/unreachable:NoExecute` taint against them
/// (`processPodOnNode`, `getMinTolerationTime`, pkg/controller/
/// tainteviction/taint_eviction.go, Kubernetes 1.34): `tolerationSeconds:
/// 20` evicts 20 s after the taint, a matching toleration without seconds
/// never, and a taint no toleration matches at once. The 300 s are only
/// what the DefaultTolerationSeconds admission plugin (plugin/pkg/
/// admission/defaulttolerationseconds) adds to a pod that has no toleration
/// for that key and effect; one with the key and effect but another value
/// gets no default, and does not match the taint either.
#[test]
fn tolerations_decide_when_pods_leave_an_unreachable_node() {
    let pinned = |name: &str, tolerations: &str| {
        deployment(&format!("-{name}"), "  replicas: 1\n", &format!("      nodeName: node-c\n{tolerations}"), "")
            .replace("app: web }", &format!("app: web, t: {name} }}"))
    };
    let extra = pinned(
        "fast",
        "      tolerations:\n      - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 20 }\n",
    ) + &pinned(
        "stay",
        "      tolerations:\n      - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute }\n",
    ) + &pinned(
        "none",
        "      tolerations:\n      - { key: node.kubernetes.io/unreachable, value: x, effect: NoExecute }\n",
    ) + &pinned("plain", "");
    // node-c powers off at 1 s: NotReady and tainted at 50 s.
    let steps = r#"  - at: 1s
    fault: { host: node-c, action: power-off }
  - at: 10s
    run: { host: client, cmd: "kubectl get pods -l t=plain -o jsonpath={.items[0].spec.tolerations}" }
  - at: 10s
    run: { host: client, cmd: "kubectl get pods -l t=stay -o jsonpath={.items[0].spec.tolerations}" }"#;
    let run = run_yaml(&scenario("400s", steps, "Cluster", &extra));
    let t = run.trace();
    let evicted = |d: &str| -> Vec<Instant> {
        t.iter()
            .filter_map(|r| match &r.kind {
                Kind::Pod { pod, node: Some(n), phase, .. }
                    if pod.starts_with(&format!("web-{d}-")) && &**n == "node-c" && phase == "Terminating" =>
                {
                    Some(r.t)
                }
                _ => None,
            })
            .collect()
    };
    // Each Deployment's replacement is pinned to node-c too, so it is
    // evicted in its turn: every 20 s for `fast`; for `none` the real
    // controllers loop as fast as the API answers, vipsim once a second.
    let first = |d: &str, n: usize| evicted(d).into_iter().take(n).collect::<Vec<Instant>>();
    assert_eq!(first("fast", 3), [at(70), at(90), at(110)]);
    assert_eq!(evicted("stay"), Vec::<Instant>::new());
    assert_eq!(first("none", 3), [at(50), at(51), at(52)]);
    assert_eq!(
        first("plain", 2),
        [at(350), Instant::ZERO + Duration::from_secs(650)].iter().take(1).copied().collect::<Vec<_>>()
    );
    // The admission plugin's defaults show in the pod, after the pod's own.
    assert_eq!(
        output(t, "kubectl get pods -l t=plain -o jsonpath={.items[0].spec.tolerations}", at(10)).0,
        concat!(
            r#"[{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300},"#,
            r#"{"effect":"NoExecute","key":"node.kubernetes.io/unreachable","operator":"Exists","tolerationSeconds":300}]"#
        )
    );
    assert_eq!(
        output(t, "kubectl get pods -l t=stay -o jsonpath={.items[0].spec.tolerations}", at(10)).0,
        concat!(
            r#"[{"effect":"NoExecute","key":"node.kubernetes.io/unreachable","operator":"Exists"},"#,
            r#"{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300}]"#
        )
    );
}

/// kube-scheduler lets a pod that tolerates a node's taints onto it: the
/// NodeUnschedulable plugin checks the cordon's
/// `node.kubernetes.io/unschedulable:NoSchedule` against the pod's
/// tolerations (pkg/scheduler/framework/plugins/nodeunschedulable,
/// Kubernetes 1.34). With every node cordoned, only the tolerating pod runs.
#[test]
fn a_pod_that_tolerates_the_cordon_is_scheduled_on_a_cordoned_node() {
    let pod = |name: &str, tolerations: &str| {
        format!(
            r#"---
apiVersion: v1
kind: Pod
metadata: {{ name: {name}, annotations: {{ vipsim/hold: "true" }} }}
spec:
{tolerations}  containers:
  - {{ name: c, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec] }}
"#
        )
    };
    let extra = pod(
        "tolerant",
        "  tolerations:\n  - { key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule }\n",
    ) + &pod("plain", "");
    let steps = r#"  - { at: 1s, fault: { host: node-a, action: cordon } }
  - { at: 1s, fault: { host: node-b, action: cordon } }
  - { at: 1s, fault: { host: node-c, action: cordon } }
  - { at: 2s, apply: tolerant }
  - { at: 2s, apply: plain }
  - { at: 8s, run: { host: client, cmd: "kubectl get pods tolerant plain" } }"#;
    let run = run_yaml(&scenario("10s", steps, "Cluster", &extra));
    let (out, _) = output(run.trace(), "kubectl get pods tolerant plain", at(8));
    let status: Vec<(String, String)> = out
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[2].to_string())
        })
        .collect();
    assert_eq!(status, [("tolerant".to_string(), "Running".to_string()), ("plain".to_string(), "Pending".to_string())]);
    let pending = run.world().cluster.pods.values().find(|p| p.name == "plain").and_then(|p| p.pending_reason.clone());
    assert_eq!(pending.as_deref().map(|r| r.contains("node(s) were unschedulable")), Some(true), "{pending:?}");
}

/// The kubelet runs a container's preStop hook before SIGTERM
/// (`killContainer` → `executePreStopHook`, pkg/kubelet/kuberuntime/
/// kuberuntime_container.go, Kubernetes 1.34): the hook gets at most the
/// grace period, and what is left of it after the hook, but never less
/// than `minimumGracePeriodInSeconds` (2 s), is the time from SIGTERM to
/// SIGKILL. The pod's Ready condition holds while its container runs, so
/// its endpoint stays serving and terminating through the hook.
/// `sleep: {seconds: 15}` with a 20 s grace: SIGTERM at 15 s, the app exits
/// 2 s later; `exec` of `sh -c "sleep 5"`: 5 + 2; `sleep 40` with a 30 s
/// grace: the hook is cut at 30 s, SIGKILL 2 s after SIGTERM.
#[test]
fn a_pre_stop_hook_runs_before_sigterm_within_the_grace_period() {
    let pod = |name: &str, node: &str, grace: u32, hook: &str| {
        format!(
            r#"---
apiVersion: v1
kind: Pod
metadata: {{ name: {name}, labels: {{ app: web }} }}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: {grace}
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: [netexec, --http-port=8080, --delay-shutdown=3]
    lifecycle:
      preStop: {hook}
"#
        )
    };
    let extra = pod("slept", "node-a", 20, "{ sleep: { seconds: 15 } }")
        + &pod("shell", "node-b", 30, r#"{ exec: { command: ["/bin/sh", "-c", "sleep 5"] } }"#)
        + &pod("cut", "node-c", 30, r#"{ exec: { command: ["sleep", "40"] } }"#);
    let slices = r#"kubectl get endpointslices -o jsonpath="{range .items[0].endpoints[*]}{.targetRef.name} {.conditions};{end}""#;
    let steps = format!(
        r#"  - at: 10s
    run: {{ host: client, cmd: "kubectl delete pod slept shell cut" }}
  - at: 24s
    run: {{ host: client, cmd: '{slices}' }}"#
    );
    let run = run_yaml(&scenario("60s", &steps, "Cluster", &extra));
    let t = run.trace();
    let records = |name: &str| -> Vec<(Instant, String, String)> {
        pod_records(t, name).into_iter().filter(|r| r.0 >= at(10)).map(|r| (r.0, r.1, r.3)).collect()
    };
    let terminating = |hook: &str, exit: &str| {
        format!(
            "deleted; serving while its preStop hook runs ({hook}), then until its app exits ({exit} after SIGTERM)"
        )
    };
    assert_eq!(
        records("slept"),
        [(at(10), "Terminating".into(), terminating("15s", "3s")), (at(28), "Deleted".into(), "terminated".into())]
    );
    assert_eq!(
        records("shell"),
        [(at(10), "Terminating".into(), terminating("5s", "3s")), (at(18), "Deleted".into(), "terminated".into())]
    );
    assert_eq!(
        records("cut"),
        [(at(10), "Terminating".into(), terminating("30s", "2s")), (at(42), "Deleted".into(), "terminated".into())]
    );
    // 14 s after the delete, the two still in their hooks serve.
    assert_eq!(
        output(t, slices, at(24)).0,
        concat!(
            r#"cut {"ready":false,"serving":true,"terminating":true};"#,
            r#"slept {"ready":false,"serving":true,"terminating":true};"#
        )
    );
}
