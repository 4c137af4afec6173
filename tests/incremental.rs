//! The control loop reconciles only what an event changed (the pods,
//! nodes and Services it noted in `Cluster::touched`), not every object.
//! With `control::verify` on, each such reconcile is also run over every
//! object on a copy of the world, and the two must agree exactly (cluster,
//! hosts, Service rules, RNG, event queue and trace) or the run panics at
//! the first step where they part. These runs turn it on for every shipped
//! scenario and for one that churns a small cluster (node power, speaker
//! stop and start, scale, pod deletion, drain, a traffic-policy patch,
//! partition) with three Services sharing one Deployment, one of them with
//! other ports (a pod's endpoint is made once for Services alike, and
//! again for the one between them that is not). Native only: the
//! check is not built for wasm32.
#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use vipsim::k8s::control::verify;

#[test]
fn every_shipped_scenario_reconciles_incrementally_as_in_full() {
    verify::set(true);
    for s in vipsim::catalog::shipped() {
        let run = common::run(&s.id, None);
        assert!(!run.is_empty(), "{} ran", s.id);
    }
}

/// Runs a scenario to its end with every incremental reconcile checked
/// against a full one.
fn run_verified(file: &str, yaml: &str) -> vipsim::play::run::Run {
    verify::set(true);
    let scenario = vipsim::scenario::load::load(file, yaml).expect("loads");
    common::at_end(vipsim::play::run::Run::new(std::rc::Rc::new(scenario), None, None, None).expect("builds"))
}

/// The nodes whose BGP session came up, in the trace's order.
fn established(run: &vipsim::play::run::Run) -> impl Iterator<Item = String> + '_ {
    run.trace().iter().filter_map(|r| match &r.kind {
        vipsim::engine::trace::Kind::Bgp { host, state, .. } if &**state == "Established" => Some(host.to_string()),
        _ => None,
    })
}

const CHURN: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: churn
  title: churn
spec:
  duration: 90s
  cluster:
    loadBalancer: metallb
    announce: l2
    datapath: iptables
  hosts:
  - name: gw
    role: router
    ip: 10.20.0.1/16
  - name: laptop
    role: client
    ip: 172.31.9.9/24
    behind: gw
  - {name: k-0, role: node, ip: 10.20.1.10/16}
  - {name: k-1, role: node, ip: 10.20.1.11/16}
  - {name: k-2, role: node, ip: 10.20.1.12/16}
  - {name: k-3, role: node, ip: 10.20.1.13/16}
  - {name: k-4, role: node, ip: 10.20.1.14/16}
  - {name: k-5, role: node, ip: 10.20.1.15/16}
  timeline:
  - at: 3s
    every: 2s
    run: { host: laptop, cmd: "curl -s -m 1 -o /dev/null -w 'HTTP %{http_code}\\n' http://10.20.250.1/" }
  - at: 3s
    every: 3s
    run: { host: laptop, cmd: "curl -s -m 1 -o /dev/null -w 'HTTP %{http_code}\\n' http://10.20.250.2/" }
  - at: 12s
    fault: { host: k-2, action: power-off }
  - at: 18s
    fault: { host: k-4, action: stop-speaker }
  - at: 24s
    run: { host: gw, cmd: "kubectl scale deployment shop --replicas=9" }
  - at: 30s
    fault: { host: k-1, action: delete-pod, pod: shop }
  - at: 36s
    fault: { host: k-3, action: drain }
  - at: 44s
    fault: { host: k-2, action: power-on }
  - at: 50s
    fault: { host: k-4, action: start-speaker }
  - at: 56s
    run: { host: gw, cmd: "kubectl patch svc shop-b -p '{\"spec\":{\"externalTrafficPolicy\":\"Cluster\"}}'" }
  - at: 60s
    fault: { host: k-3, action: uncordon }
  - at: 62s
    fault: { host: k-0, action: partition }
  - at: 75s
    fault: { host: k-0, action: heal }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan
  namespace: metallb-system
spec:
  addresses:
  - 10.20.250.1-10.20.250.9
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: lan
  namespace: metallb-system
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 5
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo
        args: ["-text=shop", "-listen=:8080"]
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: shop-a
spec:
  type: LoadBalancer
  selector:
    app: shop
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: shop-a2
spec:
  type: LoadBalancer
  selector:
    app: shop
  ports:
  - name: alt
    port: 8080
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: shop-b
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: shop
  ports:
  - port: 80
    targetPort: 8080
"#;

