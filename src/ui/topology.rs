//! The topology: router, clients, switch and nodes with their pods, drawn
//! as SVG from the world at the cursor. Which node holds each VIP (badge),
//! link state, powered-off hosts greyed, and next to the router the one
//! table row the whole failover story turns on: how it reaches the VIP.
//! Frames delivered since the previous cursor move along the cables,
//! coloured and labelled by kind; drops show a cross with the reason.

use super::coming_up::ComingUp;
use super::i18n::{Lang, Msg};
use super::scene::{self, CALLOUT_ROW, Drawing, Hop, HostBox, Layout, Moment, Point, Rect, TEXT_ROW};
use super::state::{Action, Dispatcher, use_store};
use super::story::{FrameClass, just_happened};
use super::topology_table::TopologyTable;
use super::viewport::use_narrow;
use super::zoom::use_zoom;
use crate::engine::trace::{Kind, Record};
use crate::sim::World;
use crate::time::Instant;
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

fn point_style(from: Point, to: Point, delay_ms: u32) -> String {
    let mid = Point { x: (from.x + to.x) / 2.0, y: (from.y + to.y) / 2.0 };
    format!(
        "--x0:{:.1}px;--y0:{:.1}px;--x1:{:.1}px;--y1:{:.1}px;--xm:{:.1}px;--ym:{:.1}px;\
         animation-delay:{delay_ms}ms;animation-duration:{HOP_MS}ms",
        from.x, from.y, to.x, to.y, mid.x, mid.y
    )
}

