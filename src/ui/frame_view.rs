//! One trace record up close. For a frame: every layer and field from the
//! core's dissector, the bytes in hex with the hovered or focused field's
//! bytes highlighted, and "why" lines taken from what the same engine step
//! recorded (an ignored GARP and the policy that ignored it, a drop and its
//! reason, the ARP cache change it caused, who answered).

use super::i18n::{Lang, Msg};
use super::state::{Action, use_store};
use super::story::FrameClass;
use crate::engine::trace::{Dir, Kind, Record};
use crate::sim::World;
use crate::wire::dissect::{self, Dissection};
use crate::wire::{Frame, Parsed};
use std::ops::Range;
use yew::prelude::*;

/// Sentences explaining the record, from the records of its own step.
/// What happened to the frame comes first, then what the frame is.
fn why(record: &Record, same_step: &[Record], world: Option<&World>, lang: Lang) -> Vec<String> {
    let mut lines = consequences(record, same_step, lang);
    lines.extend(facts(record, world, lang));
    lines
}

/// What this step did with the record's frame at its host.
fn consequences(record: &Record, same_step: &[Record], lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    let at = record.kind.host().unwrap_or_default();
    let rx_here = matches!(&record.kind, Kind::Frame { dir: Dir::Rx, forward: None, .. });
    for r in same_step.iter().filter(|r| r.kind.host() == Some(at)) {
        match &r.kind {
            Kind::ArpIgnored { host, reason, .. } if rx_here => {
                lines.push(lang.f(Msg::WhyIgnored, &[host, reason]));
            }
            Kind::Neighbor { .. } if rx_here => lines.push(r.kind.describe()),
            Kind::Drop { reason, .. } if rx_here => lines.push(lang.f(Msg::WhyDroppedIt, &[&at, &reason.why()])),
            Kind::Mac { .. } if matches!(record.kind, Kind::Frame { forward: Some(_), .. }) => {
                lines.push(r.kind.describe())
            }
            _ => {}
        }
    }
    lines
}

/// What the record is: a drop's reason, where the switch sent it, a
/// gratuitous ARP, who answered, whose MAC it is addressed to.
fn facts(record: &Record, world: Option<&World>, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    let at = record.kind.host().unwrap_or_default();
    match &record.kind {
        Kind::Drop { reason, .. } => lines.push(lang.f(Msg::WhyDroppedAt, &[&at, &reason.why()])),
        Kind::Frame { forward: Some(fwd), .. } => lines.push(lang.f(Msg::WhySendsTo, &[&at, fwd])),
        _ => {}
    }
    let carried = match &record.kind {
        Kind::Frame { frame, dir, .. } => Some((frame, Some(*dir))),
        Kind::Drop { frame: Some(frame), .. } => Some((frame, None)),
        _ => None,
    };
    if let Some((frame, dir)) = carried
        && let Parsed::Arp { arp, .. } = Parsed::of(frame.bytes())
    {
        if arp.is_announcement() {
            lines.push(lang.f(Msg::WhyGratuitous, &[&arp.sender_ip, &arp.sender_mac]));
        }
        let tx_reply = dir == Some(Dir::Tx) && FrameClass::of(frame) == FrameClass::ArpReply;
        if tx_reply && let Some(a) = world.and_then(|w| w.net.host(at)).and_then(|h| h.announce.get(&arp.sender_ip)) {
            lines.push(lang.f(Msg::WhyAnsweredBy, &[&a.by, &at, &arp.sender_ip, &a.service]));
        }
    }
    if let (Some(w), Kind::Frame { frame, .. }) = (world, &record.kind) {
        let dst = frame.dst();
        if !dst.is_broadcast() && !dst.is_multicast() {
            lines.push(lang.f(Msg::WhyDestination, &[&dst, &w.net.name_of_mac(dst)]));
        }
    }
    lines
}

#[derive(Properties, PartialEq)]
struct BytesProps {
    frame: Frame,
    highlight: Option<Range<usize>>,
    lang: Lang,
}

/// The bytes pane: offset, 16 bytes in hex, and ASCII, like Wireshark's.
#[function_component(Bytes)]
fn bytes(props: &BytesProps) -> Html {
    let bytes = props.frame.bytes();
    let lit = |i: usize| props.highlight.as_ref().is_some_and(|r| r.contains(&i));
    let rows = bytes.chunks(16).enumerate().map(|(row, chunk)| {
        let base = row * 16;
        html! {
            <div class="hex-row">
                <span class="offset">{ format!("{base:04x}") }</span>
                <span class="hex">
                    { for chunk.iter().enumerate().map(|(i, b)| html! {
                        <span class={classes!("byte", lit(base + i).then_some("lit"), (i == 8).then_some("gap"))}>{ format!("{b:02x}") }</span>
                    }) }
                </span>
                <span class="ascii">
                    { for chunk.iter().enumerate().map(|(i, b)| {
                        let c = if b.is_ascii_graphic() { *b as char } else { '.' };
                        html! { <span class={classes!(lit(base + i).then_some("lit"))}>{ c }</span> }
                    }) }
                </span>
            </div>
        }
    });
    html! { <div class="hex-dump" aria-label={props.lang.t(Msg::FrameBytes)}>{ for rows }</div> }
}