#[test]
fn a_churning_cluster_reconciles_incrementally_as_in_full() {
    let run = run_verified("churn.yaml", CHURN);
    // The churn reached the speakers: k-0's partition at 62 s makes the
    // others drop it from their memberlist views.
    let left = run
        .trace()
        .iter()
        .filter(|r| {
            matches!(&r.kind, vipsim::engine::trace::Kind::Log { line, .. }
            if line.contains("\"node event\":\"NodeLeave\",\"node name\":\"k-0\""))
        })
        .count();
    assert_eq!(left, 5, "every other speaker saw k-0 leave");
}

/// Cilium L2 with the timers a `Resync` stands for: agents stopped and
/// powered off (their leases expire, responders go after the liveness
/// window and the renew deadline), and a rollout to an image that never
/// gets ready watched with `--timeout` (the watch's deadline).
const CILIUM_CHURN: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: cilium-churn
  title: cilium churn
spec:
  duration: 120s
  cluster: { loadBalancer: cilium, announce: l2, serviceCIDR: 10.44.0.0/24, podCIDR: 10.210.0.0/16 }
  hosts:
  - name: desk
    role: client
    ip: 10.9.0.5/24
    routes: [ { to: 198.51.100.0/24, dev: eth0 } ]
  - { name: n-a, role: node, ip: 10.9.0.21/24 }
  - { name: n-b, role: node, ip: 10.9.0.22/24 }
  - { name: n-c, role: node, ip: 10.9.0.23/24 }
  - { name: n-d, role: node, ip: 10.9.0.24/24 }
  timeline:
  - at: 4s
    every: 3s
    run: { host: desk, cmd: "curl -s -m 1 -o /dev/null -w 'HTTP %{http_code}\\n' http://198.51.100.7/" }
  - at: 10s
    fault: { host: n-a, action: stop-speaker }
  - at: 14s
    fault: { host: n-b, action: stop-speaker }
  - at: 20s
    fault: { host: n-c, action: power-off }
  - at: 30s
    run: { host: desk, cmd: "kubectl set image deployment/api echo=hashicorp/http-echo:broken" }
  - at: 31s
    run: { host: desk, cmd: "kubectl rollout status deployment/api --timeout=12s" }
  - at: 50s
    fault: { host: n-a, action: start-speaker }
  - at: 55s
    fault: { host: n-c, action: power-on }
  - at: 70s
    fault: { host: n-d, action: partition }
  - at: 90s
    fault: { host: n-d, action: heal }
  - at: 95s
    fault: { host: n-b, action: start-speaker }
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: { name: pool }
spec: { blocks: [ { start: 198.51.100.7, stop: 198.51.100.9 } ] }
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: { name: l2 }
spec: { loadBalancerIPs: true }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 4
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo
        args: ["-text=api", "-listen=:8080"]
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: api-a
spec:
  type: LoadBalancer
  selector:
    app: api
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: api-b
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: api
  ports:
  - port: 80
    targetPort: 8080
"#;

#[test]
fn a_churning_cilium_cluster_reconciles_incrementally_as_in_full() {
    let run = run_verified("cilium-churn.yaml", CILIUM_CHURN);
    // The deadlines were reached: the watch timed out, and the partitioned
    // n-d's responders stopped answering 5 s after it was cut off (a
    // Resync's time), before another agent took its leases.
    let watch = run.trace().iter().find_map(|r| match &r.kind {
        vipsim::engine::trace::Kind::Command { cmd, stderr, exit, .. } if cmd.contains("rollout status") => {
            Some((stderr.to_string(), *exit))
        }
        _ => None,
    });
    assert_eq!(watch, Some(("error: timed out waiting for the condition\n".to_string(), 1)));
    let gone: Vec<(vipsim::time::Instant, String)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            vipsim::engine::trace::Kind::Leader { service, node: None, previous: Some(p), .. } if &**p == "n-d" => {
                Some((r.t, service.clone()))
            }
            _ => None,
        })
        .collect();
    let at = vipsim::time::Instant::from_secs(75);
    assert_eq!(gone, vec![(at, "default/api-a".to_string()), (at, "default/api-b".to_string())]);
}

/// Cilium's LB-IPAM serves the Services waiting for an address whenever a
/// Service event frees one (cilium/cilium operator/pkg/lbipam/lbipam.go:
/// `svcOnUpsert` and `svcOnDelete` call `satisfyServices`), in
/// namespace/name order, not creation order: `c`, created last, is served
/// before `d` and `w`. Addresses are freed by a requested address moved out
/// of the pool (10 s), a deletion (15 s) and a type change (20 s).
const CILIUM_IPAM_RETRY: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: cilium-ipam-retry
  title: cilium ipam retry
