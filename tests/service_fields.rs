//! Fields a workshop author may write on a Service or a load balancer's
//! objects that vipsim once read wrongly or not at all: each test says what
//! the real system does and names the upstream file it follows.

use crate::common;

use std::rc::Rc;
use vipsim::engine::trace::Kind;
use vipsim::play::run::Run;
use vipsim::scenario::load::load;

fn run_yaml(text: &str) -> Run {
    let s = load("s.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
    common::at_end(Run::new(Rc::new(s), None, None, None).expect("builds"))
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

/// The EXTERNAL-IP of `ns/name` at the end of the run, if any.
fn external_ip(run: &Run, service: &str) -> Option<String> {
    run.world().cluster.services[service].ingress.first().map(ToString::to_string)
}

/// The first IPAM message recorded for `ns/name`.
fn ipam_message(run: &Run, service: &str) -> String {
    run.trace()
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Ipam { service: s, message, .. } if s == service => Some(message.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no IPAM record for {service}"))
}

/// A two-node cluster running `LB` (metallb or cilium), with the
/// manifests of `EXTRA`.
const CLUSTER: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: fields }
spec:
  duration: 6s
  cluster: { loadBalancer: LB, announce: l2 }
  hosts:
  - { name: gw, role: router, ip: 172.20.5.1/24 }
  - { name: laptop, role: client, ip: 172.20.5.50/24 }
  - { name: w1, role: node, ip: 172.20.5.21/24 }
  - { name: w2, role: node, ip: 172.20.5.22/24 }
  timeline: []
---
apiVersion: v1
kind: Namespace
metadata: { name: team-x, labels: { tenant: x } }
EXTRA"#;

fn cluster(lb: &str, extra: &str) -> String {
    CLUSTER.replace("LB", lb).replace("EXTRA", extra)
}

/// A LoadBalancer Service `name` in `namespace` with `labels`, selecting
/// `app: <app>`, on TCP `port`, with `policy` and `annotations` (YAML flow
/// mappings).
fn service(namespace: &str, name: &str, labels: &str, annotations: &str, policy: &str, app: &str, port: u16) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata: {{ name: {name}, namespace: {namespace}, labels: {labels}, annotations: {annotations} }}\nspec: {{ type: LoadBalancer, externalTrafficPolicy: {policy}, selector: {{ app: {app} }}, ports: [ {{ port: {port}, targetPort: 8080 }} ] }}\n"
    )
}

fn metallb_pool(name: &str, addresses: &str, allocation: &str) -> String {
    format!(
        "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {{ name: {name}, namespace: metallb-system }}\nspec: {{ addresses: [{addresses}]{allocation} }}\n"
    )
}

