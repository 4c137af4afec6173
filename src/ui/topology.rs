//! The topology: router, clients, switch and nodes with their pods, drawn
//! as SVG from the world at the cursor. Which node holds each VIP (badge),
//! link state, powered-off hosts greyed, and next to the router the one
//! table row the whole failover story turns on: how it reaches the VIP.
//! Frames delivered since the previous cursor move along the cables,
//! coloured and labelled by kind; drops show a cross with the reason.

use super::coming_up::ComingUp;
use super::i18n::{Lang, Msg};
use super::scene::{
    self, BADGE_ROW, CALLOUT_ROW, Content, Hop, Layout, NODE_HEADER, NODE_W, POD_ROW, Place, Point, Rect,
};
use super::state::{Action, use_store};
use super::story::{FrameClass, Hold, held_vips, host_of_ip, host_of_mac, just_happened};
use super::topology_table::TopologyTable;
use crate::engine::trace::{Kind, Record};
use crate::k8s::cluster::AnnounceKind;
use crate::net::Role;
use crate::net::host::RouteOrigin;
use crate::sim::World;
use crate::time::{Duration, Instant};
use std::net::Ipv4Addr;
use yew::prelude::*;

/// One hop's animation, and the extra delay per hop rank within a batch,
/// so a frame's path client → router → switch → node reads in order.
const HOP_MS: u32 = 420;
const RANK_DELAY_MS: u32 = 260;
const MAX_RANK: usize = 4;
/// How long a frame or drop stays drawn while playing.
const LIFETIME_MS: f64 = 1600.0;
/// At most this many frames are drawn at once, the newest.
const MAX_DRAWN: usize = 48;
/// Pod lines per node; a node with more pods shows "+N more" on the last line.
const MAX_POD_LINES: usize = 5;
/// An ignored GARP stays mentioned in the VIP callout this long.
const IGNORED_SHOWN: Duration = Duration::from_millis(1500);

/// A frame drawn on a cable.
#[derive(Clone)]
struct Flight {
    key: String,
    hop: Hop,
    delay_ms: u32,
    born: f64,
}

/// A drop drawn as a cross on the host where it happened.
#[derive(Clone)]
struct DropMark {
    key: String,
    host: usize,
    why: String,
    record: usize,
    born: f64,
}

/// The cursor the drawing follows.
#[derive(Clone, Copy)]
struct At {
    run: usize,
    cursor: u64,
    playing: bool,
}

/// What stays drawn across renders while playing.
#[derive(Default)]
struct Drawn {
    run: usize,
    cursor: u64,
    flights: Vec<Flight>,
    drops: Vec<DropMark>,
}

impl Drawn {
    /// Follows the cursor to `at`: draws the frames and drops of `batch`
    /// (trace indices), and while playing keeps the earlier ones that have
    /// not finished.
    fn follow(&mut self, at: At, world: &World, layout: &Layout, records: &[Record], batch: std::ops::Range<usize>) {
        let At { run, cursor, playing } = at;
        if self.run == run && self.cursor == cursor {
            return;
        }
        let wall = super::now_ms();
        if playing && self.run == run && cursor > self.cursor {
            self.flights.retain(|f| wall - f.born < LIFETIME_MS);
            self.drops.retain(|f| wall - f.born < LIFETIME_MS);
        } else {
            self.flights.clear();
            self.drops.clear();
        }
        let start = batch.start;
        let new_hops = scene::hops(world, layout, &records[batch.clone()], start);
        let mut times: Vec<Instant> = new_hops.iter().map(|h| h.t).collect();
        times.dedup();
        for hop in new_hops {
            let rank = times.partition_point(|t| *t < hop.t).min(MAX_RANK) as u32;
            self.flights.push(Flight {
                key: format!("{run}-{}", hop.record),
                hop,
                delay_ms: rank * RANK_DELAY_MS,
                born: wall,
            });
        }
        for (i, r) in records[batch].iter().enumerate() {
            if let Kind::Drop { at, reason, .. } = &r.kind
                && let Some(host) = world.net.host_id(at)
                && !self.drops.iter().any(|x| x.host == host && x.why == reason.why())
            {
                let record = start + i;
                self.drops.push(DropMark {
                    key: format!("{run}-{record}"),
                    host,
                    why: reason.why(),
                    record,
                    born: wall,
                });
            }
        }
        let excess = self.flights.len().saturating_sub(MAX_DRAWN);
        self.flights.drain(..excess);
        self.run = run;
        self.cursor = cursor;
    }
}