spec:
  duration: 40s
  cluster: { loadBalancer: cilium, announce: l2, serviceCIDR: 10.44.0.0/24, podCIDR: 10.210.0.0/16 }
  hosts:
  - name: desk
    role: client
    ip: 10.9.0.5/24
  - { name: n-a, role: node, ip: 10.9.0.21/24 }
  - { name: n-b, role: node, ip: 10.9.0.22/24 }
  timeline:
  - at: 5s
    run: { host: desk, cmd: "kubectl label svc d tier=front" }
  - at: 10s
    run: { host: desk, cmd: "kubectl patch svc y -p '{\"spec\":{\"loadBalancerIP\":\"198.51.100.40\"}}'" }
  - at: 15s
    run: { host: desk, cmd: "kubectl delete svc x" }
  - at: 20s
    run: { host: desk, cmd: "kubectl patch svc d -p '{\"spec\":{\"type\":\"ClusterIP\"}}'" }
  - at: 25s
    run: { host: desk, cmd: "kubectl get svc" }
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: { name: pool }
spec:
  blocks: [ { start: 198.51.100.7, stop: 198.51.100.8 } ]
  serviceSelector: { matchLabels: { tier: front } }
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: { name: l2 }
spec: { loadBalancerIPs: true }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo
        args: ["-text=api", "-listen=:8080"]
        ports: [ { containerPort: 8080 } ]
