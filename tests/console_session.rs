//! The learner's console as the playground drives it, on a shipped
//! scenario's run: what prints at once and what runs in the run
//! (`console::session`), the scenario's own command lines in the history,
//! and Tab completion of arguments (`console::complete`). The console sits
//! below `play` in the layers, so the tests that need a run live here.

use std::rc::Rc;
use vipsim::console::complete::{Candidate, Completion, complete};
use vipsim::console::session::{Effect, effect, finished, printed, scripted};
use vipsim::play::run::Run;
use vipsim::sim::{Action, World};
use vipsim::time::{Duration, Instant};

fn failover() -> Run {
    let s = vipsim::catalog::find("metallb-l2-failover").expect("shipped");
    let scenario = vipsim::scenario::load::load(s.file, s.yaml).expect("loads");
    Run::new(Rc::new(scenario), None, None, None).expect("builds")
}

fn world_at(id: &str, secs: u64) -> World {
    let s = vipsim::catalog::find(id).expect("shipped");
    let scenario = vipsim::scenario::load::load(s.file, s.yaml).expect("loads");
    let mut run = Run::new(Rc::new(scenario), None, None, None).expect("builds");
    run.seek_time(Instant::from_secs(secs));
    run.world().clone()
}

fn words(c: &Completion) -> Vec<&str> {
    c.candidates.iter().map(|c| c.word.as_str()).collect()
}

#[test]
fn reads_print_at_once_and_tools_that_take_time_or_change_the_world_go_into_the_run() {
    let mut run = failover();
    run.seek_time(Instant::from_secs(30));
    let w = run.world();
    match effect(w, "client", "kubectl get svc web", false) {
        Effect::Prints(out) => assert!(out.contains("192.168.1.201"), "{out}"),
        other => panic!("kubectl get reads: {other:?}"),
    }
    assert_eq!(effect(w, "client", "kubectl get svc web", true), Effect::Runs, "a graded read is recorded");
    assert_eq!(effect(w, "client", "curl -m 1 http://192.168.1.201/", false), Effect::Runs);
    assert_eq!(effect(w, "router", "ip neigh flush all", false), Effect::Runs);
    assert_eq!(effect(w, "nowhere", "ip neigh", false), Effect::Prints("no host named nowhere\n".into()));
}

#[test]
fn a_line_that_takes_time_finishes_in_its_run_where_the_cursor_can_go() {
    // curl -m 1 at 30 s in the blackhole times out 1 s later (curl 8.5: error 28).
    let mut run = failover();
    run.seek_time(Instant::from_secs(30));
    let at = run.world().now;
    run.act(Action::Run { host: "client".into(), cmd: "curl -m 1 http://192.168.1.201/".into() });
    let done = finished(run.trace(), "client", "curl -m 1 http://192.168.1.201/", at).expect("finishes");
    assert_eq!(done.t.saturating_since(at), Duration::from_secs(1));
    let text = printed(done).expect("a command");
    assert!(text.starts_with("curl: (28) Connection timed out after 10"), "{text}");
}

#[test]
fn the_timeline_s_curl_loop_is_one_entry_at_its_latest_run() {
    let mut run = failover();
    run.seek_time(Instant::from_secs(30));
    let lines = scripted(run.world(), run.visible());
    assert_eq!(lines.len(), 1, "{lines:?}");
    let curl = &lines[0];
    assert_eq!((curl.host.as_str(), curl.first), ("client", Instant::from_secs(8)));
    assert_eq!(curl.every, Some(Duration::from_secs(1)));
    // 8 s to 29 s have finished by 30 s (each takes up to 1 s): 22 runs,
    // the ten from 20 s on time out (node-a loses power at 20 s, in the
    // same instant as that request leaves).
    assert_eq!(curl.runs, 22);
    assert_eq!(curl.started, Instant::from_secs(29));
    assert_eq!(curl.failed, 10);
    // A line typed in the console is not the scenario's.
    run.act(Action::Run { host: "client".into(), cmd: "kubectl get svc".into() });
    assert_eq!(scripted(run.world(), run.visible()).len(), 1);
}

