//! A range of a run's topology as an animated SVG for slides and blog
//! posts (`vipsim animate`): self-contained, CSS keyframes only, no
//! script, so it plays in any browser and in slide tools that take SVG.
//!
//! The drawing uses the playground's rows (clients and routers on top,
//! the switch, the nodes; `src/ui/scene.rs`), simplified: a box per host
//! greyed while it is powered off, a cable per link struck through while
//! it is down, the VIP badge on each node that announces it, each outside
//! host's way to each VIP (its BGP route, or the MAC owner and state of
//! its ARP entry), a
//! dot per frame moving along its cable (ARP, TCP, ICMP in their own
//! colours), a clock, and optionally the run's notes as captions.
//!
//! The clip is computed once as [`Track`]s: for each drawn element, the
//! moments it appears and disappears (or moves), read from the world after
//! every step in the range. [`Clip::shown_at`] answers what a frame of the
//! animation shows at a time, which the tests compare with the world
//! itself. The SVG is plain text written in a fixed order with fixed
//! decimals: the same run and range give the same bytes.

use crate::engine::trace::{Dir, Kind};
use crate::net::host::RouteOrigin;
use crate::net::{End, HostId, Role};
use crate::play::run::Run;
use crate::sim::World;
use crate::sort::Sort;
use crate::time::{Duration, Instant};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::Ipv4Addr;

/// How long a frame's dot takes to cross its cable on screen, at most:
/// real cables take microseconds, far too fast to see.
const HOP: Duration = Duration::from_millis(300);

const BOX_W: f64 = 150.0;
const BOX_H: f64 = 64.0;
const STEP_X: f64 = 170.0;
const SWITCH_W: f64 = 130.0;
const SWITCH_H: f64 = 40.0;
const MARGIN: f64 = 16.0;
const LINE: f64 = 16.0;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

/// A frame crossing a cable: when it starts, from where, to where.
type Hop = (Instant, Point, Point);

