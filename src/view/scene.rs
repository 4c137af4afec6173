//! Where things are drawn in the topology and what they say: a box per
//! host and one for the switch, a line per cable, the VIP callout, and the
//! hop each frame record makes along a cable. Plain geometry and words over
//! the core's network; no yew. The playground's topology panel draws a
//! [`Drawing`] as yew nodes, the static poster ([`super::poster`]) as SVG
//! text: same boxes, same labels.
//!
//! Rows, top to bottom: clients and routers (a client `behind` a router sits
//! just left of it, cabled to it), the switch, the nodes with their pods.

use super::i18n::{Lang, Msg};
use super::story::{FrameClass, Hold, held_vips};
use crate::engine::trace::{Dir, Kind, Record};
use crate::k8s::cluster::AnnounceKind;
use crate::net::host::RouteOrigin;
use crate::net::{End, HostId, LinkId, Role};
use crate::sim::World;
use crate::time::{Duration, Instant};
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Host(HostId),
    Switch,
}

/// A box's top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> Point {
        Point { x: self.x + self.w / 2.0, y: self.y + self.h / 2.0 }
    }

    /// Where the ray from the centre towards `to` leaves the box.
    fn edge_towards(&self, to: Point) -> Point {
        let c = self.center();
        let (dx, dy) = (to.x - c.x, to.y - c.y);
        if dx == 0.0 && dy == 0.0 {
            return c;
        }
        let sx = if dx == 0.0 { f64::INFINITY } else { (self.w / 2.0) / dx.abs() };
        let sy = if dy == 0.0 { f64::INFINITY } else { (self.h / 2.0) / dy.abs() };
        let s = sx.min(sy);
        Point { x: c.x + dx * s, y: c.y + dy * s }
    }
}

/// A cable between two boxes, clipped to their edges. `ends` follow the
/// core's link ends: `points[0]` is at `ends[0]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cable {
    pub link: LinkId,
    pub ends: [Place; 2],
    pub points: [Point; 2],
    pub up: bool,
    /// The switch port's name, when one end is the switch.
    pub port: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// Indexed by host id.
    pub hosts: Vec<Rect>,
    pub switch: Rect,
    pub cables: Vec<Cable>,
    /// Where the VIP callout goes: right of the top row (routers come last
    /// in it), or under it when narrow; and its width.
    pub callout: Point,
    pub callout_w: f64,
}

pub const UPPER_W: f64 = 150.0;
pub const UPPER_H: f64 = 66.0;
const UPPER_STEP: f64 = 176.0;
const SWITCH_W: f64 = 130.0;
const SWITCH_H: f64 = 44.0;
pub const NODE_W: f64 = 176.0;
const NODE_STEP: f64 = 192.0;
pub const POD_ROW: f64 = 16.0;
pub const BADGE_ROW: f64 = 21.0;
/// Where a node's VIP badges start, below its name, address and status.
pub const NODE_HEADER: f64 = 56.0;
/// Width kept free right of the routers for the VIP callout, and its line height.
const CALLOUT_W: f64 = 320.0;
pub const CALLOUT_ROW: f64 = 16.0;
const MARGIN: f64 = 16.0;

fn end_place(e: End) -> Place {
    match e {
        End::Switch(_) => Place::Switch,
        End::Host(h, _) => Place::Host(h),
    }
}

/// What the boxes must fit: the most VIP badges and pod lines any node
/// shows, and the lines of the VIP callout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Content {
    pub badges: usize,
    pub pods: usize,
    pub callout_lines: usize,
}

