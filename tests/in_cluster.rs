//! Traffic to a Service that starts on a node: `curl` typed on a node in
//! the console, to a load-balancer IP, a NodePort or 127.0.0.1, per
//! datapath, compared with what kube-proxy and Cilium do.

use crate::common;
use std::collections::BTreeSet;
use std::rc::Rc;
use vipsim::engine::trace::Kind;
use vipsim::play::run::Run;

fn run_yaml(text: &str) -> Run {
    let s = vipsim::scenario::load::load("inline.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
    common::at_end(Run::new(Rc::new(s), None, None, None).expect("builds"))
}

/// Every output of the commands run on `host` whose line contains `needle`.
fn outputs(run: &Run, host: &str, needle: &str) -> Vec<(String, i32)> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Command { host: h, cmd, stdout, stderr, exit, .. } if &**h == host && cmd.contains(needle) => {
                Some((format!("{stdout}{stderr}"), *exit))
            }
            _ => None,
        })
        .collect()
}

/// Three nodes: `blue-1` with no pod of `shop`, `blue-2` with one
/// (`shop-here`), `blue-3` with two; `shop` is a Local LoadBalancer
/// (MetalLB, 10.31.0.240) with NodePort 31234. `STEPS` are timeline steps.
fn cluster(datapath: &str, steps: &str) -> String {
    let pod = |name: &str, node: &str, ip: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{ name: {name}, labels: {{ app: shop }}, annotations: {{ vipsim/pod-ip: {ip} }} }}\n\
             spec:\n  nodeName: {node}\n  containers:\n  - {{ name: a, image: \"registry.k8s.io/e2e-test-images/agnhost:2.53\", args: [netexec, --http-port=8080] }}\n"
        )
    };
    format!(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: in-cluster }}
spec:
  duration: 30s
  cluster: {{ loadBalancer: metallb, announce: l2, datapath: {datapath} }}
  hosts:
  - {{ name: edge, role: router, ip: 10.31.0.1/24 }}
  - {{ name: blue-1, role: node, ip: 10.31.0.11/24 }}
  - {{ name: blue-2, role: node, ip: 10.31.0.12/24 }}
  - {{ name: blue-3, role: node, ip: 10.31.0.13/24 }}
  timeline:
{steps}
---
{pool}{here}{there1}{there2}---
apiVersion: v1
kind: Service
metadata: {{ name: shop }}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {{ app: shop }}
  ports: [ {{ port: 80, targetPort: 8080, nodePort: 31234 }} ]
"#,
        pool = common::one_address_pool("metallb", "10.31.0.240", true),
        here = pod("shop-here", "blue-2", "10.250.2.10"),
        there1 = pod("shop-there-a", "blue-3", "10.250.3.10"),
        there2 = pod("shop-there-b", "blue-3", "10.250.3.11"),
    )
}

/// Which pods answered `/hostname` to the node's curls.
fn pods_reached(run: &Run, host: &str, needle: &str) -> BTreeSet<String> {
    outputs(run, host, needle)
        .into_iter()
        .map(|(out, exit)| {
            assert_eq!(exit, 0, "{host} {needle}: {out}");
            out
        })
        .collect()
}

