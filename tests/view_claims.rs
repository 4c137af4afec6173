//! What the learner reads at the cursor, checked against the trace in
//! scenarios the shipped ones do not cover: who answers for each VIP (and
//! in which order MetalLB elects), the lesson's current beat, the packet
//! log's sentences and the what-ifs' words.

use crate::common;

use std::rc::Rc;
use vipsim::engine::trace::{Kind, Record};
use vipsim::play::run::Run;
use vipsim::scenario::load;
use vipsim::time::Instant;
use vipsim::view::answers::{How, who_answers};
use vipsim::view::i18n::Lang;
use vipsim::view::lesson::LessonView;

fn run_yaml(name: &str, yaml: &str) -> Run {
    let scenario = load::load(name, yaml).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    common::at_end(Run::new(Rc::new(scenario), None, None, None).expect("builds"))
}

fn at(run: &mut Run, secs: f64) {
    run.seek_time(Instant::from_nanos((secs * 1e9) as u64));
}

/// The node the trace's last leader record at or before `t` names for `service`.
fn leader_in_trace(trace: &[Record], service: &str, t: Instant) -> Option<String> {
    trace
        .iter()
        .take_while(|r| r.t <= t)
        .filter_map(|r| match &r.kind {
            Kind::Leader { service: s, node, .. } if s == service => Some(node.as_deref().map(str::to_string)),
            _ => None,
        })
        .last()
        .flatten()
}

/// Two pools, each advertised by an L2Advertisement whose nodeSelector
/// picks two of the four nodes (rack x: w1, w2; rack y: w3, w4), one
/// Service on each. A Cisco-style router (`garp: ignore`, 40 s timeout)
/// learns each VIP at 6 s. Every node loses power at 20 s; w1 and w3 come
/// back at 50 s.
const TWO_POOLS: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: two-pools, title: two pools }
spec:
  seed: 3
  duration: 56s
  cluster: { loadBalancer: metallb, announce: l2, datapath: iptables }
  hosts:
  - { name: gw, role: router, ip: 10.20.0.1/24, neighbor: { model: cisco, garp: ignore, arpTimeout: 40s } }
  - { name: ext, role: client, ip: 172.16.5.9/24, behind: gw }
  - { name: w1, role: node, ip: 10.20.0.31/24, labels: { rack: x } }
  - { name: w2, role: node, ip: 10.20.0.32/24, labels: { rack: x } }
  - { name: w3, role: node, ip: 10.20.0.33/24, labels: { rack: y } }
  - { name: w4, role: node, ip: 10.20.0.34/24, labels: { rack: y } }
  timeline:
  - { at: 6s, every: 1s, run: { host: ext, cmd: "curl -s -m 1 http://10.20.0.150/" } }
  - { at: 6s, every: 1s, run: { host: ext, cmd: "curl -s -m 1 http://10.20.0.160/" } }
  - { at: 20s, fault: { host: w1, action: power-off } }
  - { at: 20s, fault: { host: w2, action: power-off } }
  - { at: 20s, fault: { host: w3, action: power-off } }
  - { at: 20s, fault: { host: w4, action: power-off } }
  - { at: 50s, fault: { host: w1, action: power-on } }
  - { at: 50s, fault: { host: w3, action: power-on } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: px, namespace: metallb-system }
spec: { addresses: [10.20.0.150/32] }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: py, namespace: metallb-system }
spec: { addresses: [10.20.0.160/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: ax, namespace: metallb-system }
spec: { ipAddressPools: [px], nodeSelectors: [ { matchLabels: { rack: x } } ] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: ay, namespace: metallb-system }
spec: { ipAddressPools: [py], nodeSelectors: [ { matchLabels: { rack: y } } ] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop }
spec:
  replicas: 4
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      containers:
      - { name: s, image: "hashicorp/http-echo:1.0", args: ["-text=shop", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: shop-x, annotations: { metallb.universe.tf/address-pool: px } }
spec: { type: LoadBalancer, selector: { app: shop }, ports: [ { port: 80, targetPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: shop-y, annotations: { metallb.universe.tf/address-pool: py } }
spec: { type: LoadBalancer, selector: { app: shop }, ports: [ { port: 80, targetPort: 8080 } ] }
"#;

/// MetalLB elects among the nodes an L2Advertisement of the VIP's pool
/// selects: the order the lesson shows holds those only, and its first
/// live node is the leader the trace records. (All four nodes in the
/// order said "w4 → w1 → w3 → w2, the first node alive leads" while w4
/// was alive and w1 led.)
#[test]
fn the_election_order_holds_only_the_nodes_the_pool_is_advertised_from() {
    let mut run = run_yaml("two-pools.yaml", TWO_POOLS);
    at(&mut run, 10.0);
    let t = run.time_of(run.cursor());
    let answers = who_answers(run.world());
    for (service, expected) in [("default/shop-x", ["w1", "w2"]), ("default/shop-y", ["w3", "w4"])] {
        let a = answers.iter().find(|a| a.service == service).expect(service);
        let How::Leader { nodes, order } = &a.how else { panic!("{a:?}") };
        assert_eq!(order, &expected.map(String::from).to_vec(), "{service}");
        let leader = leader_in_trace(run.trace(), service, t).expect("a leader");
        assert_eq!(nodes.iter().map(|n| n.node.clone()).collect::<Vec<_>>(), [leader.clone()]);
        assert_eq!(order[0], leader, "{service}: every node is up, so the first in the order leads");
    }
    let scenario = run.scenario.clone();
    let lesson = LessonView::of(&scenario, run.world(), run.visible(), Lang::En, false);
    let x = lesson.announcing.iter().find(|a| a.service.contains("shop-x")).expect("shop-x");
    assert!(x.order.as_deref().is_some_and(|o| o.contains(": w1 → w2.")), "{:?}", x.order);
}
