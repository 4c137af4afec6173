//! What the learner reads at the cursor, checked against the trace in
//! scenarios the shipped ones do not cover: who answers for each VIP (and
//! in which order MetalLB elects), the lesson's current beat, the packet
//! log's sentences and the what-ifs' words.

use crate::common;

use std::net::Ipv4Addr;
use std::rc::Rc;
use vipsim::engine::trace::{Dir, Kind, Record};
use vipsim::narrate::{self, ArpChange, Event};
use vipsim::play::run::Run;
use vipsim::scenario::load;
use vipsim::time::Instant;
use vipsim::view::answers::{How, who_answers};
use vipsim::view::i18n::Lang;
use vipsim::view::lesson::LessonView;
use vipsim::view::probes::{self, Outcome};
use vipsim::view::whatif::{self, Futile};
use vipsim::wire::Parsed;

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
        let How::Leader { nodes, order, .. } = &a.how else { panic!("{a:?}") };
        assert_eq!(order, &expected.map(String::from).to_vec(), "{service}");
        let leader = leader_in_trace(run.trace(), service, t).expect("a leader");
        assert_eq!(nodes.iter().map(|n| n.node.as_str()).collect::<Vec<_>>(), [leader.as_str()]);
        assert_eq!(order[0], leader, "{service}: every node is up, so the first in the order leads");
    }
    let scenario = run.scenario.clone();
    let lesson = LessonView::of(&scenario, run.world(), run.visible(), Lang::En, false, &[]);
    let x = lesson.announcing.iter().find(|a| a.service.contains("shop-x")).expect("shop-x");
    assert!(x.order.as_deref().is_some_and(|o| o.contains(": w1 → w2.")), "{:?}", x.order);
}

/// A Cisco-style cache removes an entry that stayed INCOMPLETE when its
/// requests go unanswered: the router could not resolve the VIP. An entry
/// that never held a MAC is not "gone" (it never pointed anywhere).
#[test]
fn an_unresolved_entry_removed_is_a_failed_resolution_not_an_entry_gone() {
    let run = run_yaml("two-pools.yaml", TWO_POOLS);
    let trace = run.trace();
    let sentences = narrate::sentences(trace, run.world());
    for s in &sentences {
        let Event::Arp { host, ip, change: ArpChange::Gone } = &s.event else { continue };
        match &trace[s.record].kind {
            Kind::Neighbor { old: Some((Some(_), _)), new: None, .. } => {}
            other => panic!("{}: {host}'s entry for {ip} held no MAC: {other:?}", s.text("en")),
        }
    }
    // 46 s: the 40 s timeout of the entry learned at 6 s (w1's MAC): gone.
    // 50 s: the requests sent since 47 s for it got no answer.
    let texts: Vec<String> = sentences.iter().map(|s| s.text("en")).collect();
    assert!(texts.contains(&"46.0 s: gw's ARP entry for 10.20.0.150 is gone".to_string()), "{texts:#?}");
    assert!(
        texts.contains(&"50.0 s: gw could not resolve 10.20.0.150: nobody answered its ARP requests".to_string()),
        "{texts:#?}"
    );
    assert!(!texts.iter().any(|t| t.starts_with("50.0 s: gw's ARP entry")), "{texts:#?}");
}

/// A Service deleted at 20 s and created again with the same address at
/// 35 s (Local first, then Cluster); a client on the LAN curls it.
const RECREATE: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: recreate, title: recreate }
spec:
  seed: 4
  duration: 40s
  cluster: { loadBalancer: metallb, announce: l2 }
  hosts:
  - { name: fw, role: router, ip: 172.20.1.1/24 }
  - { name: desk, role: client, ip: 172.20.1.50/24 }
  - { name: n1, role: node, ip: 172.20.1.11/24 }
  - { name: n2, role: node, ip: 172.20.1.12/24 }
  - { name: n3, role: node, ip: 172.20.1.13/24 }
  timeline:
  - { at: 4s, every: 1s, run: { host: desk, cmd: "curl -s -m 1 http://172.20.1.77/" } }
  - { at: 10s, note: "calm: n1 answers for 172.20.1.77" }
  - { at: 20s, delete: portal-first }
  - { at: 35s, apply: portal-again }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p, namespace: metallb-system }