/// A node curling a Local Service's load-balancer IP or its own NodePort.
/// kube-proxy iptables short-circuits it to every endpoint: KUBE-EXT-*
/// sends `--src-type LOCAL` traffic to the cluster-wide chain ("route
/// LOCAL traffic for ... external destinations", kube-proxy 1.34
/// pkg/proxy/iptables/proxier.go). IPVS does not tell in-cluster clients
/// apart: the load-balancer IP's and the node IP's virtual services hold
/// only the node's own endpoints when it has any (`syncEndpoint(svcPortName,
/// svcInfo.ExternalPolicyLocal(), serv)`, kube-proxy 1.34
/// pkg/proxy/ipvs/proxier.go; kubernetes#93456), and every endpoint only
/// when it has none (kubernetes#97081).
#[test]
fn a_node_reaches_a_local_service_through_its_own_endpoints_under_ipvs_and_any_under_iptables() {
    let mut steps = String::new();
    for s in 0..6 {
        steps += &format!(
            "  - {{ at: {}s, run: {{ host: blue-2, cmd: \"curl -s -m 2 http://10.31.0.240/hostname\" }} }}\n",
            8 + s
        );
        steps += &format!(
            "  - {{ at: {}s, run: {{ host: blue-2, cmd: \"curl -s -m 2 http://10.31.0.12:31234/hostname\" }} }}\n",
            8 + s
        );
        steps += &format!(
            "  - {{ at: {}s, run: {{ host: blue-1, cmd: \"curl -s -m 2 http://10.31.0.11:31234/hostname\" }} }}\n",
            8 + s
        );
    }
    let here: BTreeSet<String> = ["shop-here".to_string()].into();
    let everywhere: BTreeSet<String> =
        ["shop-here", "shop-there-a", "shop-there-b"].into_iter().map(String::from).collect();

    let ipvs = run_yaml(&cluster("ipvs", &steps));
    assert_eq!(pods_reached(&ipvs, "blue-2", "10.31.0.240"), here);
    assert_eq!(pods_reached(&ipvs, "blue-2", "10.31.0.12:31234"), here);
    // blue-1 has none of its own: its virtual service gets every endpoint
    // (round robin, so all three in six connections).
    assert_eq!(pods_reached(&ipvs, "blue-1", "31234"), everywhere);

    let iptables = run_yaml(&cluster("iptables", &steps));
    assert!(pods_reached(&iptables, "blue-2", "10.31.0.240").len() > 1);
    assert!(pods_reached(&iptables, "blue-2", "10.31.0.12:31234").len() > 1);
}

/// `curl 127.0.0.1:<nodePort>` on a node. 127.0.0.0/8 is local (lo), so
/// nothing leaves the host for it. kube-proxy iptables serves NodePorts
/// there (`--iptables-localhost-nodeports`, default true, with
/// `nodePortAddresses` unset: KUBE-NODEPORTS is reached for every
/// `--dst-type LOCAL` destination, route_localnet=1; kube-proxy 1.34
/// pkg/proxy/iptables/proxier.go `NewProxier`, `syncProxyRules`) and
/// masquerades the connection to the node's address; Cilium's socket LB
/// translates it in the host namespace (`sock4_wildcard_lookup`: `in_hostns
/// && is_v4_loopback`, bpf/bpf_sock.c, Cilium 1.18); IPVS returns early for
/// loopback sources and has no virtual service on 127.0.0.1
/// (pkg/proxy/ipvs/proxier.go `writeIptablesRules`), so the SYN meets no
/// listener and is refused at once. A host outside the cluster is refused
/// too.
#[test]
fn a_node_port_on_localhost_works_with_iptables_and_cilium_and_is_refused_with_ipvs() {
    let steps = "  - { at: 8s, run: { host: blue-1, cmd: \"curl -sS -m 2 http://127.0.0.1:31234/clientip\" } }\n  \
                 - { at: 9s, run: { host: edge, cmd: \"curl -sS -m 2 http://127.0.0.1:31234/clientip\" } }\n";
    let wire_to_localhost = |run: &Run| {
        run.trace().iter().any(|r| match &r.kind {
            Kind::Frame { frame, .. } => match frame.parse() {
                vipsim::wire::Parsed::Ipv4 { packet, .. } => packet.dst.is_loopback() || packet.src.is_loopback(),
                _ => false,
            },
            _ => false,
        })
    };
    for datapath in ["iptables", "ebpf", "ipvs"] {
        let text = cluster(datapath, steps);
        let text = if datapath == "ebpf" {
            text.replace("loadBalancer: metallb", "loadBalancer: cilium").replace(
                &common::one_address_pool("metallb", "10.31.0.240", true),
                &common::one_address_pool("cilium", "10.31.0.240", true),
            )
        } else {
            text
        };
        let run = run_yaml(&text);
        assert!(!wire_to_localhost(&run), "{datapath}: a frame to or from 127.0.0.0/8 went on the wire");
        let node = outputs(&run, "blue-1", "127.0.0.1");
        let not_a_node = outputs(&run, "edge", "127.0.0.1");
        let refusal =
            "curl: (7) Failed to connect to 127.0.0.1 port 31234 after 0 ms: Couldn't connect to server\n".to_string();
        assert_eq!(not_a_node, vec![(refusal.clone(), 7)], "{datapath}");
        if datapath == "ipvs" {
            assert_eq!(node, vec![(refusal, 7)]);
        } else {
            // blue-1 has no pod: the connection goes to another node, from
            // blue-1's own address.
            assert_eq!(node.len(), 1);
            assert!(node[0].0.starts_with("10.31.0.11:") && node[0].1 == 0, "{datapath}: {node:?}");
        }
    }
}

