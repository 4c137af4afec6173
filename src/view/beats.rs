//! The story's beats: the moments the lesson narrates at the cursor. A
//! timeline note is a beat, and so is every fault: "Calm: node-a is the
//! leader" stops being the current beat the moment node-a loses power,
//! because the fault is a newer beat. The lesson shows the latest one.

use crate::engine::trace::{Kind, Record};
use crate::time::Instant;

/// What a beat says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Beat {
    /// A note from the scenario's timeline, as written (English).
    Note(String),
    /// A fault: its action (`power-off`), the host, and what it did.
    Fault { action: String, host: Option<String>, detail: String },
}

/// A beat and when it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeatAt {
    pub t: Instant,
    pub beat: Beat,
}

fn beat(r: &Record) -> Option<BeatAt> {
    let beat = match &r.kind {
        Kind::Note { text } => Beat::Note(text.clone()),
        Kind::Fault { host, action, detail } => {
            Beat::Fault { action: action.clone(), host: host.as_deref().map(str::to_string), detail: detail.clone() }
        }
        _ => return None,
    };
    Some(BeatAt { t: r.t, beat })
}

/// The latest beat among the records visible at the cursor.
pub fn latest(visible: &[Record]) -> Option<BeatAt> {
    visible.iter().rev().find_map(beat)
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
}
