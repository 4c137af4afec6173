//! kubectl in the console, checked with exact outputs on the shipped
//! scenarios at chosen instants: the lines the stories quote, whole
//! `-o yaml` documents, describe, events, leases, errors.

use crate::console_common;

use console_common::Shell;

fn text(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

// ---------------------------------------------------------------------
// Story C (cilium-lb-ipam)
// ---------------------------------------------------------------------

#[test]
fn story_c_pending_then_assigned() {
    let mut sh = Shell::new("cilium-lb-ipam");
    assert_eq!(
        sh.sh(1, "lb-0", "kubectl get svc web"),
        (
            text(&[
                "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE",
                "web    LoadBalancer   10.32.0.76   <pending>     80:32303/TCP   1s",
            ]),
            0
        )
    );
    // kubectl names the namespace even for a cluster-scoped kind: with no
    // object to look at, `allResourcesNamespaced` keeps its start value,
    // !--all-namespaces (kubectl 1.34 pkg/cmd/get/get.go, the end of Run).
    assert_eq!(
        sh.sh(2, "lb-0", "kubectl get ciliumloadbalancerippool"),
        ("No resources found in default namespace.\n".into(), 0)
    );
    assert_eq!(
        sh.sh(11, "lb-0", "kubectl get ciliumloadbalancerippool").0,
        text(&[
            "NAME        DISABLED   CONFLICTING   IPS AVAILABLE   AGE",
            "demo-pool   false      False         40              6s",
        ])
    );
    assert_eq!(
        sh.sh(11, "lb-0", "kubectl get svc web").0.lines().nth(1),
        Some("web    LoadBalancer   10.32.0.76   192.0.2.10    80:32303/TCP   11s")
    );
}

#[test]
fn story_c_condition_and_address_by_jsonpath() {
    let mut sh = Shell::new("cilium-lb-ipam");
    let cmd = "kubectl get svc web -o jsonpath='{.status.conditions[0].type}={.status.conditions[0].status}'";
    assert_eq!(sh.sh(12, "lb-0", cmd), ("cilium.io/IPAMRequestSatisfied=True".into(), 0));
    assert_eq!(
        sh.sh(12, "lb-0", "kubectl get svc web -o jsonpath={.status.loadBalancer.ingress[0].ip}").0,
        "192.0.2.10"
    );
    let names = "kubectl get svc -o jsonpath='{range .items[*]}{.metadata.name}{\" \"}{.spec.type}{\"\\n\"}{end}'";
    assert_eq!(sh.sh(12, "lb-0", names).0, text(&["echo NodePort", "kubernetes ClusterIP", "web LoadBalancer"]));
}

#[test]
fn story_c_gateway_gets_the_next_address() {
    let mut sh = Shell::new("cilium-lb-ipam");
    assert_eq!(
        sh.sh(14, "lb-0", "kubectl get gateway gw").0,
        text(&["NAME   CLASS    ADDRESS      PROGRAMMED   AGE", "gw     cilium   192.0.2.11   True         1s",])
    );
    assert_eq!(
        sh.sh(14, "lb-0", "kubectl get gc").0,
        text(&[
            "NAME     CONTROLLER                     ACCEPTED   AGE",
            "cilium   io.cilium/gateway-controller   True       14s",
        ])
    );
}

#[test]
fn load_balancer_service_yaml() {
    let mut sh = Shell::new("cilium-lb-ipam");
    assert_eq!(
        sh.sh(12, "lb-0", "kubectl get svc web -o yaml").0,
        text(&[
            "apiVersion: v1",
            "kind: Service",
            "metadata:",
            "  creationTimestamp: \"2026-01-01T00:00:00Z\"",
            "  name: web",
            "  namespace: default",
            "spec:",
            "  allocateLoadBalancerNodePorts: true",
            "  clusterIP: 10.32.0.76",
            "  clusterIPs:",
            "  - 10.32.0.76",
            "  externalTrafficPolicy: Cluster",
            "  internalTrafficPolicy: Cluster",
            "  ipFamilies:",
            "  - IPv4",
            "  ipFamilyPolicy: SingleStack",
            "  ports:",
            "  - nodePort: 32303",
            "    port: 80",
            "    protocol: TCP",
            "    targetPort: 8080",
            "  selector:",
            "    app: echo",
            "  sessionAffinity: None",
            "  type: LoadBalancer",
            "status:",
            "  conditions:",
            "  - lastTransitionTime: \"2026-01-01T00:00:05Z\"",
            "    message: \"\"",
            "    reason: satisfied",
            "    status: \"True\"",
            "    type: cilium.io/IPAMRequestSatisfied",
            "  loadBalancer:",
            "    ingress:",
            "    - ip: 192.0.2.10",
            "      ipMode: VIP",
        ])
    );
    // Before any pool, LB-IPAM is dormant: no condition, no ingress.
    let pending = sh.sh(2, "lb-0", "kubectl get svc web -o yaml").0;
    assert!(pending.ends_with("  type: LoadBalancer\nstatus:\n  loadBalancer: {}\n"), "{pending}");
}

#[test]
fn json_is_go_indented_with_sorted_keys() {
    let mut sh = Shell::new("cilium-lb-ipam");
    assert_eq!(
        sh.sh(3, "lb-0", "kubectl get ns default -o json").0,
        text(&[
            "{",
            "    \"apiVersion\": \"v1\",",
            "    \"kind\": \"Namespace\",",
            "    \"metadata\": {",
            "        \"creationTimestamp\": \"2026-01-01T00:00:00Z\",",
            "        \"labels\": {",
            "            \"kubernetes.io/metadata.name\": \"default\"",
            "        },",
            "        \"name\": \"default\"",
            "    },",
            "    \"spec\": {",
            "        \"finalizers\": [",
            "            \"kubernetes\"",
            "        ]",
            "    },",
            "    \"status\": {",
            "        \"phase\": \"Active\"",
            "    }",
            "}",
        ])
    );
    assert_eq!(sh.sh(3, "lb-0", "kubectl get svc web -o name").0, "service/web\n");
}

#[test]
fn pool_yaml_has_lb_ipam_conditions() {
    let mut sh = Shell::new("cilium-lb-ipam");
    let out = sh.sh(14, "lb-0", "kubectl get ippools demo-pool -o yaml").0;
    assert!(out.starts_with("apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  annotations:\n    vipsim/hold: \"true\"\n  creationTimestamp: \"2026-01-01T00:00:05Z\"\n  name: demo-pool\nspec:\n  blocks:\n  - start: 192.0.2.10\n    stop: 192.0.2.50\n  disabled: false\n"), "{out}");
    assert!(
        out.contains(
            "    message: \"39\"\n    reason: noreason\n    status: Unknown\n    type: cilium.io/IPsAvailable\n"
        ),
        "{out}"
    );
}

/// The policy arrives at 25 s: every agent tries at once (client-go's
/// `wait.JitterUntil` calls before it waits), the winner renews every 2 s.
#[test]
fn leases_show_the_l2_announcer() {
    let mut sh = Shell::new("cilium-lb-ipam");
    assert_eq!(
        sh.sh(30, "lb-0", "kubectl get leases -n kube-system").0,
        text(&[
            "NAME                                          HOLDER     AGE",
            "cilium-l2announce-default-cilium-gateway-gw   worker-0   5s",
            "cilium-l2announce-default-web                 worker-0   5s",
        ])
    );
    assert_eq!(
        sh.sh(30, "lb-0", "kubectl get lease -n kube-system cilium-l2announce-default-web -o yaml").0,
        text(&[
            "apiVersion: coordination.k8s.io/v1",
            "kind: Lease",
            "metadata:",
            "  creationTimestamp: \"2026-01-01T00:00:25Z\"",
            "  name: cilium-l2announce-default-web",
            "  namespace: kube-system",
            "spec:",
            "  acquireTime: \"2026-01-01T00:00:25.000000Z\"",
            "  holderIdentity: worker-0",
            "  leaseDurationSeconds: 15",
            "  leaseTransitions: 0",
            "  renewTime: \"2026-01-01T00:00:29.000000Z\"",
        ])
    );
    // No describer of its own: kubectl's generic one (pkg/describe,
    // `GenericDescriberFor`) prints the object's fields.
    assert_eq!(
        sh.sh(30, "lb-0", "kubectl describe lease -n kube-system cilium-l2announce-default-web").0,
        text(&[
            "Name:         cilium-l2announce-default-web",
            "Namespace:    kube-system",
            "Labels:       <none>",
            "Annotations:  <none>",
            "API Version:  coordination.k8s.io/v1",
            "Kind:         Lease",
            "Metadata:",
            "  Creation Timestamp:  2026-01-01T00:00:25Z",
            "Spec:",
            "  Acquire Time:            2026-01-01T00:00:25.000000Z",
            "  Holder Identity:         worker-0",
            "  Lease Duration Seconds:  15",
            "  Lease Transitions:       0",
            "  Renew Time:              2026-01-01T00:00:29.000000Z",
            "Events:                    <none>",
        ])
    );
}

#[test]
fn add_on_pods_and_multi_kind_tables() {
    let mut sh = Shell::new("cilium-lb-ipam");
    assert_eq!(
        sh.sh(14, "lb-0", "kubectl get pods -n kube-system -o wide").0,
        text(&[
            "NAME                               READY   STATUS    RESTARTS   AGE   IP          NODE       NOMINATED NODE   READINESS GATES",
            "cilium-mj2mg                       1/1     Running   0          14s   10.0.1.21   worker-1   <none>           <none>",
            "cilium-operator-5f7f4f5d79-bnl95   1/1     Running   0          14s   10.0.1.20   worker-0   <none>           <none>",
            "cilium-ww5jl                       1/1     Running   0          14s   10.0.1.20   worker-0   <none>           <none>",
        ])
    );
    assert_eq!(
        sh.sh(30, "lb-0", "kubectl get svc,deploy").0,
        text(&[
            "NAME                        TYPE           CLUSTER-IP    EXTERNAL-IP   PORT(S)        AGE",
            "service/cilium-gateway-gw   LoadBalancer   10.32.0.192   192.0.2.11    80:30505/TCP   17s",
            "service/echo                NodePort       10.32.0.110   <none>        80:31888/TCP   30s",
            "service/kubernetes          ClusterIP      10.32.0.1     <none>        443/TCP        30s",
            "service/web                 LoadBalancer   10.32.0.76    192.0.2.10    80:32303/TCP   30s",
            "",
            "NAME                   READY   UP-TO-DATE   AVAILABLE   AGE",
            "deployment.apps/echo   1/1     1            1           30s",
        ])
    );
    assert_eq!(
        sh.sh(30, "lb-0", "kubectl get endpointslices").0,
        text(&[
            "NAME         ADDRESSTYPE   PORTS   ENDPOINTS     AGE",
            "echo-d82gk   IPv4          8080    10.200.0.90   30s",
            "web-dxnjs    IPv4          8080    10.200.0.90   30s",
        ])
    );
}

// ---------------------------------------------------------------------
// MetalLB (stories A and B)
// ---------------------------------------------------------------------

#[test]
fn endpoints_yaml_shows_which_nodes_have_pods() {
    let mut sh = Shell::new("metallb-traffic-policy");
    assert_eq!(
        sh.sh(30, "client", "kubectl get endpoints web -o yaml").0,
        text(&[
            "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
            "apiVersion: v1",
            "kind: Endpoints",
            "metadata:",
            "  creationTimestamp: \"2026-01-01T00:00:00Z\"",
            "  name: web",
            "  namespace: default",
            "subsets:",
            "- addresses:",
            "  - ip: 10.244.1.211",
            "    nodeName: node-b",
            "    targetRef:",
            "      kind: Pod",
            "      name: web-8685c55565-6hxkz",
            "      namespace: default",
            "  - ip: 10.244.2.209",
            "    nodeName: node-c",
            "    targetRef:",
            "      kind: Pod",
            "      name: web-8685c55565-67xtk",
            "      namespace: default",
            "  - ip: 10.244.2.79",
            "    nodeName: node-c",
            "    targetRef:",
            "      kind: Pod",
            "      name: web-8685c55565-h6shf",
            "      namespace: default",
            "  ports:",
            "  - port: 8080",
            "    protocol: TCP",
        ])
    );
}

#[test]
fn describe_service_names_the_leader() {
    let mut sh = Shell::new("metallb-l2-failover");
    assert_eq!(
        sh.sh(60, "client", "kubectl describe svc web").0,
        text(&[
            "Name:                     web",
            "Namespace:                default",
            "Labels:                   <none>",
            "Annotations:              <none>",
            "Selector:                 app=web-app",
            "Type:                     LoadBalancer",
            "IP Family Policy:         SingleStack",
            "IP Families:              IPv4",
            "IP:                       10.96.68.210",
            "IPs:                      10.96.68.210",
            "LoadBalancer Ingress:     192.168.1.201 (VIP)",
            "Port:                     <unset>  80/TCP",
            "TargetPort:               8080/TCP",
            "NodePort:                 <unset>  32553/TCP",
            "Endpoints:                10.244.1.209:8080,10.244.2.211:8080,10.244.0.79:8080",
            "Session Affinity:         None",
            "External Traffic Policy:  Cluster",
            "Internal Traffic Policy:  Cluster",
            "Events:",
            "  Type    Reason        Age   From                Message",
            "  ----    ------        ----  ----                -------",
            "  Normal  IPAllocated   60s   metallb-controller  Assigned IP [\"192.168.1.201\"]",
            "  Normal  nodeAssigned  57s   metallb-speaker     announcing from node \"node-a\" with protocol \"layer2\"",
            "  Normal  nodeAssigned  35s   metallb-speaker     announcing from node \"node-b\" with protocol \"layer2\"",
        ])
    );
}

#[test]
fn events_in_server_order() {
    let mut sh = Shell::new("metallb-l2-failover");
    let out = sh.sh(60, "client", "kubectl get events").0;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "LAST SEEN   TYPE     REASON              OBJECT                     MESSAGE");
    assert_eq!(
        lines[1],
        "60s         Normal   Scheduled           pod/web-79f6f5d8c-67xtk    Successfully assigned default/web-79f6f5d8c-67xtk to node-b"
    );
    // Events are listed by name (object, then time), as the API server returns them.
    assert_eq!(
        &lines[lines.len() - 4..],
        [
            "60s         Normal   ScalingReplicaSet   deployment/web             Scaled up replica set web-79f6f5d8c from 0 to 3",
            "60s         Normal   IPAllocated         service/web                Assigned IP [\"192.168.1.201\"]",
            "57s         Normal   nodeAssigned        service/web                announcing from node \"node-a\" with protocol \"layer2\"",
            "35s         Normal   nodeAssigned        service/web                announcing from node \"node-b\" with protocol \"layer2\"",
        ]
    );
    // `kubectl events` sorts by time instead.
    let sorted = sh.sh(60, "client", "kubectl events --for service/web").0;
    assert_eq!(sorted.lines().count(), 4);
}