/// MetalLB 0.14.9 `internal/allocator/allocator.go`: `Allocate` tries the
/// pools pinned to the Service first (`pinnedPoolsForService`: by
/// namespace, or by Service selector, sorted by `sortPools`: priority 1
/// before 2, unset (0) last), then only the `autoAssign` pools *without* a
/// `serviceAllocation`; `Assign` refuses a requested address whose pool is
/// not compatible with the Service (`isPoolCompatibleWithService`).
/// Namespace selectors match the namespaces' labels (config.go
/// `addressPoolServiceAllocationsFromCR`). vipsim used to ignore
/// `serviceAllocation` and hand a pinned pool's addresses to anybody.
#[test]
fn metallb_service_allocation_pins_pools_by_namespace_selector_and_priority() {
    let extra = [
        metallb_pool("team", "172.20.5.100/31", ", serviceAllocation: { priority: 2, namespaces: [team-x] }"),
        metallb_pool(
            "gold",
            "172.20.5.110/31",
            ", serviceAllocation: { priority: 1, serviceSelectors: [ { matchLabels: { tier: gold } } ] }",
        ),
        metallb_pool(
            "tenants",
            "172.20.5.120/31",
            ", serviceAllocation: { namespaceSelectors: [ { matchLabels: { tenant: x } } ] }",
        ),
        metallb_pool("general", "172.20.5.130/32", ""),
        service("default", "plain", "{}", "{}", "Cluster", "a", 80),
        service("default", "second", "{}", "{}", "Cluster", "a", 81),
        service("team-x", "api", "{}", "{}", "Cluster", "a", 80),
        service("team-x", "vip", "{ tier: gold }", "{}", "Cluster", "a", 80),
        // While the team pool still has 172.20.5.101 free:
        service("default", "intruder", "{}", "{ metallb.io/loadBalancerIPs: 172.20.5.101 }", "Cluster", "a", 80),
        service("default", "by-pool", "{}", "{ metallb.io/address-pool: team }", "Cluster", "a", 80),
        service("team-x", "third", "{}", "{}", "Cluster", "a", 81),
        service("team-x", "fourth", "{}", "{}", "Cluster", "a", 82),
    ]
    .concat();
    let run = run_yaml(&cluster("metallb", &extra));
    // The one unpinned pool serves the default namespace, then it is full:
    // the pinned pools are not a fallback for a Service they do not take.
    assert_eq!(external_ip(&run, "default/plain").as_deref(), Some("172.20.5.130"));
    assert_eq!(external_ip(&run, "default/second"), None);
    assert_eq!(ipam_message(&run, "default/second"), "Failed to allocate IP for \"default/second\": no available IPs");
    // team-x: priority 1 (the gold selector) before priority 2 (the
    // namespace), and priority 0 (the namespace selector) last.
    assert_eq!(external_ip(&run, "team-x/vip").as_deref(), Some("172.20.5.110"));
    assert_eq!(external_ip(&run, "team-x/api").as_deref(), Some("172.20.5.100"));
    assert_eq!(external_ip(&run, "team-x/third").as_deref(), Some("172.20.5.101"));
    assert_eq!(external_ip(&run, "team-x/fourth").as_deref(), Some("172.20.5.120"));
    // Asking for an address or a pool does not get around the pinning.
    assert_eq!(
        ipam_message(&run, "default/intruder"),
        "Failed to allocate IP for \"default/intruder\": pool team not compatible for ip assignment"
    );
    assert_eq!(
        ipam_message(&run, "default/by-pool"),
        "Failed to allocate IP for \"default/by-pool\": pool team not compatible for ip assignment"
    );
}

/// MetalLB 0.14.9: Services share an address only with the same
/// `allow-shared-ip` key *and* backend key (`sharingOK` in
/// `internal/allocator/allocator.go`; `BackendKey` in
/// `internal/allocator/k8salloc/k8salloc.go`: the selector under
/// `externalTrafficPolicy: Local`, empty under Cluster). So a Local Service
/// shares only with Local Services selecting the same pods, never with a
/// Cluster one. vipsim used to compare the sharing key alone.
#[test]
fn metallb_shares_an_address_under_local_only_with_the_same_selector() {
    let shared = "{ metallb.io/allow-shared-ip: edge, metallb.io/loadBalancerIPs: 172.20.5.100 }";
    let extra = [
        metallb_pool("lan", "172.20.5.100/30", ""),
        service("default", "shop", "{}", shared, "Local", "shop", 80),
        service("default", "shop-admin", "{}", shared, "Local", "shop", 8443),
        service("default", "cart", "{}", shared, "Local", "cart", 81),
        service("default", "status", "{}", shared, "Cluster", "shop", 82),
    ]
    .concat();
    let run = run_yaml(&cluster("metallb", &extra));
    assert_eq!(external_ip(&run, "default/shop").as_deref(), Some("172.20.5.100"));
    assert_eq!(external_ip(&run, "default/shop-admin").as_deref(), Some("172.20.5.100"));
    for other in ["cart", "status"] {
        assert_eq!(external_ip(&run, &format!("default/{other}")), None, "{other}");
        assert_eq!(
            ipam_message(&run, &format!("default/{other}")),
            format!(
                "Failed to allocate IP for \"default/{other}\": can't change sharing key for \"default/{other}\", address also in use by default/shop,default/shop-admin"
            )
        );
    }
}

const CILIUM_POOL: &str = "---\napiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: { name: lan }\nspec: { blocks: [ { start: 172.20.5.120, stop: 172.20.5.125 } ] }\n";

