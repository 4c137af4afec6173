//! The scenario loader: valid files load with their manifests and warnings;
//! every class of mistake gives one exact, located message; arbitrary and
//! mangled input never panics and always yields located diagnostics.

use vipsim::k8s::objects::Manifest;
use vipsim::scenario::load::load;
use vipsim::scenario::spec::HostRole;

/// The example of `shared/scenario-format.md`, verbatim.
const CONTRACT_EXAMPLE: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: cilium-lb-ipam            # id used in URLs and file names
  title: LB IPAM and externalTrafficPolicy
  description: |                  # markdown shown in the lesson panel
    ...
spec:
  seed: 1                         # default 1
  duration: 60s                   # simulated time to run (default 60s)
  cluster:
    loadBalancer: cilium          # metallb | cilium | none
    announce: l2                  # l2 | bgp | none
    datapath: ebpf                # iptables | ipvs | ebpf (cilium: ebpf)
    serviceCIDR: 10.32.0.0/24
    podCIDR: 10.200.0.0/16
  hosts:                          # every host is on one switched LAN
    - name: lb-0
      role: client                # client | node | router
      ip: 10.0.1.10/24
      mac: "02:00:0a:00:01:0a"    # optional; default derived from the name
    - name: worker-0
      role: node
      ip: 10.0.1.20/24
      zone: a                     # optional topology.kubernetes.io/zone
    - name: gw
      role: router
      ip: 10.0.1.1/24
      neighbor:                   # the router's ARP behaviour
        model: linux              # linux | cisco
        garp: honor               # honor | ignore
        arpTimeout: 4h            # cisco-style absolute timeout
  switch:
    macAging: 300s
  timeline:                       # ordered; `at` is simulated time
    - at: 1s
      run: { host: lb-0, cmd: "curl -s http://10.0.1.21:31888/clientip" }
    - at: 5s
      apply: demo-pool            # apply a held manifest by metadata.name
    - at: 20s
      fault: { host: worker-0, action: power-off }
  goals: []                       # workshop checks (see the workshop issue)
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata:
  name: demo-pool
  annotations:
    vipsim/hold: "true"           # not applied at t=0; the timeline applies it
spec:
  blocks:
  - start: "192.0.2.10"
    stop: "192.0.2.50"
"#;

/// A MetalLB L2 lesson with a Deployment, its Service, a pool and a held
/// L2Advertisement: the base every error test below edits. Line numbers in
/// the expected messages refer to this text.
const METALLB: &str = r#"apiVersion: vipsim/v1
kind: Scenario
metadata:
  name: metallb-l2
  title: MetalLB L2 and externalTrafficPolicy
spec:
  duration: 60s
  cluster:
    loadBalancer: metallb
    announce: l2
    serviceCIDR: 10.32.0.0/24
    podCIDR: 10.200.0.0/16
  hosts:
    - name: lb-0
      role: client
      ip: 10.0.1.10/24
      mac: "02:00:0a:00:01:0a"
    - name: worker-0
      role: node
      ip: 10.0.1.20/24
      zone: a
    - name: worker-1
      role: node
      ip: 10.0.1.21/24
      podCIDR: 10.200.9.0/24
    - name: gw
      role: router
      ip: 10.0.1.1/24
      neighbor:
        model: cisco
        garp: ignore
  timeline:
    - at: 1s
      every: 1s
      until: 30s
      run: { host: lb-0, cmd: "curl -s -m 1 http://10.0.1.240/clientip" }
    - at: 5s
      apply: l2
    - at: 20s
      fault: { host: worker-0, action: stop-speaker }
    - at: 25s
      fault: { host: worker-1, action: delete-pod, pod: web }
    - at: 30s
      note: the VIP moved
  goals:
    - name: the client keeps its address
      check: { clientIpObserved: { ip: 10.0.1.10 } }
    - name: worker-1 answers for the VIP
      check: { leader: { service: web, node: worker-1 } }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: agnhost
        image: registry.k8s.io/e2e-test-images/agnhost:2.39
        args: ["netexec", "--http-port=8080"]
        ports:
        - name: http
          containerPort: 8080
        resources:
          requests: {cpu: 10m}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
    nodePort: 31888
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan-pool
  namespace: metallb-system
spec:
  addresses:
  - 10.0.1.240-10.0.1.250
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: l2
  namespace: metallb-system
  annotations:
    vipsim/hold: "true"
spec:
  ipAddressPools: [lan-pool]
"#;

/// The warning the unedited METALLB file has.
const RESOURCES_WARNING: &str =
    "s.yaml:74:9: spec.template.spec.containers[0].resources: ignored: does not affect networking in vipsim";

/// `METALLB` with `from` (which must occur exactly once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(METALLB.matches(from).count(), 1, "`{from}` must occur once in METALLB");
    METALLB.replacen(from, to, 1)
}

