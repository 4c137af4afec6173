//! `vipsim animate` (issue 20, point 4): a range of a run as a
//! self-contained animated SVG. Its bytes are pinned (golden), it is
//! well-formed and holds no script, what a frame shows at a time is what
//! the world is at that time, and the 15 s failover clip stays small.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use vipsim::animate::{Clip, TrackKind};
use vipsim::play::run::Run;
use vipsim::time::{Duration, Instant};

fn secs(s: f64) -> Instant {
    Instant::ZERO + Duration::from_millis((s * 1000.0) as u64)
}

fn failover() -> Run {
    common::run("metallb-l2-failover", None)
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/animate-metallb-l2-failover-18s-33s.svg")
}

#[test]
fn the_failover_clip_matches_its_golden_bytes_and_is_small() {
    let run = failover();
    let svg = Clip::new(&run, secs(18.0), secs(33.0), true).unwrap().svg(1.0);
    // Computed twice from a fresh run: the same bytes.
    assert_eq!(svg, Clip::new(&failover(), secs(18.0), secs(33.0), true).unwrap().svg(1.0));
    println!("15 s failover clip: {} bytes", svg.len());
    assert!(svg.len() < 200 * 1024, "{} bytes", svg.len());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(golden_path(), &svg).unwrap();
    }
    let golden = std::fs::read_to_string(golden_path()).unwrap_or_default();
    assert!(golden == svg, "the clip differs from {} (UPDATE_GOLDEN=1 to accept)", golden_path().display());
}

/// Every tag closes in order, and nothing runs: no script, no event
/// handler, no external reference.
#[test]
fn the_clip_is_well_formed_and_self_contained() {
    let svg = Clip::new(&failover(), secs(18.0), secs(33.0), true).unwrap().svg(1.0);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    let mut open: Vec<String> = Vec::new();
    let mut rest = svg.as_str();
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("every tag ends") + i;
        let tag = &rest[i + 1..end];
        assert!(!tag.contains('<'), "a tag inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "closing {name}");
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().unwrap().to_string());
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
    for banned in ["<script", "onload", "onclick", "href", "url(", "@import"] {
        assert!(!svg.contains(banned), "{banned}");
    }
    assert!(svg.contains("@keyframes"));
}

/// The elements a frame shows at `t`, by kind, against the world itself.
#[test]
fn a_frame_shows_the_world_at_its_time() {
    let run = failover();
    let clip = Clip::new(&run, secs(18.0), secs(33.0), true).unwrap();
    let shown = |t: Instant, kind: TrackKind| -> BTreeSet<String> {
        clip.tracks.iter().filter(|(_, tr)| tr.kind == kind && tr.shown_at(t)).map(|(k, _)| k.clone()).collect()
    };
    let set = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>();
    // The story (tests/stories.rs): node-a leads until it powers off at
    // 20 s; node-b takes over, but the router, ignoring GARP, keeps
    // sending to node-a.
    let vip = "192.168.1.201";
    assert_eq!(shown(secs(19.0), TrackKind::Vip), set(&[&format!("vip node-a {vip}")]));
    assert_eq!(shown(secs(19.0), TrackKind::Off), set(&[]));
    assert_eq!(shown(secs(30.0), TrackKind::Vip), set(&[&format!("vip node-b {vip}")]));
    assert_eq!(shown(secs(30.0), TrackKind::Off), set(&["off node-a"]));
    assert_eq!(shown(secs(30.0), TrackKind::Entry), set(&[&format!("entry router {vip} node-a REACHABLE")]));
    assert_eq!(clip.shown_at(secs(30.0)).iter().filter(|t| t.starts_with("t = ")).collect::<Vec<_>>(), ["t = 30 s"]);
    // At every half second, the same as the world.
    let mut probe = run.clone();
    for half in 36..66 {
        let t = secs(half as f64 / 2.0);
        probe.seek_time(t);
        let w = probe.world();
        let off: BTreeSet<String> = w.net.hosts.iter().filter(|h| !h.up).map(|h| format!("off {}", h.name)).collect();
        assert_eq!(shown(t, TrackKind::Off), off, "at {t}");
        let vips: BTreeSet<String> =
            w.cluster.announcers.get("default/web").into_iter().flatten().map(|n| format!("vip {n} {vip}")).collect();
        assert_eq!(shown(t, TrackKind::Vip), vips, "at {t}");
        let router = w.net.host("router").unwrap();
        let entry = router.ifaces.iter().find_map(|i| i.neighbors.get(vip.parse().unwrap())).unwrap();
        let owner = w.net.hosts.iter().find(|h| h.ifaces.iter().any(|i| Some(i.mac) == entry.mac)).unwrap();
        assert_eq!(
            shown(t, TrackKind::Entry),
            set(&[&format!("entry router {vip} {} {}", owner.name, entry.state)]),
            "at {t}"
        );
    }
}

#[test]
fn an_empty_range_is_refused() {
    let err = Clip::new(&failover(), secs(30.0), secs(20.0), false).unwrap_err();
    assert_eq!(err, "nothing to animate: --from 30.000s is not before --to 20.000s (the run ends at 120.000s)");
}
