//! The story's beats: the moments the lesson narrates at the cursor. A
//! timeline note is a beat, and so is every fault: "Calm: node-a is the
//! leader" stops being the current beat the moment node-a loses power,
//! because the fault is a newer beat. So is every change a `kubectl`
//! command makes to the cluster (the timeline's `apply` and `delete`
//! steps, a `kubectl patch` run on a host): "Assigned, not announced"
//! stops being true the moment the announcement policy is applied. A note
//! at the same moment as a change is the change's explanation, and stays
//! the beat. The lesson shows the latest one.

use crate::engine::trace::{Kind, Record};
use crate::time::Instant;

/// What a beat says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Beat {
    /// A note from the scenario's timeline, as written (English).
    Note(String),
    /// A fault: its action (`power-off`), the host, and what it did.
    Fault { action: String, host: Option<String>, detail: String },
    /// A `kubectl` command that changed the cluster, as typed.
    Change { cmd: String },
}

/// `kubectl` verbs that change what the cluster holds (the rest only read).
const CHANGING_VERBS: [&str; 14] = [
    "apply", "create", "delete", "patch", "replace", "edit", "scale", "expose", "label", "annotate", "cordon",
    "uncordon", "drain", "taint",
];

/// Whether a command line is a `kubectl` that changes the cluster.
fn changes_cluster(cmd: &str) -> bool {
    let mut words = cmd.split_whitespace();
    if words.next() != Some("kubectl") {
        return false;
    }
    // The verb is the first word that is neither a flag nor a flag's value.
    let verb = loop {
        match words.next() {
            Some("-n" | "--namespace" | "--context" | "--kubeconfig") => _ = words.next(),
            Some(w) if w.starts_with('-') => {}
            other => break other,
        }
    };
    match verb {
        Some("rollout") => matches!(words.next(), Some("restart" | "undo" | "pause" | "resume")),
        Some(v) => CHANGING_VERBS.contains(&v),
        None => false,
    }
}

/// A beat and when it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeatAt {
    pub t: Instant,
    pub beat: Beat,
}

/// The beat a record is, if it is one.
pub fn beat(r: &Record) -> Option<BeatAt> {
    let beat = match &r.kind {
        Kind::Note { text } => Beat::Note(text.clone()),
        Kind::Fault { host, action, detail } => {
            Beat::Fault { action: action.clone(), host: host.as_deref().map(str::to_string), detail: detail.clone() }
        }
        Kind::Command { cmd, exit: 0, .. } if changes_cluster(cmd) => Beat::Change { cmd: cmd.to_string() },
        _ => return None,
    };
    Some(BeatAt { t: r.t, beat })
}

/// The latest beat among the records visible at the cursor; a note at
/// the same moment as a change is the change's explanation and wins.
pub fn latest(visible: &[Record]) -> Option<BeatAt> {
    let i = visible.iter().rposition(|r| beat(r).is_some())?;
    let last = beat(&visible[i])?;
    if matches!(last.beat, Beat::Change { .. }) {
        let same_moment = visible[..i].iter().rev().take_while(|r| r.t == last.t);
        if let Some(note) = same_moment.filter_map(beat).find(|b| matches!(b.beat, Beat::Note(_))) {
            return Some(note);
        }
    }
    Some(last)
}

/// Every beat of a trace, in order.
pub fn all(trace: &[Record]) -> Vec<BeatAt> {
    trace.iter().filter_map(beat).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::run::Run;
    use std::rc::Rc;

    #[test]
    fn the_calm_note_gives_way_to_the_power_off() {
        let s = crate::catalog::find("metallb-l2-failover").expect("shipped");
        let scenario = crate::scenario::load::load(s.file, s.yaml).expect("loads");
        let mut run = Run::new(Rc::new(scenario), None, None, None).expect("builds");
        run.seek_time(Instant::from_secs(17));
        let calm = latest(run.visible()).expect("a beat");
        assert!(matches!(&calm.beat, Beat::Note(n) if n.starts_with("Calm: node-a is the leader")), "{calm:?}");
        // At 22 s node-a is off: the power-off is the beat, not "node-a is the leader".
        run.seek_time(Instant::from_secs(22));
        let now = latest(run.visible()).expect("a beat");
        assert_eq!(now.t, Instant::from_secs(20));
        assert!(
            matches!(&now.beat, Beat::Fault { action, host: Some(h), .. } if action == "power-off" && h == "node-a"),
            "{now:?}"
        );
        run.seek_time(Instant::from_secs(27));
        assert!(
            matches!(latest(run.visible()).map(|b| b.beat), Some(Beat::Note(n)) if n.starts_with("node-b is the new leader"))
        );
        let kinds: Vec<Instant> = all(run.trace()).iter().map(|b| b.t).collect();
        assert_eq!(kinds, [15, 20, 26, 90].map(Instant::from_secs).to_vec());
    }

    #[test]
    fn only_kubectl_lines_that_change_the_cluster_are_changes() {
        for cmd in ["kubectl apply -f l2-policy", "kubectl -n demo delete svc web", "kubectl rollout undo deploy/web"] {
            assert!(changes_cluster(cmd), "{cmd}");
        }
        for cmd in
            ["kubectl get svc", "kubectl -n kube-system get pods", "kubectl rollout status deploy/web", "curl -s x"]
        {
            assert!(!changes_cluster(cmd), "{cmd}");
        }
    }
}
