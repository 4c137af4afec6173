//! Helpers shared by the integration tests: load and run shipped scenarios.
#![allow(dead_code)]

use std::rc::Rc;
use vipsim::engine::trace::{Kind, Record};
use vipsim::play::run::Run;
use vipsim::scenario::{Scenario, load};
use vipsim::time::{Duration, Instant};

pub fn scenario(id: &str) -> Scenario {
    let shipped = vipsim::catalog::find(id).unwrap_or_else(|| panic!("no shipped scenario {id}"));
    load::load(shipped.file, shipped.yaml).unwrap_or_else(|e| panic!("{id} does not load: {e:?}"))
}

/// A shipped scenario computed to its end, with the cursor at the end.
pub fn run(id: &str, variant: Option<&str>) -> Run {
    at_end(Run::new(Rc::new(scenario(id)), variant, None, None).expect("builds"))
}

pub fn run_seed(id: &str, seed: u64) -> Run {
    at_end(Run::new(Rc::new(scenario(id)), None, Some(seed), None).expect("builds"))
}

pub fn at_end(mut run: Run) -> Run {
    run.seek(run.len());
    run
}

pub fn jsonl(run: &Run) -> String {
    run.trace().iter().map(|r| r.to_json() + "\n").collect()
}

/// Output of every command whose line contains `needle` and that started at `at`.
pub fn command_at(trace: &[Record], needle: &str, at: Duration) -> (String, i32) {
    trace
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { cmd, started, stdout, stderr, exit, .. }
                if cmd.contains(needle) && *started == Instant::ZERO + at =>
            {
                Some((format!("{stdout}{stderr}"), *exit))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no command containing `{needle}` started at {at}"))
}

/// Every curl result `(start, exit)` on `host`.
pub fn curls(trace: &[Record], host: &str) -> Vec<(Instant, i32)> {
    trace
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Command { host: h, cmd, started, exit, .. } if &**h == host && cmd.starts_with("curl") => {
                Some((*started, *exit))
            }
            _ => None,
        })
        .collect()
}

/// A cluster as a workshop might write it to see scale (the shape of
/// `vipsim-bench --scale`): `nodes` nodes, one Deployment of `pods` echo
/// pods behind `services` LoadBalancer Services (MetalLB L2, iptables),
/// and a client behind the router curling the first VIP every second.
pub fn scale_yaml(nodes: usize, pods: usize, services: usize, seconds: u64) -> String {
    let mut y = format!(
        "apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: scale-{nodes}\n  title: {nodes} nodes\n\
         spec:\n  duration: {seconds}s\n  cluster:\n    loadBalancer: metallb\n    announce: l2\n    \
         datapath: iptables\n  hosts:\n  - name: edge\n    role: router\n    ip: 10.40.0.1/16\n  \
         - name: desk\n    role: client\n    ip: 172.20.0.7/24\n    behind: edge\n"
    );
    for i in 0..nodes {
        y += &format!("  - name: n{i}\n    role: node\n    ip: 10.40.{}.{}/16\n", 1 + i / 200, 1 + i % 200);
    }
    y += "  timeline:\n  - at: 4s\n    every: 1s\n    run: { host: desk, cmd: \"curl -s -m 1 http://10.40.250.0/\" }\n";
    y += "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: vips\n  \
          namespace: metallb-system\nspec:\n  addresses:\n  - 10.40.250.0/24\n";
    y += "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: all\n  \
          namespace: metallb-system\n";
    y += &format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: {pods}\n  \
         selector:\n    matchLabels:\n      app: app\n  template:\n    metadata:\n      labels:\n        \
         app: app\n    spec:\n      containers:\n      - name: echo\n        image: hashicorp/http-echo\n        \
         args: [\"-text=ok\", \"-listen=:9000\"]\n        ports:\n        - containerPort: 9000\n"
    );
    for s in 0..services {
        y += &format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-{s}\nspec:\n  type: LoadBalancer\n  \
             selector:\n    app: app\n  ports:\n  - port: 80\n    targetPort: 9000\n"
        );
    }
    y
}

/// A one-address pool for `lb` (`metallb` or `cilium`) at `vip`, and with
/// `announce` the L2Advertisement or CiliumL2AnnouncementPolicy that makes
/// a node answer ARP for it: manifests to follow a scenario's `---`.
pub fn one_address_pool(lb: &str, vip: &str, announce: bool) -> String {
    match (lb, announce) {
        ("cilium", false) => format!(
            "apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: {{ name: p }}\nspec: {{ blocks: [ {{ cidr: {vip}/32 }} ] }}\n"
        ),
        ("cilium", true) => {
            one_address_pool(lb, vip, false)
                + "---\napiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata: { name: l2 }\nspec: { loadBalancerIPs: true }\n"
        }
        (_, false) => format!(
            "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {{ name: p, namespace: metallb-system }}\nspec: {{ addresses: [{vip}/32] }}\n"
        ),
        (_, true) => {
            one_address_pool(lb, vip, false)
                + "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: { name: l2, namespace: metallb-system }\n"
        }
    }
}

/// A Deployment `web` of `replicas` agnhost netexec pods (labels `app:
/// web`, HTTP on 8080), to follow a scenario's `---`.
pub fn netexec_web(replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: web }}\nspec:\n  replicas: {replicas}\n  \
         selector: {{ matchLabels: {{ app: web }} }}\n  template:\n    metadata: {{ labels: {{ app: web }} }}\n    \
         spec:\n      containers:\n      - {{ name: web, image: registry.k8s.io/e2e-test-images/agnhost:2.53, \
         args: [netexec, --http-port=8080] }}\n"
    )
}