#[test]
fn metallb_custom_resources_and_speakers() {
    let mut sh = Shell::new("metallb-l2-failover");
    assert_eq!(
        sh.sh(15, "client", "kubectl get ipaddresspools -n metallb-system").0,
        text(&[
            "NAME       AUTO ASSIGN   AVOID BUGGY IPS   ADDRESSES",
            "lan-pool   true          false             [\"192.168.1.201-192.168.1.220\"]",
        ])
    );
    // Node Selectors is a priority column: only with -o wide; empty cells pad.
    assert_eq!(
        sh.sh(15, "client", "kubectl get l2advertisements -n metallb-system").0,
        text(&[
            "NAME   IPADDRESSPOOLS   IPADDRESSPOOL SELECTORS   INTERFACES",
            "lan    [\"lan-pool\"]                               "
        ])
    );
    assert_eq!(
        sh.sh(15, "client", "kubectl get pods -n metallb-system -o wide").0,
        text(&[
            "NAME                          READY   STATUS    RESTARTS   AGE   IP             NODE     NOMINATED NODE   READINESS GATES",
            "controller-6d5f5d5896-2jcbq   1/1     Running   0          15s   10.244.0.1     node-a   <none>           <none>",
            "speaker-b9shv                 1/1     Running   0          15s   192.168.1.12   node-b   <none>           <none>",
            "speaker-fzksg                 1/1     Running   0          15s   192.168.1.11   node-a   <none>           <none>",
            "speaker-zsqlq                 1/1     Running   0          15s   192.168.1.13   node-c   <none>           <none>",
        ])
    );
    let announce = "{\"caller\":\"main.go:420\",\"event\":\"serviceAnnounced\",\"ips\":[\"192.168.1.201\"],\"level\":\"info\",\"msg\":\"service has IP, announcing\",\"pool\":\"lan-pool\",\"protocol\":\"layer2\",\"ts\":\"2026-01-01T00:00:03Z\"}";
    assert_eq!(sh.sh(15, "client", "kubectl logs -n metallb-system speaker-fzksg").0, format!("{announce}\n"));
    assert_eq!(
        sh.sh(15, "client", "kubectl logs -n metallb-system -l component=speaker --prefix").0,
        format!("[pod/speaker-fzksg/speaker] {announce}\n")
    );
    // A DaemonSet's logs are one pod's: kubectl says which.
    assert_eq!(
        sh.sh(15, "client", "kubectl logs -n metallb-system ds/speaker").0,
        "Found 3 pods, using pod/speaker-b9shv\n"
    );
}