/// The layout for `world`'s network. `narrow` (a phone) puts the VIP
/// callout under the top row instead of beside it, so the drawing needs
/// less width and its text stays legible.
pub fn layout(world: &World, content: Content, narrow: bool) -> Layout {
    let Content { badges, pods, callout_lines } = content;
    let net = &world.net;
    let on_switch = |h: HostId| {
        net.hosts[h]
            .ifaces
            .iter()
            .any(|i| i.link.is_some_and(|l| net.links[l].ends.iter().any(|e| matches!(e, End::Switch(_)))))
    };
    let ids = 0..net.hosts.len();
    let nodes: Vec<HostId> = ids.clone().filter(|&h| net.hosts[h].role == Role::Node).collect();
    let lan_clients = ids.clone().filter(|&h| net.hosts[h].role == Role::Client && on_switch(h));
    let behind = ids.clone().filter(|&h| !on_switch(h) && net.hosts[h].role != Role::Node);
    let routers = ids.clone().filter(|&h| net.hosts[h].role == Role::Router && on_switch(h));
    let upper: Vec<HostId> = lan_clients.chain(behind).chain(routers).collect();

    let node_h = NODE_HEADER + BADGE_ROW * badges as f64 + POD_ROW * pods as f64 + 12.0;
    let callout_h = 26.0 + CALLOUT_ROW * callout_lines as f64;
    let beside = if narrow { 0.0 } else { CALLOUT_W };
    let width = (nodes.len() as f64 * NODE_STEP + 2.0 * MARGIN)
        .max(upper.len() as f64 * UPPER_STEP + beside + 2.0 * MARGIN)
        .max(if narrow { 420.0 } else { 640.0 });
    let (callout, callout_w, upper_bottom) = if narrow {
        let top = MARGIN + UPPER_H + 14.0;
        (Point { x: MARGIN, y: top }, width - 2.0 * MARGIN, top + callout_h)
    } else {
        let x = MARGIN + upper.len() as f64 * UPPER_STEP + 2.0;
        (Point { x, y: MARGIN }, CALLOUT_W, MARGIN + UPPER_H.max(callout_h))
    };
    let switch_y = upper_bottom + 56.0;
    let node_y = switch_y + SWITCH_H + 64.0;
    let mut hosts = vec![Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; net.hosts.len()];
    for (i, &h) in upper.iter().enumerate() {
        hosts[h] = Rect { x: MARGIN + i as f64 * UPPER_STEP, y: MARGIN, w: UPPER_W, h: UPPER_H };
    }
    let nodes_left = (width - nodes.len() as f64 * NODE_STEP) / 2.0 + (NODE_STEP - NODE_W) / 2.0;
    for (i, &h) in nodes.iter().enumerate() {
        hosts[h] = Rect { x: nodes_left + i as f64 * NODE_STEP, y: node_y, w: NODE_W, h: node_h };
    }
    let switch = Rect { x: (width - SWITCH_W) / 2.0, y: switch_y, w: SWITCH_W, h: SWITCH_H };
    let frame_of = |p: Place| match p {
        Place::Host(h) => hosts[h],
        Place::Switch => switch,
    };
    let cables = net
        .links
        .iter()
        .enumerate()
        .map(|(link, l)| {
            let ends = [end_place(l.ends[0]), end_place(l.ends[1])];
            let (a, b) = (frame_of(ends[0]), frame_of(ends[1]));
            let port = l.ends.iter().find_map(|e| match e {
                End::Switch(p) => Some(net.switch.ports[*p].name.clone()),
                End::Host(..) => None,
            });
            Cable { link, ends, points: [a.edge_towards(b.center()), b.edge_towards(a.center())], up: l.up, port }
        })
        .collect();
    Layout { width, height: node_y + node_h + MARGIN, hosts, switch, cables, callout, callout_w }
}

/// One frame record drawn as a move along a cable.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    /// Index of the record in the run's trace.
    pub record: usize,
    pub t: Instant,
    pub from: Point,
    pub to: Point,
    pub class: FrameClass,
    pub summary: String,
}

/// The cable moves of the frame records `records` (starting at trace index
/// `first`). A host's transmission moves from the host to the other end
/// of its cable; a reception from the switch moves from the switch to the
/// host. The switch's own reception repeats the sender's move and a host
/// receiving from another host's cable repeats that host's transmission,
/// so neither is drawn twice.
pub fn hops(world: &World, layout: &Layout, records: &[Record], first: usize) -> Vec<Hop> {
    let net = &world.net;
    records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let Kind::Frame { at, iface, dir, frame, forward: None } = &r.kind else { return None };
            let h = net.host_id(at)?;
            let link = net.hosts[h].ifaces.iter().find(|f| f.name == *iface)?.link?;
            let cable = &layout.cables[link];
            let here = cable.ends.iter().position(|e| *e == Place::Host(h))?;
            let (from, to) = match dir {
                Dir::Tx => (cable.points[here], cable.points[1 - here]),
                Dir::Rx if cable.ends[1 - here] == Place::Switch => (cable.points[1 - here], cable.points[here]),
                Dir::Rx => return None,
            };
            Some(Hop {
                record: first + i,
                t: r.t,
                from,
                to,
                class: FrameClass::of(frame),
                summary: crate::wire::dissect::summary(frame),
            })
        })
        .collect()
}