/// What the animation shows, as data: the fixed drawing and the tracks.
#[derive(Clone, Debug, PartialEq)]
pub struct Clip {
    pub from: Instant,
    pub to: Instant,
    width: f64,
    height: f64,
    /// Host boxes: name, role, top-left corner.
    boxes: Vec<(String, Role, Point)>,
    switch: Point,
    /// Cables: link index, its two ends' points.
    cables: Vec<(usize, [Point; 2])>,
    /// Elements shown for part of the clip, by a stable key.
    pub tracks: BTreeMap<String, Track>,
    /// Frame dots, by cable and class.
    hops: BTreeMap<(usize, &'static str), Vec<Hop>>,
    /// Whether notes are drawn as captions.
    captions: bool,
}

/// An element of the drawing that is shown at some times: where it is
/// drawn, what it says, and the moments it turns on (`true`) or off.
#[derive(Clone, Debug, PartialEq)]
pub struct Track {
    pub kind: TrackKind,
    at: Point,
    pub text: String,
    /// Changes in time order; shown before the first change if `initial`.
    pub initial: bool,
    pub changes: Vec<(Instant, bool)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackKind {
    /// A grey veil over a powered-off host.
    Off,
    /// A cable that carries nothing.
    CableDown,
    /// A VIP badge on a node that announces it.
    Vip,
    /// An outside host's ARP entry for a VIP: "router: 192.0.2.10 → node-b REACHABLE".
    Entry,
    /// An outside host's BGP route to a VIP: "router: 192.0.2.10 via node-a, node-b (BGP ECMP)".
    Route,
    Clock,
    Caption,
}

impl Track {
    /// Whether the element is shown at `t`.
    pub fn shown_at(&self, t: Instant) -> bool {
        self.changes.iter().take_while(|(at, _)| *at <= t).last().map(|(_, on)| *on).unwrap_or(self.initial)
    }
}

/// One thing an element can say about the world at a moment.
type State = BTreeMap<String, (TrackKind, Point, String)>;

fn vips(w: &World) -> Vec<(String, Ipv4Addr)> {
    let mut v: Vec<(String, Ipv4Addr)> =
        w.cluster.services.iter().flat_map(|(k, s)| s.ingress.iter().map(move |ip| (k.to_string(), *ip))).collect();
    v.stable_sort();
    v.dedup();
    v
}

impl Clip {
    /// Computes the clip of `run` from `from` to `to` (clamped to the run).
    pub fn new(run: &Run, from: Instant, to: Instant, captions: bool) -> Result<Clip, String> {
        let to = to.min(run.end);
        if from >= to {
            return Err(format!(
                "nothing to animate: --from {from} is not before --to {to} (the run ends at {})",
                run.end
            ));
        }
        let mut probe = run.clone();
        probe.seek_time(from);
        let (width, height, boxes, switch, cables, places) = layout(probe.world());
        let mut clip = Clip {
            from,
            to,
            width,
            height,
            boxes,
            switch,
            cables,
            tracks: BTreeMap::new(),
            hops: BTreeMap::new(),
            captions,
        };
        // Elements shown at `from`, then every change after a step in the range.
        let mut shown = clip.state(probe.world(), &places);
        for (key, (kind, at, text)) in &shown {
            clip.tracks.insert(
                key.clone(),
                Track { kind: *kind, at: *at, text: text.clone(), initial: true, changes: Vec::new() },
            );
        }
        let first = run.trace().partition_point(|r| r.t < from);
        let last = run.trace().partition_point(|r| r.t <= to);
        let mut step = probe.cursor();
        while step < run.len() && run.time_of(step + 1) <= to {
            step += 1;
            probe.seek(step);
            let t = run.time_of(step);
            let now = clip.state(probe.world(), &places);
            for key in shown.keys().filter(|k| !now.contains_key(*k)) {
                clip.tracks.get_mut(key).expect("tracked").changes.push((t, false));
            }
            for (key, (kind, at, text)) in &now {
                if shown.contains_key(key) {
                    continue;
                }
                let track = clip.tracks.entry(key.clone()).or_insert_with(|| Track {
                    kind: *kind,
                    at: *at,
                    text: text.clone(),
                    initial: false,
                    changes: Vec::new(),
                });
                track.changes.push((t, true));
            }
            shown = now;
        }
        // The clock: one label per whole second.
        let mut s = from.as_secs();
        while Instant::ZERO + Duration::from_secs(s) < to {
            let on = (Instant::ZERO + Duration::from_secs(s)).max(from);
            let off = Instant::ZERO + Duration::from_secs(s + 1);
            let mut changes = vec![(on, true)];
            if off < to {
                changes.push((off, false));
            }
            let at = Point { x: clip.width - MARGIN, y: clip.switch.y + 24.0 };
            let track = Track { kind: TrackKind::Clock, at, text: format!("t = {s} s"), initial: false, changes };
            clip.tracks.insert(format!("clock {s:06}"), track);
            s += 1;
        }
        // Captions: each note from its time until the next (or the end).
        if captions {
            let notes: Vec<(Instant, String)> = run.trace()[..last]
                .iter()
                .filter_map(|r| match &r.kind {
                    Kind::Note { text } => Some((r.t, text.clone())),
                    _ => None,
                })
                .collect();
            for (i, (t, text)) in notes.iter().enumerate() {
                let until = notes.get(i + 1).map(|n| n.0).unwrap_or(to);
                if until <= from {
                    continue;
                }
                let on = (*t).max(from);
                let mut changes = vec![(on, true)];
                if until < to {
                    changes.push((until, false));
                }
                let at = Point { x: MARGIN, y: clip.height - MARGIN };
                let track = Track { kind: TrackKind::Caption, at, text: text.clone(), initial: false, changes };
                clip.tracks.insert(format!("caption {i:04}"), track);
            }
        }
        // Frames: a host's transmission moves from it to the other end of
        // its cable; a reception from the switch moves from the switch.
        let net = &run.world().net;
        for r in &run.trace()[first..last] {
            let Kind::Frame { at, iface, dir, frame, forward: None } = &r.kind else { continue };
            let Some(h) = net.host_id(at) else { continue };
            let Some(link) = net.hosts[h].ifaces.iter().find(|f| f.name == *iface).and_then(|f| f.link) else {
                continue;
            };
            let Some((_, points)) = clip.cables.iter().find(|(l, _)| *l == link) else { continue };
            let ends = net.links[link].ends;
            let here = if matches!(ends[0], End::Host(x, _) if x == h) { 0 } else { 1 };
            let (a, b) = match dir {
                Dir::Tx => (points[here], points[1 - here]),
                Dir::Rx if matches!(ends[1 - here], End::Switch(_)) => (points[1 - here], points[here]),
                Dir::Rx => continue,
            };
            let class = match crate::wire::dissect::protocol(frame) {
                "ARP" => "arp",
                "TCP" | "HTTP" => "tcp",
                "ICMP" => "icmp",
                _ => "other",
            };
            clip.hops.entry((link, class)).or_default().push((r.t, a, b));
        }
        // What is on at the first frame is shown from the start.
        for track in clip.tracks.values_mut() {
            while let Some((t, on)) = track.changes.first().copied().filter(|(t, _)| *t <= from) {
                let _ = t;
                track.initial = on;
                track.changes.remove(0);
            }
        }
        Ok(clip)
    }