spec: { addresses: [172.20.1.77-172.20.1.79] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: portal }
spec:
  replicas: 2
  selector: { matchLabels: { app: portal } }
  template:
    metadata: { labels: { app: portal } }
    spec:
      containers:
      - { name: p, image: "hashicorp/http-echo:1.0", args: ["-text=portal", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: portal, annotations: { vipsim/id: portal-first } }
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: { app: portal }
  ports: [ { port: 80, targetPort: 8080 } ]
---
apiVersion: v1
kind: Service
metadata: { name: portal, annotations: { vipsim/hold: "true", vipsim/id: portal-again } }
spec:
  type: LoadBalancer
  loadBalancerIP: 172.20.1.77
  selector: { app: portal }
  ports: [ { port: 80, targetPort: 8080 } ]
"#;

fn beat(run: &Run, lang: Lang) -> (String, String) {
    let scenario = run.scenario.clone();
    let v = LessonView::of(&scenario, run.world(), run.visible(), lang, false, &[]);
    let b = v.beat.expect("a beat");
    (b.label, b.text)
}

/// A change to the cluster is a beat: once the Service is deleted, "n1
/// answers for 172.20.1.77" is no longer the current note (nobody does).
#[test]
fn deleting_the_service_ends_the_note_about_who_answers() {
    let mut run = run_yaml("recreate.yaml", RECREATE);
    at(&mut run, 15.0);
    assert_eq!(beat(&run, Lang::En), ("Note at 10.000 s".into(), "calm: n1 answers for 172.20.1.77".into()));
    at(&mut run, 25.0);
    assert!(who_answers(run.world()).is_empty(), "the Service is gone");
    assert_eq!(beat(&run, Lang::En), ("Change at 20.000 s".into(), "kubectl delete portal-first".into()));
    assert_eq!(beat(&run, Lang::Ko).0, "20.000초의 변경");
    at(&mut run, 37.0);
    assert_eq!(beat(&run, Lang::En), ("Change at 35.000 s".into(), "kubectl apply -f portal".into()));
}

/// The shipped Cilium lesson: "Assigned, not announced: … outside traffic
/// does not" was still the beat at 30 s, after the L2 policy applied at
/// 25 s made worker-0 answer and lb-0's curl succeed; "externalTrafficPolicy:
/// Cluster" was still the beat after the patch to Local at 37 s.
#[test]
fn the_cilium_notes_give_way_to_the_changes_that_end_them() {
    let mut run = common::run("cilium-lb-ipam", None);
    at(&mut run, 30.5);
    let web = who_answers(run.world()).into_iter().find(|a| a.service == "default/web").expect("web");
    assert_eq!(web.nodes(), ["worker-0"], "announced since the policy");
    assert_eq!(beat(&run, Lang::En), ("Change at 25.000 s".into(), "kubectl apply -f l2-policy".into()));
    at(&mut run, 38.0);
    let (label, text) = beat(&run, Lang::En);
    assert_eq!(label, "Change at 37.000 s");
    assert!(text.starts_with("kubectl patch svc echo"), "{text}");
    // Read-only commands are no beat: at 12 s, after `kubectl get` at 11 and
    // 12 s, the beat is still the pool applied at 5 s.
    at(&mut run, 12.5);
    assert_eq!(beat(&run, Lang::En), ("Change at 5.000 s".into(), "kubectl apply -f demo-pool".into()));
}

/// A note at the same moment as the change it announces stays the beat:
/// "Switch to externalTrafficPolicy: Local." at 20 s, with the patch at 20 s.
#[test]
fn a_note_at_the_moment_of_a_change_stays_the_beat() {
    let mut run = common::run("metallb-traffic-policy", None);
    at(&mut run, 21.0);
    assert_eq!(beat(&run, Lang::En), ("Note at 20.000 s".into(), "Switch to externalTrafficPolicy: Local.".into()));
}

/// charlie leads, loses power at 20 s (alpha takes over) and comes back at
/// 70 s; booted at 90 s, its speaker announces before the memberlists
/// agree: for half a second alpha and charlie both announce the VIP.
const COMEBACK: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: comeback, title: comeback }
spec:
  seed: 9
  duration: 92s
  cluster: { loadBalancer: metallb, announce: l2 }
  hosts:
  - { name: core, role: router, ip: 192.168.40.1/24, neighbor: { model: cisco, garp: ignore, arpTimeout: 45s } }
  - { name: pc, role: client, ip: 10.1.1.5/24, behind: core }
  - { name: alpha, role: node, ip: 192.168.40.11/24 }
  - { name: bravo, role: node, ip: 192.168.40.12/24 }
  - { name: charlie, role: node, ip: 192.168.40.13/24 }
  timeline:
  - { at: 6s, every: 5s, run: { host: pc, cmd: "curl -s -m 1 http://192.168.40.201/" } }
  - { at: 20s, fault: { host: charlie, action: power-off } }
  - { at: 70s, fault: { host: charlie, action: power-on } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: lan-pool, namespace: metallb-system }
