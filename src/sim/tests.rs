//! End-to-end checks of the engine on a tiny LAN, frame by frame.

use super::{DatapathConfig, Stepped, World};
use crate::engine::trace::{Kind, Record};
use crate::net::Cidr;
use crate::net::apps::App;
use crate::net::build::LanBuilder;
use crate::net::conntrack::PROTO_TCP;
use crate::net::host::{Datapath, PodNet, Role, Route, RouteOrigin};
use crate::net::neighbor::NeighborConfig;
use crate::net::proxy::{EndpointRule, PortRule, ServiceRules, TrafficPolicy};
use crate::net::switch::DEFAULT_MAC_AGING;
use crate::net::tools::{Proc, curl::Curl};
use crate::time::Instant;
use crate::wire::Mac;
use std::net::{Ipv4Addr, SocketAddrV4};

fn cidr(s: &str) -> Cidr {
    Cidr::parse(s).unwrap()
}

/// lb-0 (client), worker-0 (pod 10.200.0.90 running netexec), worker-1, on one switch.
fn story_c_lan(policy: TrafficPolicy) -> World {
    let mut b = LanBuilder::new("sw", DEFAULT_MAC_AGING);
    let n = NeighborConfig::linux;
    b.lan_host("lb-0", Role::Client, cidr("10.0.1.10/24"), Mac::derived_from("lb-0"), n());
    let w0 = b.lan_host("worker-0", Role::Node, cidr("10.0.1.20/24"), Mac::derived_from("worker-0"), n());
    let w1 = b.lan_host("worker-1", Role::Node, cidr("10.0.1.21/24"), Mac::derived_from("worker-1"), n());
    let pod = Ipv4Addr::new(10, 200, 0, 90);
    {
        let h = b.host_mut(w0);
        let node = h.node.as_mut().unwrap();
        node.pods.insert(pod, PodNet { name: "echo-0".into(), app: App::Netexec });
        h.listeners.insert(SocketAddrV4::new(pod, 8080));
    }
    b.host_mut(w1).routes.push(Route {
        dst: cidr("10.200.0.0/24"),
        via: vec![Ipv4Addr::new(10, 0, 1, 20)],
        iface: 0,
        origin: RouteOrigin::Kernel,
    });
    let config = crate::k8s::cluster::ClusterConfig::default();
    let cluster = crate::k8s::cluster::Cluster::new(config);
    let mut w = World::new(
        b.finish(),
        1,
        DatapathConfig { kind: Datapath::Iptables, strict_arp: false },
        cluster,
        Default::default(),
    );
    let svc = ServiceRules {
        name: "default/echo".into(),
        cluster_ip: Some(Ipv4Addr::new(10, 32, 0, 159)),
        external_ips: vec![],
        ports: vec![PortRule { name: "http".into(), protocol: PROTO_TCP, port: 80, node_port: Some(31888) }],
        endpoints: std::rc::Rc::new(vec![EndpointRule {
            ip: pod,
            ports: std::rc::Rc::new([("http".to_string(), 8080)].into()),
            node: "worker-0".into(),
            zone: None,
            ready: true,
            serving: true,
            terminating: false,
        }]),
        external_policy: policy,
        internal_policy: TrafficPolicy::Cluster,
        prefer_close: false,
        health_check_node_port: None,
        affinity: None,
    };
    w.services.services.insert(svc.name.clone(), svc);
    w.services.index_frontends();
    w
}

fn curl(w: &mut World, trace: &mut Vec<Record>, url: &str) -> (String, i32) {
    let cmd = format!("curl -s -m 5 {url}");
    let args: Vec<String> = cmd.split_whitespace().skip(1).map(String::from).collect();
    let c = Curl::from_args(&cmd, &args, w.now).unwrap();
    let start = trace.len();
    w.spawn(0, Proc::Curl(c), trace);
    let until = w.now + crate::time::Duration::from_secs(6);
    while w.next_time().is_some_and(|n| n <= until) {
        assert_eq!(w.step(trace), Stepped::Applied, "no timeline here");
    }
    w.now = until;
    trace[start..]
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { stdout, exit, .. } => Some((stdout.to_string(), *exit)),
            _ => None,
        })
        .expect("curl finished")
}

#[test]
fn cluster_policy_nodeport_on_worker_1_snats_to_worker_1() {
    let mut w = story_c_lan(TrafficPolicy::Cluster);
    let mut trace = vec![];
    let (out, exit) = curl(&mut w, &mut trace, "http://10.0.1.21:31888/clientip");
    assert_eq!(exit, 0, "{}", trace.iter().map(|r| r.kind.describe()).collect::<Vec<_>>().join("\n"));
    let (ip, port) = out.split_once(':').unwrap();
    assert_eq!(ip, "10.0.1.21");
    let port: u16 = port.parse().unwrap();
    assert!((32768..=60999).contains(&port));
}

#[test]
fn local_policy_drops_on_worker_1_and_keeps_client_ip_on_worker_0() {
    let mut w = story_c_lan(TrafficPolicy::Local);
    let mut trace = vec![];
    let (out, exit) = curl(&mut w, &mut trace, "http://10.0.1.21:31888/clientip");
    assert_eq!((out.as_str(), exit), ("", 28));
    assert!(trace.iter().any(|r| matches!(
        &r.kind,
        Kind::Drop { reason: crate::engine::trace::DropReason::NoLocalEndpoints { .. }, .. }
    )));
    let (out, exit) = curl(&mut w, &mut trace, "http://10.0.1.20:31888/clientip");
    assert_eq!(exit, 0);
    assert!(out.starts_with("10.0.1.10:"), "{out}");
    assert!(w.now > Instant::from_secs(10));
}