#[test]
fn commands_then_kubectl_verbs_resources_and_names() {
    let w = world_at("metallb-l2-failover", 30);
    assert_eq!(complete(&w, "client", "kub").line, "kubectl ");
    assert_eq!(complete(&w, "client", "kubectl ge").line, "kubectl get ");
    let d = complete(&w, "client", "kubectl de");
    assert_eq!((d.line.as_str(), words(&d)), ("kubectl de", vec!["describe", "delete"]));
    assert_eq!(complete(&w, "client", "kubectl get sv").line, "kubectl get svc ");
    assert_eq!(complete(&w, "client", "kubectl get svc w").line, "kubectl get svc web ");
    // MetalLB's resources are served in a MetalLB cluster.
    assert_eq!(complete(&w, "client", "kubectl get ipaddressp").line, "kubectl get ipaddresspools ");
    // Names come from the namespace the line names.
    let pods = complete(&w, "client", "kubectl logs -n metallb-system speaker-");
    assert_eq!(pods.candidates.len(), 3, "{pods:?}");
    assert!(pods.candidates.iter().all(|c| c.word.starts_with("speaker-")), "{pods:?}");
    assert_eq!(complete(&w, "client", "kubectl scale deployment/w").line, "kubectl scale deployment/web ");
    assert_eq!(complete(&w, "client", "kubectl get pods -n kube-sy").line, "kubectl get pods -n kube-system ");
    assert_eq!(complete(&w, "client", "kubectl cordon node-").line, "kubectl cordon node-");
    assert_eq!(complete(&w, "client", "kubectl lab").line, "kubectl label ");
    assert_eq!(complete(&w, "client", "kubectl label serv").line, "kubectl label service ");
    assert_eq!(complete(&w, "client", "kubectl label service w").line, "kubectl label service web ");
}

#[test]
fn vips_first_for_the_tools_that_reach_an_address() {
    let w = world_at("metallb-l2-failover", 30);
    let c = complete(&w, "client", "curl -m 1 http://192.168.1.2");
    assert_eq!(c.line, "curl -m 1 http://192.168.1.201/");
    let a = complete(&w, "router", "arping -c 3 192.168.1.20");
    assert_eq!(a.line, "arping -c 3 192.168.1.201 ");
    let all = complete(&w, "router", "ping ");
    assert_eq!(all.candidates[0], Candidate { word: "192.168.1.201".into(), note: Some("VIP of default/web".into()) });
    assert!(
        all.candidates.contains(&Candidate { word: "192.168.1.11".into(), note: Some("node-a".into()) }),
        "{all:?}"
    );
    assert_eq!(complete(&w, "router", "tcpdump -i e").line, "tcpdump -i eth");
    assert_eq!(complete(&w, "router", "sudo ip neigh fl").line, "sudo ip neigh flush ");
    assert_eq!(complete(&w, "router", "timeout 5 tcpd").line, "timeout 5 tcpdump ");
}

#[test]
fn nothing_to_offer_leaves_the_line_alone() {
    let w = world_at("metallb-l2-failover", 30);
    assert_eq!(complete(&w, "client", "curl -m "), Completion { line: "curl -m ".into(), candidates: vec![] });
    assert_eq!(complete(&w, "client", "frobnicate x").line, "frobnicate x");
}