/// Cilium 1.18 `operator/pkg/lbipam/service_store.go`,
/// `ServiceView.isCompatible`: Services with the same
/// `lbipam.cilium.io/sharing-key` share an address only with the same
/// `externalTrafficPolicy`, and under Local only when they select the same
/// pods. A keyed Service that cannot join the address its key holds gets a
/// fresh one; one that asks for the address is refused with the reason.
/// vipsim used to compare key, namespace and ports only.
#[test]
fn cilium_shares_an_address_only_with_the_same_traffic_policy_and_local_selector() {
    let keyed = "{ lbipam.cilium.io/sharing-key: edge }";
    let asks = "{ lbipam.cilium.io/sharing-key: edge, lbipam.cilium.io/ips: 172.20.5.120 }";
    let extra = [
        CILIUM_POOL.to_owned(),
        service("default", "shop", "{}", keyed, "Cluster", "shop", 80),
        service("default", "status", "{}", keyed, "Cluster", "cart", 81),
        service("default", "shop-local", "{}", keyed, "Local", "shop", 82),
        service("default", "shop-admin", "{}", keyed, "Local", "shop", 83),
        service("default", "cart-local", "{}", keyed, "Local", "cart", 84),
        service("default", "asks", "{}", asks, "Local", "shop", 85),
    ]
    .concat();
    let run = run_yaml(&cluster("cilium", &extra));
    assert_eq!(external_ip(&run, "default/shop").as_deref(), Some("172.20.5.120"));
    assert_eq!(external_ip(&run, "default/status").as_deref(), Some("172.20.5.120"));
    // Local never joins the Cluster Services' address; Local Services
    // selecting the same pods share theirs, another selector does not.
    assert_eq!(external_ip(&run, "default/shop-local").as_deref(), Some("172.20.5.121"));
    assert_eq!(external_ip(&run, "default/shop-admin").as_deref(), Some("172.20.5.121"));
    assert_eq!(external_ip(&run, "default/cart-local").as_deref(), Some("172.20.5.122"));
    assert_eq!(external_ip(&run, "default/asks"), None);
    assert_eq!(
        run.world().cluster.cilium.condition("default/asks").expect("a condition").message,
        "The IP '172.20.5.120' is already allocated to an incompatible service. Reason: different ExternalTrafficPolicy"
    );
}

/// The Service of `CLUSTER`'s manifests, with `fields` added to its spec.
fn lone_service(fields: &str) -> String {
    cluster(
        "metallb",
        &format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{ name: shop }}\nspec:\n  selector: {{ app: shop }}\n  ports: [ {{ port: 80, targetPort: 8080 }} ]\n{fields}"
        ),
    )
}

/// kube-apiserver 1.34 refuses these Service fields, so a scenario that
/// writes them is refused at the field: `healthCheckNodePort` outside a
/// Local LoadBalancer and `allocateLoadBalancerNodePorts` outside a
/// LoadBalancer (`validateServiceExternalTrafficPolicy`, `ValidateService`
/// in pkg/apis/core/validation/validation.go), dual-stack and IPv6 on a
/// single-stack IPv4 cluster (`initIPFamilyFields` in
/// pkg/registry/core/service/storage/alloc.go). vipsim used to take the
/// first silently and warn the others were "ignored".
#[test]
fn service_fields_the_api_server_refuses_are_refused_at_their_line() {
    let refused = [
        (
            "  type: LoadBalancer\n  healthCheckNodePort: 31999\n",
            "spec.healthCheckNodePort: Invalid value: 31999: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
        (
            "  type: NodePort\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 31999\n",
            "spec.healthCheckNodePort: Invalid value: 31999: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
        (
            "  allocateLoadBalancerNodePorts: false\n",
            "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
        ),
        (
            "  type: LoadBalancer\n  ipFamilyPolicy: RequireDualStack\n",
            "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services (vipsim's clusters are single-stack IPv4)",
        ),
        (
            "  type: LoadBalancer\n  ipFamilies: [IPv6]\n",
            "spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster (vipsim's clusters are single-stack IPv4)",
        ),
        (
            "  type: LoadBalancer\n  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv4, IPv4]\n",
            "spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
        ),
    ];
    for (fields, message) in refused {
        let errors = errors(&lone_service(fields));
        assert!(errors.iter().any(|e| e.ends_with(message)), "{fields}: {errors:#?}");
        let field = message.split(':').next().unwrap();
        assert!(errors.iter().any(|e| e.starts_with("s.yaml:") && e.contains(&format!(" {field}: "))), "{errors:#?}");
    }
    // On a single-stack cluster these are what the cluster does anyway.
    let fine = "  type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 31999\n  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv4]\n";
    let warned = warnings(&lone_service(fine));
    assert!(!warned.iter().any(|w| w.contains("spec.ip") || w.contains("spec.health")), "{warned:#?}");
}

/// `allocateLoadBalancerNodePorts: false`: the API server allocates no
/// node port for a LoadBalancer Service's ports, only those a port asks for
/// (`initNodePorts`, pkg/registry/core/service/storage/alloc.go, Kubernetes
/// 1.34); the load-balancer IP still works, the node ports do not exist.
/// vipsim used to warn the field was ignored and allocate them all.
#[test]
fn allocate_load_balancer_node_ports_false_allocates_only_requested_node_ports() {
    let fields = "  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n";
    let mut text = lone_service(fields).replace(
        "  ports: [ { port: 80, targetPort: 8080 } ]",
        "  ports: [ { name: web, port: 80, targetPort: 8080 }, { name: alt, port: 81, targetPort: 8080, nodePort: 31081 } ]",
    );
    text = text
        .replace("  timeline: []", "  timeline:\n  - { at: 5s, run: { host: laptop, cmd: \"kubectl get svc shop\" } }");
    text.push_str(&metallb_pool("lan", "172.20.5.100/32", ""));
    let warned = warnings(&text);
    assert!(!warned.iter().any(|w| w.contains("allocateLoadBalancerNodePorts")), "{warned:#?}");
    let run = run_yaml(&text);
    assert_eq!(run.world().cluster.services["default/shop"].node_ports, vec![None, Some(31081)]);
    let out = run
        .trace()
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { cmd, stdout, .. } if &**cmd == "kubectl get svc shop" => Some(stdout.to_string()),
            _ => None,
        })
        .expect("kubectl ran");
    assert!(out.contains("80/TCP,81:31081/TCP"), "{out}");
}