    /// What the world shows that the clip draws, by element key.
    fn state(&self, w: &World, places: &[Option<Point>]) -> State {
        let mut s = State::new();
        for (h, host) in w.net.hosts.iter().enumerate() {
            if let (false, Some(p)) = (host.up, places[h]) {
                s.insert(format!("off {}", host.name), (TrackKind::Off, p, "off".into()));
            }
        }
        for (link, points) in &self.cables {
            if !w.net.links[*link].up {
                let mid = Point { x: (points[0].x + points[1].x) / 2.0, y: (points[0].y + points[1].y) / 2.0 };
                s.insert(format!("down {link:03}"), (TrackKind::CableDown, mid, "✕".into()));
            }
        }
        let vips = vips(w);
        for (svc, ip) in &vips {
            for (i, node) in w.cluster.announcers.get(svc.as_str()).into_iter().flatten().enumerate() {
                let Some(p) = w.net.host_id(node).and_then(|h| places[h]) else { continue };
                let badge = Point { x: p.x + 8.0, y: p.y + BOX_H + 14.0 + LINE * i as f64 };
                s.insert(format!("vip {node} {ip}"), (TrackKind::Vip, badge, format!("VIP {ip}")));
            }
        }
        // Each outside host's way to each VIP, one line each under the boxes' row.
        let mut row = 0;
        for host in w.net.hosts.iter().filter(|h| h.role != Role::Node) {
            for (_, ip) in &vips {
                // A BGP route to the VIP, else the ARP entry for it.
                let route = host.routes.iter().find(|r| r.origin == RouteOrigin::Bgp && r.dst.contains(*ip));
                if let Some(r) = route {
                    let via: Vec<String> = r
                        .via
                        .iter()
                        .map(|gw| w.net.hosts.iter().find(|h| h.owns(*gw)).map(|h| h.name.to_string()))
                        .map(|n| n.unwrap_or_else(|| "?".into()))
                        .collect();
                    let ecmp = if via.len() > 1 { " ECMP" } else { "" };
                    let text = format!("{}: {ip} via {} (BGP{ecmp})", host.name, via.join(", "));
                    let at = Point { x: MARGIN, y: MARGIN + BOX_H + 20.0 + LINE * row as f64 };
                    s.insert(format!("route {} {ip} {}", host.name, via.join(",")), (TrackKind::Route, at, text));
                    row += 1;
                    continue;
                }
                let Some(e) = host.ifaces.iter().find_map(|i| i.neighbors.get(*ip)) else { continue };
                let owner = e
                    .mac
                    .and_then(|m| w.net.hosts.iter().find(|x| x.ifaces.iter().any(|i| i.mac == m)))
                    .map(|x| x.name.to_string())
                    .unwrap_or_else(|| "?".into());
                let text = format!("{}: {ip} → {owner} {}", host.name, e.state);
                let at = Point { x: MARGIN, y: MARGIN + BOX_H + 20.0 + LINE * row as f64 };
                s.insert(format!("entry {} {ip} {owner} {}", host.name, e.state), (TrackKind::Entry, at, text));
                row += 1;
            }
        }
        s
    }

    /// The texts of the elements a frame of the animation shows at `t`
    /// (clock and captions included), in key order.
    pub fn shown_at(&self, t: Instant) -> Vec<String> {
        self.tracks.values().filter(|tr| tr.shown_at(t)).map(|tr| tr.text.clone()).collect()
    }

    fn pct(&self, t: Instant) -> f64 {
        let span = (self.to - self.from).as_nanos() as f64;
        100.0 * (t.saturating_since(self.from).as_nanos() as f64 / span).min(1.0)
    }

