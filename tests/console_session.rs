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