/// Annotation keys are case-sensitive and a load balancer reads only its
/// own: MetalLB 0.14.9 `controller/service.go` reads `address-pool`,
/// `loadBalancerIPs` and `allow-shared-ip` under `metallb.io/` (or
/// `metallb.universe.tf/`), Cilium 1.18 `operator/pkg/lbipam/lbipam.go`
/// `lbipam.cilium.io/ips`, `sharing-key` and `sharing-cross-namespace`.
/// Anything else under those prefixes, or the other load balancer's keys,
/// does nothing; vipsim said nothing, so `allow-shared-IP` silently kept two
/// Services apart.
#[test]
fn load_balancer_annotations_nobody_reads_are_warned_at_their_line() {
    let text = lone_service("  type: LoadBalancer\n").replace(
        "metadata: { name: shop }",
        "metadata:\n  name: shop\n  annotations:\n    metallb.universe.tf/allow-shared-IP: edge\n    metallb.io/address-pool: lan\n    lbipam.cilium.io/ips: 172.20.5.100",
    );
    let warned = warnings(&text);
    let at = |key: &str| warned.iter().find(|w| w.contains(&format!(" metadata.annotations.{key}: "))).cloned();
    let typo = at("metallb.universe.tf/allow-shared-IP").expect("the misspelt key is warned");
    assert!(typo.starts_with("s.yaml:24:5: "), "{typo}");
    assert!(
        typo.contains("MetalLB reads no annotation `metallb.universe.tf/allow-shared-IP`, so it has no effect"),
        "{typo}"
    );
    assert!(typo.ends_with("(did you mean `metallb.universe.tf/allow-shared-ip`?)"), "{typo}");
    assert_eq!(at("metallb.io/address-pool"), None);
    let other = at("lbipam.cilium.io/ips").expect("Cilium's key on a MetalLB cluster is warned");
    assert!(
        other.ends_with("has no effect: Cilium's LB IPAM reads it, and it does not run in this cluster"),
        "{other}"
    );
}

/// A CiliumL2AnnouncementPolicy's `interfaces` are Go regular expressions
/// matched anywhere in the device name (`regex.MatchString(device)` in
/// `upsertPolicy`, pkg/l2announcer/l2announcer.go, Cilium 1.18): `^eth`
/// selects `eth0`. vipsim compared the pattern with `^`/`$` stripped to the
/// name, so `^eth` selected nothing and the VIP went silent. A pattern Go
/// cannot compile makes the agent skip the policy: refused at load; one
/// matching no device is warned.
#[test]
fn cilium_l2_policy_interfaces_are_unanchored_go_regular_expressions() {
    let policy = |interfaces: &str| {
        format!(
            "{CILIUM_POOL}---\napiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata: {{ name: l2 }}\nspec: {{ loadBalancerIPs: true, interfaces: {interfaces} }}\n{}",
            service("default", "shop", "{}", "{}", "Cluster", "shop", 80)
        )
    };
    for selecting in ["['^eth']", "[eth]", "['^(ens|eth)[0-9]+$']", "[bond0, 'th\\d']"] {
        let run = run_yaml(&cluster("cilium", &policy(selecting)));
        let holder = run.world().cluster.leases.get("default/shop").and_then(|l| l.holder.clone());
        assert!(holder.is_some(), "{selecting}: an agent holds the lease");
    }
    let warned = warnings(&cluster("cilium", &policy("['^ens[0-9]+']")));
    assert!(warned.iter().any(|w| w.contains("spec.interfaces: matches no device of the nodes")), "{warned:#?}");
    let refused = errors(&cluster("cilium", &policy("['(eth']")));
    assert!(
        refused.iter().any(|e| e
            .contains("spec.interfaces[0]: `(eth` is not a regular expression (found open group without closing ')')")
            && e.contains("Cilium skips this whole policy")),
        "{refused:#?}"
    );
}