/// A node curling another node's NodePort under Cilium. The socket LB
/// translates connect() in the host namespace for a NodePort on any
/// node's address (`sock4_wildcard_lookup_full` looks up with
/// `include_remote_hosts`, a remote-node identity in the ipcache; the
/// Service's internal scope, so every backend even under
/// externalTrafficPolicy Local; bpf/bpf_sock.c, Cilium 1.18): the SYN goes
/// straight to a backend from the node's own address and never reaches
/// the node named in the URL, which here has no backend of its own and
/// would refuse an external client.
#[test]
fn cilium_sends_a_nodes_connection_to_another_nodes_node_port_straight_to_a_backend() {
    let steps = "  - { at: 8s, run: { host: blue-3, cmd: \"curl -sS -m 2 http://10.31.0.11:31234/clientip\" } }\n";
    let text = cluster("ebpf", steps).replace("loadBalancer: metallb", "loadBalancer: cilium").replace(
        &common::one_address_pool("metallb", "10.31.0.240", true),
        &common::one_address_pool("cilium", "10.31.0.240", true),
    );
    let run = run_yaml(&text);
    let out = outputs(&run, "blue-3", "31234");
    assert_eq!(out.len(), 1);
    assert!(out[0].0.starts_with("10.31.0.13:") && out[0].1 == 0, "{out:?}");
    // Nothing was sent to blue-1's NodePort.
    let to_blue_1 = run.trace().iter().any(|r| match &r.kind {
        Kind::Frame { frame, .. } => match frame.parse() {
            vipsim::wire::Parsed::Ipv4 { packet, .. } => packet.dst == std::net::Ipv4Addr::new(10, 31, 0, 11),
            _ => false,
        },
        _ => false,
    });
    assert!(!to_blue_1, "a frame went to blue-1");
}

/// A node curling a ClusterIP with `internalTrafficPolicy: Local` while
/// it has no endpoint of its own. kube-proxy iptables drops it ("has no
/// local endpoints" -j DROP in the filter table's KUBE-SERVICES, kube-proxy
/// 1.34 pkg/proxy/iptables/proxier.go): curl times out. IPVS gives the
/// virtual service every endpoint instead (`syncEndpoint`, #97081,
/// pkg/proxy/ipvs/proxier.go): it works. Cilium's socket LB finds the
/// ClusterIP's entry with no backend on this node and fails connect() at
/// once with EHOSTUNREACH (`__sock4_xlate_fwd`, `svc->count == 0`;
/// `cil_sock4_connect`, bpf/bpf_sock.c, Cilium 1.18): curl exits 7 at once.
#[test]
fn a_node_without_a_local_endpoint_reaches_an_internal_local_cluster_ip_only_with_ipvs() {
    let steps = "  - { at: 8s, run: { host: blue-1, cmd: \"curl -sS -m 2 http://10.96.0.77/hostname\" } }\n";
    let itp = "---\napiVersion: v1\nkind: Service\nmetadata: { name: shop-in }\nspec:\n  internalTrafficPolicy: Local\n  \
               clusterIP: 10.96.0.77\n  selector: { app: shop }\n  ports: [ { port: 80, targetPort: 8080 } ]\n";
    let text = |datapath: &str| {
        let t = cluster(datapath, steps).replace("datapath: ", "serviceCIDR: 10.96.0.0/16, datapath: ") + itp;
        if datapath == "ebpf" {
            t.replace("loadBalancer: metallb", "loadBalancer: cilium").replace(
                &common::one_address_pool("metallb", "10.31.0.240", true),
                &common::one_address_pool("cilium", "10.31.0.240", true),
            )
        } else {
            t
        }
    };
    let out = |datapath: &str| outputs(&run_yaml(&text(datapath)), "blue-1", "10.96.0.77");
    assert_eq!(out("iptables"), vec![("curl: (28) Connection timed out after 2000 milliseconds\n".to_string(), 28)]);
    let ipvs = out("ipvs");
    assert!(ipvs.len() == 1 && ipvs[0].1 == 0 && ipvs[0].0.starts_with("shop-"), "{ipvs:?}");
    assert_eq!(
        out("ebpf"),
        vec![(
            "curl: (7) Failed to connect to 10.96.0.77 port 80 after 0 ms: Couldn't connect to server\n".to_string(),
            7
        )]
    );
}