---
apiVersion: v1
kind: Service
metadata: { name: x, labels: { tier: front } }
spec: { type: LoadBalancer, selector: { app: api }, ports: [ { port: 80, targetPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: d }
spec: { type: LoadBalancer, selector: { app: api }, ports: [ { port: 80, targetPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: y, labels: { tier: front } }
spec: { type: LoadBalancer, selector: { app: api }, ports: [ { port: 80, targetPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: w, labels: { tier: front } }
spec: { type: LoadBalancer, selector: { app: api }, ports: [ { port: 80, targetPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: c, labels: { tier: front } }
spec: { type: LoadBalancer, selector: { app: api }, ports: [ { port: 80, targetPort: 8080 } ] }
"#;

#[test]
fn cilium_serves_a_waiting_service_as_soon_as_an_address_is_freed() {
    use std::net::Ipv4Addr;
    let run = run_verified("cilium-ipam-retry.yaml", CILIUM_IPAM_RETRY);
    let ipam: Vec<(vipsim::time::Instant, String, Option<Ipv4Addr>)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            vipsim::engine::trace::Kind::Ipam { service, ip, .. } => Some((r.t, service.clone(), *ip)),
            _ => None,
        })
        .collect();
    let at = |t: u64, service: &str, ip: Option<[u8; 4]>| {
        (vipsim::time::Instant::from_secs(t), format!("default/{service}"), ip.map(Ipv4Addr::from))
    };
    assert_eq!(
        ipam,
        vec![
            at(0, "x", Some([198, 51, 100, 7])),
            at(0, "y", Some([198, 51, 100, 8])),
            at(10, "y", None),
            at(10, "c", Some([198, 51, 100, 8])),
            at(15, "d", Some([198, 51, 100, 7])),
            at(20, "w", Some([198, 51, 100, 7])),
        ]
    );
}

/// MetalLB's controller tries a Service waiting for an address again only
/// when it reprocesses every Service: after a pool change, or when a
/// Service that held an address is deleted or loses it (`SetBalancer`
/// answers `SyncStateReprocessAll`, controller/main.go, 0.14.9). `zeta`
/// moving to pool p2 frees 10.0.0.200 without one, so `alpha` waits; the
/// deletion of `mid` lets it in.
const METALLB_WAITING: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: metallb-waiting, title: metallb waiting }
spec:
  duration: 20s
  cluster: { loadBalancer: metallb, announce: l2 }
  hosts:
  - { name: gw, role: router, ip: 10.0.0.1/24 }
  - { name: n1, role: node, ip: 10.0.0.11/24 }
  timeline:
  - at: 5s
    run: { host: gw, cmd: "kubectl patch svc zeta -p '{\"metadata\":{\"annotations\":{\"metallb.io/address-pool\":\"p2\"}}}'" }
  - at: 8s
    run: { host: gw, cmd: "kubectl delete svc mid" }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p1, namespace: metallb-system }
spec: { addresses: [10.0.0.200-10.0.0.201] }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p2, namespace: metallb-system }
spec: { addresses: [10.0.0.210/32], autoAssign: false }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: v1
kind: Service
metadata: { name: zeta }
spec: { type: LoadBalancer, selector: { app: x }, ports: [ { port: 80 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: mid }
spec: { type: LoadBalancer, selector: { app: x }, ports: [ { port: 80 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: alpha }
spec: { type: LoadBalancer, selector: { app: x }, ports: [ { port: 80 } ] }
"#;

/// A reprocess takes the Services holding addresses first (`reprocessAll`,
/// internal/k8s/controllers/service_controller_reload.go, 0.14.9): when
/// the pool's edit takes `web`'s address away and adds the one `pinned`
/// asked for, `web` gets it first, though `pinned` is older.
const METALLB_REPROCESS: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: metallb-reprocess, title: metallb reprocess }
spec:
  duration: 20s
  cluster: { loadBalancer: metallb, announce: l2 }
  hosts:
  - { name: gw, role: router, ip: 10.0.0.1/24 }
  - { name: n1, role: node, ip: 10.0.0.11/24 }
  timeline:
  - at: 5s
    apply: pool-v2
  - at: 7s
    run: { host: gw, cmd: "kubectl get svc" }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p1, namespace: metallb-system }
spec: { addresses: [10.0.0.200/32] }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p1, namespace: metallb-system, annotations: { vipsim/hold: "true", vipsim/id: pool-v2 } }
spec: { addresses: [10.0.0.201/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: v1
kind: Service
metadata: { name: pinned, annotations: { metallb.io/loadBalancerIPs: 10.0.0.201 } }
spec: { type: LoadBalancer, selector: { app: x }, ports: [ { port: 80 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { type: LoadBalancer, selector: { app: x }, ports: [ { port: 80 } ] }
"#;

/// The IPAM records of a run: when, which Service, which address.
fn ipam_records(run: &vipsim::play::run::Run) -> Vec<(u64, String, Option<std::net::Ipv4Addr>)> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            vipsim::engine::trace::Kind::Ipam { service, ip, .. } => Some((r.t.as_secs(), service.clone(), *ip)),
            _ => None,
        })
        .collect()
}

#[test]
fn metallb_tries_a_waiting_service_again_only_when_it_reprocesses_every_service() {
    let ip = |last: u8| Some(std::net::Ipv4Addr::new(10, 0, 0, last));
    let run = run_verified("metallb-waiting.yaml", METALLB_WAITING);
    let records = ipam_records(&run);
    let at = |t: u64, service: &str, ip| (t, format!("default/{service}"), ip);
    assert_eq!(
        records,
        vec![
            at(0, "zeta", ip(200)),
            at(0, "mid", ip(201)),
            at(0, "alpha", None),
            at(5, "zeta", ip(210)),
            at(8, "alpha", ip(200)),
        ]
    );
    // Any change to the waiting Service's own object is its event, and
    // the controller tries it again then.
    let affinity = r#"kubectl patch svc alpha -p '{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}'"#;
    let own = METALLB_WAITING.replace("kubectl delete svc mid", affinity);
    let records = ipam_records(&run_verified("metallb-own-event.yaml", &own));
    assert_eq!(records.last(), Some(&at(8, "alpha", ip(200))));
    assert_eq!(records.len(), 5);
    let run = run_verified("metallb-reprocess.yaml", METALLB_REPROCESS);
    let records = ipam_records(&run);
    assert_eq!(
        records,
        vec![at(0, "pinned", None), at(0, "web", ip(200)), at(5, "web", ip(201)), at(5, "pinned", None),]
    );
}

/// MetalLB's webhook denies an IPAddressPool that would overlap another
/// (`ipaddresspoolvalidationwebhook.metallb.io`: the pools listed by name,
/// the new one last, must parse as config.go's `poolsFor` does), so a
/// scenario that applies one stops at its line instead of running with
/// one of the two dropped.
#[test]
fn an_overlapping_metallb_pool_is_denied_at_its_line() {
    let yaml = METALLB_REPROCESS.replace(
        "metadata: { name: l2, namespace: metallb-system }",
        "metadata: { name: l2, namespace: metallb-system }\n---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: { name: a-wide, namespace: metallb-system }\nspec: { addresses: [10.0.0.0/24] }",
    );
    let scenario = vipsim::scenario::load::load("overlap.yaml", &yaml).expect("loads");
    let error = vipsim::play::run::Run::new(std::rc::Rc::new(scenario), None, None, None).err().expect("refused");
    assert_eq!(
        error.to_string(),
        "overlap.yaml:30: applying IPAddressPool a-wide: Error from server (Forbidden): error when creating \"a-wide\": \
         admission webhook \"ipaddresspoolvalidationwebhook.metallb.io\" denied the request: \
         CIDR \"10.0.0.0/24\" in pool \"a-wide\" overlaps with already defined CIDR \"10.0.0.200/32\""
    );
}

/// MetalLB in BGP mode under churn: two BGPPeers (the router's, and one at
/// an address no speaker answers, which the speakers keep dialling), an
/// advertisement for labelled nodes only, a node whose power goes and
/// comes back (its session's hold timer runs out at the router), a speaker
/// stopped and started, a Local Service whose pods move, a partition.
/// The sessions' OPENs are reconciled incrementally: only the BGP
/// reconcile reads them.
const BGP_CHURN: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: bgp-churn
  title: bgp churn
spec:
  duration: 90s
  cluster:
    loadBalancer: metallb
    announce: bgp
    datapath: iptables
  hosts:
  - {name: edge, role: router, ip: 172.20.0.1/24, asn: 65010}
  - {name: user, role: client, ip: 198.51.100.7/24, behind: edge}
  - {name: w-1, role: node, ip: 172.20.0.21/24, labels: {rack: r1}}
  - {name: w-2, role: node, ip: 172.20.0.22/24, labels: {rack: r1}}
  - {name: w-3, role: node, ip: 172.20.0.23/24, labels: {rack: r2}}
  - {name: w-4, role: node, ip: 172.20.0.24/24}
  timeline:
  - at: 4s
    every: 1500ms
    run: { host: user, cmd: "curl -s -m 1 -o /dev/null -w 'HTTP %{http_code}\\n' http://172.20.9.1/" }
  - at: 5s
    every: 2s
    run: { host: user, cmd: "curl -s -m 1 -o /dev/null -w 'HTTP %{http_code}\\n' http://172.20.9.2/" }
  - at: 10s
    fault: { host: w-2, action: power-off }
  - at: 16s
    fault: { host: w-3, action: stop-speaker }
  - at: 22s
    run: { host: edge, cmd: "kubectl scale deployment api --replicas=6" }
  - at: 28s
    fault: { host: w-1, action: delete-pod, pod: api }
  - at: 34s
    fault: { host: w-2, action: power-on }
  - at: 40s
    fault: { host: w-3, action: start-speaker }
  - at: 46s
    fault: { host: w-1, action: partition }
  - at: 52s
    run: { host: edge, cmd: "kubectl patch svc api-local -p '{\"spec\":{\"externalTrafficPolicy\":\"Cluster\"}}'" }
  - at: 64s
    fault: { host: w-1, action: heal }
  - at: 66s
    run: { host: edge, cmd: "kubectl cordon w-3" }
  - at: 68s
    run: { host: edge, cmd: "kubectl patch svc api -p '{\"spec\":{\"loadBalancerIP\":\"172.20.9.5\"}}'" }
  - at: 70s
    run: { host: edge, cmd: "kubectl label node w-4 node.kubernetes.io/exclude-from-external-load-balancers=true" }
  - at: 72s
    run: { host: edge, cmd: "kubectl label node w-4 rack=r3" }
  - at: 76s
    run: { host: edge, cmd: "kubectl uncordon w-3" }
  - at: 78s
    run: { host: edge, cmd: "kubectl delete svc api-local" }
  - at: 80s
    run: { host: edge, cmd: "kubectl patch svc api -p '{\"spec\":{\"type\":\"ClusterIP\"}}'" }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: edge-pool
  namespace: metallb-system
spec:
  addresses:
  - 172.20.9.1-172.20.9.6
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: edge
  namespace: metallb-system
spec:
  myASN: 65020
  peerASN: 65010
  peerAddress: 172.20.0.1
  holdTime: 6s
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: gone-reflector
  namespace: metallb-system
spec:
  myASN: 65020
  peerASN: 65030
  peerAddress: 172.20.0.99
  nodeSelectors:
  - matchLabels:
      rack: r1
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata:
  name: racks
  namespace: metallb-system
spec:
  ipAddressPools:
  - edge-pool
  nodeSelectors:
  - matchExpressions:
    - {key: rack, operator: Exists}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: api
        image: hashicorp/http-echo
        args: ["-text=api", "-listen=:9000"]
        ports:
        - containerPort: 9000
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  type: LoadBalancer
  selector:
    app: api
  ports:
  - port: 80
    targetPort: 9000
---
apiVersion: v1
kind: Service
metadata:
  name: api-local
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: api
  ports:
  - port: 80
    targetPort: 9000
"#;

#[test]
fn a_churning_bgp_cluster_reconciles_incrementally_as_in_full() {
    let run = run_verified("bgp-churn.yaml", BGP_CHURN);
    // Every speaker's session to the router opened (w-4's too: the
    // BGPPeer selects every node, only the advertisement is for racks), and
    // the dials to the reflector nobody answers went on failing.
    let opened: std::collections::BTreeSet<String> = established(&run).collect();
    assert_eq!(opened, ["w-1", "w-2", "w-3", "w-4"].map(String::from).into());
    let logs = run.world().cluster.logs.iter().filter(|l| l.line.contains("172.20.0.99")).count();
    assert!(logs > 4, "{logs} log lines about the unanswered reflector");
    // The speakers withdrew for each reason the timeline gives them: a
    // cordoned node, an address patched, a Service deleted, one made a
    // ClusterIP (speaker/main.go and bgp_controller.go, MetalLB 0.14.9).
    let reasons: std::collections::BTreeSet<&str> = (run.world().cluster.logs.iter())
        .filter(|l| l.line.contains("serviceWithdrawn"))
        .filter_map(|l| l.line.split("\"reason\":\"").nth(1)?.split('"').next())
        .collect();
    let want = ["loadBalancerIPChanged", "nodeUnschedulable", "notLoadBalancer", "serviceDeleted"];
    assert_eq!(reasons, want.into(), "withdrawal reasons");
}

/// The Cilium-style BGP setup (no BGPPeer: every node peers with the
/// router as soon as it runs, from the cluster's first reconcile, which
/// applies its own `kubernetes` Service), with a Local Service whose
/// endpoints move when a node's power goes and comes back and the
/// Deployment grows. The first pass configures the sessions even though
/// it is a tracked one.
const CILIUM_BGP_CHURN: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: cilium-bgp-churn
  title: cilium bgp churn
spec:
  duration: 60s
  cluster:
    loadBalancer: cilium
    announce: bgp
    datapath: ebpf
  hosts:
  - {name: core, role: router, ip: 10.60.0.1/24, asn: 65100}
  - {name: tester, role: client, ip: 203.0.113.9/24, behind: core}
  - {name: b-1, role: node, ip: 10.60.0.11/24}
  - {name: b-2, role: node, ip: 10.60.0.12/24}
  - {name: b-3, role: node, ip: 10.60.0.13/24}
  timeline:
  - at: 3s
    every: 1s
    run: { host: tester, cmd: "curl -s -m 1 -o /dev/null -w 'HTTP %{http_code}\\n' http://10.60.5.10/" }
  - at: 15s
    fault: { host: b-2, action: power-off }
  - at: 30s
    fault: { host: b-2, action: power-on }
  - at: 40s
    run: { host: core, cmd: "kubectl scale deployment echo --replicas=5" }
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata:
  name: vips
spec:
  blocks:
  - start: 10.60.5.10
    stop: 10.60.5.20
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: echo
spec:
  replicas: 3
  selector:
    matchLabels:
      app: echo
  template:
    metadata:
      labels:
        app: echo
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo
        args: ["-text=echo", "-listen=:5678"]
        ports:
        - containerPort: 5678
---
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: echo
  ports:
  - port: 80
    targetPort: 5678
"#;

#[test]
fn a_churning_cilium_bgp_cluster_reconciles_incrementally_as_in_full() {
    let run = run_verified("cilium-bgp-churn.yaml", CILIUM_BGP_CHURN);
    let opened: Vec<String> = established(&run).collect();
    // Each node's session opened at the cluster's first second. (b-2's
    // stays up at the router through the power cut: the default hold time
    // is 90 s, and the run is 60 s.)
    assert_eq!(opened, ["b-1", "b-2", "b-3"].map(String::from));
}

/// Cilium's lease elections under what changes them: agents stopped
/// cleanly (the leases are released and taken at the candidates' next
/// tries), a holder cut off and one powered off (their leases expire in
/// the others' views), a policy that selects by Service label and node
/// label replacing the one that selected everything (the holders no longer
/// selected release), a Service labelled into it, a Service deleted. The
/// elections follow only the touched Services after a tracked event, and
/// a try that takes nothing is no event: both are checked against full
/// reconciles here.
const LEASE_CHURN: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: lease-churn
spec:
  seed: 4242
  duration: 170s
  cluster:
    loadBalancer: cilium
    announce: l2
    l2LeaseDuration: 8s
    l2LeaseRenewDeadline: 5s
    l2LeaseRetryPeriod: 1500ms
  hosts:
  - { name: edge, role: router, ip: 172.31.0.1/24, neighbor: { model: linux } }
  - { name: desk, role: client, ip: 10.9.9.9/24, behind: edge }
  - { name: kappa, role: node, ip: 172.31.0.11/24, labels: { rack: r1 } }
  - { name: lambda, role: node, ip: 172.31.0.12/24, labels: { rack: r1 } }
  - { name: mu, role: node, ip: 172.31.0.13/24, labels: { rack: r2 } }
  - { name: nu, role: node, ip: 172.31.0.14/24, labels: { rack: r2 } }
  - { name: xi, role: node, ip: 172.31.0.15/24, labels: { rack: r3 } }
  timeline:
  - at: 2s
    every: 1s
    run: { host: desk, cmd: "curl -s -m 1 -o /dev/null -w '%{http_code} %{remote_ip}\\n' http://172.31.0.200/" }
  - at: 12s
    run: { host: edge, cmd: "kubectl get leases -n kube-system" }
  - { at: 20s, fault: { host: kappa, action: stop-speaker } }
  - { at: 22s, fault: { host: lambda, action: stop-speaker } }
  - at: 30s
    run: { host: edge, cmd: "kubectl get leases -n kube-system" }
  - { at: 35s, fault: { host: mu, action: partition } }
  - { at: 50s, fault: { host: mu, action: heal } }
  - { at: 52s, fault: { host: kappa, action: start-speaker } }
  - { at: 60s, fault: { host: nu, action: power-off } }
  - at: 75s
    run: { host: edge, cmd: "kubectl get leases -n kube-system" }
  - { at: 90s, fault: { host: nu, action: power-on } }
  - { at: 95s, fault: { host: lambda, action: start-speaker } }
  - at: 105s
    apply: rack-policy
  - at: 108s
    run: { host: edge, cmd: "kubectl delete ciliuml2announcementpolicy everyone" }
  - at: 115s
    run: { host: edge, cmd: "kubectl label svc beta tier=gold --overwrite" }
  - at: 125s
    run: { host: edge, cmd: "kubectl delete svc gamma" }
  - { at: 130s, fault: { host: xi, action: power-off } }
  - at: 160s
    run: { host: edge, cmd: "kubectl get leases -n kube-system" }
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: { name: vips }
spec:
  blocks:
  - { start: 172.31.0.200, stop: 172.31.0.220 }
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: { name: everyone }
spec:
  loadBalancerIPs: true
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata:
  name: rack-policy
  annotations: { vipsim/hold: "true" }
spec:
  loadBalancerIPs: true
  serviceSelector: { matchLabels: { tier: gold } }
  nodeSelector: { matchLabels: { rack: r2 } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 4
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - { name: web, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=8080], ports: [{ containerPort: 8080 }] }
---
{ apiVersion: v1, kind: Service, metadata: { name: alpha }, spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] } }
---
{ apiVersion: v1, kind: Service, metadata: { name: beta }, spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] } }
---
{ apiVersion: v1, kind: Service, metadata: { name: gamma }, spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] } }
---
{ apiVersion: v1, kind: Service, metadata: { name: delta }, spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] } }
"#;