/// MetalLB's controller and speakers list their configuration only in the
/// namespace they run in (`client.InNamespace(r.Namespace)` in MetalLB
/// 0.14.9 internal/k8s/controllers/config_controller.go; metallb-system in
/// the shipped manifests and chart), so an IPAddressPool or L2Advertisement
/// applied without `namespace: metallb-system` is ignored: the Service stays
/// pending. vipsim used every such object wherever it was.
#[test]
fn metallb_ignores_its_objects_outside_metallb_system() {
    let stray = "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: { name: stray }\nspec: { addresses: [172.20.5.100/32] }\n---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: { name: l2, namespace: default }\n";
    let text = cluster("metallb", &format!("{stray}{}", service("default", "shop", "{}", "{}", "Cluster", "shop", 80)));
    let warned = warnings(&text);
    for (kind, at) in [("IPAddressPool", "metadata"), ("L2Advertisement", "metadata.namespace")] {
        assert!(
            warned.iter().any(|w| w.contains(&format!(": {at}: MetalLB reads its configuration only from `metallb-system`, the namespace it runs in: this {kind} in namespace `default` is ignored"))),
            "{kind}: {warned:#?}"
        );
    }
    let run = run_yaml(&text);
    assert_eq!(external_ip(&run, "default/shop"), None);
    // The same objects in metallb-system serve.
    let run = run_yaml(&text.replace("{ name: stray }", "{ name: stray, namespace: metallb-system }"));
    assert_eq!(external_ip(&run, "default/shop").as_deref(), Some("172.20.5.100"));
}

/// The events MetalLB 0.14.9's controller records on a Service
/// (controller/main.go `SetBalancer`, controller/service.go
/// `convergeBalancer`): `AllocationFailed` only when `allocateIPs` fails,
/// not while no pool exists (a debug line, "pools are empty"); and, once it
/// has changed the Service, a `deprecatedAnnotation` warning per
/// `metallb.universe.tf` annotation. vipsim recorded an AllocationFailed
/// "pools are empty" that does not exist and never the deprecation.
#[test]
fn metallb_records_the_controllers_events_and_no_others() {
    let events = |run: &Run, service: &str| -> Vec<(String, String)> {
        run.world()
            .cluster
            .events
            .iter()
            .filter(|e| e.object == format!("service/{service}"))
            .map(|e| (e.reason.clone(), e.message.clone()))
            .collect()
    };
    let old = "{ metallb.universe.tf/allow-shared-ip: edge }";
    let run = run_yaml(&cluster("metallb", &service("default", "shop", "{}", old, "Cluster", "shop", 80)));
    assert_eq!(events(&run, "shop"), []);
    let run = run_yaml(&cluster(
        "metallb",
        &format!(
            "{}{}",
            metallb_pool("lan", "172.20.5.100/32", ""),
            service("default", "shop", "{}", old, "Cluster", "shop", 80)
        ),
    ));
    assert_eq!(
        events(&run, "shop"),
        [
            ("IPAllocated".to_string(), "Assigned IP [\"172.20.5.100\"]".to_string()),
            (
                "deprecatedAnnotation".to_string(),
                "Service uses deprecated annotation metallb.universe.tf/allow-shared-ip".to_string()
            ),
        ]
    );
}