/// A speaker logs every memberlist event the way MetalLB 0.14's speaker list
/// does (internal/speakerlist/speakerlist.go, `memberlistWatchEvents`, line
/// 313 in every 0.14.x release): go-kit's JSON with sorted keys, the node's
/// IP as `node addr`, its name as `node name`, and memberlist's event name
/// (NodeJoin, NodeLeave, NodeUpdate). A learner grepping real speaker logs
/// for these keys finds the same line.
#[test]
fn speaker_logs_memberlist_events_like_the_speaker_list() {
    let mut sh = Shell::new("metallb-l2-failover");
    // node-a loses power at 20 s; node-b's memberlist declares it gone at 25 s.
    let logs = sh.sh(30, "client", "kubectl logs -n metallb-system speaker-b9shv").0;
    let leave = "{\"caller\":\"speakerlist.go:313\",\"level\":\"info\",\"msg\":\"node event - forcing sync\",\"node addr\":\"192.168.1.11\",\"node event\":\"NodeLeave\",\"node name\":\"node-a\",\"ts\":\"2026-01-01T00:00:25Z\"}";
    assert_eq!(logs.lines().filter(|l| l.contains("node event")).collect::<Vec<_>>(), vec![leave], "{logs}");
}

#[test]
fn a_dead_node_goes_not_ready_and_its_pods_follow() {
    let mut sh = Shell::new("metallb-l2-failover");
    // node-a powered off at 20 s; the node lifecycle controller notices after the grace period.
    let nodes = sh.sh(90, "client", "kubectl get nodes").0;
    assert_eq!(nodes.lines().nth(1), Some("node-a   NotReady   <none>   90s   v1.34.2"));
    let speaker = sh.sh(90, "client", "kubectl get pods -n metallb-system speaker-fzksg").0;
    assert_eq!(speaker.lines().nth(1), Some("speaker-fzksg   0/1     Running   0          90s"));
    let node = sh.sh(90, "client", "kubectl describe node node-a").0;
    assert!(node.contains("Taints:             node.kubernetes.io/unreachable:NoSchedule\n                    node.kubernetes.io/unreachable:NoExecute\n"), "{node}");
    assert!(node.contains("  Ready           Unknown  "), "{node}");
}

// ---------------------------------------------------------------------
// Writing verbs
// ---------------------------------------------------------------------

/// The API server deletes the object stored under the request's namespace
/// and name (kube-apiserver 1.34,
/// staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go:
/// `Store.Delete` keys by `NamespaceKeyFunc`, the namespace from the
/// request): a same-named object in another namespace stays.
#[test]
fn delete_removes_the_object_of_the_namespace_asked_for() {
    let mut sh = Shell::new("metallb-l2-failover");
    let mut w = sh.world(10);
    let twin: vipsim::k8s::objects::Manifest = serde_norway::from_str(
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: lan-pool, namespace: default}\nspec: {addresses: [192.168.1.230-192.168.1.231]}\n",
    )
    .expect("parses");
    let created = w.plane(&mut Vec::new(), |p| p.apply(&twin));
    assert_eq!(created, Ok("ipaddresspool.metallb.io/lan-pool created".to_string()));
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    assert_eq!(
        run("kubectl delete ipaddresspool lan-pool -n metallb-system"),
        ("ipaddresspool.metallb.io \"lan-pool\" deleted from metallb-system namespace\n".into(), 0)
    );
    let left = run("kubectl get ipaddresspools -A").0;
    let namespaces: Vec<&str> = left.lines().skip(1).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(namespaces, ["default"], "{left}");
}

#[test]
fn expose_scale_delete_and_drain() {
    let mut sh = Shell::new("cilium-lb-ipam");
    let mut w = sh.world(30);
    let mut run = |cmd: &str| console_common::run(&mut w, "lb-0", cmd);
    assert_eq!(
        run("kubectl expose deployment echo --port=8080 --name=echo2 --type=LoadBalancer"),
        ("service/echo2 exposed\n".into(), 0)
    );
    let svc = run("kubectl get svc echo2 -o wide").0;
    assert!(
        svc.lines().nth(1).is_some_and(|l| l.starts_with("echo2   LoadBalancer   10.32.0.")
            && l.contains("192.0.2.12")
            && l.ends_with("   0s    app=echo")),
        "{svc}"
    );
    assert_eq!(
        run("kubectl expose deployment echo --port=80"),
        ("Error from server (AlreadyExists): services \"echo\" already exists\n".into(), 1)
    );
    // The API server's `ValidateServiceName`: a DNS-1035 label.
    for name in ["Echo3", "3echo", "echo 3"] {
        assert_eq!(
            run(&format!("kubectl expose deployment echo --port=80 --name='{name}'")),
            (
                format!(
                    "The Service \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')\n"
                ),
                1
            ),
            "{name}"
        );
    }
    assert_eq!(run("kubectl scale deploy echo --replicas=2"), ("deployment.apps/echo scaled\n".into(), 0));
    assert_eq!(run("kubectl delete svc echo2"), ("service \"echo2\" deleted from default namespace\n".into(), 0));
    assert_eq!(
        run("kubectl delete svc echo2"),
        ("Error from server (NotFound): services \"echo2\" not found\n".into(), 1)
    );
    assert_eq!(
        run("kubectl delete ippool demo-pool"),
        ("ciliumloadbalancerippool.cilium.io \"demo-pool\" deleted\n".into(), 0)
    );
    let refused = run("kubectl drain worker-1");
    assert_eq!(
        refused,
        (
            text(&[
                "node/worker-1 cordoned",
                "error: unable to drain node \"worker-1\" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/cilium-mj2mg, continuing command...",
                "There are pending nodes to be drained:",
                " worker-1",
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/cilium-mj2mg",
            ]),
            1
        )
    );
    assert_eq!(
        run("kubectl get nodes worker-1").0.lines().nth(1),
        Some("worker-1   Ready,SchedulingDisabled   <none>   30s   v1.34.2")
    );
    let patched = run("kubectl patch svc web -p '{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}'");
    assert_eq!(patched, ("service/web patched\n".into(), 0));
    assert_eq!(run("kubectl get svc web -o jsonpath={.spec.externalTrafficPolicy}").0, "Local");
}

// ---------------------------------------------------------------------
// Errors and what is not modelled
// ---------------------------------------------------------------------

#[test]
fn errors_read_like_kubectl() {
    let mut sh = Shell::new("cilium-lb-ipam");
    let mut w = sh.world(30);
    let mut run = |cmd: &str| console_common::run(&mut w, "lb-0", cmd);
    assert_eq!(run("kubectl get foo"), ("error: the server doesn't have a resource type \"foo\"\n".into(), 1));
    assert_eq!(
        run("kubectl get svc bogus web"),
        (
            text(&[
                "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE",
                "web    LoadBalancer   10.32.0.76   192.0.2.10    80:32303/TCP   30s",
                "Error from server (NotFound): services \"bogus\" not found",
            ]),
            1
        )
    );
    assert_eq!(
        run("kubectl get deploy nope"),
        ("Error from server (NotFound): deployments.apps \"nope\" not found\n".into(), 1)
    );
    assert_eq!(run("kubectl get pods -n nowhere"), ("No resources found in nowhere namespace.\n".into(), 0));
    assert_eq!(
        run("kubectl get svc web -A"),
        ("error: a resource cannot be retrieved by name across all namespaces\n".into(), 1)
    );
    assert_eq!(
        run("kubectl gett svc"),
        ("error: unknown command \"gett\" for \"kubectl\"\n\nDid you mean this?\n\tget\n".into(), 1)
    );
    let (flag, code) = run("kubectl get svc --replicas=2");
    assert!(flag.starts_with("error: unknown flag: --replicas (vipsim's kubectl get supports -n -A -o -l "), "{flag}");
    assert_eq!((flag.lines().count(), code), (1, 1));
    let (watch, code) = run("kubectl get svc --watch");
    assert!(
        watch.starts_with("error: vipsim's kubectl cannot --watch") && watch.lines().count() == 1 && code == 1,
        "{watch}"
    );
    let (top, code) = run("kubectl top pods");
    assert!(
        top.starts_with("error: vipsim's kubectl does not model \"top\"; it supports: get, describe") && code == 1,
        "{top}"
    );
    assert_eq!(
        run("kubectl get svc -o go-template={{.}}"),
        ("error: vipsim's kubectl does not support -o go-template; it supports -o wide|yaml|json|name|jsonpath=...|custom-columns=...\n".into(), 1)
    );
    let (bad, code) = run("kubectl get svc web -o jsonpath={.spec.ports[3]}");
    assert!(bad.starts_with("error: error executing jsonpath \"{.spec.ports[3]}\": Error executing template: array index out of bounds: index 3, length 1. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.ports[3]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"apiVersion\":\"v1\", "), "{bad}");
    assert_eq!(code, 1);
    assert_eq!(
        run("kubectl get pods -l 'a=b=c'"),
        ("error: unable to parse requirement: found 'b=c', expected: identifier\n".into(), 1)
    );
    assert_eq!(
        run("kubectl get svc --field-selector spec.ports=80"),
        ("Error from server (BadRequest): Unable to find \"/v1, Resource=services\" that match label selector \"\", field selector \"spec.ports=80\": field label not supported: spec.ports\n".into(), 1)
    );
    assert_eq!(run("kubectl apply web"), ("error: must specify one of -f and -k\n".into(), 1));
    assert_eq!(
        run("kubectl apply -f nope.yaml"),
        ("error: the path \"nope.yaml\" does not exist (this scenario's manifests: echo, web, demo-pool, cilium, gw, l2-policy)\n".into(), 1)
    );
    assert_eq!(
        run("kubectl exec ds/cilium -n kube-system cilium-dbg"),
        ("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n".into(), 1)
    );
    assert_eq!(run("kubectl version --client"), ("Client Version: v1.34.2\nKustomize Version: v5.7.1\n".into(), 0));
}