/// Pod lines per node; a node with more pods shows "+N more" on the last line.
pub const MAX_POD_LINES: usize = 5;
/// An ignored GARP stays mentioned in the VIP callout this long.
const IGNORED_SHOWN: Duration = Duration::from_millis(1500);

/// A line of text in the drawing: its CSS class and its words.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub class: &'static str,
    pub text: String,
}

impl Line {
    fn new(class: &'static str, text: impl Into<String>) -> Line {
        Line { class, text: text.into() }
    }
}

/// A VIP badge on a host: "★ VIP 192.168.1.201".
#[derive(Clone, Debug, PartialEq)]
pub struct Badge {
    pub rect: Rect,
    pub text: String,
}

impl Badge {
    pub fn text_at(&self) -> Point {
        Point { x: self.rect.x + 8.0, y: self.rect.y + 13.0 }
    }
}

/// A host's box and everything written in it.
#[derive(Clone, Debug, PartialEq)]
pub struct HostBox {
    pub name: String,
    /// The CSS class of its role: `router`, `client` or `node`.
    pub role: &'static str,
    /// The role as written in the box's corner.
    pub role_label: String,
    pub off: bool,
    /// What a screen reader says for the box.
    pub label: String,
    pub rect: Rect,
    /// Name, address, and a status when there is one (one per row).
    pub lines: Vec<Line>,
    pub badges: Vec<Badge>,
    /// One per row, from [`HostBox::pod_at`].
    pub pods: Vec<Line>,
}

impl HostBox {
    /// Where the role label ends (it is right-aligned).
    pub fn role_at(&self) -> Point {
        Point { x: self.rect.x + self.rect.w - 8.0, y: self.rect.y + 14.0 }
    }

    /// Where the first text row starts; rows are [`TEXT_ROW`] apart.
    pub fn text_at(&self) -> Point {
        Point { x: self.rect.x + 10.0, y: self.rect.y + 20.0 }
    }

    /// Where pod line `i` starts.
    pub fn pod_at(&self, i: usize) -> Point {
        let y = self.rect.y + NODE_HEADER + BADGE_ROW * self.badges.len() as f64 + 12.0;
        Point { x: self.rect.x + 10.0, y: y + POD_ROW * i as f64 }
    }
}

/// The distance between a box's text rows.
pub const TEXT_ROW: f64 = 15.0;

/// The learning switch's box.
#[derive(Clone, Debug, PartialEq)]
pub struct SwitchBox {
    pub name: String,
    pub label: String,
    pub rect: Rect,
    /// "3 MACs learned".
    pub learned: String,
}

impl SwitchBox {
    pub fn text_at(&self) -> Point {
        Point { x: self.rect.x + 10.0, y: self.rect.y + 18.0 }
    }
}

/// A row of the VIP callout that names a way to a VIP: which host, which
/// VIP, and through whom (hosts, comma-separated; empty for none).
#[derive(Clone, Debug, PartialEq)]
pub struct Way {
    pub host: String,
    pub vip: Ipv4Addr,
    pub via: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CalloutRow {
    pub line: Line,
    pub way: Option<Way>,
}

/// The box beside the routers that says how the VIP is reached: the one
/// table row the failover story turns on.
#[derive(Clone, Debug, PartialEq)]
pub struct Callout {
    pub rect: Rect,
    pub title: String,
    pub rows: Vec<CalloutRow>,
    /// The way to the VIP changed in what just happened (it flashes).
    pub changed: bool,
}

impl Callout {
    pub fn title_at(&self) -> Point {
        Point { x: self.rect.x + 10.0, y: self.rect.y + 16.0 }
    }

    pub fn rows_at(&self) -> Point {
        Point { x: self.rect.x + 10.0, y: self.rect.y + 34.0 }
    }
}

/// A cable's words: the switch port's name near the switch end, and "link
/// down" in the middle of a cable that is down.
#[derive(Clone, Debug, PartialEq)]
pub struct CableText {
    pub port: Option<(Point, String)>,
    pub down: Option<(Point, String)>,
}

/// The topology at one moment, positioned and worded.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub layout: Layout,
    /// Indexed by host id.
    pub hosts: Vec<HostBox>,
    pub switch: SwitchBox,
    /// One per cable of `layout`.
    pub cable_text: Vec<CableText>,
    pub callout: Option<Callout>,
}