/// What the load balancers would do but vipsim does not show is said at
/// the field: an L2Advertisement naming no interface of the nodes (MetalLB
/// 0.14.9 speaker/layer2_controller.go `SetBalancer`: the elected speaker
/// records announceFailed and announces nothing), a
/// CiliumL2AnnouncementPolicy selecting neither kind of address (Cilium
/// 1.18 pkg/l2announcer/l2announcer.go selects a Service only for
/// `loadBalancerIPs`/`externalIPs` set true, both false by default), and a
/// UDP port (vipsim sends no UDP). All three loaded without a word.
#[test]
fn announcements_that_cannot_happen_and_unsimulated_ports_are_warned() {
    let l2 = "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: { name: l2, namespace: metallb-system }\nspec: { interfaces: [eth1] }\n";
    let udp = "---\napiVersion: v1\nkind: Service\nmetadata: { name: dns }\nspec: { type: LoadBalancer, selector: { app: dns }, ports: [ { port: 53, protocol: UDP } ] }\n";
    let warned = warnings(&cluster("metallb", &format!("{l2}{udp}")));
    assert!(warned.iter().any(|w| w.contains(": spec.interfaces: names no interface of the nodes")), "{warned:#?}");
    assert!(warned.iter().any(|w| w.contains(": spec.ports[0].protocol: UDP traffic is not simulated")), "{warned:#?}");
    let policy = "---\napiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata: { name: l2 }\nspec: { interfaces: [eth0] }\n";
    let warned = warnings(&cluster("cilium", policy));
    assert!(
        warned.iter().any(|w| w.contains(": spec: announces nothing: `loadBalancerIPs` and `externalIPs` both default to false")),
        "{warned:#?}"
    );
}

/// MetalLB 0.14.9 reads `metallb.io/loadBalancerIPs` as one address per
/// family (`getDesiredLbIPs`, controller/service.go; `ForAddresses`,
/// internal/ipfamily/ipfamily.go): on a single-stack IPv4 Service a
/// dual-stack pair does not match the Service's family and two IPv4
/// addresses are "same address family"; both fail and the Service stays
/// pending. vipsim used to take the IPv4 entry of the list.
#[test]
fn metallb_refuses_a_load_balancer_ips_list_a_single_stack_service_cannot_take() {
    let dual = "{ metallb.io/loadBalancerIPs: '2001:db8::7,172.20.5.101' }";
    let two = "{ metallb.io/loadBalancerIPs: '172.20.5.100, 172.20.5.101' }";
    let extra = [
        metallb_pool("lan", "172.20.5.100/30", ""),
        service("default", "dual", "{}", dual, "Cluster", "a", 80),
        service("default", "two", "{}", two, "Cluster", "a", 80),
    ]
    .concat();
    let run = run_yaml(&cluster("metallb", &extra));
    assert_eq!(external_ip(&run, "default/dual"), None);
    assert_eq!(
        ipam_message(&run, "default/dual"),
        "Failed to allocate IP for \"default/dual\": requested loadBalancer IP(s) [\"2001:db8::7\" \"172.20.5.101\"] does not match the ipFamily of the service"
    );
    assert_eq!(external_ip(&run, "default/two"), None);
    assert_eq!(
        ipam_message(&run, "default/two"),
        "Failed to allocate IP for \"default/two\": IPFamilyForAddresses: same address family [\"172.20.5.100\" \"172.20.5.101\"]"
    );
}

/// An explicit `healthCheckNodePort` comes from the node-port allocator
/// after the Service's node ports (`txnAllocNodePorts` and
/// `allocHealthCheckNodePort`, pkg/registry/core/service/storage/alloc.go,
/// Kubernetes 1.34): outside 30000-32767 or already taken, the Service is
/// refused. vipsim refused it at the manifest's first line blaming
/// `spec.ports[0].nodePort`; now at the field, in the allocator's words,
/// and a port's own refusal names that port.
#[test]
fn a_health_check_node_port_is_allocated_and_refused_like_a_node_port() {
    let local = "  type: LoadBalancer\n  externalTrafficPolicy: Local\n";
    let out_of_range = errors(&lone_service(&format!("{local}  healthCheckNodePort: 8080\n")));
    assert!(
        out_of_range.iter().any(|e| e.ends_with(": spec.healthCheckNodePort: failed to allocate requested HealthCheck NodePort 8080: provided port is not in the valid range. The range of valid ports is 30000-32767")),
        "{out_of_range:#?}"
    );
    let taken = errors(
        &lone_service(&format!("{local}  healthCheckNodePort: 31081\n"))
            .replace("{ port: 80, targetPort: 8080 }", "{ port: 80, targetPort: 8080, nodePort: 31081 }"),
    );
    assert!(
        taken.iter().any(
            |e| e.ends_with(": spec.healthCheckNodePort: nodePort 31081 is already used by Service `default/shop`")
        ),
        "{taken:#?}"
    );
}
