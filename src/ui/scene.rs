//! Where things are drawn in the topology: a box per host and one for the
//! switch, a line per cable, and the hop each frame record makes along a
//! cable. Plain geometry over the core's network; no yew.
//!
//! Rows, top to bottom: clients and routers (a client `behind` a router sits
//! just left of it, cabled to it), the switch, the nodes with their pods.

use super::story::FrameClass;
use crate::engine::trace::{Dir, Kind, Record};
use crate::net::{End, HostId, LinkId, Role};
use crate::sim::World;
use crate::time::Instant;

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