fn layers(d: &Dissection, on_field: Callback<Option<Range<usize>>>, lang: Lang) -> Html {
    d.layers
        .iter()
        .map(|layer| {
            let fields = layer.fields.iter().map(|f| {
                let range = f.range.clone();
                let enter = {
                    let on_field = on_field.clone();
                    let range = range.clone();
                    Callback::from(move |_: MouseEvent| on_field.emit(Some(range.clone())))
                };
                let focus = {
                    let on_field = on_field.clone();
                    Callback::from(move |_: FocusEvent| on_field.emit(Some(range.clone())))
                };
                let leave = {
                    let on_field = on_field.clone();
                    Callback::from(move |_: MouseEvent| on_field.emit(None))
                };
                let blur = {
                    let on_field = on_field.clone();
                    Callback::from(move |_: FocusEvent| on_field.emit(None))
                };
                html! {
                    <li tabindex="0" onmouseenter={enter} onmouseleave={leave} onfocus={focus} onblur={blur}
                        aria-label={lang.f(Msg::FieldBytes, &[&f.name, &f.value, &f.range.start, &f.range.end.saturating_sub(1)])}>
                        <span class="field-name">{ &f.name }</span>{ ": " }<span class="field-value">{ &f.value }</span>
                        if let Some(n) = &f.note { <span class="field-note">{ format!(" ← {n}") }</span> }
                    </li>
                }
            });
            html! {
                <details open=true class="layer">
                    <summary><strong>{ &layer.name }</strong>{ if layer.summary.is_empty() { String::new() } else { format!(", {}", layer.summary) } }</summary>
                    <ul class="fields">{ for fields }</ul>
                </details>
            }
        })
        .collect()
}

#[function_component(FrameView)]
pub fn frame_view() -> Html {
    let store = use_store();
    let lang = store.lang;
    let highlight = use_state(|| None::<Range<usize>>);
    let (Some(entry), Some(index)) = (store.active().cloned(), store.record) else { return html! {} };
    let run = entry.run.borrow();
    let Some(record) = run.trace().get(index) else { return html! {} };
    let trace = run.trace();
    let same_step =
        &trace[trace.partition_point(|r| r.step < record.step)..trace.partition_point(|r| r.step <= record.step)];
    // The world is at this record's step only while the cursor is there.
    let world = (run.cursor() == record.step).then(|| run.world());
    let reasons = why(record, same_step, world, lang);
    let frame = match &record.kind {
        Kind::Frame { frame, .. } => Some(frame.clone()),
        Kind::Drop { frame, .. } => frame.clone(),
        _ => None,
    };
    let on_field = {
        let highlight = highlight.clone();
        Callback::from(move |r: Option<Range<usize>>| highlight.set(r))
    };
    let close = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::ClearRecord))
    };
    let title = match &record.kind {
        Kind::Frame { at, iface, dir, .. } => {
            lang.f(if *dir == Dir::Tx { Msg::FrameSent } else { Msg::FrameReceived }, &[at, iface])
        }
        other => other.name().to_string(),
    };
    html! {
        <section class="frame-view" aria-labelledby="frame-title" data-record={index.to_string()}>
            <header>
                <h3 id="frame-title">{ lang.f(Msg::RecordTitle, &[&index, &super::secs_in(record.t, lang), &title]) }</h3>
                <button type="button" onclick={close} aria-label={lang.t(Msg::CloseRecord)}>{ "✕" }</button>
            </header>
            if !reasons.is_empty() {
                <ul class="why">{ for reasons.iter().map(|w| html! { <li>{ lang.f(Msg::Why, &[w]) }</li> }) }</ul>
            }
            if let Some(frame) = frame {
                <div class="dissection">{ layers(&dissect::dissect(&frame), on_field, lang) }</div>
                <Bytes frame={frame} highlight={(*highlight).clone()} lang={lang} />
            } else {
                <pre class="record-text">{ crate::view::story::record_text(&record.kind, &run.scenario.doc.spec, lang) }</pre>
            }
        </section>
    }
}