#[test]
fn selectors_sorting_and_columns() {
    let mut sh = Shell::new("cilium-lb-ipam");
    let mut w = sh.world(30);
    let mut run = |cmd: &str| console_common::run(&mut w, "lb-0", cmd).0;
    assert_eq!(
        run("kubectl get svc --sort-by=.spec.clusterIP -o custom-columns=NAME:.metadata.name,IP:.spec.clusterIP"),
        text(&[
            "NAME                IP",
            "kubernetes          10.32.0.1",
            "echo                10.32.0.110",
            "cilium-gateway-gw   10.32.0.192",
            "web                 10.32.0.76"
        ])
    );
    assert_eq!(
        run("kubectl get pods -A -l k8s-app=cilium -L k8s-app --no-headers"),
        text(&[
            "kube-system   cilium-mj2mg   1/1   Running   0     30s   cilium",
            "kube-system   cilium-ww5jl   1/1   Running   0     30s   cilium",
        ])
    );
    assert_eq!(run("kubectl get pods -A --field-selector spec.nodeName=worker-1 -o name"), "pod/cilium-mj2mg\n");
}

/// More pods than vipsim runs (see `k8s::api::MAX_PODS`) is refused, like
/// a loader error, and changes nothing; up to the limit scales as usual.
#[test]
fn scaling_past_the_pod_limit_is_refused() {
    let mut sh = Shell::new("metallb-l2-failover");
    assert_eq!(
        sh.sh(5, "client", "kubectl scale deployment web --replicas=65536"),
        (
            "error: 65536 replicas for deployment.apps/web would make 65536 pods; vipsim runs at most 5000 pods in a scenario\n"
                .into(),
            1
        )
    );
    assert_eq!(
        sh.sh(5, "client", "kubectl get deployment web").0.lines().nth(1).map(|l| l.split_whitespace().nth(1)),
        Some(Some("3/3"))
    );
    assert_eq!(
        sh.sh(5, "client", "kubectl scale deployment web --replicas=5001"),
        (
            "error: 5001 replicas for deployment.apps/web would make 5001 pods; vipsim runs at most 5000 pods in a scenario\n"
                .into(),
            1
        )
    );
    assert_eq!(
        sh.sh(5, "client", "kubectl scale deployment web --replicas=5000"),
        ("deployment.apps/web scaled\n".into(), 0)
    );
}

// ---------------------------------------------------------------------
// Changing a Deployment (issue 13, point 2)
// ---------------------------------------------------------------------

/// The ways people change a Deployment, with kubectl 1.34's answers:
/// `set image` (pkg/cmd/set/set_image.go: `image updated`, nothing when
/// the image is already that, `unable to find container named`), `rollout
/// history|undo|restart` (pkg/cmd/rollout, polymorphichelpers rollback.go
/// and objectrestarter: `rolled back`, `skipped rollback`, the one-second
/// restart limit), `kubectl get rs` with `-o wide`.
#[test]
fn set_image_and_rollout_from_the_console() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    assert_eq!(
        run("kubectl set image deployment/web echo=ealen/echo-server:0.9.3"),
        ("deployment.apps/web image updated\n".into(), 0)
    );
    assert_eq!(run("kubectl set image deployment/web echo=ealen/echo-server:0.9.3"), (String::new(), 0));
    assert_eq!(
        run("kubectl set image deploy/web nginx=nginx:1.27"),
        ("error: unable to find container named \"nginx\"\n".into(), 1)
    );
    // One new pod (maxSurge 25% of 3, rounded up) next to the three old ones.
    assert_eq!(
        run("kubectl get rs -o wide"),
        (
            text(&[
                "NAME             DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES                    SELECTOR",
                "web-65c97cb998   1         1         0       0s    echo         ealen/echo-server:0.9.3   app=web-app,pod-template-hash=65c97cb998",
                "web-8685c55565   3         3         3       40s   echo         ealen/echo-server:0.9.2   app=web-app,pod-template-hash=8685c55565",
            ]),
            0
        )
    );
    assert_eq!(
        run("kubectl rollout history deployment/web"),
        (text(&["deployment.apps/web ", "REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>", ""]), 0)
    );
    assert_eq!(
        run("kubectl rollout status deployment/web --watch=false"),
        ("Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n".into(), 0)
    );
    assert_eq!(
        run("kubectl rollout undo deployment/web --to-revision=7"),
        ("error: unable to find specified revision 7 in history\n".into(), 1)
    );
    assert_eq!(run("kubectl rollout undo deployment/web"), ("deployment.apps/web rolled back\n".into(), 0));
    // The old ReplicaSet is the new one again, with the next revision.
    assert_eq!(
        run("kubectl rollout undo deployment/web --to-revision=3"),
        ("deployment.apps/web skipped rollback (current template already matches revision 3)\n".into(), 0)
    );
    assert_eq!(
        run("kubectl get rs"),
        (
            text(&[
                "NAME             DESIRED   CURRENT   READY   AGE",
                "web-65c97cb998   0         0         0       0s",
                "web-8685c55565   3         3         3       40s",
            ]),
            0
        )
    );
    assert_eq!(run("kubectl rollout restart deployment/web"), ("deployment.apps/web restarted\n".into(), 0));
    assert_eq!(
        run("kubectl rollout restart deployment/web"),
        (
            "error: failed to create patch for web: if restart has already been triggered within the past second, please wait before attempting to trigger another\n".into(),
            1
        )
    );
    assert_eq!(
        run("kubectl get deploy web -o jsonpath={.spec.template.metadata.annotations}"),
        (r#"{"kubectl.kubernetes.io/restartedAt":"2026-01-01T00:00:40Z"}"#.into(), 0)
    );
}

