//! The control loop reconciles only what an event changed (the pods,
//! nodes and Services it noted in `Cluster::touched`), not every object.
//! With `control::verify` on, each such reconcile is also run over every
//! object on a copy of the world, and the two must agree exactly (cluster,
//! hosts, Service rules, RNG, event queue and trace) or the run panics at
//! the first step where they part. These runs turn it on for every shipped
//! scenario and for one that churns a small cluster (node power, speaker
//! stop and start, scale, pod deletion, drain, a traffic-policy patch,
//! partition) with two Services sharing one Deployment. Native only: the
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
    verify::set(true);
    let scenario = vipsim::scenario::load::load("churn.yaml", CHURN).expect("loads");
    let run =
        common::at_end(vipsim::play::run::Run::new(std::rc::Rc::new(scenario), None, None, None).expect("builds"));
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