#[function_component(Topology)]
pub fn topology() -> Html {
    let store = use_store();
    let lang = store.lang;
    let drawn = use_mut_ref(Drawn::default);
    let narrow = use_narrow();
    let svg_ref = use_node_ref();
    let zoom = use_zoom(svg_ref.clone());
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();
    let records = run.trace();
    let cursor = run.cursor();
    let now = store.time;
    let batch = just_happened(records, store.previous, cursor, now);
    let moment = Moment {
        world,
        recent: run.visible(),
        batch: &records[batch.clone()],
        now,
        first_vip: entry.story.vip,
        conceal: store.concealed(),
    };
    let drawing = Drawing::of(&moment, narrow, lang);
    let layout = &drawing.layout;
    // The drawing scales with its panel but not below this, so its text
    // stays readable; a narrow panel scrolls sideways instead. On a phone
    // and in the embed player it fits the width; a phone zooms and pans it.
    let min_scale = if store.embed || narrow { 0.0 } else { 0.62 };
    zoom.size.set((layout.width, layout.height));
    let view_box = if narrow {
        zoom.view.view_box(layout.width, layout.height)
    } else {
        format!("0 0 {:.0} {:.0}", layout.width, layout.height)
    };

    let at = At { run: entry.rev, cursor, playing: store.playing };
    drawn.borrow_mut().follow(at, world, layout, records, batch);
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

    let cables = layout.cables.iter().zip(&drawing.cable_text).map(|(c, words)| {
        let [a, b] = c.points;
        html! {
            <g class={classes!("cable", (!c.up).then_some("down"))}>
                <line x1={a.x.to_string()} y1={a.y.to_string()} x2={b.x.to_string()} y2={b.y.to_string()} />
                if let Some((p, port)) = &words.port {
                    <text class="port" x={p.x.to_string()} y={p.y.to_string()}>{ port }</text>
                }
                if let Some((p, down)) = &words.down {
                    <text class="link-down" x={p.x.to_string()} y={p.y.to_string()}>{ down }</text>
                }
            </g>
        }
    });

    let hosts = drawing.hosts.iter().map(|b| {
        html! { <HostView host={b.clone()} selected={selected == b.name} dispatcher={store.dispatcher()} /> }
    });

    let sw = &drawing.switch;
    let switch = {
        let Rect { x, y, w, h } = sw.rect;
        let text = sw.text_at();
        html! {
            <>
            <g class={classes!("host", "switch", (selected == sw.name).then_some("selected"))} role="button" tabindex="0"
               aria-pressed={(selected == sw.name).to_string()} data-host={sw.name.clone()}
               aria-label={sw.label.clone()}
               onclick={select(sw.name.clone())} onkeydown={select_key(sw.name.clone())}>
                <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="6" />
            </g>
            <g class="host-text switch" aria-hidden="true">
                <text x={text.x.to_string()} y={text.y.to_string()}>
                    <tspan class="name">{ &sw.name }</tspan>
                    <tspan class="ip" x={text.x.to_string()} dy={TEXT_ROW.to_string()}>{ &sw.learned }</tspan>
                </text>
            </g>
            </>
        }
    };

    let callout_box = drawing.callout.as_ref().map(|c| {
        let Rect { x, y, w, h } = c.rect;
        let title = c.title_at();
        let rows = c.rows_at();
        html! {
            <g class={classes!("callout", c.changed.then_some("changed"))}>
                <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="6" />
                <text x={title.x.to_string()} y={title.y.to_string()} class="title">{ &c.title }</text>
                <text x={rows.x.to_string()} y={rows.y.to_string()}>
                    { for c.rows.iter().enumerate().map(|(i, r)| {
                        let line = match &r.way {
                            Some(way) => html! {
                                <tspan class={r.line.class} data-host={way.host.clone()} data-vip={way.vip.to_string()}
                                       data-via={way.via.clone()}>{ &r.line.text }</tspan>
                            },
                            None => html! { <tspan class={r.line.class}>{ &r.line.text }</tspan> },
                        };
                        html! {
                            <tspan x={rows.x.to_string()} dy={if i == 0 { "0".to_string() } else { CALLOUT_ROW.to_string() }}>{ line }</tspan>
                        }
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
    // The newest two drops, in a list that always keeps room for two lines
    // (the marks on the hosts show every drop): nothing below it jumps.
    let mut drop_notes: Vec<String> =
        d.drops.iter().rev().map(|m| lang.f(Msg::DroppedAt, &[&world.net.hosts[m.host].name, &m.why])).collect();
    if drop_notes.len() > 2 {
        let more = drop_notes.len() - 1;
        drop_notes.truncate(1);
        drop_notes.push(lang.f(Msg::MoreDrops, &[&more]));
    }
    html! {
        <section class="panel topology" aria-labelledby="topology-title" data-panel="topology">
            <h2 id="topology-title">{ lang.t(Msg::PanelNetwork) }</h2>
            if narrow {
                <div class="zoom-bar" role="group" aria-label={lang.t(Msg::ZoomNetwork)}>
                    <button type="button" data-zoom="in" onclick={zoom.zoom_in.clone()} aria-label={lang.t(Msg::ZoomIn)}>{ "+" }</button>
                    <button type="button" data-zoom="out" onclick={zoom.zoom_out.clone()} aria-label={lang.t(Msg::ZoomOut)}>{ "−" }</button>
                    <button type="button" data-zoom="fit" onclick={zoom.fit.clone()}>{ lang.t(Msg::ZoomFit) }</button>
                    <span class="hint">{ lang.t(Msg::PinchHint) }</span>
                </div>
            }
            <div class="topology-scroll">
                <svg ref={svg_ref} viewBox={view_box} role="group"
                     aria-labelledby="topology-title" class={classes!("topology-svg", (narrow && zoom.view.zoom > 1.0).then_some("zoomed"))}
                     style={format!("min-width:{:.0}px", layout.width * min_scale)}
                     onpointerdown={narrow.then(|| zoom.down.clone())} onpointermove={narrow.then(|| zoom.moved.clone())}
                     onpointerup={narrow.then(|| zoom.up.clone())} onpointercancel={narrow.then(|| zoom.up.clone())}>
                    <g class="cables">{ for cables }</g>
                    { switch }
                    { for hosts }
                    { for callout_box }
                    <g class="flights">{ for flights }</g>
                    <g class="drops">{ for drops }</g>
                </svg>
            </div>
            <Legend lang={lang} />
            <ul class="drop-notes" aria-live="off">{ for drop_notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
            <ComingUp />
            <TopologyTable />
        </section>
    }
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

#[derive(Properties, PartialEq)]
struct HostViewProps {
    host: HostBox,
    selected: bool,
    dispatcher: Dispatcher,
}

/// A host's box and its words: drawn again when they change (its tables,
/// VIPs, pods, power), not on every step of the cursor.
#[function_component(HostView)]
fn host_view(props: &HostViewProps) -> Html {
    let b = &props.host;
    let selected = props.selected;
    let select = |name: String| {
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |_| dispatcher.dispatch(Action::SelectHost(Some(name.clone()))))
    };
    let select_key = |name: String| {
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                dispatcher.dispatch(Action::SelectHost(Some(name.clone())));
            }
        })
    };
    let Rect { x, y, w, h } = b.rect;
    let name = b.name.clone();
    let text = b.text_at();
    let role = b.role_at();
    // The drawn words sit beside the button, not in it: the button's
    // name is its label (name, role, addresses, VIPs), and words inside
    // it that the label does not contain word for word fail WCAG 2.5.3
    // (axe-core label-content-name-mismatch). They let clicks through.
    html! {
        <>
        <g class={classes!("host", b.role, b.off.then_some("off"), selected.then_some("selected"))}
           role="button" tabindex="0" aria-pressed={selected.to_string()}
           aria-label={b.label.clone()} data-host={name.clone()}
           onclick={select(name.clone())} onkeydown={select_key(name.clone())}>
            <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="8" />
        </g>
        <g class={classes!("host-text", b.role, b.off.then_some("off"))} aria-hidden="true">
            <text class="role" x={role.x.to_string()} y={role.y.to_string()}>{ &b.role_label }</text>
            <text x={text.x.to_string()} y={text.y.to_string()}>
                { for b.lines.iter().enumerate().map(|(i, l)| html! {
                    <tspan class={l.class} x={text.x.to_string()} dy={if i == 0 { "0".to_string() } else { TEXT_ROW.to_string() }}>{ &l.text }</tspan>
                }) }
            </text>
            { for b.badges.iter().map(|badge| {
                let r = badge.rect;
                let t = badge.text_at();
                html! {
                    <g class="vip-badge">
                        <rect x={r.x.to_string()} y={r.y.to_string()} width={r.w.to_string()} height={r.h.to_string()} rx="9" />
                        <text x={t.x.to_string()} y={t.y.to_string()}>{ &badge.text }</text>
                    </g>
                }
            }) }
            if !b.pods.is_empty() {
                <text class="pods">
                    { for b.pods.iter().enumerate().map(|(i, p)| {
                        let at = b.pod_at(i);
                        html! {
                            <tspan x={at.x.to_string()} y={at.y.to_string()}><tspan class={p.class}>{ &p.text }</tspan></tspan>
                        }
                    }) }
                </text>
            }
        </g>
        </>
    }
}

/// The kinds of frames, in words: the same on every step.
#[derive(Properties, PartialEq)]
struct LegendProps {
    lang: Lang,
}

#[function_component(Legend)]
fn legend(props: &LegendProps) -> Html {
    let lang = props.lang;
    let legend = [
        FrameClass::ArpRequest,
        FrameClass::ArpReply,
        FrameClass::Garp,
        FrameClass::Tcp,
        FrameClass::Icmp,
        FrameClass::Other,
    ];
    html! {
            <ul class="legend" aria-label={lang.t(Msg::FrameKinds)}>
                { for legend.iter().map(|c| html! { <li class={classes!("flight-key", c.css())}><span>{ c.label() }</span>{ lang.t(legend_text(*c)) }</li> }) }
                <li class="flight-key drop"><span>{ "✕" }</span>{ lang.t(Msg::LegendDrop) }</li>
            </ul>
    }
}