/// `kubectl patch deployment`: a strategic merge patch (kubectl's default)
/// merges `containers` by name, keeping what the patch does not mention
/// (`patchMergeKey:"name"` in k8s.io/api core/v1); a JSON merge patch
/// (`--type merge`, RFC 7386) replaces the whole list. The API server's
/// validation refuses both fenceposts at zero, in its own words.
#[test]
fn patch_deployment_strategic_and_merge() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    let image = r#"kubectl patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"echo","image":"ealen/echo-server:0.9.4"}]}}}}'"#;
    assert_eq!(run(image), ("deployment.apps/web patched\n".into(), 0));
    assert_eq!(run(image), ("deployment.apps/web patched (no change)\n".into(), 0));
    let ports = "kubectl get deploy web -o jsonpath={.spec.template.spec.containers[0].ports}";
    assert_eq!(run(ports), (r#"[{"containerPort":8080,"protocol":"TCP"}]"#.into(), 0));
    let merge = r#"kubectl patch deploy web --type merge -p '{"spec":{"template":{"spec":{"containers":[{"name":"echo","image":"ealen/echo-server:0.9.5"}]}}}}'"#;
    assert_eq!(run(merge), ("deployment.apps/web patched\n".into(), 0));
    assert_eq!(run(ports), (String::new(), 0));
    assert_eq!(
        run(r#"kubectl patch deployment web -p '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}}}'"#),
        (
            "The Deployment \"web\" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0\n".into(),
            1
        )
    );
    assert_eq!(
        run("kubectl patch deployment web --type json -p '[]'"),
        ("error: vipsim's kubectl patch applies --type strategic (the default) or merge, not json\n".into(), 1)
    );
}

/// What `rollout` and `set` refuse, each in one line.
#[test]
fn rollout_and_set_errors() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    assert_eq!(
        run("kubectl rollout pause deployment/web"),
        (
            "error: vipsim's kubectl does not model \"rollout pause\"; it supports rollout history, restart, status, undo\n"
                .into(),
            1
        )
    );
    assert_eq!(
        run("kubectl rollout stauts deployment/web"),
        ("error: unknown command \"stauts\" for \"kubectl rollout\"\n\nDid you mean this?\n\tstatus\n".into(), 1)
    );
    assert_eq!(
        run("kubectl rollout status deployment/web --to-revision=1"),
        (
            "error: unknown flag: --to-revision (vipsim's kubectl rollout status supports -n -w --timeout --revision)\n"
                .into(),
            1
        )
    );
    assert_eq!(
        run("kubectl rollout status svc/web"),
        ("error: vipsim's kubectl rollout status works on deployments, not services\n".into(), 1)
    );
    assert_eq!(
        run("kubectl rollout status deploy/nope"),
        ("Error from server (NotFound): deployments.apps \"nope\" not found\n".into(), 1)
    );
    assert_eq!(run("kubectl set image deploy/web"), ("error: at least one image update is required\n".into(), 1));
    assert_eq!(
        run("kubectl set env deploy/web A=b"),
        ("error: vipsim's kubectl does not model \"set env\"; it supports: set image\n".into(), 1)
    );
}

/// `kubectl patch svc`: a strategic merge patch and a JSON merge patch that
/// change the Service, then the same patch again (`patched (no change)`,
/// kubectl's `patchOperation` in staging/src/k8s.io/kubectl/pkg/cmd/patch/
/// patch.go, v0.34.0). The patched object is read back through the
/// scenario loader (one deserializer in the wasm); these outputs are the
/// ones the serde_json reading printed.
#[test]
fn patch_service_strategic_and_merge_outputs() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    let policy = r#"kubectl patch svc web -p '{"spec":{"externalTrafficPolicy":"Cluster"}}'"#;
    assert_eq!(run(policy), ("service/web patched\n".into(), 0));
    assert_eq!(run(policy), ("service/web patched (no change)\n".into(), 0));
    let merge = r#"kubectl patch svc web --type merge -p '{"metadata":{"labels":{"tier":"front"}},"spec":{"externalTrafficPolicy":"Local"}}'"#;
    assert_eq!(run(merge), ("service/web patched\n".into(), 0));
    assert_eq!(
        run("kubectl get svc web -o jsonpath={.metadata.labels.tier}/{.spec.externalTrafficPolicy}"),
        ("front/Local".into(), 0)
    );
}