/// What the drawing is made from: the world at the cursor, the records
/// visible there (`recent`) and those that "just happened" (`batch`), the
/// playhead, and the run's first VIP for when none is assigned right now.
pub struct Moment<'a> {
    pub world: &'a World,
    pub recent: &'a [Record],
    pub batch: &'a [Record],
    pub now: Instant,
    pub first_vip: Option<Ipv4Addr>,
    /// Who answers for the VIP is hidden (an exercise asks the learner to
    /// find it): no VIP badges, and the callout gives MACs, not hosts.
    pub conceal: bool,
}

impl Drawing {
    /// The drawing of `at`, in `lang`; `narrow` as for [`layout`].
    pub fn of(at: &Moment, narrow: bool, lang: Lang) -> Drawing {
        let world = at.world;
        let vips = vips(world, at.first_vip);
        let reaching = reachers(world, &vips);
        let named = reaching.len() > 1;
        let rows: Vec<CalloutRow> =
            reaching.iter().flat_map(|&h| callout_rows(world, h, &vips, at, named, lang)).collect();
        let pods_of = |node: &str| world.cluster.pods.values().filter(|p| p.node.as_deref() == Some(node)).count();
        let node_names = world.cluster.nodes.keys();
        let most_badges = node_names.clone().map(|n| held_vips(world, n).len()).max().unwrap_or(0).max(1);
        let most_pods = node_names.map(|n| pods_of(n)).max().unwrap_or(0).clamp(1, MAX_POD_LINES);
        // The callout's room is kept for its longest form (a row, its detail
        // and an ignored GARP with its reason, per VIP and host), so the
        // drawing keeps its height while playing.
        let room = 4 * vips.len() * reaching.len();
        let content = Content { badges: most_badges, pods: most_pods, callout_lines: rows.len().max(room) };
        let layout = layout(world, content, narrow);

        let hosts: Vec<HostBox> =
            world.net.hosts.iter().enumerate().map(|(h, _)| host_box(world, h, &layout, lang, at.conceal)).collect();
        let sw = &world.net.switch;
        let switch = SwitchBox {
            name: sw.name.to_string(),
            label: lang.f(Msg::SwitchLabel, &[&sw.name, &sw.table.len()]),
            rect: layout.switch,
            learned: lang.f(Msg::MacsLearned, &[&sw.table.len()]),
        };
        let cable_text = layout
            .cables
            .iter()
            .map(|c| {
                let [a, b] = c.points;
                let port_at = match c.ends {
                    [Place::Switch, _] => Some(a),
                    [_, Place::Switch] => Some(b),
                    _ => None,
                };
                CableText {
                    port: c.port.clone().zip(port_at).map(|(name, p)| (Point { x: p.x + 4.0, y: p.y + 12.0 }, name)),
                    down: (!c.up).then(|| {
                        (Point { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 }, lang.t(Msg::LinkDown).to_string())
                    }),
                }
            })
            .collect();
        let callout = (!reaching.is_empty()).then(|| {
            let title = if named {
                lang.t(Msg::HowVipReached).to_string()
            } else {
                lang.f(Msg::ReachesVipVia, &[&world.net.hosts[reaching[0]].name])
            };
            let Point { x, y } = layout.callout;
            let rect = Rect { x, y, w: layout.callout_w, h: 26.0 + CALLOUT_ROW * rows.len() as f64 };
            Callout { rect, title, rows, changed: path_changed(world, at.batch, &vips, &reaching) }
        });
        Drawing { layout, hosts, switch, cable_text, callout }
    }
}

/// A host's role in the UI's words.
pub fn role_name(role: Role, lang: Lang) -> &'static str {
    lang.t(match role {
        Role::Router => Msg::RoleRouter,
        Role::Client => Msg::RoleClient,
        Role::Node => Msg::RoleNode,
    })
}