/// The lease lines of a run: (time, node, message).
fn lease_lines(run: &vipsim::play::run::Run) -> Vec<(vipsim::time::Instant, String, String)> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            vipsim::engine::trace::Kind::Log { host, line, .. } if line.contains("lease kube-system/") => {
                let msg = line.split("msg=\"").nth(1)?.split("\"").next()?.to_string();
                Some((r.t, host.to_string(), msg))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn cilium_lease_elections_under_churn_reconcile_incrementally_as_in_full() {
    let run = run_verified("lease-churn.yaml", LEASE_CHURN);
    let acquired = |svc: &str| -> Vec<(vipsim::time::Instant, String)> {
        let wanted = format!("successfully acquired lease kube-system/cilium-l2announce-default-{svc}");
        lease_lines(&run).into_iter().filter(|(_, _, m)| *m == wanted).map(|(t, n, _)| (t, n)).collect()
    };
    let secs = |t: vipsim::time::Instant| t.as_millis() as f64 / 1000.0;
    // kappa held beta, gamma and delta and stopped cleanly at 20 s: each
    // was taken at a candidate's next try (retry 1.5 s x 1.0-2.2).
    for svc in ["beta", "gamma"] {
        let (t, n) = acquired(svc)[1].clone();
        assert!((20.0..23.3).contains(&secs(t)) && n != "kappa", "{svc}: {t} {n}");
    }
    // mu, cut off at 35 s, held beta and delta: the others saw the record
    // stop changing at its last renewal (at most 1.5 s before), and took
    // each once a whole lease (8 s) had passed in their own view, at a
    // try: no sooner than 41.5 s, and within two retries after 43 s.
    let taken: Vec<f64> = ["beta", "delta"]
        .iter()
        .map(|svc| acquired(svc).into_iter().find(|(t, _)| secs(*t) > 35.0).expect("taken over").0)
        .map(secs)
        .collect();
    assert!(taken.iter().all(|t| (41.5..49.6).contains(t)), "{taken:?}");
    // After the policy for everything is deleted at 108 s, only beta
    // (labelled tier=gold at 115 s) has a holder, on a rack r2 node;
    // gamma's lease went with the Service.
    let (t, holder) = acquired("beta").last().cloned().expect("beta");
    assert_eq!((secs(t), ["mu", "nu"].contains(&holder.as_str())), (115.0, true));
    let k = &run.world().cluster;
    let holders: Vec<(String, Option<String>)> = k.leases.iter().map(|(s, l)| (s.clone(), l.holder.clone())).collect();
    assert_eq!(
        holders,
        [
            ("default/alpha".to_string(), None),
            ("default/beta".to_string(), Some(holder)),
            ("default/delta".to_string(), None)
        ]
    );
}

/// A try that takes nothing is no event: a quiet Cilium cluster of 6
/// nodes and 4 Services for 10 minutes has 20 candidates retrying every
/// 3.2 s on average (about 3,750 tries; each was an event before, and
/// the run took over 3,000 steps), and the whole run takes under 500.
#[test]
fn held_leases_cost_no_events_while_their_holders_renew() {
    let quiet = LEASE_CHURN
        .split("  timeline:")
        .next()
        .expect("head")
        .replace("duration: 170s", "duration: 600s")
        .replace("    l2LeaseDuration: 8s\n    l2LeaseRenewDeadline: 5s\n    l2LeaseRetryPeriod: 1500ms\n", "")
        + &LEASE_CHURN[LEASE_CHURN.find("---").expect("manifests")..];
    let run = run_verified("quiet.yaml", &quiet);
    let k = &run.world().cluster;
    assert_eq!(k.leases.values().filter(|l| l.holder.is_some()).count(), 4, "every Service has a holder");
    assert!(run.len() < 500, "{} steps", run.len());
}

/// Agents started in one instant race in the order they started, even
/// when the lease is released in that same instant (a new plan keeps an
/// event already pending for the same moment): zeta's agent starts, then
/// alpha's, then the holder mid stops cleanly, all at 20 s; zeta's first
/// try is served first, as when every try was an event.
#[test]
fn agents_started_in_one_instant_race_in_their_start_order() {
    let yaml = r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: tie }
spec:
  seed: 1
  duration: 25s
  cluster: { loadBalancer: cilium, announce: l2 }
  hosts:
  - { name: edge, role: router, ip: 172.31.0.1/24, neighbor: { model: linux } }
  - { name: alpha, role: node, ip: 172.31.0.11/24 }
  - { name: mid, role: node, ip: 172.31.0.12/24 }
  - { name: zeta, role: node, ip: 172.31.0.13/24 }
  timeline:
  - { at: 1s, fault: { host: alpha, action: stop-speaker } }
  - { at: 1s, fault: { host: zeta, action: stop-speaker } }
  - { at: 20s, fault: { host: zeta, action: start-speaker } }
  - { at: 20s, fault: { host: alpha, action: start-speaker } }
  - { at: 20s, fault: { host: mid, action: stop-speaker } }
---
{ apiVersion: cilium.io/v2, kind: CiliumLoadBalancerIPPool, metadata: { name: vips }, spec: { blocks: [{ start: 172.31.0.200, stop: 172.31.0.220 }] } }
---
{ apiVersion: cilium.io/v2alpha1, kind: CiliumL2AnnouncementPolicy, metadata: { name: everyone }, spec: { loadBalancerIPs: true } }
---
{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] } }
"#;
    let run = run_verified("tie.yaml", yaml);
    let won: Vec<(f64, String)> = lease_lines(&run)
        .into_iter()
        .filter(|(_, _, m)| m.starts_with("successfully acquired"))
        .map(|(t, n, _)| (t.as_millis() as f64 / 1000.0, n))
        .collect();
    assert_eq!(won, [(0.0, "mid".to_string()), (20.0, "zeta".to_string())]);
}