fn pods_on(world: &World, node: &str, lang: Lang) -> Vec<Html> {
    world
        .cluster
        .pods
        .values()
        .filter(|p| p.node.as_deref() == Some(node))
        .map(|p| {
            let (glyph, state, said) = if p.terminating() {
                ("⌛", "terminating", Msg::PodTerminating)
            } else if p.ready {
                ("✓", "ready", Msg::PodReady)
            } else {
                ("…", "not-ready", Msg::PodNotReady)
            };
            let short = match p.name.rsplit_once('-') {
                Some((_, tail)) if p.name.len() > 16 => format!("{}…{tail}", &p.name[..p.name.find('-').unwrap_or(3)]),
                _ => p.name.clone(),
            };
            html! { <tspan class={classes!("pod", state)}>{ format!("{glyph} {short} {}", lang.t(said)) }</tspan> }
        })
        .collect()
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
fn callout_lines(
    world: &World,
    h: usize,
    vips: &[Ipv4Addr],
    recent: &[Record],
    now: Instant,
    named: bool,
    lang: Lang,
) -> Vec<Html> {
    let host = &world.net.hosts[h];
    let who = if named { format!("{}: ", host.name) } else { String::new() };
    let mut lines = Vec::new();
    for &vip in vips {
        let route = host.routes.iter().find(|r| r.origin == RouteOrigin::Bgp && r.dst.contains(vip));
        if let Some(r) = route {
            let via: Vec<String> = r.via.iter().map(|ip| host_of_ip(world, *ip)).collect();
            let ecmp = if via.len() > 1 { " (ECMP)" } else { "" };
            lines.push(html! {
                <tspan class="row" data-host={host.name.to_string()} data-vip={vip.to_string()} data-via={via.join(",")}>
                    { format!("{who}{}{ecmp}", lang.f(Msg::CalloutRoute, &[&r.dst])) }
                </tspan>
            });
            lines.push(html! { <tspan class="detail">{ lang.f(Msg::CalloutVia, &[&via.join(", ")]) }</tspan> });
            continue;
        }
        let entry = host.ifaces.iter().find_map(|i| i.neighbors.get(vip));
        if entry.is_none() && host.role == Role::Router && world.cluster.config.announce == AnnounceKind::Bgp {
            lines.push(html! {
                <tspan class="row" data-host={host.name.to_string()} data-vip={vip.to_string()} data-via="">
                    { format!("{who}{}", lang.f(Msg::CalloutNoRoute, &[&vip])) }
                </tspan>
            });
            lines.push(html! { <tspan class="detail">{ lang.t(Msg::CalloutRouteInstalled) }</tspan> });
            continue;
        }
        let (main, detail, owner) = match entry {
            Some(e) => {
                let deadline =
                    e.expires.or(e.timer()).map(|t| lang.f(Msg::CalloutExpires, &[&t.saturating_since(now).human()]));
                match e.mac {
                    Some(mac) => {
                        let owner = host_of_mac(world, mac);
                        (
                            format!("{who}ARP {vip} → {owner} · {}", e.state),
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
        lines.push(html! {
            <tspan class="row" data-host={host.name.to_string()} data-vip={vip.to_string()} data-via={owner}>{ main }</tspan>
        });
        if !detail.is_empty() {
            lines.push(html! { <tspan class="detail">{ detail }</tspan> });
        }
        let ignored = recent.iter().rev().take_while(|r| now.saturating_since(r.t) <= IGNORED_SHOWN).find_map(|r| {
            match &r.kind {
                Kind::ArpIgnored { host: h, ip, mac, reason } if **h == *host.name && *ip == vip => {
                    Some((lang.f(Msg::CalloutIgnoredGarp, &[&host_of_mac(world, *mac)]), reason.clone()))
                }
                _ => None,
            }
        });
        if let Some((what, why)) = ignored {
            lines.push(html! { <tspan class="ignored">{ what }</tspan> });
            lines.push(html! { <tspan class="ignored detail">{ why }</tspan> });
        }
    }
    lines
}

/// A host's role in the UI's words.
pub fn role_name(role: Role, lang: Lang) -> &'static str {
    lang.t(match role {
        Role::Router => Msg::RoleRouter,
        Role::Client => Msg::RoleClient,
        Role::Node => Msg::RoleNode,
    })
}

fn host_label(world: &World, h: usize, lang: Lang) -> String {
    let host = &world.net.hosts[h];
    let ip = host.primary_ip().map(|ip| ip.to_string()).unwrap_or_default();
    let mac = host.ifaces.first().map(|i| i.mac).unwrap_or_default();
    let mut s = lang.f(Msg::HostLabel, &[&host.name, &role_name(host.role, lang), &ip, &mac]);
    if !host.up {
        s.push_str(lang.t(Msg::HostLabelOff));
    }
    for (vip, hold) in held_vips(world, &host.name) {
        s.push_str(&match hold {
            Hold::Announces => lang.f(Msg::HostLabelAnnounces, &[&vip]),
            Hold::BgpNextHop => lang.f(Msg::HostLabelNextHop, &[&vip]),
        });
    }
    s
}

fn point_style(from: Point, to: Point, delay_ms: u32) -> String {
    let mid = Point { x: (from.x + to.x) / 2.0, y: (from.y + to.y) / 2.0 };
    format!(
        "--x0:{:.1}px;--y0:{:.1}px;--x1:{:.1}px;--y1:{:.1}px;--xm:{:.1}px;--ym:{:.1}px;\
         animation-delay:{delay_ms}ms;animation-duration:{HOP_MS}ms",
        from.x, from.y, to.x, to.y, mid.x, mid.y
    )
}

/// Below this page width the drawing uses its narrow layout.
const NARROW_PX: f64 = 720.0;

fn is_narrow() -> bool {
    gloo::utils::window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w < NARROW_PX)
}

/// Whether the page is narrow (a phone), following resizes.
#[hook]
fn use_narrow() -> bool {
    let narrow = use_state_eq(is_narrow);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| {
                narrow.set(is_narrow());
            });
            move || drop(listener)
        });
    }
    *narrow
}