/// Every form of every command that only reads, in `w`.
fn reading_lines(w: &World) -> Vec<String> {
    use vipsim::console::kubectl::object_names;
    let mut lines: Vec<String> = [
        // The shell itself, and lines refused before a tool runs.
        "",
        "   ",
        "help",
        "sudo",
        "frobnicate --now",
        "kubeclt get pods",
        "echo 'unterminated",
        "timeout",
        "timeout x ip neigh",
        "timeout 5",
        "timeout 5 ip neigh",
        "sudo ip -s neigh",
        // Host tools.
        "ip neigh",
        "ip -s neigh",
        "ip neigh show",
        "ip n list",
        "ip neigh add 10.0.0.9 dev eth0",
        "ip addr",
        "ip a",
        "ip route",
        "ip r",
        "ip link",
        "ip",
        "conntrack",
        "conntrack -L",
        "conntrack --dump",
        "conntrack -X",
        "cilium-dbg service list",
        "cilium status --brief",
        "cilium-dbg bpf lb list",
        "vtysh -c \"show ip bgp summary\"",
        "vtysh -c \"sh ip bgp\"",
        "vtysh -c \"show ip route\"",
        "vtysh -c \"show running-config\"",
        "show ip arp",
        "show ip route",
        // Tools that take time, refused before they start.
        "curl",
        "curl -m x http://10.0.0.1/",
        "ping -i x 10.0.0.1",
        "ping",
        "arping",
        "arping -c x 10.0.0.1",
        "tcpdump -Z",
        // kubectl's reading verbs, and lines it refuses before its verb.
        "kubectl",
        "kubectl help",
        "kubectl frob",
        "kubectl edit svc web",
        "kubectl rollout",
        "kubectl rollout pause deploy/web",
        "kubectl rollout sideways deploy/web",
        "kubectl get pods --frobnicate",
        "kubectl get pods -- ls",
        "kubectl get",
        "kubectl get pods",
        "kubectl get pods -o wide",
        "kubectl get pods -A -o wide",
        "kubectl -n kube-system get pods",
        "kubectl get pods -n metallb-system --show-labels",
        "kubectl get pods -l app=web --sort-by=.spec.nodeName",
        "kubectl get pods --field-selector spec.nodeName=node-b",
        "kubectl get pods --watch",
        "kubectl get pod nope",
        "kubectl get pod nope --ignore-not-found",
        "kubectl get pods -o name",
        "kubectl get pods -o yaml",
        "kubectl get pods -o json",
        "kubectl get pods -o jsonpath='{.items[*].status.podIP}'",
        "kubectl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName",
        "kubectl get svc",
        "kubectl get svc -A",
        "kubectl get svc web -o yaml",
        "kubectl get svc,deploy,rs",
        "kubectl get all",
        "kubectl get all -A",
        "kubectl get nodes -o wide",
        "kubectl get ns",
        "kubectl get endpoints",
        "kubectl get endpointslices -o yaml",
        "kubectl get events",
        "kubectl get events -A",
        "kubectl get leases -A",
        "kubectl get ds -A",
        "kubectl get ipaddresspools -A",
        "kubectl get l2advertisements -A",
        "kubectl get bgppeers -A",
        "kubectl get ciliumloadbalancerippools",
        "kubectl get svc/web deploy/web",
        "kubectl get frobs",
        "kubectl describe svc web",
        "kubectl describe nodes",
        "kubectl describe deploy",
        "kubectl describe pod nope",
        "kubectl events",
        "kubectl events -A",
        "kubectl logs",
        "kubectl logs -n metallb-system -l component=speaker",
        "kubectl logs -n metallb-system -l component=speaker --tail=3",
        "kubectl logs deploy/web",
        "kubectl logs -n kube-system ds/kube-proxy",
        "kubectl exec deploy/web -- hostname",
        "kubectl version",
        "kubectl version --client",
        "kubectl api-resources",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for res in ["pods", "svc", "nodes", "deploy"] {
        for name in object_names(w, res, None) {
            lines.push(format!("kubectl describe {res} {name} -A"));
            lines.push(format!("kubectl get {res} {name} -o wide"));
        }
    }
    for pod in object_names(w, "pods", None) {
        lines.push(format!("kubectl logs -A {pod}"));
        for ns in ["default", "metallb-system", "kube-system"] {
            lines.push(format!("kubectl logs -n {ns} {pod}"));
            lines.push(format!("kubectl describe pod -n {ns} {pod}"));
        }
    }
    lines
}

/// What a line printed and the exit status recorded with it (none: nothing recorded).
type Ran = Result<Option<(String, Option<i32>)>, String>;

/// What `console::run` prints for `line` on a copy of `w`, with the exit
/// status it recorded, and whether the copy is still equal to `w`.
fn run_on_a_copy(w: &World, host: &str, line: &str) -> (Ran, bool) {
    let mut copy = w.clone();
    let mut trace = Vec::new();
    let out = vipsim::console::run(&mut copy, host, line, &mut trace);
    let exit = trace.iter().rev().find_map(|r| match &r.kind {
        vipsim::engine::trace::Kind::Command { exit, .. } => Some(*exit),
        _ => None,
    });
    (out.map(|o| o.map(|text| (text, exit))), copy == *w)
}

/// A line that only reads runs on the world itself
/// (`console::run_read_only`, which the tasks panel and the console ask
/// at every step instead of copying the world): it must print exactly
/// what `console::run` prints on a copy, with the same exit status, for
/// every reading form, on every host of every shipped scenario, at
/// moments before, during and after its faults.
#[test]
fn a_reading_line_prints_byte_for_byte_what_running_it_on_a_copy_prints() {
    let mut compared = 0;
    for id in ["metallb-l2-failover", "metallb-traffic-policy", "bgp-ecmp", "cilium-lb-ipam"] {
        for secs in [0, 12, 25, 45, 90] {
            let w = world_at(id, secs);
            let hosts: Vec<String> = w.net.hosts.iter().map(|h| h.name.to_string()).collect();
            let lines = reading_lines(&w);
            for (i, host) in hosts.iter().enumerate() {
                // kubectl reads the API server, the same from every host: its
                // forms on the first host only, the host tools on every one.
                for line in lines.iter().filter(|l| i == 0 || !l.starts_with("kubectl")) {
                    let what = format!("{id} at {secs} s, {host}$ {line}");
                    let read = vipsim::console::run_read_only(&w, host, line)
                        .unwrap_or_else(|| panic!("{what}: only reads, yet not read-only"));
                    let (ran, unchanged) = run_on_a_copy(&w, host, line);
                    assert!(unchanged, "{what}: changed the world");
                    match (read, ran) {
                        (Ok(p), Ok(Some((text, exit)))) => {
                            assert_eq!(p.text, text, "{what}");
                            // An empty line records nothing; it leaves the status 0.
                            assert_eq!(p.exit, exit.unwrap_or(0), "{what}");
                            assert_eq!(exit.is_none(), line.trim().is_empty(), "{what}");
                        }
                        (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
                        (read, ran) => panic!("{what}: read-only {read:?}, run {ran:?}"),
                    }
                    compared += 1;
                }
            }
            // A host that does not exist is refused alike.
            let read = vipsim::console::run_read_only(&w, "nowhere", "ip neigh");
            assert_eq!(read, Some(Err("no host named nowhere".to_string())));
            assert_eq!(run_on_a_copy(&w, "nowhere", "ip neigh").0, Err("no host named nowhere".to_string()));
        }
    }
    assert!(compared > 3000, "{compared} lines compared");
}

/// What takes simulated time or changes the world is not answered on the
/// world itself: `run_read_only` says so (`None`), and the caller runs it
/// on a copy.
#[test]
fn a_line_that_takes_time_or_changes_the_world_is_not_read_only() {
    let w = world_at("metallb-l2-failover", 30);
    for (host, line) in [
        ("client", "curl -m 1 http://192.168.1.201/"),
        ("router", "arping -c 1 192.168.1.201"),
        ("client", "ping -c 1 192.168.1.201"),
        ("router", "timeout 2 tcpdump -n -i eth0 arp"),
        ("router", "ip neigh flush all"),
        ("router", "sudo ip neigh flush dev eth0"),
        ("node-b", "conntrack -F"),
        ("client", "kubectl scale deploy web --replicas=1"),
        ("client", "kubectl delete pod nope"),
        ("client", "kubectl rollout status deploy/web"),
        ("client", "kubectl rollout history deploy/web"),
        ("client", "kubectl cordon node-b"),
        ("client", "kubectl patch svc web -p '{}'"),
        ("client", "kubectl set image deploy/web web=nginx:2"),
        ("client", "kubectl expose deploy web --name=w2 --port=80"),
    ] {
        assert_eq!(vipsim::console::run_read_only(&w, host, line), None, "{host}$ {line}");
    }
    // A tool that takes time on a powered-off host is refused at once (exit 255).
    let read = vipsim::console::run_read_only(&w, "node-a", "curl -m 1 http://192.168.1.201/");
    assert_eq!(read, Some(Ok(vipsim::console::Printed { text: "node-a is powered off\n".into(), exit: 255 })));
}
