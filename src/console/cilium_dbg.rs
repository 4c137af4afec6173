//! `cilium-dbg` in a node's Cilium agent: `service list` (every frontend
//! the agent programmed, with its service ID and backends) and
//! `status --brief`.
//!
//! Service IDs come from the cluster state ([`crate::k8s::cluster::ServiceIds`]):
//! the agent numbers frontends from 1 in the order they appear, Services in
//! creation order and, within one, ClusterIP, NodePort (wildcard `0.0.0.0`,
//! then the node's address), externalIPs, LoadBalancer; IDs are never
//! renumbered. So in the cilium-lb-ipam scenario `kubernetes` has 1, `web`
//! 2-4, `echo` 5-7, and web's VIP 192.0.2.10, assigned at 5 s, gets 8.

use crate::k8s::cluster::{Endpoint, Service};
use crate::k8s::services::{FrontendAddr, FrontendKind, frontends};
use crate::net::host::Datapath;
use crate::net::tools::Output;
use crate::sim::World;
use crate::sort::Sort;

fn ok(stdout: String) -> Output {
    Output { stdout, stderr: String::new(), exit: 0 }
}

fn err(msg: &str) -> Output {
    Output { stdout: String::new(), stderr: format!("{msg}\n"), exit: 1 }
}

/// Runs `cilium-dbg ARGS` in the agent on `node`.
pub fn run(w: &World, node: &str, args: &[String]) -> Output {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    if w.datapath.kind != Datapath::Ebpf {
        return err("vipsim: Cilium's eBPF datapath is not in use in this scenario (cluster.datapath: ebpf)");
    }
    let running = w.cluster.nodes.get(node).is_some_and(|n| n.agent_running && w.net.hosts[n.host].up);
    if !running {
        return err(
            "Error: Cannot get services list: Get \"http://localhost/v1/service\": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory\nIs the agent running?",
        );
    }
    match words.as_slice() {
        ["service", "list"] | ["service", "ls"] | ["svc", "list"] => ok(service_list(w, node)),
        ["status", "--brief"] => ok("OK\n".into()),
        _ => err(&format!(
            "vipsim: cilium-dbg {} is not modelled (use: cilium-dbg service list, cilium-dbg status --brief)",
            words.join(" ")
        )),
    }
}

/// The table the agent prints: `ID  Frontend  Service Type  Backend`,
/// sorted by ID, one backend per line, every line tab-terminated.
fn service_list(w: &World, node: &str) -> String {
    let k = &w.cluster;
    let node_ip = k.nodes[node].ip;
    let mut entries: Vec<(u32, String)> = Vec::new();
    for svc in k.services.values() {
        let eps = k.slices.get(&svc.key()).map(|s| s.endpoints.as_slice()).unwrap_or_default();
        let ids = k.cilium_ids.by_frontend.get(&svc.key());
        for fe in frontends(svc) {
            let Some(id) = ids.and_then(|ids| ids.get(&fe.key())) else { continue };
            let addr = match fe.addr {
                FrontendAddr::Ip(ip) => ip,
                FrontendAddr::Any => std::net::Ipv4Addr::UNSPECIFIED,
                FrontendAddr::ThisNode => node_ip,
            };
            let frontend = format!("{addr}:{}/{}", fe.port, fe.protocol);
            let local_only = local_policy(svc, fe.kind);
            let backends: Vec<String> = eps
                .iter()
                .filter(|e| e.ready || (e.serving && e.terminating))
                .filter(|e| !local_only || *e.node == *node)
                .enumerate()
                .map(|(i, e)| backend(i, e, &fe.port_name, &fe.protocol))
                .collect();
            let mut lines = match backends.split_first() {
                Some((first, _)) => format!("{id}\t{frontend}\t{}\t{first}\t\n", fe.kind.name()),
                None => format!("{id}\t{frontend}\t{}\t\t\n", fe.kind.name()),
            };
            for b in backends.iter().skip(1) {
                lines.push_str(&format!("\t\t\t{b}\t\n"));
            }
            entries.push((*id, lines));
        }
    }
    entries.stable_sort_by_key(|(id, _)| *id);
    let text: String = std::iter::once("ID\tFrontend\tService Type\tBackend\t\n".to_string())
        .chain(entries.into_iter().map(|(_, l)| l))
        .collect();
    super::table::tabwrite(&text, 5, 3)
}

/// Local traffic policy keeps a frontend's backends to the node's own pods.
fn local_policy(svc: &Service, kind: FrontendKind) -> bool {
    use crate::k8s::objects::TrafficPolicyName::Local;
    if kind.external() {
        svc.spec.external_traffic_policy == Some(Local)
    } else {
        svc.spec.internal_traffic_policy == Some(Local)
    }
}

fn backend(i: usize, e: &Endpoint, port_name: &str, protocol: &str) -> String {
    let state = if e.ready { "active" } else { "terminating" };
    let port = e.ports.get(port_name).copied().unwrap_or(0);
    format!("{} => {}:{port}/{protocol} ({state})", i + 1, e.ip)
}

#[cfg(test)]
mod tests {
    use super::super::table::tabwrite;

    #[test]
    fn agent_table_layout() {
        let text = "ID\tFrontend\tService Type\tBackend\t\n8\t192.0.2.10:80/TCP\tLoadBalancer\t1 => 10.200.0.90:8080/TCP (active)\t\n";
        assert_eq!(
            tabwrite(text, 5, 3).lines().nth(1),
            Some("8    192.0.2.10:80/TCP   LoadBalancer   1 => 10.200.0.90:8080/TCP (active)   ")
        );
    }
}