/// `conceal`: no badge, and the label does not say which VIP it holds.
fn host_box(world: &World, h: HostId, layout: &Layout, lang: Lang, conceal: bool) -> HostBox {
    let host = &world.net.hosts[h];
    let rect = layout.hosts[h];
    let name = host.name.to_string();
    let is_node = host.role == Role::Node;
    let mut lines = vec![
        Line::new("name", name.clone()),
        Line::new("ip", host.primary_ip().map(|i| i.to_string()).unwrap_or_default()),
    ];
    if !host.up {
        lines.push(Line::new("status", lang.t(Msg::PoweredOffCaps)));
    } else if world.cluster.node_of_host(h).is_some_and(|n| !n.ready) {
        lines.push(Line::new("status", "NotReady"));
    }
    let held = if conceal { Vec::new() } else { held_vips(world, &name) };
    let badges = held
        .iter()
        .enumerate()
        .map(|(i, (vip, hold))| {
            let y = rect.y + NODE_HEADER - 4.0 + BADGE_ROW * i as f64;
            let x = if is_node { rect.x + 8.0 } else { rect.x + 6.0 };
            Badge {
                rect: Rect { x, y, w: (NODE_W - 16.0).min(rect.w - 12.0), h: 18.0 },
                // "BGP" in place of "VIP": the badge keeps one width and fits its box.
                text: if *hold == Hold::Announces { format!("★ VIP {vip}") } else { format!("★ BGP {vip}") },
            }
        })
        .collect();
    let mut pods = if is_node { pods_on(world, &name, lang) } else { Vec::new() };
    if pods.len() > MAX_POD_LINES {
        let more = pods.len() - (MAX_POD_LINES - 1);
        pods.truncate(MAX_POD_LINES - 1);
        pods.push(Line::new("pod more", lang.f(Msg::MorePods, &[&more])));
    }
    HostBox {
        name,
        role: match host.role {
            Role::Router => "router",
            Role::Client => "client",
            Role::Node => "node",
        },
        role_label: role_name(host.role, lang).to_ascii_uppercase(),
        off: !host.up,
        label: host_label(world, h, &held, lang),
        rect,
        lines,
        badges,
        pods,
    }
}

fn pods_on(world: &World, node: &str, lang: Lang) -> Vec<Line> {
    world
        .cluster
        .pods
        .values()
        .filter(|p| p.node.as_deref() == Some(node))
        .map(|p| {
            let (glyph, class, said) = if p.terminating() {
                ("⌛", "pod terminating", Msg::PodTerminating)
            } else if p.ready {
                ("✓", "pod ready", Msg::PodReady)
            } else {
                ("…", "pod not-ready", Msg::PodNotReady)
            };
            let short = match p.name.rsplit_once('-') {
                Some((_, tail)) if p.name.len() > 16 => format!("{}…{tail}", &p.name[..p.name.find('-').unwrap_or(3)]),
                _ => p.name.clone(),
            };
            Line::new(class, format!("{glyph} {short} {}", lang.t(said)))
        })
        .collect()
}

fn host_label(world: &World, h: HostId, held: &[(Ipv4Addr, Hold)], lang: Lang) -> String {
    let host = &world.net.hosts[h];
    let ip = host.primary_ip().map(|ip| ip.to_string()).unwrap_or_default();
    let mac = host.ifaces.first().map(|i| i.mac).unwrap_or_default();
    let mut s = lang.f(Msg::HostLabel, &[&host.name, &role_name(host.role, lang), &ip, &mac]);
    if !host.up {
        s.push_str(lang.t(Msg::HostLabelOff));
    }
    for (vip, hold) in held {
        s.push_str(&match hold {
            Hold::Announces => lang.f(Msg::HostLabelAnnounces, &[&vip]),
            Hold::BgpNextHop => lang.f(Msg::HostLabelNextHop, &[&vip]),
        });
    }
    s
}

/// Every LoadBalancer address assigned right now, or the run's first VIP.
fn vips(world: &World, fallback: Option<Ipv4Addr>) -> Vec<Ipv4Addr> {
    let mut v: Vec<Ipv4Addr> = world.cluster.services.values().flat_map(|s| s.ingress.iter().copied()).collect();
    if v.is_empty() {
        v.extend(fallback);
    }
    v
}

/// The hosts outside the cluster that reach a VIP themselves: those with an
/// ARP entry or a BGP route for one; the routers when nobody has either yet.
fn reachers(world: &World, vips: &[Ipv4Addr]) -> Vec<usize> {
    let outside = || world.net.hosts.iter().enumerate().filter(|(_, h)| h.role != Role::Node);
    let reaching: Vec<usize> = outside()
        .filter(|(_, h)| {
            vips.iter().any(|vip| {
                h.ifaces.iter().any(|i| i.neighbors.get(*vip).is_some())
                    || h.routes.iter().any(|r| r.origin == RouteOrigin::Bgp && r.dst.contains(*vip))
            })
        })
        .map(|(i, _)| i)
        .collect();
    if reaching.is_empty() {
        outside().filter(|(_, h)| h.role == Role::Router).map(|(i, _)| i).collect()
    } else {
        reaching
    }
}