/// A LoadBalancer that stays one keeps its `loadBalancerClass`: the API
/// server refuses the change (`validateLoadBalancerClassField`,
/// pkg/apis/core/validation/validation.go, Kubernetes 1.34), printing the
/// absent class as "null". Leaving the LoadBalancer type with the class
/// removed is allowed, and a new class may come with the type.
#[test]
fn a_load_balancers_class_may_not_change_once_set() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    let refused = |value: &str| {
        (
            format!(
                "The Service \"web\" is invalid: spec.loadBalancerClass: Invalid value: \"{value}\": may not change once set\n"
            ),
            1,
        )
    };
    assert_eq!(
        run(r#"kubectl patch svc web -p '{"spec":{"loadBalancerClass":"example.com/lb"}}'"#),
        refused("example.com/lb")
    );
    let to_cluster_ip = r#"kubectl patch svc web -p '{"spec":{"type":"ClusterIP","externalTrafficPolicy":null,"allocateLoadBalancerNodePorts":null}}'"#;
    assert_eq!(run(to_cluster_ip).1, 0);
    let back = r#"kubectl patch svc web -p '{"spec":{"type":"LoadBalancer","loadBalancerClass":"example.com/lb"}}'"#;
    assert_eq!(run(back), ("service/web patched\n".into(), 0));
    assert_eq!(run(r#"kubectl patch svc web --type merge -p '{"spec":{"loadBalancerClass":null}}'"#), refused("null"));
}

/// A patch with a field the Service does not have. kubectl patch has no
/// `--validate` flag and sends no field validation directive
/// (staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go, v0.34.0), so the
/// API server uses its default, Warn (`fieldValidation` in
/// k8s.io/apiserver pkg/endpoints/handlers/rest.go, 1.34): it drops each
/// unknown field, answers with a warning `unknown field "<path>"`
/// (`fromUnstructuredContext.recordUnknownField`, apimachinery
/// runtime/converter.go), and applies the rest. kubectl prints the
/// warnings first, on stderr. Strict validation (`strict decoding
/// error`) is what `kubectl apply|create|replace` ask for with their
/// `--validate=strict` default, not patch.
#[test]
fn patch_with_unknown_fields_warns_and_applies_the_rest() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    assert_eq!(
        run(r#"kubectl patch svc web -p '{"spec":{"foo":1}}'"#),
        ("Warning: unknown field \"spec.foo\"\nservice/web patched (no change)\n".into(), 0)
    );
    assert_eq!(
        run(r#"kubectl patch svc web -p '{"spec":{"externalTrafficPolicy":"Cluster","ports":[{"port":80,"bar":2}]}}'"#),
        ("Warning: unknown field \"spec.ports[0].bar\"\nservice/web patched\n".into(), 0)
    );
    assert_eq!(run("kubectl get svc web -o jsonpath={.spec.externalTrafficPolicy}"), ("Cluster".into(), 0));
    assert_eq!(
        run(r#"kubectl patch deploy web --type merge -p '{"spec":{"paused":true,"replica":2}}'"#),
        (
            "Warning: unknown field \"spec.paused\"\nWarning: unknown field \"spec.replica\"\ndeployment.apps/web patched (no change)\n"
                .into(),
            0
        )
    );
}

/// A patch whose result has a value of the wrong type fails as the API
/// server fails it (`applyPatchToObject` for a strategic merge patch,
/// `jsonPatcher.applyPatchToCurrentObject` for a merge patch, in
/// k8s.io/apiserver pkg/endpoints/handlers/patch.go, 1.34): an `Invalid
/// value` of the field `patch` quoting the patch as Go prints the map it
/// decoded (strategic) or the patched object's JSON (merge), which
/// kubectl's `checkErr` (pkg/cmd/util/helpers.go, v0.34.0) prints as `The
/// request is invalid: patch: ...`. The reason names the field: the API
/// server's own says `unrecognized type: int32` (strategic) or `json:
/// cannot unmarshal string into Go struct field
/// ServicePort.spec.ports.port of type int32` (merge). A number where a
/// string belongs is refused too (Go: `cannot convert int64 to string`),
/// though the loader's YAML reads `1` as a string.
#[test]
fn patch_with_a_wrong_type_is_invalid_and_names_the_field() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    assert_eq!(
        run(r#"kubectl patch svc web -p '{"spec":{"ports":[{"port":"a"}]}}'"#),
        (
            "The request is invalid: patch: Invalid value: \"map[spec:map[ports:[map[port:a]]]]\": spec.ports[1].port: invalid type: string \"a\", expected u16\n".into(),
            1
        )
    );
    assert_eq!(
        run(r#"kubectl patch svc web --type merge -p '{"spec":{"ports":[{"port":"a"}]}}'"#),
        (
            r#"The request is invalid: patch: Invalid value: "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"externalTrafficPolicy\":\"Local\",\"ports\":[{\"port\":\"a\"}],\"selector\":{\"app\":\"web-app\"},\"type\":\"LoadBalancer\"}}": spec.ports[0].port: invalid type: string "a", expected u16
"#
            .into(),
            1
        )
    );
    assert_eq!(
        run(r#"kubectl patch svc web -p '{"metadata":{"labels":{"app":1}}}'"#),
        (
            "The request is invalid: patch: Invalid value: \"map[metadata:map[labels:map[app:1]]]\": metadata.labels.app: invalid type: integer `1`, expected a string\n".into(),
            1
        )
    );
    assert_eq!(
        run(r#"kubectl patch deploy web -p '{"spec":{"replicas":true}}'"#),
        (
            "The request is invalid: patch: Invalid value: \"map[spec:map[replicas:true]]\": spec.replicas: invalid type: boolean `true`, expected u32\n".into(),
            1
        )
    );
    // Nothing was changed by the refused patches.
    assert_eq!(run("kubectl get svc web -o jsonpath={.spec.ports[*].port}"), ("80".into(), 0));
}

/// kubectl reads `-p` as YAML and sends it as JSON, except text that
/// starts with `{`, which it sends untouched (`yaml.ToJSON`,
/// k8s.io/apimachinery pkg/util/yaml, 1.34). A YAML mistake is refused by
/// kubectl itself, `unable to parse %q: %v` (RunPatch,
/// pkg/cmd/patch/patch.go, v0.34.0) with go-yaml v2's words; a JSON
/// mistake reaches the API server, which answers 400 with Go's
/// `encoding/json` words (`strategicPatchObject`, and `error decoding
/// patch: ` first for a merge patch: k8s.io/apiserver
/// pkg/endpoints/handlers/patch.go, 1.34).
#[test]
fn patch_that_is_not_json_is_refused() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    assert_eq!(
        run("kubectl patch svc web -p '{not json'"),
        (
            "Error from server (BadRequest): invalid character 'n' looking for beginning of object key string\n".into(),
            1
        )
    );
    // Keys left unquoted, the usual slip when JSON is typed in a shell.
    assert_eq!(
        run("kubectl patch deploy web --type merge -p '{spec:{replicas:3}}'"),
        (
            "Error from server (BadRequest): error decoding patch: invalid character 's' looking for beginning of object key string\n"
                .into(),
            1
        )
    );
    assert_eq!(
        run(r#"kubectl patch deploy web -p '{"spec":{"replicas":3}'"#),
        ("Error from server (BadRequest): unexpected end of JSON input\n".into(), 1)
    );
    assert_eq!(
        run("kubectl patch deploy web -p 'spec: replicas: 3'"),
        (
            "error: unable to parse \"spec: replicas: 3\": yaml: mapping values are not allowed in this context\n"
                .into(),
            1
        )
    );
    // go-yaml v2 counts a parser error's line from 0 (here the end of the
    // text, after its third line) and names none when that is 0, as for
    // the scanner error above on the first line (`parser.fail`, yaml.v2).
    assert_eq!(
        run("kubectl patch deploy web -p 'spec:\n  replicas: 3\n  paused: [true'"),
        (
            "error: unable to parse \"spec:\\n  replicas: 3\\n  paused: [true\": yaml: line 3: did not find expected ',' or ']'\n"
                .into(),
            1
        )
    );
    assert_eq!(
        run("kubectl patch deploy web -p '[1]'"),
        (
            "Error from server (BadRequest): json: cannot unmarshal array into Go value of type map[string]interface {}\n"
                .into(),
            1
        )
    );
    // Nothing was changed by the refused patches.
    assert_eq!(run("kubectl get deploy web -o jsonpath={.spec.replicas}"), ("3".into(), 0));
}

/// A patch written in YAML is converted to JSON by kubectl and applied
/// like the same patch in JSON (`yaml.ToJSON`, kubectl's `-p` help: "JSON
/// and YAML formats are accepted").
#[test]
fn patch_written_in_yaml_applies() {
    let mut sh = Shell::new("metallb-traffic-policy");
    let mut w = sh.world(40);
    let mut run = |cmd: &str| console_common::run(&mut w, "client", cmd);
    assert_eq!(run("kubectl patch deploy web -p 'spec: {replicas: 4}'"), ("deployment.apps/web patched\n".into(), 0));
    assert_eq!(run("kubectl get deploy web -o jsonpath={.spec.replicas}"), ("4".into(), 0));
    assert_eq!(
        run("kubectl patch svc web --type merge -p 'spec:\n  externalTrafficPolicy: Cluster'"),
        ("service/web patched\n".into(), 0)
    );
    assert_eq!(run("kubectl get svc web -o jsonpath={.spec.externalTrafficPolicy}"), ("Cluster".into(), 0));
}

/// The API server reads a pod's log from the kubelet of the pod's node
/// (`LogLocation`, pkg/registry/core/pod/strategy.go, Kubernetes 1.34:
/// https://<node InternalIP>:10250/containerLogs/<ns>/<pod>/<container>,
/// the options as a sorted query). A powered-off node does not answer ARP,
/// so the API server's connect fails with EHOSTUNREACH and kubectl prints
/// the server's error. With -l, kubectl 1.34 asks each pod for its last 10
/// lines (`selectorTail`, pkg/cmd/logs/logs.go) and prints the pods in
/// turn until the first error (`sequentialConsumeRequest`).
#[test]
fn logs_of_a_pod_on_a_powered_off_node_fail_at_its_kubelet() {
    let mut sh = Shell::new("metallb-l2-failover");
    // node-a lost power at 20 s; its speaker is still listed until eviction.
    assert_eq!(
        sh.sh(60, "client", "kubectl logs -n metallb-system speaker-fzksg"),
        (
            "Error from server: Get \"https://192.168.1.11:10250/containerLogs/metallb-system/speaker-fzksg/speaker\": dial tcp 192.168.1.11:10250: connect: no route to host\n".into(),
            1
        )
    );
    let leave = "{\"caller\":\"speakerlist.go:313\",\"level\":\"info\",\"msg\":\"node event - forcing sync\",\"node addr\":\"192.168.1.11\",\"node event\":\"NodeLeave\",\"node name\":\"node-a\",\"ts\":\"2026-01-01T00:00:25Z\"}";
    let took_over = "{\"caller\":\"main.go:420\",\"event\":\"serviceAnnounced\",\"ips\":[\"192.168.1.201\"],\"level\":\"info\",\"msg\":\"service has IP, announcing\",\"pool\":\"lan-pool\",\"protocol\":\"layer2\",\"ts\":\"2026-01-01T00:00:25Z\"}";
    assert_eq!(
        sh.sh(60, "client", "kubectl logs -n metallb-system -l component=speaker --prefix --timestamps"),
        (
            format!(
                "[pod/speaker-b9shv/speaker] 2026-01-01T00:00:25.000000000Z {leave}\n\
                 [pod/speaker-b9shv/speaker] 2026-01-01T00:00:25.000000000Z {took_over}\n\
                 Error from server: Get \"https://192.168.1.11:10250/containerLogs/metallb-system/speaker-fzksg/speaker?tailLines=10&timestamps=true\": dial tcp 192.168.1.11:10250: connect: no route to host\n"
            ),
            1
        )
    );
}

/// `kubectl logs -l` shows each pod's last 10 lines unless --tail says
/// otherwise (`selectorTail`, kubectl 1.34 pkg/cmd/logs/logs.go); a pod
/// named alone shows them all. One node leads twelve Services: its speaker
/// logs twelve announcements.
#[test]
fn logs_by_selector_show_each_pod_s_last_ten_lines() {
    let mut y = String::from(
        "apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: twelve\n  title: twelve services\n\
         spec:\n  duration: 20s\n  cluster:\n    loadBalancer: metallb\n    announce: l2\n  hosts:\n  \
         - name: gw\n    role: router\n    ip: 10.20.0.1/24\n  - name: only\n    role: node\n    ip: 10.20.0.7/24\n\
         ---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: pool\n  namespace: metallb-system\n\
         spec:\n  addresses:\n  - 10.20.0.100-10.20.0.150\n\
         ---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: lan\n  namespace: metallb-system\n\
         ---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n  selector:\n    \
         matchLabels:\n      app: app\n  template:\n    metadata:\n      labels:\n        app: app\n    spec:\n      \
         containers:\n      - name: echo\n        image: hashicorp/http-echo\n        args: [\"-text=hi\", \"-listen=:8080\"]\n",
    );
    for i in 0..12 {
        y += &format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s{i:02}\nspec:\n  type: LoadBalancer\n  \
             selector:\n    app: app\n  ports:\n  - port: 80\n    targetPort: 8080\n"
        );
    }
    let scenario = vipsim::scenario::load::load("twelve.yaml", &y).unwrap_or_else(|d| panic!("{d:?}"));
    let mut run = vipsim::play::run::Run::new(std::rc::Rc::new(scenario), None, None, None).expect("builds");
    run.seek_time(vipsim::time::Instant::from_secs(15));
    let mut w = run.world().clone();
    let all = console_common::run(&mut w, "gw", "kubectl logs -n metallb-system ds/speaker").0;
    let announced = |text: &str| text.lines().filter(|l| l.contains("serviceAnnounced")).count();
    assert_eq!(announced(&all), 12, "{all}");
    let by_label = console_common::run(&mut w, "gw", "kubectl logs -n metallb-system -l component=speaker").0;
    assert_eq!(by_label.lines().count(), 10, "{by_label}");
    assert_eq!(by_label.lines().collect::<Vec<_>>(), all.lines().skip(all.lines().count() - 10).collect::<Vec<_>>());
    let every = console_common::run(&mut w, "gw", "kubectl logs -n metallb-system -l component=speaker --tail=-1").0;
    assert_eq!(every, all);
}

/// The API server reaches a pod's logs and exec through its node's
/// kubelet (port 10250). A node cut from the LAN fails like a powered-off
/// one (ARP unanswered: "no route to host"); a node powered on and still
/// booting answers the SYN with a RST until its kubelet starts
/// ("connection refused"). A scenario of other names and addresses than
/// the shipped ones, with a partition and a reboot.
#[test]
fn logs_and_exec_fail_at_a_kubelet_that_does_not_answer() {
    let y = "apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: cut\n  title: cut and reboot\n\
             spec:\n  duration: 90s\n  cluster:\n    loadBalancer: metallb\n    announce: l2\n  hosts:\n  \
             - name: edge\n    role: router\n    ip: 10.30.0.1/24\n  - name: worker-x\n    role: node\n    ip: 10.30.0.21/24\n  \
             - name: worker-y\n    role: node\n    ip: 10.30.0.22/24\n  timeline:\n  \
             - at: 10s\n    fault: { host: worker-x, action: partition }\n  \
             - at: 10s\n    fault: { host: worker-y, action: power-off }\n  \
             - at: 30s\n    fault: { host: worker-x, action: heal }\n  \
             - at: 40s\n    fault: { host: worker-y, action: power-on }\n\
             ---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: pool\n  namespace: metallb-system\n\
             spec:\n  addresses:\n  - 10.30.0.100-10.30.0.110\n\
             ---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: lan\n  namespace: metallb-system\n";
    let scenario = vipsim::scenario::load::load("cut.yaml", y).unwrap_or_else(|d| panic!("{d:?}"));
    let mut run = vipsim::play::run::Run::new(std::rc::Rc::new(scenario), None, None, None).expect("builds");
    let mut at = |secs: u64| {
        let t = vipsim::time::Instant::from_secs(secs);
        run.seek_time(t);
        let mut w = run.world().clone();
        vipsim::play::drive::run_until(&mut w, t, &mut Vec::new());
        w
    };
    let mut w = at(5);
    let pods = console_common::run(&mut w, "edge", "kubectl get pods -n metallb-system -o wide").0;
    let speaker_on = |node: &str| {
        let line = pods.lines().find(|l| l.contains("speaker") && l.contains(node)).unwrap_or_else(|| panic!("{pods}"));
        line.split_whitespace().next().expect("a name").to_string()
    };
    let (x, y) = (speaker_on("worker-x"), speaker_on("worker-y"));
    let logs = |w: &mut vipsim::sim::World, pod: &str| {
        console_common::run(w, "edge", &format!("kubectl logs -n metallb-system {pod} --tail=1"))
    };
    let refused = |pod: &str, ip: &str, why: &str| {
        (
            format!(
                "Error from server: Get \"https://{ip}:10250/containerLogs/metallb-system/{pod}/speaker?tailLines=1\": dial tcp {ip}:10250: connect: {why}\n"
            ),
            1,
        )
    };
    // Both answer before the faults.
    assert_eq!(logs(&mut w, &x).1, 0);
    assert_eq!(logs(&mut w, &y).1, 0);

    let mut w = at(20);
    assert_eq!(logs(&mut w, &x), refused(&x, "10.30.0.21", "no route to host"));
    assert_eq!(logs(&mut w, &y), refused(&y, "10.30.0.22", "no route to host"));
    assert_eq!(
        console_common::run(&mut w, "edge", &format!("kubectl exec -n metallb-system {x} -- ls")),
        ("Error from server: error dialing backend: dial tcp 10.30.0.21:10250: connect: no route to host\n".into(), 1)
    );

    // worker-x is back on the LAN; worker-y boots until 60 s (NODE_BOOT).
    let mut w = at(45);
    assert_eq!(logs(&mut w, &x).1, 0);
    assert_eq!(logs(&mut w, &y), refused(&y, "10.30.0.22", "connection refused"));
    assert_eq!(
        console_common::run(&mut w, "edge", &format!("kubectl exec -n metallb-system {y} -- ls")),
        (
            "Error from server: error dialing backend: dial tcp 10.30.0.22:10250: connect: connection refused\n".into(),
            1
        )
    );

    let mut w = at(70);
    assert_eq!(logs(&mut w, &y).1, 0, "its kubelet answers after the boot");
    // A running kubelet: exec reaches the container, which vipsim does not model.
    let (text, exit) = console_common::run(&mut w, "edge", &format!("kubectl exec -n metallb-system {y} -- ls"));
    assert!(text.starts_with("vipsim: kubectl exec runs cilium-dbg in Cilium agent pods only"), "{text}");
    assert_eq!(exit, 1);
}

/// A named `targetPort` that two Deployments' pods declare as different
/// numbers: the EndpointSlice controller groups endpoints by their
/// resolved ports, so the Service gets one slice per port set
/// (`reconcileByAddressType`, pkg/controller/endpointslice/reconciler.go,
/// Kubernetes 1.34), and `kubectl describe svc` lists each endpoint with
/// its own slice's port, ready endpoints only (`formatEndpointSlices`,
/// kubectl 1.34 pkg/describe/describe.go). Before, one slice carried the
/// first pod's ports for both, and describe printed `:8080` for the pod
/// that listens on 9090.
#[test]
fn a_named_target_port_resolved_two_ways_makes_two_slices() {
    let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/named-port-two-ways.yaml"))
        .expect("the scenario");
    let mut sh = console_common::Shell::from_yaml(&yaml);
    assert_eq!(
        sh.sh(12, "alpha", "kubectl get endpointslices -o wide").0,
        text(&[
            "NAME        ADDRESSTYPE   PORTS       ENDPOINTS     AGE",
            "api-hrfwx   IPv4          8080,9100   10.244.0.59   12s",
            "api-vrlrp   IPv4          9090,9100   10.244.1.44   12s",
        ])
    );
    let endpoints = |sh: &mut console_common::Shell, at: u64| -> Vec<String> {
        sh.sh(at, "alpha", "kubectl describe svc api")
            .0
            .lines()
            .filter(|l| l.starts_with("Endpoints:"))
            .map(|l| l.trim_start_matches("Endpoints:").trim().to_string())
            .collect()
    };
    assert_eq!(endpoints(&mut sh, 12), ["10.244.0.59:8080,10.244.1.44:9090", "10.244.0.59:9100,10.244.1.44:9100"]);
    // At 1 s the pods are not ready yet: their slices list them, describe does not.
    assert_eq!(endpoints(&mut sh, 1), ["", ""]);
}

/// `kubectl label` of nodes and Services, with kubectl 1.34's answers
/// (pkg/cmd/label/label.go): `labeled`, `unlabeled`, `not labeled`, a
/// note for a key to remove that is not there, and no change of a value
/// without `--overwrite`. The label acts at once: a node labelled
/// `node.kubernetes.io/exclude-from-external-load-balancers` stops
/// announcing (MetalLB 0.14 `speaker/main.go`), so the failover's VIP
/// moves from node-a to node-b, and back when the label goes.
#[test]
fn label_nodes_and_services_and_the_speakers_follow() {
    let mut sh = Shell::new("metallb-l2-failover");
    let mut w = sh.world(9);
    // Who announces once the speakers have handled the change (their sync
    // is queued for the same instant).
    let leader = |w: &mut vipsim::sim::World| {
        let now = w.now;
        vipsim::play::drive::run_until(w, now, &mut Vec::new());
        w.cluster.announcers.get("default/web").cloned().unwrap_or_default()
    };
    assert_eq!(leader(&mut w), ["node-a"]);
    let exclude = "node.kubernetes.io/exclude-from-external-load-balancers";
    let run = |w: &mut vipsim::sim::World, cmd: &str| console_common::run(w, "client", cmd);
    assert_eq!(run(&mut w, &format!("kubectl label node node-a {exclude}=")), ("node/node-a labeled\n".into(), 0));
    assert_eq!(leader(&mut w), ["node-b"]);
    assert_eq!(
        run(&mut w, &format!("kubectl label node node-a {exclude}=true")),
        (format!("error: '{exclude}' already has a value (), and --overwrite is false\n"), 1)
    );
    assert_eq!(
        run(&mut w, &format!("kubectl label node/node-a {exclude}- gone-")),
        ("label \"gone\" not found.\nnode/node-a unlabeled\n".into(), 0)
    );
    assert_eq!(leader(&mut w), ["node-a"]);
    assert_eq!(run(&mut w, "kubectl label svc web tier=front"), ("service/web labeled\n".into(), 0));
    assert_eq!(run(&mut w, "kubectl label svc web tier=front"), ("service/web not labeled\n".into(), 0));
    assert_eq!(run(&mut w, "kubectl label svc web tier=back --overwrite"), ("service/web labeled\n".into(), 0));
    assert!(run(&mut w, "kubectl describe svc web").0.contains("Labels:                   tier=back\n"));
    assert_eq!(run(&mut w, "kubectl label svc web 'bad key=1'").1, 1);
    assert_eq!(
        run(&mut w, "kubectl label node node-x a=b"),
        ("Error from server (NotFound): nodes \"node-x\" not found\n".into(), 1)
    );
    assert_eq!(
        run(&mut w, "kubectl label pod web-x a=b"),
        ("error: vipsim's kubectl labels nodes and services, not pods\n".into(), 1)
    );
}

/// `kubectl delete -l`: every object of the kind in the namespace whose
/// labels match, as kubectl 1.34 deletes them (pkg/cmd/delete/delete.go):
/// each named as it goes, `No resources found` without a match, and names
/// together with a selector refused. The Deployment then replaces its pods.
#[test]
fn delete_by_label_selector() {
    let mut sh = Shell::new("metallb-l2-failover");
    let mut w = sh.world(10);
    let pods: Vec<String> = console_common::run(&mut w, "client", "kubectl get pods -l app=web-app -o name")
        .0
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .collect();
    assert_eq!(pods.len(), 3);
    let deleted: String = pods.iter().map(|p| format!("pod \"{p}\" deleted from default namespace\n")).collect();
    assert_eq!(console_common::run(&mut w, "client", "kubectl delete pod -l app=web-app"), (deleted, 0));
    assert_eq!(
        console_common::run(&mut w, "client", "kubectl delete pod -l app=nothing"),
        ("No resources found\n".into(), 0)
    );
    assert_eq!(
        console_common::run(&mut w, "client", "kubectl delete pod web-x -l app=web-app"),
        ("error: name cannot be provided when a selector is specified\n".into(), 1)
    );
}

/// `kubectl drain` of a node that runs a bare Pod (no controller): kubectl
/// cordons the node, then its `unreplicatedFilter` (kubectl pkg/drain/
/// filters.go, 1.34) refuses the pod without `--force`, and `RunDrain`
/// (pkg/cmd/drain/drain.go) prints the errors, `[a, b]` when there are
/// several, leaves the node pending and exits 1; since kubectl 1.33 the
/// message no longer reads "cannot delete cannot delete". With `--force`
/// the pod is evicted after a `Warning: deleting Pods that declare no
/// controller` line (`PodDeleteList.Warnings`, joined with "; ").
#[test]
fn drain_refuses_a_bare_pod_without_force() {
    let yaml = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: drain-bare }
spec:
  duration: 20s
  hosts:
  - { name: router, role: router, ip: 192.168.1.1/24 }
  - { name: node-a, role: node, ip: 192.168.1.11/24 }
  - { name: node-b, role: node, ip: 192.168.1.12/24 }
---
apiVersion: v1
kind: Pod
metadata: { name: bare }
spec:
  nodeName: node-a
  containers:
  - { name: c, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec] }
"#;
    let mut sh = console_common::Shell::from_yaml(yaml);
    let mut w = sh.world(10);
    let mut run = |cmd: &str| console_common::run(&mut w, "router", cmd);
    let daemons = ["kube-proxy", "speaker"];
    let ns = ["kube-system", "metallb-system"];
    let daemon_pods: Vec<String> = daemons
        .iter()
        .zip(ns)
        .map(|(d, ns)| format!("{ns}/{}", vipsim::k8s::workloads::daemon_pod_name(d, "node-a")))
        .collect();
    let daemon_error =
        format!("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {}", daemon_pods.join(", "));
    let bare_error = "cannot delete Pods that declare no controller (use --force to override): default/bare";
    assert_eq!(
        run("kubectl drain node-a"),
        (
            text(&[
                "node/node-a cordoned",
                &format!(
                    "error: unable to drain node \"node-a\" due to error: [{daemon_error}, {bare_error}], continuing command..."
                ),
                "There are pending nodes to be drained:",
                " node-a",
                &daemon_error,
                bare_error,
            ]),
            1
        )
    );
    assert_eq!(
        run("kubectl drain node-a --ignore-daemonsets"),
        (
            text(&[
                "node/node-a already cordoned",
                &format!("error: unable to drain node \"node-a\" due to error: {bare_error}, continuing command..."),
                "There are pending nodes to be drained:",
                " node-a",
                bare_error,
            ]),
            1
        )
    );
    assert!(run("kubectl get pods").0.contains("bare   1/1     Running"));
    assert_eq!(
        run("kubectl drain node-a --ignore-daemonsets --force"),
        (
            text(&[
                "node/node-a already cordoned",
                &format!(
                    "Warning: ignoring DaemonSet-managed Pods: {}; deleting Pods that declare no controller: default/bare",
                    daemon_pods.join(", ")
                ),
                "evicting pod default/bare",
                "pod/bare evicted",
                "node/node-a drained",
            ]),
            0
        )
    );
}

/// `kubectl delete pod X --grace-period=0 --force` sends a grace period of
/// 0 and says so: the warning first on stderr, then `force deleted`
/// (`Validate` and `PrintObj` in kubectl pkg/cmd/delete/delete.go, 1.34;
/// the namespace since 1.33). The API server removes such a pod at once
/// (`CheckGracefulDelete`, pkg/registry/core/pod/strategy.go; `BeforeDelete`
/// in apiserver pkg/registry/rest/delete.go), so its endpoint goes at once
/// instead of serving as terminating. `--grace-period=0` without `--force`
/// is sent as 1 s, and `--force` with a longer grace period is refused
/// (`Validate`).
#[test]
fn force_delete_removes_the_pod_at_once_and_says_so() {
    let pod = |name: &str, node: &str| {
        format!(
            r#"---
apiVersion: v1
kind: Pod
metadata: {{ name: {name}, labels: {{ app: web }} }}
spec:
  nodeName: {node}
  containers:
  - {{ name: c, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec, --http-port=8080] }}
"#
        )
    };
    let yaml = format!(
        r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: force-delete }}
spec:
  duration: 20s
  hosts:
  - {{ name: router, role: router, ip: 192.168.1.1/24 }}
  - {{ name: node-a, role: node, ip: 192.168.1.11/24 }}
  - {{ name: node-b, role: node, ip: 192.168.1.12/24 }}
---
apiVersion: v1
kind: Service
metadata: {{ name: web }}
spec:
  selector: {{ app: web }}
  ports: [ {{ port: 80, targetPort: 8080 }} ]
{}{}{}"#,
        pod("gone", "node-a"),
        pod("soft", "node-b"),
        pod("kept", "node-b")
    );
    let mut sh = console_common::Shell::from_yaml(&yaml);
    let mut w = sh.world(10);
    let mut run = |cmd: &str| console_common::run(&mut w, "router", cmd);
    assert_eq!(
        run("kubectl delete pod gone --grace-period=0 --force"),
        (
            text(&[
                "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.",
                "pod \"gone\" force deleted from default namespace",
            ]),
            0
        )
    );
    assert_eq!(
        run("kubectl delete pod soft --grace-period=0"),
        ("pod \"soft\" deleted from default namespace\n".into(), 0)
    );
    assert_eq!(
        run("kubectl delete pod kept --grace-period=5 --force"),
        ("error: --force and --grace-period greater than 0 cannot be specified together\n".into(), 1)
    );
    assert_eq!(
        run("kubectl delete pod kept --grace-period=5"),
        ("pod \"kept\" deleted from default namespace\n".into(), 0)
    );
    let slices = r#"kubectl get endpointslices -o jsonpath="{range .items[0].endpoints[*]}{.targetRef.name} {.conditions};{end}""#;
    assert_eq!(
        run(slices).0,
        concat!(
            r#"kept {"ready":false,"serving":true,"terminating":true};"#,
            r#"soft {"ready":false,"serving":true,"terminating":true};"#
        )
    );
    assert_eq!(
        run("kubectl get pods"),
        (
            text(&[
                "NAME   READY   STATUS        RESTARTS   AGE",
                "kept   1/1     Terminating   0          10s",
                "soft   1/1     Terminating   0          10s",
            ]),
            0
        )
    );
    // The API server keeps the grace period the delete gave, not the pod's own 30 s.
    assert_eq!(run("kubectl get pod kept -o jsonpath={.metadata.deletionGracePeriodSeconds}").0, "5");
    assert_eq!(run("kubectl get pod soft -o jsonpath={.metadata.deletionGracePeriodSeconds}").0, "1");
    // A Terminating pod force-deleted goes at once too.
    assert_eq!(
        run("kubectl delete pod kept --force").0,
        text(&[
            "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.",
            "pod \"kept\" force deleted from default namespace",
        ])
    );
    assert_eq!(run(slices).0, r#"soft {"ready":false,"serving":true,"terminating":true};"#);
    assert_eq!(
        run("kubectl delete pod soft --grace-period=x"),
        (
            text(&[
                "error: invalid argument \"x\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"x\": invalid syntax",
                "See 'kubectl delete --help' for usage.",
            ]),
            1
        )
    );
}