fn errors(text: &str) -> Vec<String> {
    match load("s.yaml", text) {
        Ok(_) => panic!("loaded, but errors were expected"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn warnings(text: &str) -> Vec<String> {
    match load("s.yaml", text) {
        Ok(scenario) => scenario.warnings.iter().map(ToString::to_string).collect(),
        Err(errors) => panic!("failed to load: {errors:#?}"),
    }
}

// ---------------------------------------------------------------------
// Valid scenarios
// ---------------------------------------------------------------------

#[test]
fn the_contract_example_loads() {
    let scenario = load("cilium-lb-ipam.yaml", CONTRACT_EXAMPLE).expect("loads");
    assert_eq!(scenario.id(), "cilium-lb-ipam");
    assert_eq!(scenario.title(), "LB IPAM and externalTrafficPolicy");
    assert_eq!(scenario.doc.spec.hosts.len(), 3);
    assert_eq!(scenario.doc.spec.timeline.len(), 3);
    assert_eq!(scenario.warnings, []);
    let [pool] = scenario.manifests.as_slice() else { panic!("one manifest") };
    assert_eq!((pool.manifest.kind(), pool.held, pool.line), ("CiliumLoadBalancerIPPool", true, 44));
}

#[test]
fn a_metallb_scenario_loads_with_its_manifests_in_file_order() {
    let scenario = load("s.yaml", METALLB).expect("loads");
    let summary: Vec<(&str, &str, bool, usize)> = scenario
        .manifests
        .iter()
        .map(|m| (m.manifest.kind(), m.manifest.metadata().name.as_str(), m.held, m.line))
        .collect();
    assert_eq!(
        summary,
        [
            ("Deployment", "web", false, 51),
            ("Service", "web", false, 77),
            ("IPAddressPool", "lan-pool", false, 92),
            ("L2Advertisement", "l2", true, 101),
        ]
    );
    let roles: Vec<HostRole> = scenario.doc.spec.hosts.iter().map(|h| h.role).collect();
    assert_eq!(roles, [HostRole::Client, HostRole::Node, HostRole::Node, HostRole::Router]);
    assert_eq!(scenario.doc.spec.goals.len(), 2);
    assert_eq!(scenario.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(), [RESOURCES_WARNING]);
    let Manifest::Service { spec, .. } = &scenario.manifest("Service/web").unwrap().manifest else {
        panic!("a Service")
    };
    assert_eq!(spec.ports[0].node_port, Some(31888));
}

#[test]
fn empty_documents_and_comments_are_skipped() {
    let text = format!("# A lesson.\n---\n{}---\n---\n# trailing\n", METALLB.replace("---\n", "---\n---\n"));
    let scenario = load("s.yaml", &text).expect("loads");
    let lines: Vec<usize> = scenario.manifests.iter().map(|m| m.line).collect();
    assert_eq!(lines, [54, 81, 97, 107]);
}

// ---------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------

#[test]
fn ignored_fields_and_unmodelled_images_are_warned_where_they_are() {
    let text = format!(
        "{METALLB}---
apiVersion: v1
kind: Pod
metadata:
  name: nginx
  uid: 1234
  labels: {{app: nginx}}
spec:
  volumes: []
  containers:
  - name: nginx
    image: nginx:1.27
    env: [{{name: A, value: b}}]
status:
  phase: Running
"
    );
    assert_eq!(
        warnings(&text),
        [
            RESOURCES_WARNING,
            "s.yaml:115:3: metadata.uid: ignored: does not affect networking in vipsim",
            "s.yaml:118:3: spec.volumes: ignored: does not affect networking in vipsim",
            "s.yaml:121:5: spec.containers[0].image: image `nginx:1.27` is not modelled; the pod answers HTTP 200 with its name",
            "s.yaml:123:1: status: ignored: does not affect networking in vipsim",
        ]
    );
}

// ---------------------------------------------------------------------
// The file and its documents
// ---------------------------------------------------------------------

#[test]
fn an_empty_file_is_an_error_at_line_1() {
    let expected = [
        "s.yaml:1:1: the file is empty: a scenario starts with a document of `kind: Scenario` (`apiVersion: vipsim/v1`)",
    ];
    assert_eq!(errors(""), expected);
    assert_eq!(errors("  \n# nothing\n---\n...\n"), expected);
}

#[test]
fn the_first_document_must_be_the_scenario() {
    assert_eq!(
        errors("# a manifest only\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n"),
        ["s.yaml:3:1: kind: the first document must be the scenario (`kind: Scenario`), not a `Service`"]
    );
    assert_eq!(
        errors("apiVersion: vipsim/v1\nkind: Scenaro\n"),
        [
            "s.yaml:2:1: kind: the first document must be the scenario (`kind: Scenario`), not a `Scenaro` (did you mean `Scenario`?)"
        ]
    );
    assert_eq!(
        errors("metadata: {name: x}\n"),
        ["s.yaml:1:1: the first document must be the scenario: it needs `apiVersion: vipsim/v1` and `kind: Scenario`"]
    );
    assert_eq!(
        errors("- just\n- a list\n"),
        ["s.yaml:1:1: invalid type: sequence, expected a mapping with apiVersion, kind and metadata"]
    );
}

#[test]
fn the_scenario_api_version_is_checked() {
    assert_eq!(
        errors(&edit("apiVersion: vipsim/v1", "apiVersion: vipsim/v2")),
        ["s.yaml:1:1: apiVersion: `vipsim/v2` is not supported, expected vipsim/v1"]
    );
}

#[test]
fn a_yaml_syntax_error_is_located_and_later_documents_are_still_checked() {
    let text = edit("    port: 80\n", "    port: 80: 81\n")
        .replace("  - 10.0.1.240-10.0.1.250", "  - 10.0.1.240-10.0.1.250\n  autoAsign: true");
    assert_eq!(
        errors(&text),
        [
            "s.yaml:88:13: spec: mapping values are not allowed in this context",
            "s.yaml:100:3: spec.autoAsign: unknown field `autoAsign` (did you mean `autoAssign`?)",
        ]
    );
}

/// A document is parsed on its own text; the place a syntax error quotes
/// as its context (the flow sequence left open) is the file's line too.
#[test]
fn the_context_of_a_syntax_error_in_a_later_document_is_a_file_position() {
    let text = edit("    port: 80\n", "    port: [80\n");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("s.yaml:"), "{}", errors[0]);
    assert!(errors[0].ends_with("while parsing a flow sequence at line 88 column 11"), "{}", errors[0]);
}

#[test]
fn control_characters_are_located() {
    assert_eq!(
        errors(&edit("  title: MetalLB", "  title: Metal\u{7}LB")),
        ["s.yaml:5:15: control character U+0007 is not allowed in YAML"]
    );
}

// ---------------------------------------------------------------------
// Typed fields: unknown fields and values, bad values
// ---------------------------------------------------------------------

#[test]
fn an_unknown_field_suggests_the_nearest_one() {
    assert_eq!(
        errors(&edit("  externalTrafficPolicy: Local", "  externalTraficPolicy: Local")),
        [
            "s.yaml:83:3: spec.externalTraficPolicy: unknown field `externalTraficPolicy` (did you mean `externalTrafficPolicy`?)"
        ]
    );
    assert_eq!(
        errors(&edit("        garp: ignore", "        garp: ignore\n        arpAcept: 1")),
        ["s.yaml:32:9: spec.hosts[3].neighbor.arpAcept: unknown field `arpAcept` (did you mean `arpAccept`?)"]
    );
}

#[test]
fn an_unknown_field_without_a_near_name_lists_the_valid_ones() {
    assert_eq!(
        errors(&edit("      zone: a", "      zone: a\n      color: red")),
        [
            "s.yaml:22:7: spec.hosts[1].color: unknown field `color`, expected one of name | role | ip | mac | zone | labels | behind | neighbor | podCIDR | asn | multipathHashPolicy | routes"
        ]
    );
}

#[test]
fn an_unknown_value_lists_the_valid_ones_and_suggests_the_nearest() {
    assert_eq!(
        errors(&edit("      role: node\n      ip: 10.0.1.20/24", "      role: nod\n      ip: 10.0.1.20/24")),
        [
            "s.yaml:19:13: spec.hosts[1].role: unknown value `nod`, expected client | node | router (did you mean `node`?)"
        ]
    );
    assert_eq!(
        errors(&edit("  type: LoadBalancer", "  type: LoadBalancr")),
        [
            "s.yaml:82:9: spec.type: unknown value `LoadBalancr`, expected ClusterIP | NodePort | LoadBalancer (did you mean `LoadBalancer`?)"
        ]
    );
}

#[test]
fn bad_values_are_located_at_the_value() {
    assert_eq!(
        errors(&edit("  duration: 60s", "  duration: 60")),
        ["s.yaml:7:13: spec.duration: invalid duration `60`: missing unit (use h, m, s, ms, us or ns)"]
    );
    assert_eq!(
        errors(&edit("  duration: 60s", "  duration: 94522879700260684295381835.9h")),
        ["s.yaml:7:13: spec.duration: duration `94522879700260684295381835.9h` is too long"]
    );
    assert_eq!(
        errors(&edit("    port: 80", "    port: eighty")),
        ["s.yaml:88:11: spec.ports[0].port: invalid type: string \"eighty\", expected u16"]
    );
    assert_eq!(
        errors(&edit("    targetPort: http", "    targetPort: [http]")),
        [
            "s.yaml:89:17: spec.ports[0].targetPort: invalid type: sequence, expected a port number (1-65535) or a port name"
        ]
    );
    assert_eq!(
        errors(&edit("    targetPort: http", "    targetPort: 70000")),
        [
            "s.yaml:89:17: spec.ports[0].targetPort: invalid value: integer `70000`, expected a port number (1-65535) or a port name"
        ]
    );
    assert_eq!(errors(&edit("      ip: 10.0.1.10/24\n", "")), ["s.yaml:14:7: spec.hosts[0]: missing field `ip`"]);
}

// ---------------------------------------------------------------------
// Kinds and apiVersions
// ---------------------------------------------------------------------

#[test]
fn an_unknown_kind_suggests_the_nearest() {
    assert_eq!(
        errors(&edit("kind: Service", "kind: Servce")),
        ["s.yaml:78:1: kind: unknown kind `Servce` (did you mean `Service`?)"]
    );
    assert_eq!(
        errors(&edit("kind: Service", "kind: Ingress")),
        [
            "s.yaml:78:1: kind: unknown kind `Ingress`, expected one of Namespace | Deployment | Pod | Service | IPAddressPool | L2Advertisement | BGPAdvertisement | BGPPeer | CiliumLoadBalancerIPPool | CiliumL2AnnouncementPolicy | GatewayClass | Gateway"
        ]
    );
    assert_eq!(
        errors(&edit("kind: Service", "kind: Scenario")),
        ["s.yaml:78:1: kind: only the first document is the scenario; the others are Kubernetes manifests"]
    );
    // A real field that changes traffic and is not modelled says so.
    assert_eq!(
        errors(&edit("  type: LoadBalancer\n", "  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n")),
        [
            "s.yaml:83:3: spec.loadBalancerSourceRanges: `loadBalancerSourceRanges` is a Kubernetes field vipsim does not model (it limits which client addresses reach the load balancer): remove it to run the scenario without it"
        ]
    );
    // Kinds an author may well write, that the scenario says otherwise.
    assert_eq!(
        errors(&edit("kind: Service", "kind: Node")),
        [
            "s.yaml:78:1: kind: a Node is not applied: every host with `role: node` is one; give its labels and zone there (spec.hosts[].labels, spec.hosts[].zone)"
        ]
    );
    assert_eq!(
        errors(&edit("apiVersion: v1\nkind: Service", "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice")),
        [
            "s.yaml:78:1: kind: vipsim derives EndpointSlice from the Services' selectors and the pods, as the EndpointSlice controller does; hand-written ones (for a Service without a selector) are not modelled"
        ]
    );
}

#[test]
fn a_wrong_api_version_lists_the_served_ones() {
    assert_eq!(
        errors(&edit(
            "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool",
            "apiVersion: metallb.io/v1\nkind: IPAddressPool"
        )),
        ["s.yaml:92:1: apiVersion: `metallb.io/v1` does not serve kind IPAddressPool, expected metallb.io/v1beta1"]
    );
    assert_eq!(
        errors(&edit("apiVersion: apps/v1", "apiVersion: v1")),
        ["s.yaml:51:1: apiVersion: `v1` does not serve kind Deployment, expected apps/v1"]
    );
}

// ---------------------------------------------------------------------
// Hosts
// ---------------------------------------------------------------------

#[test]
fn host_names_are_unique_dns_labels() {
    assert_eq!(
        errors(&edit("    - name: gw", "    - name: worker-0")),
        ["s.yaml:26:7: spec.hosts[3].name: host `worker-0` is defined twice (first at line 18)"]
    );
    assert_eq!(
        errors(&edit("    - name: gw", "    - name: GW_1")),
        [
            "s.yaml:26:7: spec.hosts[3].name: host name `GW_1` is not a DNS label: use lowercase letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit"
        ]
    );
}

#[test]
fn there_is_at_most_one_router() {
    assert_eq!(
        errors(&edit("      role: client", "      role: router")),
        ["s.yaml:27:7: spec.hosts[3].role: a scenario has at most one router, and `lb-0` (line 14) is already one"]
    );
}

#[test]
fn host_addresses_are_host_addresses_on_the_lan() {
    assert_eq!(
        errors(&edit("      ip: 10.0.1.10/24", "      ip: 10.0.1.10")),
        ["s.yaml:16:7: spec.hosts[0].ip: invalid CIDR `10.0.1.10`: expected address/prefix like 10.0.1.0/24"]
    );
    assert_eq!(
        errors(&edit("      ip: 10.0.1.20/24", "      ip: 10.0.1.0/24")),
        ["s.yaml:20:7: spec.hosts[1].ip: `10.0.1.0/24` is the network address of its prefix, not a host address"]
    );
    assert_eq!(
        errors(&edit("      ip: 10.0.1.20/24", "      ip: 10.0.1.255/24")),
        ["s.yaml:20:7: spec.hosts[1].ip: `10.0.1.255/24` is the broadcast address of its prefix, not a host address"]
    );
    assert_eq!(
        errors(&edit("      ip: 10.0.1.21/24", "      ip: 10.9.0.5/24")),
        ["s.yaml:24:7: spec.hosts[2].ip: host `worker-1` (10.9.0.5/24) is outside the LAN 10.0.1.0/24"]
    );
    assert_eq!(
        errors(&edit("      ip: 10.0.1.21/24", "      ip: 10.0.1.21/25")),
        [
            "s.yaml:24:7: spec.hosts[2].ip: host `worker-1` (10.0.1.21/25) has another prefix length than the LAN 10.0.1.0/24"
        ]
    );
}

#[test]
fn addresses_and_macs_are_unique_and_macs_unicast() {
    assert_eq!(
        errors(&edit("      ip: 10.0.1.21/24", "      ip: 10.0.1.20/24")),
        ["s.yaml:24:7: spec.hosts[2].ip: address 10.0.1.20 is already used by `worker-0`"]
    );
    assert_eq!(
        errors(&edit("      ip: 10.0.1.1/24", "      ip: 10.0.1.1/24\n      mac: \"02:00:0A:00:01:0A\"")),
        ["s.yaml:29:7: spec.hosts[3].mac: MAC 02:00:0a:00:01:0a is already used by `lb-0`"]
    );
    assert_eq!(
        errors(&edit("02:00:0a:00:01:0a", "01:00:5e:00:00:01")),
        [
            "s.yaml:17:7: spec.hosts[0].mac: `01:00:5e:00:00:01` is a multicast MAC (the first octet is odd); a host needs a unicast one"
        ]
    );
    assert_eq!(
        errors(&edit("02:00:0a:00:01:0a", "02:00:0a:00:01")),
        [
            "s.yaml:17:7: spec.hosts[0].mac: invalid MAC address `02:00:0a:00:01`: expected six hex pairs like 02:00:0a:00:01:0a"
        ]
    );
}

#[test]
fn node_fields_are_on_nodes_only() {
    assert_eq!(
        errors(&edit(
            "      mac: \"02:00:0a:00:01:0a\"",
            "      mac: \"02:00:0a:00:01:0a\"\n      zone: b\n      labels: {rack: r1}"
        )),
        [
            "s.yaml:18:7: spec.hosts[0].zone: `zone` applies to a node only, and `lb-0` is a client",
            "s.yaml:19:7: spec.hosts[0].labels: `labels` applies to a node only, and `lb-0` is a client",
        ]
    );
}

#[test]
fn a_client_behind_the_router_is_off_the_lan() {
    let home = |behind: &str, ip: &str| {
        edit(
            "  timeline:",
            &format!("    - name: home\n      role: client\n      ip: {ip}\n      behind: {behind}\n  timeline:"),
        )
    };
    let resources_moved = RESOURCES_WARNING.replace(":74:", ":78:");
    assert_eq!(warnings(&home("gw", "192.168.1.5/24")), [resources_moved]);
    assert_eq!(
        errors(&home("gx", "192.168.1.5/24")),
        ["s.yaml:35:7: spec.hosts[4].behind: unknown router `gx` (did you mean `gw`?)"]
    );
    assert_eq!(
        errors(&home("worker-0", "192.168.1.5/24")),
        ["s.yaml:35:7: spec.hosts[4].behind: `behind` names the router, and `worker-0` is a node"]
    );
    assert_eq!(
        errors(&home("gw", "10.0.1.99/24")),
        [
            "s.yaml:34:7: spec.hosts[4].ip: host `home` (10.0.1.99/24) is behind `gw`, so its address must be outside the LAN 10.0.1.0/24"
        ]
    );
}

#[test]
fn arp_accept_is_0_1_or_2() {
    assert_eq!(
        errors(&edit("        garp: ignore", "        garp: ignore\n        arpAccept: 3")),
        ["s.yaml:32:9: spec.hosts[3].neighbor.arpAccept: arpAccept is 0, 1 or 2 (net.ipv4.conf.*.arp_accept), not 3"]
    );
}

// ---------------------------------------------------------------------
// Cluster address plan
// ---------------------------------------------------------------------

#[test]
fn cluster_cidrs_are_valid_and_off_the_lan() {
    assert_eq!(
        errors(&edit("serviceCIDR: 10.32.0.0/24", "serviceCIDR: 10.0.0.0/16")),
        ["s.yaml:11:5: spec.cluster.serviceCIDR: serviceCIDR 10.0.0.0/16 overlaps the LAN 10.0.1.0/24"]
    );
    assert_eq!(
        errors(&edit("podCIDR: 10.200.0.0/16", "podCIDR: 10.200.0.0/33")),
        ["s.yaml:12:5: spec.cluster.podCIDR: invalid CIDR `10.200.0.0/33`: prefix `33` is not 0-32"]
    );
}

#[test]
fn node_pod_cidrs_lie_in_the_cluster_pod_cidr_without_overlap() {
    assert_eq!(
        errors(&edit("      podCIDR: 10.200.9.0/24", "      podCIDR: 10.100.9.0/24")),
        [
            "s.yaml:25:7: spec.hosts[2].podCIDR: podCIDR 10.100.9.0/24 of `worker-1` is outside the cluster podCIDR 10.200.0.0/16"
        ]
    );
    assert_eq!(
        errors(&edit("      zone: a", "      zone: a\n      podCIDR: 10.200.9.128/25")),
        ["s.yaml:26:7: spec.hosts[2].podCIDR: podCIDR 10.200.9.0/24 of `worker-1` overlaps that of `worker-0`"]
    );
}

#[test]
fn workloads_need_a_node() {
    let text =
        edit("      role: node\n      ip: 10.0.1.20/24\n      zone: a", "      role: client\n      ip: 10.0.1.20/24")
            .replace(
                "      role: node\n      ip: 10.0.1.21/24\n      podCIDR: 10.200.9.0/24",
                "      role: client\n      ip: 10.0.1.21/24",
            )
            .replace("fault: { host: worker-0, action: stop-speaker }", "note: x")
            .replace("fault: { host: worker-1, action: delete-pod, pod: web }", "note: y")
            .replace(
                "      check: { leader: { service: web, node: worker-1 } }",
                "      check: { leader: { service: web, node: none } }",
            );
    assert_eq!(
        errors(&text),
        ["s.yaml:13:3: spec.hosts: Deployment `web` (line 49) needs a node, and no host has `role: node`"]
    );
}

// ---------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------

#[test]
fn a_step_does_exactly_one_thing() {
    assert_eq!(
        errors(&edit("      apply: l2", "      apply: l2\n      note: hi")),
        [
            "s.yaml:39:7: spec.timeline[1].note: a step does one thing, and this one has both `apply` and `note`: make it two steps"
        ]
    );
    assert_eq!(
        errors(&edit("    - at: 30s\n      note: the VIP moved\n", "    - at: 30s\n")),
        ["s.yaml:43:5: spec.timeline[4]: a step needs one of run | apply | delete | fault | note | predict"]
    );
}

/// A step is read by hand (one action of an enum) and says what is wrong
/// where it is, as a derived struct does: these messages and places are
/// the ones the five optional fields gave.
#[test]
fn a_step_is_read_with_located_errors() {
    assert_eq!(
        errors(&edit("      note: the VIP moved", "      notes: the VIP moved")),
        ["s.yaml:44:7: spec.timeline[4].notes: unknown field `notes` (did you mean `note`?)"]
    );
    assert_eq!(
        errors(&edit("    - at: 30s\n      note: the VIP moved", "    - note: the VIP moved")),
        ["s.yaml:43:7: spec.timeline[4]: missing field `at`"]
    );
    assert_eq!(
        errors(&edit(
            "    - at: 30s\n      note: the VIP moved",
            "    - at: 30s\n      at: 31s\n      note: the VIP moved"
        )),
        ["s.yaml:43:7: spec.timeline[4]: duplicate field `at`"]
    );
    assert_eq!(
        errors(&edit("      apply: l2", "      apply: [l2]")),
        ["s.yaml:38:14: spec.timeline[1].apply: invalid type: sequence, expected a string"]
    );
    assert_eq!(
        errors(&edit("      every: 1s", "      every: 1s\n      name: poll\n      run: { host: lb-0, cmd: x }")),
        ["s.yaml:33:7: spec.timeline[0]: duplicate field `run`"]
    );
}

#[test]
fn repetitions_are_bounded_and_ordered() {
    assert_eq!(
        errors(&edit("      every: 1s\n", "")),
        ["s.yaml:34:7: spec.timeline[0].until: `until` ends a repetition: it needs `every`"]
    );
    assert_eq!(
        errors(&edit("      until: 30s", "      until: 500ms")),
        ["s.yaml:35:7: spec.timeline[0].until: `until` (500ms) is before `at` (1s)"]
    );
    assert_eq!(
        errors(&edit("      every: 1s", "      every: 0s")),
        ["s.yaml:34:7: spec.timeline[0].every: `every` must be more than 0s"]
    );
    assert_eq!(
        errors(&edit("      every: 1s", "      every: 100us")),
        ["s.yaml:34:7: spec.timeline[0].every: repeating every 100us from 1s to 30s is more than 100000 times"]
    );
}

#[test]
fn steps_after_the_end_or_out_of_order_are_warned() {
    assert_eq!(
        warnings(&edit("    - at: 30s", "    - at: 90s")),
        [
            "s.yaml:43:7: spec.timeline[4].at: step at 90s is after the end of the run (1m): it never runs",
            RESOURCES_WARNING,
        ]
    );
    assert_eq!(
        warnings(&edit("    - at: 30s", "    - at: 10s")),
        [
            "s.yaml:43:7: spec.timeline[4].at: steps run in time order: this one (at 10s) runs before the one above it (at 25s)",
            RESOURCES_WARNING,
        ]
    );
}

#[test]
fn steps_name_existing_hosts() {
    assert_eq!(
        errors(&edit("run: { host: lb-0,", "run: { host: lb-1,")),
        ["s.yaml:36:7: spec.timeline[0].run.host: unknown host `lb-1` (did you mean `lb-0`?)"]
    );
}

/// A scripted line the console could never run fails at load, where the
/// author can see it, not as exit 127 or 2 each time the step runs.
#[test]
fn scripted_commands_are_ones_the_console_runs() {
    assert_eq!(
        errors(&edit(
            "cmd: \"curl -s -m 1 http://10.0.1.240/clientip\"",
            "cmd: \"wgett -q -O- http://10.0.1.21:31888/\""
        )),
        [
            "s.yaml:36:7: spec.timeline[0].run.cmd: `wgett` is not a command of vipsim's console (it has kubectl, curl, arping, ping, tcpdump, timeout, ip, conntrack, cilium-dbg, vtysh, show)"
        ]
    );
    assert_eq!(
        errors(&edit(
            "cmd: \"curl -s -m 1 http://10.0.1.240/clientip\"",
            "cmd: \"curll -s http://10.0.1.21:31888/clientip\""
        )),
        [
            "s.yaml:36:7: spec.timeline[0].run.cmd: `curll` is not a command of vipsim's console (it has kubectl, curl, arping, ping, tcpdump, timeout, ip, conntrack, cilium-dbg, vtysh, show) (did you mean `curl`?)"
        ]
    );
    assert_eq!(
        errors(&edit(
            "cmd: \"curl -s -m 1 http://10.0.1.240/clientip\"",
            "cmd: \"curl -sk https://10.0.1.21:31888/clientip\""
        )),
        [
            "s.yaml:36:7: spec.timeline[0].run.cmd: curl: option -k is not supported in vipsim (supported: -s -S -m -o -w -H --connect-timeout)"
        ]
    );
    assert_eq!(
        errors(&edit("cmd: \"curl -s -m 1 http://10.0.1.240/clientip\"", "cmd: \"timeout five tcpdump -n arp\"")),
        ["s.yaml:36:7: spec.timeline[0].run.cmd: timeout: invalid time interval"]
    );
    // What depends on the world is left to the run: kubectl's answer.
    let kubectl = edit("cmd: \"curl -s -m 1 http://10.0.1.240/clientip\"", "cmd: \"kubectl get nodez\"");
    assert!(load("s.yaml", &kubectl).is_ok());
}

#[test]
fn apply_names_a_held_manifest() {
    assert_eq!(
        errors(&edit("      apply: l2", "      apply: l3")),
        ["s.yaml:38:7: spec.timeline[1].apply: no manifest named `l3` (did you mean `l2`?)"]
    );
    assert_eq!(
        errors(&edit("      apply: l2", "      apply: web")),
        [
            "s.yaml:38:7: spec.timeline[1].apply: `web` names a Deployment and a Service: write `Deployment/web` or `Service/web`"
        ]
    );
    assert_eq!(
        warnings(&edit("      apply: l2", "      apply: service/web")),
        [
            "s.yaml:38:7: spec.timeline[1].apply: `service/web` is already applied at t=0 (it has no `vipsim/hold: \"true\"` annotation)",
            RESOURCES_WARNING,
        ]
    );
}

#[test]
fn delete_names_an_existing_manifest() {
    assert_eq!(
        errors(&edit("      apply: l2", "      delete: lan-pol")),
        ["s.yaml:38:7: spec.timeline[1].delete: no manifest named `lan-pol` (did you mean `lan-pool`?)"]
    );
}

#[test]
fn faults_fit_the_host_role_and_carry_their_parameters() {
    assert_eq!(
        errors(&edit("{ host: worker-0, action: stop-speaker }", "{ host: lb-0, action: stop-speaker }")),
        ["s.yaml:40:7: spec.timeline[2].fault.action: `stop-speaker` applies to a node, and `lb-0` is a client"]
    );
    assert_eq!(
        errors(&edit("{ host: worker-0, action: stop-speaker }", "{ host: worker-0, action: flush-arp }")),
        [
            "s.yaml:40:7: spec.timeline[2].fault.action: `flush-arp` applies to a client or router, and `worker-0` is a node"
        ]
    );
    assert_eq!(
        errors(&edit("action: delete-pod, pod: web }", "action: delete-pod }")),
        ["s.yaml:42:7: spec.timeline[3].fault: `delete-pod` needs `pod`"]
    );
    assert_eq!(
        errors(&edit("action: delete-pod, pod: web }", "action: delete-pod, pod: wbe }")),
        ["s.yaml:42:7: spec.timeline[3].fault.pod: no Pod or Deployment named `wbe` (did you mean `web`?)"]
    );
    // The fault's host is where the pod runs: a Deployment that pins its
    // pods to another node can have none there.
    assert_eq!(
        errors(&edit("    spec:\n      containers:", "    spec:\n      nodeName: worker-0\n      containers:")),
        [
            "s.yaml:42:7: spec.timeline[3].fault.pod: Deployment `web` runs on `worker-0` (its nodeName), not on `worker-1`: a delete-pod acts on a pod of the host it names"
        ]
    );
    assert!(
        load("s.yaml", &edit("    spec:\n      containers:", "    spec:\n      nodeName: worker-1\n      containers:"))
            .is_ok()
    );
    assert_eq!(
        errors(&edit("action: stop-speaker }", "action: stop-speaker, garp: honor }")),
        ["s.yaml:40:7: spec.timeline[2].fault.garp: `garp` does not apply to `stop-speaker`"]
    );
    assert_eq!(
        errors(&edit("action: stop-speaker }", "action: stop-speakr }")),
        [
            "s.yaml:40:40: spec.timeline[2].fault.action: unknown value `stop-speakr`, expected power-off | power-on | partition | heal | stop-speaker | start-speaker | cordon | uncordon | drain | delete-pod | flush-arp | set-garp | set-arp-timeout | drop | clear-rules (did you mean `stop-speaker`?)"
        ]
    );
}

// ---------------------------------------------------------------------
// Manifests
// ---------------------------------------------------------------------

#[test]
fn manifest_names_are_unique_per_kind_and_namespace() {
    let text = format!(
        "{METALLB}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {{app: web}}\n  ports: [{{port: 8080}}]\n"
    );
    assert_eq!(
        errors(&text),
        ["s.yaml:114:3: metadata.name: duplicate Service `web` in namespace `default` (first at line 77)"]
    );
    let other_namespace = text.replace(
        "  name: web\nspec:\n  selector: {app: web}",
        "  name: web\n  namespace: other\nspec:\n  selector: {app: web}",
    );
    assert_eq!(
        warnings(&other_namespace),
        [
            RESOURCES_WARNING,
            "s.yaml:117:3: spec.selector: selector app=web matches no Deployment or Pod in namespace `other`"
        ]
    );
}

#[test]
fn a_deployment_selector_must_match_its_template() {
    assert_eq!(
        errors(&edit("      labels:\n        app: web", "      labels:\n        app: webx")),
        ["s.yaml:64:7: spec.template.metadata.labels: `selector` does not match template `labels`"]
    );
}

/// A mutated scenario with `replicas: 65536` once stalled the loader's fuzz
/// test for minutes (scheduling was quadratic in pods): the count is
/// capped, at 5,000 since the control plane reads only what a pod's change
/// touches (issue 21).
#[test]
fn a_scenario_runs_at_most_five_thousand_pods() {
    assert_eq!(
        errors(&edit("  replicas: 2", "  replicas: 65536")),
        [
            "s.yaml:58:3: spec.replicas: `replicas: 65536` would make 65536 pods; vipsim runs at most 5000 pods in a scenario"
        ]
    );
    assert_eq!(
        errors(&edit("  replicas: 2", "  replicas: 5001")),
        [
            "s.yaml:58:3: spec.replicas: `replicas: 5001` would make 5001 pods; vipsim runs at most 5000 pods in a scenario"
        ]
    );
    assert!(load("s.yaml", &edit("  replicas: 2", "  replicas: 5000")).is_ok());
}

#[test]
fn a_service_selects_pods_on_valid_ports() {
    assert_eq!(
        errors(&edit("  selector:\n    app: web\n  ports:", "  ports:")),
        [
            "s.yaml:81:1: spec: a Service needs a `selector`: vipsim derives its endpoints from the pods it selects (without one, Kubernetes makes no EndpointSlice and waits for those you write, which vipsim does not model; MetalLB would still assign an address and, with no endpoint, announce it from no node)"
        ]
    );
    assert_eq!(
        errors(&edit("    nodePort: 31888", "    nodePort: 3188")),
        ["s.yaml:90:5: spec.ports[0].nodePort: nodePort 3188 is outside the node port range 30000-32767"]
    );
    assert_eq!(errors(&edit("    port: 80", "    port: 0")), ["s.yaml:88:5: spec.ports[0].port: port must be 1-65535"]);
    assert_eq!(
        errors(&edit("    targetPort: http", "    targetPort: htp")),
        [
            "s.yaml:89:5: spec.ports[0].targetPort: no container port named `htp` in the pods this Service selects (did you mean `http`?)"
        ]
    );
    assert_eq!(
        warnings(&edit("  selector:\n    app: web\n  ports:", "  selector:\n    app: api\n  ports:")),
        [
            RESOURCES_WARNING,
            "s.yaml:84:3: spec.selector: selector app=api matches no Deployment or Pod in namespace `default`"
        ]
    );
}

#[test]
fn metallb_pool_addresses_are_cidrs_or_ranges() {
    assert_eq!(
        errors(&edit("  - 10.0.1.240-10.0.1.250", "  - 10.0.1.250-10.0.1.240\n  - 10.0.1.240\n  - 10.0.1.0/40")),
        [
            "s.yaml:99:3: spec.addresses[0]: range 10.0.1.250-10.0.1.240 ends before it starts",
            "s.yaml:100:3: spec.addresses[1]: `10.0.1.240` is neither a CIDR (192.0.2.0/28) nor a range (192.0.2.10-192.0.2.20)",
            "s.yaml:101:3: spec.addresses[2]: invalid CIDR `10.0.1.0/40`: prefix `40` is not 0-32",
        ]
    );
}

#[test]
fn cilium_pool_blocks_are_a_cidr_or_a_range() {
    let blocks = "  - start: \"192.0.2.10\"\n    stop: \"192.0.2.50\"";
    let with = |replacement: &str| CONTRACT_EXAMPLE.replacen(blocks, replacement, 1);
    assert!(load("s.yaml", &with("  - cidr: 192.0.2.0/28\n  - start: 192.0.2.99")).is_ok());
    assert_eq!(
        errors(&with(
            "  - cidr: 192.0.2.0/28\n    start: 192.0.2.1\n  - start: 192.0.2.9\n    stop: 192.0.2.1\n  - stop: 192.0.2.1"
        )),
        [
            "s.yaml:52:3: spec.blocks[0]: a block has either a `cidr` or a `start`/`stop` range, not both",
            "s.yaml:54:3: spec.blocks[1]: range 192.0.2.9-192.0.2.1 ends before it starts",
            "s.yaml:56:3: spec.blocks[2]: a block with `stop` needs a `start`",
        ]
    );
}

#[test]
fn advertisements_naming_a_missing_pool_are_warned() {
    assert_eq!(
        warnings(&edit("[lan-pool]", "[lan-pol]")),
        [
            RESOURCES_WARNING,
            "s.yaml:109:3: spec.ipAddressPools[0]: no IPAddressPool `lan-pol` in namespace `metallb-system`: this advertisement announces nothing from it (did you mean `lan-pool`?)",
        ]
    );
}

#[test]
fn the_hold_annotation_is_true_or_false() {
    assert_eq!(
        errors(&edit("    vipsim/hold: \"true\"", "    vipsim/hold: \"yes\"")),
        ["s.yaml:107:5: metadata.annotations.vipsim/hold: vipsim/hold is \"true\" or \"false\", not \"yes\""]
    );
}

// ---------------------------------------------------------------------
// Goals
// ---------------------------------------------------------------------

#[test]
fn goals_name_existing_services_and_nodes() {
    assert_eq!(
        errors(&edit("{ service: web, node: worker-1 }", "{ service: wbe, node: worker-7 }")),
        [
            "s.yaml:49:7: spec.goals[1].check.leader.service: no Service `wbe` (write `namespace/name` outside `default`) (did you mean `web`?)",
            "s.yaml:49:7: spec.goals[1].check.leader.node: unknown node `worker-7` (did you mean `worker-0`?)",
        ]
    );
    assert_eq!(
        errors(&edit("{ service: web, node: worker-1 }", "{ service: default/web, node: lb-0 }")),
        ["s.yaml:49:7: spec.goals[1].check.leader.node: `lb-0` is a client, not a node"]
    );
}

#[test]
fn the_scenario_name_and_run_settings_are_usable() {
    assert_eq!(
        errors(&edit("  name: metallb-l2", "  name: MetalLB L2")),
        [
            "s.yaml:4:3: metadata.name: scenario name `MetalLB L2` is used in URLs and file names: use lowercase letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit"
        ]
    );
    assert_eq!(
        errors(&edit("  duration: 60s", "  duration: 0s")),
        ["s.yaml:7:3: spec.duration: duration must be more than 0s"]
    );
    assert_eq!(
        errors("apiVersion: vipsim/v1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  hosts: []\n"),
        ["s.yaml:5:3: spec.hosts: a scenario needs at least one host"]
    );
}

/// No MetalLB release sends periodic gratuitous ARP: 0.14 and 0.15 only send
/// the 5 s burst when a leader (re)announces a Service (internal/layer2/
/// announcer.go, `spamLoop`). The speaker-wide `--gratuitous-arp-interval`
/// proposed for MetalLB #2910 is in no release, so a scenario asking for it
/// is refused with the reason rather than taught a timing nobody ships.
#[test]
fn a_periodic_garp_interval_is_refused_no_metallb_release_has_one() {
    assert_eq!(
        errors(&edit("podCIDR: 10.200.0.0/16", "podCIDR: 10.200.0.0/16\n    gratuitousArpInterval: 30s")),
        [
            "s.yaml:13:5: spec.cluster.gratuitousArpInterval: no MetalLB release sends periodic gratuitous ARP: 0.14 and 0.15 repeat the 5 s burst only when the leader re-announces the Service (a speaker-wide --gratuitous-arp-interval, proposed for MetalLB #2910, is in no release); remove this field"
        ]
    );
}

#[test]
fn node_pod_cidr_slices_fit_the_cluster_pod_cidr() {
    assert_eq!(
        errors(&edit("podCIDR: 10.200.0.0/16", "podCIDR: 10.200.0.0/16\n    nodeCidrMaskSize: 8")),
        [
            "s.yaml:13:5: spec.cluster.nodeCidrMaskSize: nodeCidrMaskSize 8 must lie between the podCIDR's prefix length (16) and 32"
        ]
    );
    assert_eq!(
        errors(&edit("podCIDR: 10.200.0.0/16", "podCIDR: 10.200.9.0/24")),
        [
            "s.yaml:12:5: spec.cluster.podCIDR: podCIDR 10.200.9.0/24 has room for 1 node pod CIDRs of /24, and there are 2 nodes"
        ]
    );
}

#[test]
fn service_addresses_ports_and_protocols_are_what_the_api_accepts() {
    assert_eq!(
        errors(&edit("  type: LoadBalancer", "  type: LoadBalancer\n  clusterIP: 10.96.0.10")),
        ["s.yaml:83:3: spec.clusterIP: clusterIP 10.96.0.10 is outside the serviceCIDR 10.32.0.0/24"]
    );
    assert_eq!(
        errors(&edit("    nodePort: 31888", "    nodePort: 31888\n  - port: 443\n    protocol: TPC")),
        [
            "s.yaml:91:3: spec.ports[1]: ports need a `name` when a Service has more than one",
            "s.yaml:92:5: spec.ports[1].protocol: unknown protocol `TPC`, expected TCP | UDP | SCTP (did you mean `TCP`?)",
        ]
    );
    let second = format!(
        "{METALLB}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web2\nspec:\n  selector: {{app: web}}\n  ports:\n  - port: 81\n    nodePort: 31888\n"
    );
    assert_eq!(
        errors(&second),
        ["s.yaml:119:5: spec.ports[0].nodePort: nodePort 31888 is already used by Service `default/web`"]
    );
}

/// The API server accepts a Pod whose nodeName names no node (nothing in
/// pkg/apis/core/validation checks it); such a pod waits, and the pod
/// garbage collector deletes it (pkg/controller/podgc, `gcOrphaned`). So
/// an unknown node is a warning, with the near name a typo would have.
#[test]
fn a_pod_node_name_that_is_no_node_is_warned() {
    let pod = format!(
        "{METALLB}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pinned\nspec:\n  nodeName: worker-9\n  containers:\n  - {{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.39}}\n"
    );
    assert_eq!(
        warnings(&pod),
        [
            RESOURCES_WARNING,
            "s.yaml:116:3: spec.nodeName: nodeName `worker-9` is not a node of the scenario: the pod will stay Pending until the pod garbage collector deletes it (about 40-60 s) (did you mean `worker-0`?)",
        ]
    );
}

/// The Deployment strategy the API server refuses
/// (pkg/apis/apps/validation, `ValidateDeploymentStrategy` and
/// `ValidateRollingUpdateDeployment`, Kubernetes 1.34): both fenceposts
/// zero, a malformed percentage, more than 100% unavailable, and
/// `rollingUpdate` under Recreate; a value that is neither a count nor a
/// percentage does not parse.
#[test]
fn deployment_strategies_are_what_the_api_accepts() {
    // `strategy:` goes on line 59, its fields below it.
    let with = |strategy: &str| edit("  replicas: 2\n", &format!("  replicas: 2\n  strategy:\n{strategy}"));
    let rolling = |fields: &str| with(&format!("    rollingUpdate:\n{fields}"));
    assert_eq!(
        errors(&rolling("      maxSurge: 0\n      maxUnavailable: \"0%\"\n")),
        ["s.yaml:62:7: spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0"]
    );
    assert_eq!(
        errors(&rolling("      maxSurge: 25\n      maxUnavailable: \"120%\"\n")),
        ["s.yaml:62:7: spec.strategy.rollingUpdate.maxUnavailable: must not be greater than 100%"]
    );
    assert_eq!(
        errors(&rolling("      maxSurge: one\n")),
        [
            "s.yaml:61:7: spec.strategy.rollingUpdate.maxSurge: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
        ]
    );
    assert_eq!(
        errors(&rolling("      maxSurge: [1]\n")),
        [
            "s.yaml:61:17: spec.strategy.rollingUpdate.maxSurge: invalid type: sequence, expected a number of pods (0, 1, 2...) or a percentage such as \"25%\""
        ]
    );
    assert_eq!(
        errors(&with("    type: Recreate\n    rollingUpdate:\n      maxSurge: 1\n")),
        ["s.yaml:61:5: spec.strategy.rollingUpdate: may not be specified when strategy `type` is 'Recreate'"]
    );
    assert_eq!(
        errors(&with("    type: RolingUpdate\n")),
        [
            "s.yaml:60:11: spec.strategy.type: unknown value `RolingUpdate`, expected RollingUpdate | Recreate (did you mean `RollingUpdate`?)"
        ]
    );
    let moved = |n: usize| RESOURCES_WARNING.replace(":74:", &format!(":{}:", 74 + n));
    assert_eq!(warnings(&with("    type: Recreate\n")), [moved(2)]);
    assert_eq!(warnings(&rolling("      maxSurge: 2\n      maxUnavailable: 40%\n")), [moved(4)]);
}

#[test]
fn load_balancer_objects_of_the_other_implementation_are_warned() {
    assert_eq!(
        warnings(&edit("loadBalancer: metallb", "loadBalancer: cilium")),
        [
            RESOURCES_WARNING,
            "s.yaml:93:1: kind: IPAddressPool has no effect: the cluster's loadBalancer is not metallb",
            "s.yaml:102:1: kind: L2Advertisement has no effect: the cluster's loadBalancer is not metallb",
        ]
    );
}

/// client-go's `NewLeaderElector` refuses lease timers whose lease does
/// not outlast the renew deadline, whose deadline does not outlast 1.2
/// retry periods, or whose retry period is zero (leaderelection.go): the
/// agents would elect nobody, so the scenario is refused, naming the field.
#[test]
fn cilium_lease_timers_client_go_refuses_are_refused() {
    let timers = |lease: &str, renew: &str, retry: &str| {
        edit("loadBalancer: metallb", "loadBalancer: cilium").replacen(
            "    podCIDR: 10.200.0.0/16\n",
            &format!(
                "    podCIDR: 10.200.0.0/16\n    l2LeaseDuration: {lease}\n    l2LeaseRenewDeadline: {renew}\n    l2LeaseRetryPeriod: {retry}\n"
            ),
            1,
        )
    };
    let refused = |lease: &str, renew: &str, retry: &str| -> Vec<String> {
        match load("s.yaml", &timers(lease, renew, retry)) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    };
    assert_eq!(
        refused("5s", "5s", "2s"),
        [
            "s.yaml:13:5: spec.cluster.l2LeaseDuration: client-go's leader election refuses these timers (leaseDuration must be greater than renewDeadline; l2LeaseDuration 5s, l2LeaseRenewDeadline 5s, l2LeaseRetryPeriod 2s), so Cilium's agents would elect no lease holder"
        ]
    );
    assert_eq!(
        refused("15s", "2400ms", "2s"),
        [
            "s.yaml:14:5: spec.cluster.l2LeaseRenewDeadline: client-go's leader election refuses these timers (renewDeadline must be greater than retryPeriod*JitterFactor; l2LeaseDuration 15s, l2LeaseRenewDeadline 2.4s, l2LeaseRetryPeriod 2s), so Cilium's agents would elect no lease holder"
        ]
    );
    assert_eq!(
        refused("15s", "5s", "0s"),
        [
            "s.yaml:15:5: spec.cluster.l2LeaseRetryPeriod: client-go's leader election refuses these timers (retryPeriod must be greater than zero; l2LeaseDuration 15s, l2LeaseRenewDeadline 5s, l2LeaseRetryPeriod 0s), so Cilium's agents would elect no lease holder"
        ]
    );
    assert!(refused("15s", "2401ms", "2s").is_empty());
    assert!(refused("3s", "2s", "1s").is_empty());
    // MetalLB does not read them.
    let metallb = timers("5s", "5s", "0s").replace("loadBalancer: cilium", "loadBalancer: metallb");
    assert!(load("s.yaml", &metallb).is_ok());
}

#[test]
fn drop_rules_name_a_protocol_an_address_and_a_direction() {
    assert_eq!(
        errors(&edit(
            "fault: { host: worker-0, action: stop-speaker }",
            "fault: { host: gw, action: drop, proto: arpp, from: 10.0.1.300, direction: up }"
        )),
        // `proto` and `direction` are read as the engine's own types, so
        // serde reports them where they stand, the first one only.
        [
            "s.yaml:40:47: spec.timeline[2].fault.proto: unknown value `arpp`, expected ARP | TCP | UDP | ICMP (did you mean `ARP`?)"
        ]
    );
    assert_eq!(
        errors(&edit(
            "fault: { host: worker-0, action: stop-speaker }",
            "fault: { host: gw, action: drop, proto: arp, from: 10.0.1.300, direction: up }"
        )),
        ["s.yaml:40:81: spec.timeline[2].fault.direction: unknown value `up`, expected in | out | both"]
    );
    assert_eq!(
        errors(&edit(
            "fault: { host: worker-0, action: stop-speaker }",
            "fault: { host: gw, action: drop, proto: arp, from: 10.0.1.300, direction: in }"
        )),
        ["s.yaml:40:7: spec.timeline[2].fault.from: `10.0.1.300` is not an IPv4 address"]
    );
    // The loader accepts the protocols the engine matches (UDP was matched
    // by the engine but refused here), in any case.
    assert_eq!(
        warnings(&edit(
            "fault: { host: worker-0, action: stop-speaker }",
            "fault: { host: gw, action: drop, proto: udp, direction: in }"
        )),
        [RESOURCES_WARNING]
    );
}

#[test]
fn goal_fields_are_checked_where_they_are_written() {
    let goal = |check: &str| edit("  goals:\n", &format!("  goals:\n    - name: g\n      check: {check}\n"));
    assert_eq!(
        errors(&goal("\n        successRate:\n          host: lb-0\n          atLeast: 120")),
        ["s.yaml:50:11: spec.goals[0].check.successRate.atLeast: atLeast is a percentage (0-100), not 120"]
    );
    assert_eq!(
        errors(&goal("{ neighbor: { host: gw, ip: 10.0.1.240, node: worker-1, state: STAEL } }")),
        [
            "s.yaml:47:7: spec.goals[0].check.neighbor.state: unknown neighbour state `STAEL`, expected REACHABLE | STALE | DELAY | PROBE | FAILED | INCOMPLETE | PERMANENT | NOARP (did you mean `STALE`?)"
        ]
    );
    // A drop reason is one the trace writes (`DropCode`): a misspelt one
    // is refused here instead of a goal that silently counts nothing.
    assert_eq!(
        errors(&goal("{ drops: { reason: no_local_endpoint, atMost: 0 } }")),
        [
            "s.yaml:47:33: spec.goals[0].check.drops.reason: unknown value `no_local_endpoint`, expected host_down | link_down | not_for_us | no_neighbor | no_route | not_forwarding | no_local_endpoints | no_local_endpoints_internal | no_connection | rule | malformed | ttl_expired | martian_source | queue_full | unknown_unicast (did you mean `no_local_endpoints`?)"
        ]
    );
    // A command goal with no command would print nothing and record no
    // exit status to grade: refused, as an empty `ran` goal is.
    assert_eq!(
        errors(&goal("{ command: { host: lb-0, cmd: \"  \", exit: 0 } }")),
        ["s.yaml:47:7: spec.goals[0].check.command.cmd: the command to run is empty"]
    );
}

// ---------------------------------------------------------------------
// Many problems at once
// ---------------------------------------------------------------------

#[test]
fn every_problem_is_reported_in_file_order() {
    let text = edit("      ip: 10.0.1.21/24", "      ip: 10.9.0.5/24")
        .replace("run: { host: lb-0,", "run: { host: lb-1,")
        .replace("    nodePort: 31888", "    nodePort: 80")
        .replace("    - name: gw", "    - name: worker-0");
    assert_eq!(
        errors(&text),
        [
            "s.yaml:24:7: spec.hosts[2].ip: host `worker-1` (10.9.0.5/24) is outside the LAN 10.0.1.0/24",
            "s.yaml:26:7: spec.hosts[3].name: host `worker-0` is defined twice (first at line 18)",
            "s.yaml:36:7: spec.timeline[0].run.host: unknown host `lb-1` (did you mean `lb-0`?)",
            "s.yaml:90:5: spec.ports[0].nodePort: nodePort 80 is outside the node port range 30000-32767",
        ]
    );
}

// ---------------------------------------------------------------------
// Robustness: `load` never panics, and every diagnostic is located
// ---------------------------------------------------------------------

#[cfg(not(target_arch = "wasm32"))]
mod robustness {
    use super::{CONTRACT_EXAMPLE, METALLB};
    use proptest::prelude::*;
    use proptest::sample::{Index, select};
    use vipsim::scenario::load::load;

    /// A few seconds in `cargo test`; `PROPTEST_CASES` sets another count.
    fn config() -> ProptestConfig {
        // Failures found become named tests below rather than a regressions file.
        let mut config = ProptestConfig { failure_persistence: None, ..ProptestConfig::default() };
        if std::env::var_os("PROPTEST_CASES").is_none() {
            config.cases = 1000;
        }
        config
    }

    /// Lines as YAML counts them (`\r\n`, `\r`, `\n`, NEL, LS, PS).
    fn line_count(text: &str) -> usize {
        let breaks = text
            .replace("\r\n", "\n")
            .chars()
            .filter(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
            .count();
        breaks + 1
    }

    fn check(text: &str) -> Result<(), TestCaseError> {
        let diagnostics = match load("f.yaml", text) {
            Ok(scenario) => scenario.warnings,
            Err(errors) => {
                prop_assert!(!errors.is_empty(), "an error without a diagnostic");
                errors
            }
        };
        let lines = line_count(text);
        for d in diagnostics {
            prop_assert!(d.line >= 1 || text.trim().is_empty(), "unlocated: {d}");
            prop_assert!(d.line <= lines, "past the last line ({lines}): {d}");
            prop_assert!(d.column >= 1, "no column: {d}");
            prop_assert!(!d.message.trim().is_empty(), "no message: {d:?}");
            prop_assert_eq!(&d.file, "f.yaml");
        }
        Ok(())
    }

    /// Console lines, well-formed and not.
    const CONSOLE_LINES: &[&str] = &[
        "kubectl get svc -A -o wide",
        "kubectl get pods -o yaml",
        "kubectl describe svc web",
        "kubectl patch svc web -p '{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}'",
        "kubectl patch svc web -p '{not json'",
        "kubectl scale deployment web --replicas=0",
        "kubectl drain node-a",
        "ip neigh",
        "ip -s neigh",
        "conntrack -L",
        "arping -c 2 192.168.1.200",
        "curl -s -m 1 http://192.168.1.200/",
        "timeout 1 tcpdump -n -i eth0 arp",
        "cilium-dbg service list",
        "kubectl",
        "'unterminated",
        "rm -rf /",
        "",
    ];

    /// Bits of YAML and of scenarios, so random text often parses a little.
    const PIECES: &[&str] = &[
        "\n",
        "  ",
        "- ",
        ": ",
        "key",
        "spec:",
        "hosts:",
        "name: ",
        "role: ",
        "node",
        "ip: ",
        "10.0.1.5/24",
        "{",
        "}",
        "[",
        "]",
        ", ",
        "&a ",
        "*a",
        "!leader ",
        "|",
        ">",
        "'",
        "\"",
        "# c",
        "---\n",
        "...\n",
        "%YAML 1.2\n",
        "<<: ",
        "apiVersion: vipsim/v1\n",
        "kind: Scenario\n",
        "kind: Service\n",
        "apiVersion: v1\n",
        "metadata:\n",
        "\t",
        "\r",
        "\u{85}",
        "\u{feff}",
        "\u{7}",
        "é",
        "~",
        "null",
        "-1",
        "1s",
        "0s",
        "99999999999999999999",
    ];

    /// Tokens that replace a value: wrong types, edge numbers, YAML syntax.
    const TOKENS: &[&str] = &[
        "",
        "~",
        "null",
        "0",
        "-1",
        "65536",
        "1e9",
        "0s",
        "-5s",
        "999999h",
        "[]",
        "{}",
        "[a, b]",
        "{a: 1}",
        "&x",
        "*x",
        "!tag",
        "'",
        "\"",
        "|",
        ">",
        "---",
        "...",
        "true",
        "node",
        "router",
        "client",
        "10.0.1.0/24",
        "10.0.1.255/24",
        "0.0.0.0/0",
        "ff:ff:ff:ff:ff:ff",
        "web",
        "lb-0",
        "gw",
        "worker-0",
        "Service",
        "LoadBalancer",
    ];

    #[derive(Clone, Debug)]
    enum Mutation {
        Delete(Index),
        Duplicate(Index),
        Swap(Index, Index),
        Flip(Index, Index, char),
        Truncate(Index, Index),
        Indent(Index, i8),
        Replace(Index, String),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let token = prop_oneof![select(TOKENS).prop_map(String::from), "[ -~]{0,12}"];
        prop_oneof![
            any::<Index>().prop_map(Mutation::Delete),
            any::<Index>().prop_map(Mutation::Duplicate),
            (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
            (any::<Index>(), any::<Index>(), any::<char>()).prop_map(|(l, c, ch)| Mutation::Flip(l, c, ch)),
            (any::<Index>(), any::<Index>()).prop_map(|(l, c)| Mutation::Truncate(l, c)),
            (any::<Index>(), -4i8..=4).prop_map(|(l, d)| Mutation::Indent(l, d)),
            (any::<Index>(), token).prop_map(|(l, t)| Mutation::Replace(l, t)),
        ]
    }

    fn mutate(base: &str, mutations: &[Mutation]) -> String {
        let mut lines: Vec<String> = base.lines().map(String::from).collect();
        for mutation in mutations {
            if lines.is_empty() {
                break;
            }
            let n = lines.len();
            match mutation {
                Mutation::Delete(i) => {
                    lines.remove(i.index(n));
                }
                Mutation::Duplicate(i) => {
                    let line = lines[i.index(n)].clone();
                    lines.insert(i.index(n), line);
                }
                Mutation::Swap(a, b) => lines.swap(a.index(n), b.index(n)),
                Mutation::Flip(l, c, ch) => {
                    let line = &mut lines[l.index(n)];
                    let mut chars: Vec<char> = line.chars().collect();
                    if !chars.is_empty() {
                        let at = c.index(chars.len());
                        chars[at] = *ch;
                        *line = chars.into_iter().collect();
                    }
                }
                Mutation::Truncate(l, c) => {
                    let keep = l.index(n);
                    lines.truncate(keep + 1);
                    let last: Vec<char> = lines[keep].chars().collect();
                    lines[keep] = last[..c.index(last.len() + 1)].iter().collect();
                }
                Mutation::Indent(l, delta) => {
                    let line = &mut lines[l.index(n)];
                    if *delta >= 0 {
                        line.insert_str(0, &" ".repeat(*delta as usize));
                    } else {
                        let spaces = line.len() - line.trim_start_matches(' ').len();
                        line.drain(..spaces.min(delta.unsigned_abs() as usize));
                    }
                }
                Mutation::Replace(l, token) => {
                    let line = &mut lines[l.index(n)];
                    *line = match line.find(": ") {
                        Some(colon) => format!("{}: {token}", &line[..colon]),
                        None => format!("{}{token}", &line[..line.len() - line.trim_start_matches([' ', '-']).len()]),
                    };
                }
            }
        }
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn arbitrary_text(text in prop::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter)) {
            check(&text)?;
        }

        #[test]
        fn yaml_like_text(pieces in prop::collection::vec(select(PIECES), 0..80)) {
            check(&pieces.concat())?;
        }

        #[test]
        fn mutated_scenarios(base in select(&[METALLB, CONTRACT_EXAMPLE][..]), mutations in prop::collection::vec(mutation(), 1..6)) {
            check(&mutate(base, &mutations))?;
        }

        /// Mutated shipped scenarios that still load also build, run a
        /// while, and answer console commands, without panicking.
        #[test]
        fn mutated_shipped_scenarios_run(
            base in select(vipsim::catalog::SHIPPED.iter().map(|(_, text)| *text).collect::<Vec<_>>()),
            mutations in prop::collection::vec(mutation(), 1..4),
            command in select(CONSOLE_LINES),
        ) {
            let text = mutate(base, &mutations);
            check(&text)?;
            if let Ok(scenario) = load("f.yaml", &text) {
                let hosts: Vec<String> = scenario.doc.spec.hosts.iter().map(|h| h.name.clone()).collect();
                if let Ok(mut run) = vipsim::play::run::Run::new(std::rc::Rc::new(scenario), None, None, Some(vipsim::time::Duration::from_secs(12))) {
                    run.seek(run.len() / 2);
                    let mut world = run.world().clone();
                    for host in hosts.iter().take(2) {
                        let _ = vipsim::console::run(&mut world, host, command, &mut Vec::new());
                    }
                }
            }
        }
    }

    /// Cases the fuzzer found.
    #[test]
    fn regressions() {
        // libyaml places an unexpected end on the line after the last one.
        assert_eq!(
            super::errors("{\u{feff}"),
            ["s.yaml:1:3: did not find expected ',' or '}', while parsing a flow mapping"]
        );
    }

    #[test]
    fn the_mutation_bases_are_valid() {
        for base in [METALLB, CONTRACT_EXAMPLE] {
            assert_eq!(mutate(base, &[]), base);
            assert!(load("f.yaml", base).is_ok());
        }
    }
}

// ---------------------------------------------------------------------
// Checkpoints (predict, then observe)
// ---------------------------------------------------------------------

/// METALLB with its last step (the note at 30 s) turned into a checkpoint
/// whose parts are `body` (indented as the `predict:` mapping's fields).
fn checkpoint(body: &str) -> String {
    edit("    - at: 30s\n      note: the VIP moved\n", &format!("    - at: 30s\n      predict:\n{body}"))
}

/// Lines 45-51 of the file `checkpoint(GOOD)` makes.
const GOOD: &str = "        question: Who answers for the VIP at 35 s?
        choices:
        - label: worker-0
          when: { leader: { service: web, node: worker-0 } }
        - label: worker-1
          when: { leader: { service: web, node: worker-1 } }
        explain: Under Local only a node with a ready pod may announce the VIP.
";

#[test]
fn a_checkpoint_loads_and_stays_out_of_the_engine() {
    let scenario = load("s.yaml", &checkpoint(GOOD)).expect("loads");
    let step = &scenario.doc.spec.timeline[4];
    let predict = step.predict().expect("a checkpoint");
    assert_eq!((step.checkpoint_id().as_str(), predict.choices.len()), ("30s", 2));
    assert_eq!(predict.reveal_at(step.at), vipsim::time::Duration::from_secs(35));
}

#[test]
fn a_checkpoint_with_an_unknown_field_suggests_the_nearest() {
    assert_eq!(
        errors(&checkpoint(&GOOD.replace("        question:", "        questoin:"))),
        ["s.yaml:45:9: spec.timeline[4].predict.questoin: unknown field `questoin` (did you mean `question`?)"]
    );
}

#[test]
fn every_choice_needs_a_check() {
    assert_eq!(
        errors(&checkpoint(&GOOD.replace("          when: { leader: { service: web, node: worker-1 } }\n", ""))),
        ["s.yaml:49:9: spec.timeline[4].predict.choices[1]: choice `worker-1` needs `when:`, \
             the check over the run that makes it the answer"]
    );
    assert_eq!(
        errors(&checkpoint(&GOOD.replace("node: worker-1 }", "node: worker-9 }"))),
        [
            "s.yaml:50:11: spec.timeline[4].predict.choices[1].when.leader.node: unknown node `worker-9` (did you mean `worker-0`?)"
        ]
    );
}

#[test]
fn a_check_that_can_never_hold_is_refused() {
    let closed = GOOD.replace(
        "when: { leader: { service: web, node: worker-1 } }",
        "when: { successRate: { host: lb-0, before: 20s, atLeast: 50 } }",
    );
    assert_eq!(
        errors(&checkpoint(&closed)),
        ["s.yaml:50:11: spec.timeline[4].predict.choices[1].when: this check can never hold: its window ends at \
             20s, before the question is asked at 30s"]
    );
    let contradictory = GOOD.replace(
        "when: { leader: { service: web, node: worker-1 } }",
        "when: { successRate: { host: lb-0, atLeast: 90, atMost: 10 } }",
    );
    assert_eq!(
        errors(&checkpoint(&contradictory)),
        ["s.yaml:50:11: spec.timeline[4].predict.choices[1].when: this check can never hold: it asks for at least \
             90 and at most 10"]
    );
}

#[test]
fn a_checkpoint_asks_before_it_reveals_within_the_run() {
    assert_eq!(
        errors(&checkpoint(&format!("{GOOD}        reveal: 25s\n"))),
        ["s.yaml:52:9: spec.timeline[4].predict.reveal: the answer is revealed at 25s, not after the question at 30s"]
    );
    assert_eq!(
        errors(&checkpoint(&format!("{GOOD}        reveal: 2m\n"))),
        ["s.yaml:52:9: spec.timeline[4].predict.reveal: the answer would be revealed at 2m, after the end of the \
             run (1m)"]
    );
}

#[test]
fn a_checkpoint_has_two_to_nine_choices_translated_one_for_one() {
    let one =
        GOOD.replace("        - label: worker-1\n          when: { leader: { service: web, node: worker-1 } }\n", "");
    assert_eq!(
        errors(&checkpoint(&one)),
        ["s.yaml:46:9: spec.timeline[4].predict.choices: a question needs at least two choices"]
    );
    let ko = format!("{GOOD}        translations:\n          ko:\n            choices:\n            - label: 워커 0\n");
    assert_eq!(
        errors(&checkpoint(&ko)),
        ["s.yaml:54:13: spec.timeline[4].predict.translations.ko.choices: 1 choices translated, for 2 choices: \
             translate every label, in order"]
    );
}

/// A declared containerPort is informational in Kubernetes: the process
/// listens where its own flags, environment or default say (ealen/echo-
/// server on 80 unless `PORT` or `--port`). A declaration that disagrees
/// is warned where it is, since a Service following it gets refused.
#[test]
fn a_container_port_the_app_does_not_listen_on_is_warned() {
    let yaml = |env: &str| {
        format!(
            "apiVersion: vipsim/v1\nkind: Scenario\nmetadata: {{ name: ports }}\nspec:\n  duration: 10s\n  \
             cluster: {{ loadBalancer: none }}\n  hosts:\n  - {{ name: gw, role: router, ip: 10.1.0.1/24 }}\n  \
             - {{ name: n, role: node, ip: 10.1.0.2/24 }}\n---\napiVersion: apps/v1\nkind: Deployment\n\
             metadata: {{ name: web }}\nspec:\n  selector: {{ matchLabels: {{ app: web }} }}\n  template:\n    \
             metadata: {{ labels: {{ app: web }} }}\n    spec:\n      containers:\n      - name: c\n        \
             image: ealen/echo-server:0.9.2\n{env}        ports:\n        - containerPort: 8080\n"
        )
    };
    assert_eq!(
        warnings(&yaml("")),
        [
            "s.yaml:22:9: spec.template.spec.containers[0].ports: `ealen/echo-server:0.9.2` listens on port 80 with these args and env; declaring containerPort 8080 does not change that (set the image's own flag or PORT)"
        ]
    );
    assert_eq!(warnings(&yaml("        env: [{ name: PORT, value: \"8080\" }]\n")), [] as [&str; 0]);
}

/// Every client `behind` the router has a link of its own: two in one
/// network would leave the router two connected routes for it and one of
/// the clients without answers, so the loader refuses it at the line.
#[test]
fn clients_behind_the_router_are_in_networks_of_their_own() {
    let two = edit(
        "        garp: ignore\n  timeline:\n",
        "        garp: ignore\n    - { name: pc1, role: client, ip: 10.8.0.11/24, behind: gw }\n    - { name: pc2, role: client, ip: 10.8.0.12/24, behind: gw }\n  timeline:\n",
    );
    assert_eq!(
        errors(&two),
        [
            "s.yaml:33:5: spec.hosts[5].ip: host `pc2` (10.8.0.12/24) is behind `gw` on a link of its own, and so is `pc1` (10.8.0.11/24): two links in one network 10.8.0.0/24 leave the router two routes for it and one client unreachable; give each client behind the router its own network"
        ]
    );
    let apart = two.replace("ip: 10.8.0.12/24", "ip: 10.8.1.12/24");
    assert!(load("s.yaml", &apart).is_ok());
}

/// `sessionAffinity` is checked as the API server does after its defaults
/// (pkg/apis/core/validation/validation.go, 1.34): a config only with
/// ClientIP, a timeout from 1 s to a day; an unknown value names the two.
#[test]
fn session_affinity_is_validated_like_the_api_server() {
    let with = |fields: &str| {
        edit(
            "  type: LoadBalancer\n  externalTrafficPolicy: Local\n",
            &format!("  type: LoadBalancer\n  externalTrafficPolicy: Local\n{fields}"),
        )
    };
    assert!(load("s.yaml", &with("  sessionAffinity: ClientIP\n")).is_ok());
    let errors_of = |fields: &str| match load("s.yaml", &with(fields)) {
        Ok(_) => panic!("loaded: {fields}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
    };
    assert!(
        errors_of("  sessionAffinity: ClientIP\n  sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }\n").contains(
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"
        )
    );
    assert!(
        errors_of("  sessionAffinity: None\n  sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }\n")
            .contains("spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None")
    );
    let unknown = errors_of("  sessionAffinity: Sticky\n");
    assert!(unknown.contains("spec.sessionAffinity") && unknown.contains("ClientIP"), "{unknown}");
}

/// `externalIPs: true` in a CiliumL2AnnouncementPolicy has Cilium 1.18
/// announce the selected Services' externalIPs (pkg/l2announcer/
/// l2announcer.go, `desiredEntries`), which vipsim models
/// (`fidelity::cilium_lease_holder_answers_arp_for_external_ips_when_the_policy_says_so`):
/// the field loads without the "not modelled" warning it used to carry.
#[test]
fn a_cilium_policy_announcing_external_ips_loads_without_a_warning() {
    let text = CONTRACT_EXAMPLE.to_string()
        + "---\napiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata: { name: l2 }\nspec: { externalIPs: true, loadBalancerIPs: true }\n";
    let found = warnings(&text);
    assert!(!found.iter().any(|w| w.contains("externalIPs")), "{found:#?}");
}

/// A MetalLB BGP scenario whose BGPPeer ends with `PEER` (more of its spec).
const BGP_PEER: &str = "apiVersion: vipsim/v1
kind: Scenario
metadata: { name: peer }
spec:
  cluster: { loadBalancer: metallb, announce: bgp }
  hosts:
  - { name: rtr, role: router, ip: 172.16.5.1/24, asn: 65001 }
  - { name: w1, role: node, ip: 172.16.5.21/24 }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: up
  namespace: metallb-system
spec:
  myASN: 65010
  peerASN: 65001
  peerAddress: 172.16.5.1
PEER";

fn bgp_peer(extra: &str) -> String {
    BGP_PEER.replace("PEER", extra)
}

/// What MetalLB 0.14.9 (native BGP mode, its default) refuses in a
/// BGPPeer, each an error at the field with MetalLB's own words: the CRD
/// declares `holdTime` and `keepaliveTime` as strings, so the API server
/// refuses a number; the controller's webhook decodes them with Go's
/// `time.ParseDuration` (`time: invalid duration "abc"`, `missing unit`),
/// then runs `DiscardFRROnly` (internal/config/validation.go: any non-zero
/// `keepaliveTime` is `keepalive-time set on native bgp mode`, which comes
/// before `parseTimers`' "must be lower than holdTime") and `parseTimers`
/// (internal/config/config.go: a hold time must be 0 or at least 3 s).
/// `bfdProfile` passes the webhook (internal/config/validator.go clears it)
/// but makes the whole configuration fail to load, so it is an error too,
/// no longer an ignored field. Before, all of these loaded (`abc` as 90 s).
#[test]
fn bgp_peer_timers_and_frr_only_fields_are_refused_as_metallb_refuses_them() {
    let webhook = "MetalLB's webhook bgppeersvalidationwebhook.metallb.io denies this BGPPeer";
    assert_eq!(
        errors(&bgp_peer("  holdTime: 1s\n")),
        [format!(
            "s.yaml:19:3: spec.holdTime: {webhook}: invalid BGPPeer timers: invalid hold time \"1s\": must be 0 or >=3s"
        )]
    );
    assert_eq!(
        errors(&bgp_peer("  holdTime: 2500ms\n")),
        [format!(
            "s.yaml:19:3: spec.holdTime: {webhook}: invalid BGPPeer timers: invalid hold time \"2.5s\": must be 0 or >=3s"
        )]
    );
    assert_eq!(
        errors(&bgp_peer("  holdTime: abc\n")),
        [format!("s.yaml:19:3: spec.holdTime: {webhook}: time: invalid duration \"abc\"")]
    );
    assert_eq!(
        errors(&bgp_peer("  holdTime: \"90\"\n")),
        [format!("s.yaml:19:3: spec.holdTime: {webhook}: time: missing unit in duration \"90\"")]
    );
    assert_eq!(
        errors(&bgp_peer("  holdTime: 90\n")),
        [
            "s.yaml:19:13: spec.holdTime: invalid type: integer `90`, expected a duration string such as \"90s\" (the CRD's type is string; the API server refuses a number: `must be of type string`)"
        ]
    );
    assert_eq!(
        errors(&bgp_peer("  holdTime: 300s\n  keepaliveTime: 400s\n")),
        [format!(
            "s.yaml:20:3: spec.keepaliveTime: {webhook}: peer 172.16.5.1 has keepalive-time set on native bgp mode"
        )]
    );
    assert_eq!(
        errors(&bgp_peer("  keepaliveTime: 20s\n")),
        [format!(
            "s.yaml:19:3: spec.keepaliveTime: {webhook}: peer 172.16.5.1 has keepalive-time set on native bgp mode"
        )]
    );
    assert_eq!(
        errors(&bgp_peer("  bfdProfile: fast\n")),
        [
            "s.yaml:19:3: spec.bfdProfile: MetalLB's native BGP mode refuses it: the webhook admits the BGPPeer, but the controller and every speaker fail to load the whole configuration (`failed to parse the configuration`: peer 172.16.5.1 has bfd-profile set on native bgp mode) and keep the one they had (none at start: no pool, every Service stays <pending>); vipsim does not model a refused configuration, so remove the field"
        ]
    );
    // What MetalLB accepts: 0 (no hold timer), 3 s and more, a zero keepalive.
    for ok in ["  holdTime: 0s\n", "  holdTime: 3s\n", "  holdTime: 1m30s\n", "  keepaliveTime: 0s\n"] {
        assert!(load("s.yaml", &bgp_peer(ok)).is_ok(), "{ok}");
    }
}

/// A BGPAdvertisement's `aggregationLength` as MetalLB 0.14.9 checks it:
/// the CRD's minimum of 1; at most 32 (`bgpAdvertisementFromCR`, whose
/// message prints the length with Go's `%q`, so 33 reads `'!'`); never
/// shorter than the widest CIDR of a selected pool's address
/// (`validateBGPAdvPerPool`, internal/config/config.go: a /31 pool cannot
/// be aggregated into a /24). A `peers` name no BGPPeer has is accepted by
/// MetalLB and warned here. Before, the length was never checked or used.
#[test]
fn bgp_advertisement_aggregation_lengths_and_peers_are_checked() {
    let scenario = |ad: &str| {
        bgp_peer(&format!(
            "---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {{ name: p, namespace: metallb-system }}
spec:
  addresses: [172.16.99.10/31]
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {{ name: a, namespace: metallb-system }}
spec:
{ad}"
        ))
    };
    let webhook = "MetalLB's webhook bgpadvertisementvalidationwebhook.metallb.io denies this BGPAdvertisement";
    assert_eq!(
        errors(&scenario("  aggregationLength: 24\n")),
        [format!(
            "s.yaml:30:3: spec.aggregationLength: {webhook}: invalid aggregation length 24: prefix 31 in this pool is more specific than the aggregation length for addresses 172.16.99.10/31"
        )]
    );
    assert_eq!(
        errors(&scenario("  aggregationLength: 33\n")),
        [format!("s.yaml:30:3: spec.aggregationLength: {webhook}: invalid aggregation length '!' for IPv4")]
    );
    assert_eq!(
        errors(&scenario("  aggregationLength: 0\n")),
        [
            "s.yaml:30:3: spec.aggregationLength: Invalid value: 0: spec.aggregationLength in body should be greater than or equal to 1"
        ]
    );
    assert_eq!(warnings(&scenario("  aggregationLength: 31\n")), Vec::<String>::new());
    assert_eq!(
        warnings(&scenario("  peers: [uq]\n")),
        [
            "s.yaml:30:3: spec.peers[0]: no BGPPeer `uq`: MetalLB accepts the name, and no session gets this advertisement through it (`peers` lists BGPPeer names) (did you mean `up`?)"
        ]
    );
}

/// Pod tolerations are read, not ignored: no warning, and what the API
/// server's `ValidateTolerations` (pkg/apis/core/validation/validation.go,
/// Kubernetes 1.34) refuses is an error at the field: `tolerationSeconds`
/// without the NoExecute effect, an empty key without `Exists`, a value
/// with `Exists`; an unknown operator or effect is an unknown variant.
#[test]
fn tolerations_are_read_and_checked_like_the_api_server() {
    let with = |tolerations: &str| {
        METALLB.replacen(
            "    spec:\n      containers:",
            &format!("    spec:\n      tolerations:\n{tolerations}      containers:"),
            1,
        )
    };
    let good = with(
        "      - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 20 }\n      - { operator: Exists }\n",
    );
    // (The three lines added move the resources warning down.)
    assert_eq!(warnings(&good), [RESOURCES_WARNING.replace("s.yaml:74:", "s.yaml:77:")]);
    assert_eq!(
        errors(&with(
            "      - { key: a, value: b, effect: NoSchedule, tolerationSeconds: 5 }\n      - { value: x }\n      - { key: k, operator: Exists, value: v }\n"
        )),
        [
            "s.yaml:68:7: spec.template.spec.tolerations[0].effect: effect must be 'NoExecute' when `tolerationSeconds` is set",
            "s.yaml:69:7: spec.template.spec.tolerations[1].operator: operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            "s.yaml:70:7: spec.template.spec.tolerations[2].operator: value must be empty when `operator` is 'Exists'",
        ]
    );
    assert_eq!(
        errors(&with("      - { key: a, operator: Has }\n")),
        ["s.yaml:68:29: spec.template.spec.tolerations[0].operator: unknown value `Has`, expected Equal | Exists"]
    );
}

/// A preStop hook vipsim cannot time (an `exec` that does more than sleep,
/// an `httpGet`) is taken to return at once, and the loader says so where
/// it is; a `sleep` action or an `exec` of `sleep N` loads quietly.
#[test]
fn an_untimed_pre_stop_hook_is_warned() {
    let with = |hook: &str| {
        METALLB.replacen(
            "        args: [\"netexec\", \"--http-port=8080\"]\n",
            &format!(
                "        args: [\"netexec\", \"--http-port=8080\"]\n        lifecycle:\n          preStop: {hook}\n"
            ),
            1,
        )
    };
    let moved = RESOURCES_WARNING.replace("s.yaml:74:", "s.yaml:76:");
    assert_eq!(warnings(&with("{ sleep: { seconds: 5 } }")), [moved.as_str()]);
    assert_eq!(warnings(&with(r#"{ exec: { command: ["sh", "-c", "sleep 5"] } }"#)), [moved.as_str()]);
    assert_eq!(
        warnings(&with(r#"{ exec: { command: ["nginx", "-s", "quit"] } }"#)),
        [
            "s.yaml:72:11: spec.template.spec.containers[0].lifecycle.preStop: preStop `exec` [\"nginx\", \"-s\", \"quit\"] is taken to return at once (vipsim times `sleep: {seconds: N}` and an `exec` that runs `sleep N`)".to_string(),
            moved.clone(),
        ]
    );
    assert_eq!(
        warnings(&with("{ httpGet: { path: /drain, port: 8080 } }")),
        [
            "s.yaml:72:11: spec.template.spec.containers[0].lifecycle.preStop: preStop `httpGet` is taken to return at once (vipsim times `sleep: {seconds: N}` and an `exec` that runs `sleep N`)".to_string(),
            moved,
        ]
    );
}

/// Timeouts of 0 are refused where they are written: Cisco IOS reads
/// `arp timeout 0` and `mac address-table aging-time 0` as "never", which
/// vipsim does not model, and an entry that expired the instant it was
/// made would flood the LAN without ever carrying a packet. An ARP timeout
/// is a Cisco cache's; a Linux host has none to set, so it is warned about
/// (and the fault fails when it runs).
#[test]
fn zero_timeouts_and_an_arp_timeout_on_a_linux_cache_are_refused() {
    let cisco = |timeout: &str| {
        METALLB.replacen("        garp: ignore\n", &format!("        garp: ignore\n        arpTimeout: {timeout}\n"), 1)
    };
    assert_eq!(
        errors(&cisco("0s")),
        [
            "s.yaml:32:9: spec.hosts[3].neighbor.arpTimeout: arpTimeout must be longer than 0s: Cisco IOS's `arp timeout 0` keeps entries forever, which vipsim does not model; give a long timeout (24h) instead"
        ]
    );
    assert!(vipsim::scenario::load::load("s.yaml", &cisco("30m")).is_ok());
    let aging = METALLB.replacen("  hosts:\n", "  switch: { macAging: 0s }\n  hosts:\n", 1);
    assert_eq!(
        errors(&aging),
        [
            "s.yaml:13:3: spec.switch.macAging: macAging must be longer than 0s: on a Cisco switch 0 turns aging off (entries stay until their port goes down), which vipsim does not model; give a long aging time (24h) instead"
        ]
    );
    let linux = METALLB.replacen(
        "  timeline:\n",
        "  timeline:\n    - { at: 5s, fault: { host: lb-0, action: set-arp-timeout, arpTimeout: 10m } }\n",
        1,
    );
    let found = warnings(&linux);
    assert!(
        found.iter().any(|e| e.ends_with("fault.action: `lb-0` keeps a Linux neighbour cache, which has no ARP timeout to set (its entries age by baseReachableTime); an ARP timeout belongs to a host with `neighbor: { model: cisco }`")),
        "{found:#?}"
    );
}