/// A host's way to each VIP: its ARP entry, or its BGP route.
fn callout_rows(world: &World, h: usize, vips: &[Ipv4Addr], at: &Moment, named: bool, lang: Lang) -> Vec<CalloutRow> {
    let (recent, now) = (at.recent, at.now);
    // Concealed, a VIP's ARP entry names neither its host nor its MAC: the
    // MAC would be the answer too, one row away from the node's own entry.
    let owner_of = |mac: crate::wire::Mac| {
        if at.conceal { lang.t(Msg::HiddenHost).to_string() } else { world.net.name_of_mac(mac) }
    };
    let host = &world.net.hosts[h];
    let who = if named { format!("{}: ", host.name) } else { String::new() };
    let way = |vip: Ipv4Addr, via: String| Some(Way { host: host.name.to_string(), vip, via });
    let row = |line: Line, way: Option<Way>| CalloutRow { line, way };
    let mut rows = Vec::new();
    for &vip in vips {
        let route = host.routes.iter().find(|r| r.origin == RouteOrigin::Bgp && r.dst.contains(vip));
        if let Some(r) = route {
            let via: Vec<String> = r.via.iter().map(|ip| world.net.name_of_ip(*ip)).collect();
            let ecmp = if via.len() > 1 { " (ECMP)" } else { "" };
            let main = format!("{who}{}{ecmp}", lang.f(Msg::CalloutRoute, &[&r.dst]));
            rows.push(row(Line::new("row", main), way(vip, via.join(","))));
            rows.push(row(Line::new("detail", lang.f(Msg::CalloutVia, &[&via.join(", ")])), None));
            continue;
        }
        let entry = host.ifaces.iter().find_map(|i| i.neighbors.get(vip));
        if entry.is_none() && host.role == Role::Router && world.cluster.config.announce == AnnounceKind::Bgp {
            let main = format!("{who}{}", lang.f(Msg::CalloutNoRoute, &[&vip]));
            rows.push(row(Line::new("row", main), way(vip, String::new())));
            rows.push(row(Line::new("detail", lang.t(Msg::CalloutRouteInstalled)), None));
            continue;
        }
        let (main, detail, owner) = match entry {
            Some(e) => {
                let deadline = e
                    .expires
                    .or(e.timer())
                    .map(|t| lang.f(Msg::CalloutExpires, &[&super::duration(t.saturating_since(now), lang)]));
                match e.mac {
                    Some(mac) => {
                        let owner = owner_of(mac);
                        // Concealed, the row says "?" (as the inspector's owner
                        // column does) and keeps its state; the MAC is hidden.
                        let shown = if at.conceal { "?" } else { owner.as_str() };
                        let mac = if at.conceal { lang.t(Msg::MacHidden).to_string() } else { mac.to_string() };
                        (
                            format!("{who}ARP {vip} → {shown} · {}", e.state),
                            format!("{mac}{}", deadline.unwrap_or_default()),
                            owner,
                        )
                    }
                    None => {
                        (format!("{who}{}", lang.f(Msg::CalloutNoMac, &[&vip, &e.state])), String::new(), String::new())
                    }
                }
            }
            None => (
                format!("{who}{}", lang.f(Msg::CalloutNoEntry, &[&vip])),
                lang.t(Msg::CalloutWillAsk).into(),
                String::new(),
            ),
        };
        rows.push(row(Line::new("row", main), way(vip, owner)));
        if !detail.is_empty() {
            rows.push(row(Line::new("detail", detail), None));
        }
        let ignored = recent.iter().rev().take_while(|r| now.saturating_since(r.t) <= IGNORED_SHOWN).find_map(|r| {
            match &r.kind {
                Kind::ArpIgnored { host: h, ip, mac, reason } if **h == *host.name && *ip == vip => {
                    Some((lang.f(Msg::CalloutIgnoredGarp, &[&owner_of(*mac)]), reason.clone()))
                }
                _ => None,
            }
        });
        if let Some((what, why)) = ignored {
            rows.push(row(Line::new("ignored", what), None));
            rows.push(row(Line::new("ignored detail", why), None));
        }
    }
    rows
}

/// Whether one of `hosts` changed its ARP entry for a VIP or its routes in `records`.
fn path_changed(world: &World, records: &[Record], vips: &[Ipv4Addr], hosts: &[usize]) -> bool {
    let watched = |name: &str| world.net.host_id(name).is_some_and(|h| hosts.contains(&h));
    records.iter().any(|r| match &r.kind {
        Kind::Neighbor { host, ip, .. } => vips.contains(ip) && watched(host),
        Kind::Route { host, .. } => watched(host),
        _ => false,
    })
}