#[function_component(Topology)]
pub fn topology() -> Html {
    let store = use_store();
    let lang = store.lang;
    let drawn = use_mut_ref(Drawn::default);
    let narrow = use_narrow();
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();
    let records = run.trace();
    let cursor = run.cursor();
    let now = store.time;

    let node_names: Vec<&str> = world.cluster.nodes.keys().map(String::as_str).collect();
    let most_badges = node_names.iter().map(|n| held_vips(world, n).len()).max().unwrap_or(0).max(1);
    let most_pods = node_names
        .iter()
        .map(|n| world.cluster.pods.values().filter(|p| p.node.as_deref() == Some(n)).count())
        .max()
        .unwrap_or(0)
        .clamp(1, MAX_POD_LINES);
    let vip_list = vips(world, entry.story.vip);
    let recent = run.visible();
    let reaching = reachers(world, &vip_list);
    let named = reaching.len() > 1;
    let callout: Vec<Html> =
        reaching.iter().flat_map(|&h| callout_lines(world, h, &vip_list, recent, now, named, lang)).collect();
    let content = Content { badges: most_badges, pods: most_pods, callout_lines: callout.len() };
    let layout: Layout = scene::layout(world, content, narrow);
    // The drawing scales with its panel but not below this, so its text
    // stays readable; a narrow panel scrolls sideways instead. The embed
    // player has no scrollbars: it always fits its column.
    let min_scale = if store.embed {
        0.0
    } else if narrow {
        0.8
    } else {
        0.62
    };

    let batch = just_happened(records, store.previous, cursor, now);
    let at = At { run: entry.id, cursor, playing: store.playing };
    drawn.borrow_mut().follow(at, world, &layout, records, batch.clone());
    let d = drawn.borrow();

    let select = |name: String| {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::SelectHost(Some(name.clone()))))
    };
    let select_key = |name: String| {
        let store = store.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                store.dispatch(Action::SelectHost(Some(name.clone())));
            }
        })
    };
    let selected = store.host.clone().unwrap_or_default();

    let cables = layout.cables.iter().map(|c| {
        let [a, b] = c.points;
        let mid = Point { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 };
        let port_at = match c.ends {
            [Place::Switch, _] => Some(a),
            [_, Place::Switch] => Some(b),
            _ => None,
        };
        html! {
            <g class={classes!("cable", (!c.up).then_some("down"))}>
                <line x1={a.x.to_string()} y1={a.y.to_string()} x2={b.x.to_string()} y2={b.y.to_string()} />
                if let (Some(port), Some(p)) = (&c.port, port_at) {
                    <text class="port" x={(p.x + 4.0).to_string()} y={(p.y + 12.0).to_string()}>{ port }</text>
                }
                if !c.up {
                    <text class="link-down" x={mid.x.to_string()} y={mid.y.to_string()}>{ lang.t(Msg::LinkDown) }</text>
                }
            </g>
        }
    });

    let hosts = world.net.hosts.iter().enumerate().map(|(h, host)| {
        let Rect { x, y, w, h: height } = layout.hosts[h];
        let name = host.name.to_string();
        let is_node = host.role == Role::Node;
        let node = world.cluster.node_of_host(h);
        let role = match host.role {
            Role::Router => "router",
            Role::Client => "client",
            Role::Node => "node",
        };
        let mut lines = vec![
            html! { <tspan class="name" x={(x + 10.0).to_string()} dy="0">{ &name }</tspan> },
            html! { <tspan class="ip" x={(x + 10.0).to_string()} dy="15">{ host.primary_ip().map(|i| i.to_string()).unwrap_or_default() }</tspan> },
        ];
        if !host.up {
            lines.push(html! { <tspan class="status" x={(x + 10.0).to_string()} dy="15">{ lang.t(Msg::PoweredOffCaps) }</tspan> });
        } else if node.is_some_and(|n| !n.ready) {
            lines.push(html! { <tspan class="status" x={(x + 10.0).to_string()} dy="15">{ "NotReady" }</tspan> });
        }
        let badges = held_vips(world, &name);
        let mut pods = if is_node { pods_on(world, &name, lang) } else { Vec::new() };
        if pods.len() > MAX_POD_LINES {
            let more = pods.len() - (MAX_POD_LINES - 1);
            pods.truncate(MAX_POD_LINES - 1);
            pods.push(html! { <tspan class="pod more">{ lang.f(Msg::MorePods, &[&more]) }</tspan> });
        }
        let pods_y = y + NODE_HEADER + BADGE_ROW * badges.len() as f64 + 12.0;
        // The drawn words sit beside the button, not in it: the button's
        // name is its label (name, role, addresses, VIPs), and words inside
        // it that the label does not contain word for word fail WCAG 2.5.3
        // (axe-core label-content-name-mismatch). They let clicks through.
        html! {
            <>
            <g class={classes!("host", role, (!host.up).then_some("off"), (selected == name).then_some("selected"))}
               role="button" tabindex="0" aria-pressed={(selected == name).to_string()}
               aria-label={host_label(world, h, lang)} data-host={name.clone()}
               onclick={select(name.clone())} onkeydown={select_key(name.clone())}>
                <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={height.to_string()} rx="8" />
            </g>
            <g class={classes!("host-text", role, (!host.up).then_some("off"))} aria-hidden="true">
                <text class="role" x={(x + w - 8.0).to_string()} y={(y + 14.0).to_string()}>{ role_name(host.role, lang).to_uppercase() }</text>
                <text x={(x + 10.0).to_string()} y={(y + 20.0).to_string()}>{ for lines }</text>
                { for badges.iter().enumerate().map(|(i, (vip, hold))| {
                    let by = y + NODE_HEADER - 4.0 + BADGE_ROW * i as f64;
                    let bx = if is_node { x + 8.0 } else { x + 6.0 };
                    html! {
                        <g class="vip-badge">
                            <rect x={bx.to_string()} y={by.to_string()} width={(NODE_W - 16.0).min(w - 12.0).to_string()} height="18" rx="9" />
                            <text x={(bx + 8.0).to_string()} y={(by + 13.0).to_string()}>
                                { if *hold == Hold::Announces { format!("★ VIP {vip}") } else { format!("★ VIP {vip} · BGP") } }
                            </text>
                        </g>
                    }
                }) }
                if !pods.is_empty() {
                    <text class="pods">
                        { for pods.into_iter().enumerate().map(|(i, p)| html! {
                            <tspan x={(x + 10.0).to_string()} y={(pods_y + POD_ROW * i as f64).to_string()}>{ p }</tspan>
                        }) }
                    </text>
                }
            </g>
            </>
        }
    });

    let switch_name = world.net.switch.name.to_string();
    let sw = layout.switch;
    let switch = html! {
        <>
        <g class={classes!("host", "switch", (selected == switch_name).then_some("selected"))} role="button" tabindex="0"
           aria-pressed={(selected == switch_name).to_string()} data-host={switch_name.clone()}
           aria-label={lang.f(Msg::SwitchLabel, &[&switch_name, &world.net.switch.table.len()])}
           onclick={select(switch_name.clone())} onkeydown={select_key(switch_name.clone())}>
            <rect x={sw.x.to_string()} y={sw.y.to_string()} width={sw.w.to_string()} height={sw.h.to_string()} rx="6" />
        </g>
        <g class="host-text switch" aria-hidden="true">
            <text x={(sw.x + 10.0).to_string()} y={(sw.y + 18.0).to_string()}>
                <tspan class="name">{ &switch_name }</tspan>
                <tspan class="ip" x={(sw.x + 10.0).to_string()} dy="15">{ lang.f(Msg::MacsLearned, &[&world.net.switch.table.len()]) }</tspan>
            </text>
        </g>
        </>
    };

    let changed_path = path_changed(world, &records[batch], &vip_list, &reaching);
    let callout_box = (!reaching.is_empty()).then(|| {
        let title = if reaching.len() > 1 {
            lang.t(Msg::HowVipReached).to_string()
        } else {
            lang.f(Msg::ReachesVipVia, &[&world.net.hosts[reaching[0]].name])
        };
        let Point { x, y } = layout.callout;
        let height = 26.0 + CALLOUT_ROW * callout.len() as f64;
        html! {
            <g class={classes!("callout", changed_path.then_some("changed"))}>
                <rect x={x.to_string()} y={y.to_string()} width={layout.callout_w.to_string()} height={height.to_string()} rx="6" />
                <text x={(x + 10.0).to_string()} y={(y + 16.0).to_string()} class="title">{ title }</text>
                <text x={(x + 10.0).to_string()} y={(y + 34.0).to_string()}>
                    { for callout.into_iter().enumerate().map(|(i, l)| html! {
                        <tspan x={(x + 10.0).to_string()} dy={if i == 0 { "0".to_string() } else { CALLOUT_ROW.to_string() }}>{ l }</tspan>
                    }) }
                </text>
            </g>
        }
    });

    let flights = d.flights.iter().map(|f| {
        let record = f.hop.record;
        let store = store.clone();
        let onclick = Callback::from(move |_| store.dispatch(Action::SelectRecord(record)));
        let class = f.hop.class;
        html! {
            <g key={f.key.clone()} class={classes!("flight", class.css())} style={point_style(f.hop.from, f.hop.to, f.delay_ms)}
               onclick={onclick}>
                <title>{ format!("{} {}", class.label(), f.hop.summary) }</title>
                <rect x="-19" y="-8" width="38" height="16" rx="8" />
                <text y="4">{ class.label() }</text>
            </g>
        }
    });
    let drops = d.drops.iter().map(|m| {
        let r = layout.hosts[m.host];
        let record = m.record;
        let store = store.clone();
        let onclick = Callback::from(move |_| store.dispatch(Action::SelectRecord(record)));
        html! {
            <g key={m.key.clone()} class="drop-mark" onclick={onclick}
               transform={format!("translate({:.1},{:.1})", r.x + r.w - 4.0, r.y + 4.0)}>
                <title>{ lang.f(Msg::DroppedWhy, &[&m.why]) }</title>
                <circle r="11" />
                <text y="5">{ "✕" }</text>
            </g>
        }
    });
    let drop_notes: Vec<String> =
        d.drops.iter().map(|m| lang.f(Msg::DroppedAt, &[&world.net.hosts[m.host].name, &m.why])).collect();
    let legend = [
        FrameClass::ArpRequest,
        FrameClass::ArpReply,
        FrameClass::Garp,
        FrameClass::Tcp,
        FrameClass::Icmp,
        FrameClass::Other,
    ];
    html! {
        <section class="panel topology" aria-labelledby="topology-title" data-panel="topology">
            <h2 id="topology-title">{ lang.t(Msg::PanelNetwork) }</h2>
            <div class="topology-scroll">
                <svg viewBox={format!("0 0 {:.0} {:.0}", layout.width, layout.height)} role="group"
                     aria-labelledby="topology-title" class="topology-svg"
                     style={format!("min-width:{:.0}px", layout.width * min_scale)}>
                    <g class="cables">{ for cables }</g>
                    { switch }
                    { for hosts }
                    { for callout_box }
                    <g class="flights">{ for flights }</g>
                    <g class="drops">{ for drops }</g>
                </svg>
            </div>
            <ul class="legend" aria-label={lang.t(Msg::FrameKinds)}>
                { for legend.iter().map(|c| html! { <li class={classes!("flight-key", c.css())}><span>{ c.label() }</span>{ lang.t(legend_text(*c)) }</li> }) }
                <li class="flight-key drop"><span>{ "✕" }</span>{ lang.t(Msg::LegendDrop) }</li>
            </ul>
            if !drop_notes.is_empty() {
                <ul class="drop-notes">{ for drop_notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
            }
            <ComingUp />
            <TopologyTable />
        </section>
    }
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

fn legend_text(c: FrameClass) -> Msg {
    match c {
        FrameClass::ArpRequest => Msg::LegendArpRequest,
        FrameClass::ArpReply => Msg::LegendArpReply,
        FrameClass::Garp => Msg::LegendGarp,
        FrameClass::Tcp => Msg::LegendTcp,
        FrameClass::Icmp => Msg::LegendIcmp,
        FrameClass::Other => Msg::LegendOther,
    }
}