    /// The animated SVG; `speed` simulated seconds play per second.
    pub fn svg(&self, speed: f64) -> String {
        let secs = (self.to - self.from).as_secs_f64() / speed;
        let mut css = String::new();
        let mut body = String::new();
        let _ = write!(
            css,
            "text{{font:12px sans-serif;fill:#222}}.h{{fill:#fff;stroke:#555}}.n{{font-weight:bold}}\
             .c{{stroke:#888;stroke-width:2}}.o{{fill:#999;fill-opacity:.8}}.d{{fill:#c00;font-size:16px}}\
             .v{{fill:#063;font-weight:bold}}.e{{fill:#035}}.k{{text-anchor:end;fill:#555}}.cap{{font-size:14px}}\
             .arp{{fill:#e67e00}}.tcp{{fill:#1565c0}}.icmp{{fill:#6a1b9a}}.other{{fill:#555}}\
             .a{{animation-duration:{secs:.3}s;animation-iteration-count:infinite}}\
             .s{{animation-timing-function:step-end}}.m{{animation-timing-function:linear;opacity:0}}"
        );
        for (link, p) in &self.cables {
            let _ = write!(
                body,
                "<line class=\"c\" data-link=\"{link}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
                p[0].x, p[0].y, p[1].x, p[1].y
            );
        }
        let _ = write!(
            body,
            "<rect class=\"h\" x=\"{:.1}\" y=\"{:.1}\" width=\"{SWITCH_W}\" height=\"{SWITCH_H}\" rx=\"4\"/>\
             <text class=\"n\" x=\"{:.1}\" y=\"{:.1}\">switch</text>",
            self.switch.x,
            self.switch.y,
            self.switch.x + 8.0,
            self.switch.y + 24.0
        );
        for (name, role, p) in &self.boxes {
            let role = match role {
                Role::Client => "client",
                Role::Router => "router",
                Role::Node => "node",
            };
            let _ = write!(
                body,
                "<rect class=\"h\" x=\"{:.1}\" y=\"{:.1}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"4\"/>\
                 <text class=\"n\" x=\"{:.1}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\">{role}</text>",
                p.x,
                p.y,
                p.x + 8.0,
                p.y + 20.0,
                xml(name),
                p.x + 8.0,
                p.y + 38.0
            );
        }
        for (i, track) in self.tracks.values().enumerate() {
            let name = format!("t{i}");
            let mut frames = format!("0%{{opacity:{}}}", u8::from(track.initial));
            for (t, on) in &track.changes {
                let _ = write!(frames, "{:.3}%{{opacity:{}}}", self.pct(*t), u8::from(*on));
            }
            let _ = write!(css, "@keyframes {name}{{{frames}}}.{name}{{animation-name:{name}}}");
            let p = track.at;
            let cls = format!("a s {name}");
            let opacity = u8::from(track.initial);
            let _ = match track.kind {
                TrackKind::Off => write!(
                    body,
                    "<rect class=\"o {cls}\" opacity=\"{opacity}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"4\"/>",
                    p.x, p.y
                ),
                TrackKind::CableDown => write!(
                    body,
                    "<text class=\"d {cls}\" opacity=\"{opacity}\" x=\"{:.1}\" y=\"{:.1}\">✕</text>",
                    p.x - 5.0,
                    p.y + 5.0
                ),
                kind => {
                    let c = match kind {
                        TrackKind::Vip => "v",
                        TrackKind::Entry | TrackKind::Route => "e",
                        TrackKind::Clock => "k",
                        _ => "cap",
                    };
                    write!(
                        body,
                        "<text class=\"{c} {cls}\" opacity=\"{opacity}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                        p.x,
                        p.y,
                        xml(&track.text)
                    )
                }
            };
        }
        // Frame dots: one per cable and class, flying each hop in turn.
        let hop = HOP.as_nanos() as f64 / (self.to - self.from).as_nanos() as f64 * 100.0;
        for (i, ((_, class), hops)) in self.hops.iter().enumerate() {
            let name = format!("f{i}");
            let mut frames = String::from("0%{opacity:0}");
            for (k, (t, a, b)) in hops.iter().enumerate() {
                let start = self.pct(*t);
                // A dot flies until the next frame on its cable starts, at most HOP.
                let next = hops.get(k + 1).map(|n| self.pct(n.0)).unwrap_or(100.0);
                let end = (start + hop).min(next - 0.003).min(99.998);
                if end <= start + 0.001 {
                    continue;
                }
                // Invisible until it starts (it moves to its start unseen),
                // then flies, then vanishes.
                let _ = write!(
                    frames,
                    "{:.3}%{{opacity:0;transform:translate({:.1}px,{:.1}px)}}\
                     {start:.3}%{{opacity:1;transform:translate({:.1}px,{:.1}px)}}\
                     {end:.3}%{{opacity:1;transform:translate({:.1}px,{:.1}px)}}\
                     {:.3}%{{opacity:0}}",
                    (start - 0.001).max(0.0),
                    a.x,
                    a.y,
                    a.x,
                    a.y,
                    b.x,
                    b.y,
                    end + 0.001
                );
            }
            let _ = write!(css, "@keyframes {name}{{{frames}}}.{name}{{animation-name:{name}}}");
            let _ = write!(body, "<circle class=\"{class} a m {name}\" r=\"5\"/>");
        }
        // A bar that fills over the clip.
        let _ = write!(
            css,
            "@keyframes bar{{from{{transform:scaleX(0)}}to{{transform:scaleX(1)}}}}\
             .bar{{fill:#1565c0;animation-name:bar;animation-timing-function:linear;transform-origin:0 0}}"
        );
        let _ = write!(
            body,
            "<rect class=\"bar a\" x=\"0\" y=\"{:.1}\" width=\"{:.1}\" height=\"4\"/>",
            self.height - 4.0,
            self.width
        );
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\">\
             <title>vipsim: {from} to {to}</title><style>{css}</style>\
             <rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>{body}</svg>\n",
            w = self.width,
            h = self.height,
            from = self.from,
            to = self.to,
        )
    }
}

/// Escapes text for XML content and attribute values.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

type Layout = (f64, f64, Vec<(String, Role, Point)>, Point, Vec<(usize, [Point; 2])>, Vec<Option<Point>>);

/// Rows as in the playground: the hosts that are not nodes, the switch,
/// the nodes; with room under the top row for the ARP entries.
fn layout(w: &World) -> Layout {
    let net = &w.net;
    let ids = 0..net.hosts.len();
    let upper: Vec<HostId> = ids.clone().filter(|&h| net.hosts[h].role != Role::Node).collect();
    let nodes: Vec<HostId> = ids.filter(|&h| net.hosts[h].role == Role::Node).collect();
    let outside_lines = upper.len().max(1) * vips(w).len().max(1);
    let width = (upper.len().max(nodes.len()) as f64 * STEP_X + 2.0 * MARGIN).max(560.0);
    let switch_y = MARGIN + BOX_H + 30.0 + LINE * outside_lines as f64;
    let node_y = switch_y + SWITCH_H + 50.0;
    let mut places = vec![None; net.hosts.len()];
    for (i, &h) in upper.iter().enumerate() {
        places[h] = Some(Point { x: MARGIN + i as f64 * STEP_X, y: MARGIN });
    }
    let left = (width - nodes.len() as f64 * STEP_X) / 2.0 + (STEP_X - BOX_W) / 2.0;
    for (i, &h) in nodes.iter().enumerate() {
        places[h] = Some(Point { x: left + i as f64 * STEP_X, y: node_y });
    }
    let switch = Point { x: (width - SWITCH_W) / 2.0, y: switch_y };
    let center = |e: End| match e {
        End::Switch(_) => Point { x: switch.x + SWITCH_W / 2.0, y: switch.y + SWITCH_H / 2.0 },
        End::Host(h, _) => {
            let p = places[h].expect("every host is placed");
            Point { x: p.x + BOX_W / 2.0, y: p.y + BOX_H / 2.0 }
        }
    };
    let cables = net.links.iter().enumerate().map(|(i, l)| (i, [center(l.ends[0]), center(l.ends[1])])).collect();
    let boxes = net
        .hosts
        .iter()
        .enumerate()
        .map(|(h, host)| (host.name.to_string(), host.role, places[h].expect("placed")))
        .collect();
    // Room for the VIP badges under the nodes, the clock and a caption.
    let height = node_y + BOX_H + 14.0 + LINE * 3.0 + 30.0;
    (width, height, boxes, switch, cables, places)
}