spec: { addresses: [192.168.40.201-192.168.40.220] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: lan, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - { labelSelector: { matchLabels: { app: web } }, topologyKey: kubernetes.io/hostname }
      containers:
      - { name: w, image: "hashicorp/http-echo:1.0", args: ["-text=hi", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { type: LoadBalancer, selector: { app: web }, ports: [ { port: 80, targetPort: 8080 } ] }
"#;

/// The trace's leader record for a split brain names one node (and the
/// same one as before); the sentence said "alpha now announces …, taking
/// over from alpha". It names every node that announces.
#[test]
fn a_split_brain_is_said_as_several_announcers_not_a_takeover_from_itself() {
    let mut run = run_yaml("comeback.yaml", COMEBACK);
    let trace = run.trace();
    let split = trace
        .iter()
        .position(|r| matches!(&r.kind, Kind::Leader { reason, .. } if reason.contains("split brain")))
        .expect("a split brain");
    let sentences = narrate::sentences(trace, run.world());
    for s in &sentences {
        if let Event::Leader { node: Some(n), previous: Some(p), .. } = &s.event {
            assert_ne!(n, p, "{}", s.text("en"));
        }
    }
    let said = sentences.iter().find(|s| s.record == split).expect("the split brain is said");
    assert_eq!(
        said.text("en"),
        "90.0 s: several nodes announce 192.168.40.201 (default/web) at once: alpha, charlie (split brain)"
    );
    // What the lesson shows at that moment agrees: both announce.
    run.seek(trace[split].step);
    let a = who_answers(run.world()).pop().expect("web");
    assert_eq!(a.nodes(), ["alpha", "charlie"]);
}

/// IPVS without strictARP: every node answers ARP for the VIP. The
/// tester's request at 5 s gets m1's reply and then m2's, which Linux
/// ignores within locktime: an ARP reply, not a gratuitous ARP.
const IPVS: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: ipvs, title: ipvs }
spec:
  seed: 6
  duration: 9s
  cluster: { loadBalancer: metallb, announce: l2, datapath: ipvs }
  hosts:
  - { name: gw, role: router, ip: 10.3.0.1/24 }
  - { name: tester, role: client, ip: 10.3.0.99/24 }
  - { name: m1, role: node, ip: 10.3.0.11/24 }
  - { name: m2, role: node, ip: 10.3.0.12/24 }
  timeline:
  - { at: 5s, every: 1s, run: { host: tester, cmd: "curl -s -m 1 http://10.3.0.200/" } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p, namespace: metallb-system }
spec: { addresses: [10.3.0.200/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      nodeSelector: { kubernetes.io/hostname: m1 }
      containers:
      - { name: s, image: "hashicorp/http-echo:1.0", args: ["-text=shop", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: shop }
spec: { type: LoadBalancer, selector: { app: shop }, ports: [ { port: 80, targetPort: 8080 } ] }
"#;

/// Whether `host` received a gratuitous ARP for `ip` in `step`.
fn garp_received(trace: &[Record], step: u64, host: &str, ip: Ipv4Addr) -> bool {
    trace.iter().filter(|r| r.step == step).any(|r| match &r.kind {
        Kind::Frame { at, dir: Dir::Rx, frame, forward: None, .. } if &**at == host => {
            matches!(Parsed::of(frame.bytes()), Parsed::Arp { arp, .. } if arp.sender_ip == ip && arp.is_announcement())
        }
        _ => false,
    })
}

#[test]
fn an_ignored_arp_reply_is_not_called_a_gratuitous_arp() {
    let run = run_yaml("ipvs.yaml", IPVS);
    let trace = run.trace();
    let sentences = narrate::sentences(trace, run.world());
    for s in &sentences {
        if let Event::GarpIgnored { host, ip, .. } = &s.event {
            assert!(garp_received(trace, s.step, host, *ip), "{}: no GARP reached {host} then", s.text("en"));
        }
    }
    let texts: Vec<String> = sentences.iter().map(|s| s.text("en")).collect();
    assert!(
        texts.contains(
            &"5.0 s: tester ignored an ARP reply from m2 for 10.3.0.200; its entry still points at m1".into()
        ),
        "{texts:#?}"
    );
}

/// A Linux router that drops gratuitous ARP (`garp: ignore`) and a leader
/// that dies at 10 s: the new leader's burst runs from 15 s to 19.4 s.
/// (It ends before 60 s, when the dead node turns NotReady and the
/// resync sends another burst.)
const LINUX_IGNORE: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: linux-ignore, title: linux ignore }
spec:
  seed: 8
  duration: 58s
  cluster: { loadBalancer: metallb, announce: l2 }
  hosts:
  - { name: edge, role: router, ip: 10.60.0.1/24, neighbor: { model: linux, garp: ignore } }
  - { name: user, role: client, ip: 10.61.0.2/24, behind: edge }
  - { name: node-p, role: node, ip: 10.60.0.21/24 }
  - { name: node-q, role: node, ip: 10.60.0.22/24 }
  - { name: node-r, role: node, ip: 10.60.0.23/24 }
  timeline:
  - { at: 5s, every: 1s, run: { host: user, cmd: "curl -s -m 1 http://10.60.0.240/" } }
  - { at: 10s, fault: { host: LEADER, action: power-off } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p, namespace: metallb-system }
spec: { addresses: [10.60.0.240/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 3
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
      - { name: a, image: "hashicorp/http-echo:1.0", args: ["-text=api", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { type: LoadBalancer, selector: { app: api }, ports: [ { port: 80, targetPort: 8080 } ] }
"#;

/// The Linux router's run with the leader the first run elects powered
/// off at 10 s: the run, the VIP, the dead leader and the new one.
fn linux_failover() -> (Run, Ipv4Addr, String, String) {
    let probe = run_yaml("linux-ignore.yaml", &LINUX_IGNORE.replace("LEADER", "node-p"));
    let first = leader_in_trace(probe.trace(), "default/api", Instant::from_secs(9)).expect("a leader");
    let run = run_yaml("linux-ignore.yaml", &LINUX_IGNORE.replace("LEADER", &first));
    let new = leader_in_trace(run.trace(), "default/api", Instant::from_secs(25)).expect("a new leader");
    assert_ne!(new, first);
    (run, "10.60.0.240".parse().unwrap(), first, new)
}

/// After the last burst, honouring GARP changes nothing; the what-if then
/// said "or wait for its ARP timeout (4 h)" for any router. A Linux cache
/// has no ARP timeout: the stale entry is probed and re-asked instead,
/// which the trace shows within the minute.
#[test]
fn a_linux_router_is_not_told_to_wait_for_an_arp_timeout_it_does_not_have() {
    let (mut run, vip, _, new) = linux_failover();
    at(&mut run, 25.0);
    let futile = whatif::honour_garp(run.world(), run.trace(), run.cursor(), "edge", vip).expect("futile");
    let Futile::NoMoreGarp { last: Some((t, from)), .. } = &futile else { panic!("{futile:?}") };
    assert_eq!((t.as_millis(), from.as_str()), (19_400, new.as_str()));
    let words = futile.words(run.world(), Lang::En, false);
    assert!(!words.contains("ARP timeout ("), "{words}");
    assert!(words.contains("Linux has no ARP timeout"), "{words}");
    assert!(!futile.words(run.world(), Lang::Ko, false).contains("ARP 타임아웃("));
    // The entry did move off the dead leader without a flush or a GARP.
    let moved = run.trace().iter().any(|r| {
        matches!(&r.kind, Kind::Neighbor { host, ip, new: Some((Some(mac), _)), .. }
            if &**host == "edge" && *ip == vip && run.world().net.name_of_mac(*mac) == new)
    });
    assert!(moved, "edge's entry moved to {new} by itself");
    // A Cisco-style cache does have one: the shipped failover says so.
    let mut cisco = common::run("metallb-l2-failover", None);
    at(&mut cisco, 80.0);
    let f =
        whatif::honour_garp(cisco.world(), cisco.trace(), cisco.cursor(), "router", "192.168.1.201".parse().unwrap())
            .expect("futile");
    assert!(f.words(cisco.world(), Lang::En, false).ends_with("or wait for its ARP timeout (4 h)."), "{f:?}");
}

/// How the Linux router's entry moved, said as the trace shows it: the old
/// MAC went unanswered (the entry FAILED its unicast probes), then the
/// broadcast found the new leader in the same moment. It said "edge could
/// not resolve 10.60.0.240", a moment before "edge learned" it.
#[test]
fn an_entry_whose_probes_go_unanswered_is_not_said_as_unresolvable() {
    let (run, _, first, new) = linux_failover();
    let texts: Vec<String> = narrate::sentences(run.trace(), run.world()).iter().map(|s| s.text("en")).collect();
    let failed = texts
        .iter()
        .position(|t| t.contains("edge's entry for 10.60.0.240 failed"))
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert_eq!(
        texts[failed],
        format!("52.0 s: edge's entry for 10.60.0.240 failed: {first}'s MAC did not answer its probes")
    );
    assert_eq!(texts[failed + 1], format!("52.0 s: edge learned that 10.60.0.240 is at {new}"));
    assert!(!texts.iter().any(|t| t.contains("edge could not resolve")), "{texts:#?}");
}

/// iptables, `externalTrafficPolicy` patched to Local at 15 s; the tester
/// curls the NodePort of m2, which runs no pod: kube-proxy drops every
/// request there from then on.
const LOCAL_NODEPORT: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: local-nodeport, title: local nodeport }
spec:
  seed: 6
  duration: 24s
  cluster: { loadBalancer: metallb, announce: l2, datapath: iptables }
  hosts:
  - { name: gw, role: router, ip: 10.3.0.1/24 }
  - { name: tester, role: client, ip: 10.3.0.99/24 }
  - { name: m1, role: node, ip: 10.3.0.11/24 }
  - { name: m2, role: node, ip: 10.3.0.12/24 }
  timeline:
  - { at: 5s, every: 1s, run: { host: tester, cmd: "curl -s -m 1 http://10.3.0.12:30080/" } }
  - { at: 14500ms, run: { host: tester, cmd: "kubectl patch svc shop -p '{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}'" } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p, namespace: metallb-system }
spec: { addresses: [10.3.0.200/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      nodeSelector: { kubernetes.io/hostname: m1 }
      containers:
      - { name: s, image: "hashicorp/http-echo:1.0", args: ["-text=shop", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: shop }
spec: { type: LoadBalancer, selector: { app: shop }, ports: [ { port: 80, targetPort: 8080, nodePort: 30080 } ] }
"#;

/// The request chart counts these as Local-policy drops, not an outage;
/// the packet log said "a request from tester to 10.3.0.12:30080 failed
/// (timed out); requests are failing". It says who turned it away and why,
/// once, and no outage begins.
#[test]
fn a_request_turned_away_by_the_local_policy_is_not_said_as_failing() {
    let run = run_yaml("local-nodeport.yaml", LOCAL_NODEPORT);
    let lanes = probes::lanes(run.trace(), run.world(), run.end);
    assert_eq!(lanes.len(), 1);
    assert!(lanes[0].count(Outcome::LocalDrop) >= 8, "{:?}", lanes[0].probes);
    assert_eq!((lanes[0].count(Outcome::Failed), lanes[0].outages.len()), (0, 0));
    let texts: Vec<String> = narrate::sentences(run.trace(), run.world()).iter().map(|s| s.text("en")).collect();
    assert!(!texts.iter().any(|t| t.contains("failed") || t.contains("succeed again")), "{texts:#?}");
    let away: Vec<&String> = texts.iter().filter(|t| t.contains("turned away")).collect();
    assert_eq!(
        away,
        [
            "16.0 s: a request from tester to 10.3.0.12:30080 was turned away at m2: externalTrafficPolicy is Local and m2 has no local endpoint"
        ]
    );
}

/// The MetalLB nodes that sent an ARP reply for `ip` by `t`.
fn arp_repliers(run: &Run, ip: Ipv4Addr, t: Instant) -> Vec<String> {
    let macs: Vec<(vipsim::wire::Mac, String)> = run
        .world()
        .cluster
        .nodes
        .iter()
        .map(|(name, n)| (run.world().net.hosts[n.host].ifaces[0].mac, name.clone()))
        .collect();
    let mut out: Vec<String> = run
        .trace()
        .iter()
        .take_while(|r| r.t <= t)
        .filter_map(|r| match &r.kind {
            Kind::Frame { dir: Dir::Tx, frame, .. } => match Parsed::of(frame.bytes()) {
                Parsed::Arp { arp, .. } if arp.op == vipsim::wire::ArpOperation::Reply && arp.sender_ip == ip => {
                    macs.iter().find(|(m, _)| *m == arp.sender_mac).map(|(_, n)| n.clone())
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// kube-proxy in IPVS mode puts every Service address on each node's
/// kube-ipvs0, and with `strictARP` off (arp_ignore=0) each node's kernel
/// answers ARP for it: the lesson must not name the MetalLB leader alone
/// (MetalLB's installation guide asks for strictARP for this reason). With
/// strictARP on, only the leader's speaker answers, and the lesson says so.
#[test]
fn ipvs_without_strict_arp_says_every_node_answers_arp() {
    let vip: Ipv4Addr = "10.3.0.200".parse().unwrap();
    let mut run = run_yaml("ipvs.yaml", IPVS);
    at(&mut run, 8.0);
    let t = run.time_of(run.cursor());
    assert_eq!(arp_repliers(&run, vip, t), ["m1", "m2"], "both kernels answered in the trace");
    let a = who_answers(run.world()).into_iter().find(|a| a.ip == vip).expect("the VIP");
    let How::Leader { arp_everywhere, .. } = &a.how else { panic!("{a:?}") };
    assert_eq!(arp_everywhere.iter().map(|n| n.node.as_str()).collect::<Vec<_>>(), ["m1", "m2"]);
    assert_eq!(a.nodes(), ["m1", "m2"]);
    let scenario = run.scenario.clone();
    let lesson = LessonView::of(&scenario, run.world(), run.visible(), Lang::En, false, &[]);
    assert_eq!(
        lesson.announcing[0].details,
        ["IPVS without strictARP: every node with the VIP on kube-ipvs0 answers ARP for it too: m1, m2"]
    );

    let strict = IPVS.replace("datapath: ipvs }", "datapath: ipvs, strictARP: true }");
    let mut run = run_yaml("ipvs-strict.yaml", &strict);
    at(&mut run, 8.0);
    let t = run.time_of(run.cursor());
    let a = who_answers(run.world()).into_iter().find(|a| a.ip == vip).expect("the VIP");
    let How::Leader { nodes, arp_everywhere, .. } = &a.how else { panic!("{a:?}") };
    assert!(arp_everywhere.is_empty(), "{arp_everywhere:?}");
    let leader: Vec<&str> = nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(arp_repliers(&run, vip, t), leader, "only the leader answered in the trace");
}

/// A BGP route with one next hop (one node left advertising) is a plain
/// route: the lesson says ECMP only when the router has several next hops.
#[test]
fn a_bgp_route_with_one_next_hop_is_not_called_ecmp() {
    const ONE_LEFT: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: one-left, title: one left }
spec:
  seed: 2
  duration: 30s
  cluster: { loadBalancer: metallb, announce: bgp, datapath: iptables }
  hosts:
  - { name: edge, role: router, ip: 10.9.0.1/24, asn: 65001 }
  - { name: s1, role: node, ip: 10.9.0.21/24 }
  - { name: s2, role: node, ip: 10.9.0.22/24 }
  timeline:
  - { at: 10s, fault: { host: s2, action: power-off } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p, namespace: metallb-system }
spec: { addresses: [10.9.1.10/32] }
---
apiVersion: metallb.io/v1beta1
kind: BGPPeer
metadata: { name: edge, namespace: metallb-system }
spec: { myASN: 65100, peerASN: 65001, peerAddress: 10.9.0.1, holdTime: 6s }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: all, namespace: metallb-system }
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
      - { name: a, image: "hashicorp/http-echo:1.0", args: ["-text=api"] }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { type: LoadBalancer, selector: { app: api }, ports: [ { port: 80, targetPort: 5678 } ] }
"#;
    let mut run = run_yaml("one-left.yaml", ONE_LEFT);
    let scenario = run.scenario.clone();
    at(&mut run, 8.0);
    let lesson = LessonView::of(&scenario, run.world(), run.visible(), Lang::En, false, &[]);
    assert_eq!(lesson.announcing[0].details, ["edge routes it via s1, s2 (ECMP)"]);
    // s2's hold timer (6 s) runs out at 16 s: one next hop is left.
    at(&mut run, 20.0);
    let lesson = LessonView::of(&scenario, run.world(), run.visible(), Lang::En, false, &[]);
    assert_eq!(lesson.announcing[0].details, ["edge routes it via s1"]);
}

/// A Cilium Lease outlives its holder's link: cut from the LAN at 20 s,
/// the holder keeps the Lease until it expires (15 s), so the lesson still
/// names it and the router's entry still points at it. A flush is then not
/// "futile because the entry already names the node that answers": that
/// node answers nothing while it is cut off.
#[test]
fn a_flush_is_not_called_futile_while_the_named_node_is_cut_off() {
    const CUT: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: cut, title: cut }
spec:
  seed: 5
  duration: 26s
  cluster: { loadBalancer: cilium, announce: l2 }
  hosts:
  - { name: core, role: router, ip: 10.61.0.1/24 }
  - { name: far, role: client, ip: 172.31.9.9/24, behind: core }
  - { name: k1, role: node, ip: 10.61.0.21/24 }
  - { name: k2, role: node, ip: 10.61.0.22/24 }
  timeline:
  - { at: 6s, every: 1s, run: { host: far, cmd: "curl -s -m 1 http://10.61.0.100/" } }
  CUT_STEP
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - { name: web, image: hashicorp/http-echo:1.0, args: ["-text=up"] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { type: LoadBalancer, selector: { app: web }, ports: [ { port: 80, targetPort: 5678 } ] }
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: { name: vips }
spec: { blocks: [ { cidr: 10.61.0.100/32 } ] }
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: { name: all }
spec: { loadBalancerIPs: true }
"#;
    let vip: Ipv4Addr = "10.61.0.100".parse().unwrap();
    let probe = run_yaml("cut.yaml", &CUT.replace("  CUT_STEP\n", ""));
    let holder = probe.world().cluster.leases["default/web"].holder.clone().expect("a holder");
    let cut = CUT.replace("CUT_STEP", &format!("- {{ at: 20s, fault: {{ host: {holder}, action: partition }} }}"));
    let mut run = run_yaml("cut.yaml", &cut);
    at(&mut run, 15.0);
    assert!(
        matches!(whatif::flush(run.world(), "core", vip), Some(Futile::AlreadyRight { ref node, .. }) if *node == holder),
        "before the cut the entry names the holder, which answers"
    );
    at(&mut run, 22.0);
    let a = who_answers(run.world()).into_iter().find(|a| a.ip == vip).expect("the VIP");
    assert_eq!(a.nodes(), [holder.as_str()], "the Lease has not expired yet");
    let entry = run.world().net.host("core").unwrap().ifaces[0].neighbors.get(vip).and_then(|e| e.mac);
    assert_eq!(entry.map(|m| run.world().net.name_of_mac(m)), Some(holder.clone()));
    assert_eq!(whatif::flush(run.world(), "core", vip), None, "{holder} is cut off: it answers nothing");
}
