//! The event list: the whole trace as a Wireshark-like table (time, host,
//! protocol, description), filterable, in step with the timeline: the row at
//! the cursor is highlighted and kept in view, and choosing a row moves the
//! cursor there. Only the rows in view are rendered (a long run has
//! thousands), and a step redraws only the rows whose highlight changed. The summary column is the core's sentence for the records
//! that have one ([`crate::narrate`]), the same the packet log says. The
//! chosen record's decode opens under the list. Also exports the run as
//! jsonl (the CLI's exact format) and
//! as pcap.

use super::download;
use super::frame_view::FrameView;
use super::i18n::{Lang, Msg};
use super::state::{Action, Dispatcher, RunEntry, use_store};
use super::story;
use crate::engine::trace::Kind;
use gloo::file::ObjectUrl;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Fixed row height (px, as in style.css) so the scroll position maps to rows.
const ROW_H: f64 = 26.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 8;
/// The list's height (px, `.event-scroll` in style.css).
const VIEW_H: f64 = 320.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    All,
    Arp,
    Drops,
    Frames,
    Commands,
    ControlPlane,
}

impl Show {
    const ALL: [(Show, Msg); 6] = [
        (Show::All, Msg::ShowEverything),
        (Show::Arp, Msg::ShowArp),
        (Show::Drops, Msg::ShowDrops),
        (Show::Frames, Msg::ShowFrames),
        (Show::Commands, Msg::ShowCommands),
        (Show::ControlPlane, Msg::ShowControlPlane),
    ];

    fn keeps(self, kind: &Kind) -> bool {
        match self {
            Show::All => true,
            Show::Arp => story::is_arp(kind),
            Show::Drops => matches!(kind, Kind::Drop { .. }),
            Show::Frames => matches!(kind, Kind::Frame { .. }),
            Show::Commands => matches!(kind, Kind::Command { .. }),
            Show::ControlPlane => matches!(
                kind,
                Kind::Leader { .. }
                    | Kind::Ipam { .. }
                    | Kind::Endpoints { .. }
                    | Kind::Node { .. }
                    | Kind::Pod { .. }
                    | Kind::Route { .. }
                    | Kind::Bgp { .. }
                    | Kind::Log { .. }
                    | Kind::Fault { .. }
                    | Kind::Note { .. }
            ),
        }
    }
}

#[derive(Clone, PartialEq)]
struct Filter {
    show: Show,
    host: String,
    text: String,
}

#[derive(Properties)]
struct RowProps {
    entry: Rc<RunEntry>,
    /// Index into the run's trace.
    record: usize,
    /// Place in the filtered list.
    row: usize,
    lang: Lang,
    cursor: bool,
    future: bool,
    selected: bool,
    dispatcher: Dispatcher,
}

impl PartialEq for RowProps {
    fn eq(&self, other: &Self) -> bool {
        // One version of a run never changes (a new version is a new entry).
        Rc::ptr_eq(&self.entry, &other.entry)
            && (self.record, self.row, self.lang, self.cursor, self.future, self.selected)
                == (other.record, other.row, other.lang, other.cursor, other.future, other.selected)
            && self.dispatcher == other.dispatcher
    }
}

/// One record's row. A row is drawn again only when its own props change:
/// a step moves the cursor's highlight across a row or two, and the
/// others (their decodes and sentences) are left as they are.
#[function_component(EventRow)]
fn event_row(props: &RowProps) -> Html {
    let &RowProps { record: i, row, lang, cursor, future, selected, .. } = props;
    let entry = &props.entry;
    let run = entry.run.borrow();
    let r = &run.trace()[i];
    let onclick = {
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |_| dispatcher.dispatch(Action::SelectRecord(i)))
    };
    let said = entry.sentences.partition_point(|s| s.record < i);
    let summary: Vec<String> =
        entry.sentences[said..].iter().take_while(|s| s.record == i).map(|s| s.body(lang.code())).collect();
    let class = classes!(
        "ev",
        format!("k-{}", r.kind.name()),
        cursor.then_some("cursor"),
        future.then_some("future"),
        selected.then_some("selected"),
    );
    html! {
        <tr {class} aria-rowindex={(row + 2).to_string()} aria-selected={selected.to_string()}
            data-record={i.to_string()} {onclick}>
            <td class="num">{ i }</td>
            <td class="time">{ format!("{:.6}", r.t.as_nanos() as f64 / 1e9) }</td>
            <td class="host">{ r.kind.host().unwrap_or("-") }</td>
            <td class="proto">{ story::protocol(&r.kind) }</td>
            <td class="info">{ story::record_line(&r.kind, &run.scenario.doc.spec, lang) }</td>
            <td class="summary">{ summary.join(" ") }</td>
        </tr>
    }
}

/// Lower case for the filter, Unicode's: a note or a log line may hold any
/// script. ASCII text (nearly every record) is lowered here; other text by
/// the browser's `toLowerCase`, so the wasm does not carry Unicode's case
/// tables (17 KB gzip).
fn lower(text: &str) -> String {
    if text.is_ascii() { text.to_ascii_lowercase() } else { js_sys::JsString::from(text).to_lower_case().into() }
}

#[function_component(Events)]
pub fn events() -> Html {
    let store = use_store();
    let lang = store.lang;
    let filter = use_state(|| Filter { show: Show::All, host: String::new(), text: String::new() });
    let scroll = use_state(|| 0.0f64);
    let viewport = use_node_ref();
    let keep_url = use_mut_ref(|| None::<ObjectUrl>);
    let entry = store.active().cloned();
    let rows = use_memo((entry.as_ref().map(|e| e.rev), (*filter).clone()), {
        let entry = entry.clone();
        move |(_, f)| -> Vec<usize> {
            let Some(entry) = entry else { return Vec::new() };
            let run = entry.run.borrow();
            let text = lower(&f.text);
            run.trace()
                .iter()
                .enumerate()
                .filter(|(_, r)| f.show.keeps(&r.kind))
                .filter(|(_, r)| f.host.is_empty() || r.kind.host() == Some(f.host.as_str()))
                .filter(|(_, r)| text.is_empty() || lower(&r.kind.describe()).contains(&text))
                .map(|(i, _)| i)
                .collect()
        }
    });
    let cursor = store.cursor();
    // The row of the last record at or before the cursor.
    let cursor_row = entry.as_ref().and_then(|e| {
        let run = e.run.borrow();
        let trace = run.trace();
        rows.partition_point(|&i| trace[i].step <= cursor).checked_sub(1)
    });
    // The selected record's row is kept in view (a checkpoint's proof may
    // be well before the cursor), else the cursor's.
    let shown_row = store.record.and_then(|r| rows.iter().position(|&i| i == r)).or(cursor_row);
    {
        let viewport = viewport.clone();
        let scroll = scroll.clone();
        // The list's height is fixed (style.css) and its scroll position is
        // kept in state: reading either from the element would force the
        // browser to lay the page out again on every step.
        let now = *scroll;
        use_effect_with((shown_row, rows.len()), move |(row, _)| {
            if let (Some(row), Some(el)) = (row, viewport.cast::<web_sys::Element>()) {
                let top = *row as f64 * ROW_H;
                let view = VIEW_H - ROW_H;
                if top < now || top + ROW_H > now + view {
                    let target = (top - view / 2.0).max(0.0);
                    el.set_scroll_top(target as i32);
                    scroll.set(target);
                }
            }
        });
    }
    let Some(entry) = entry else { return html! {} };
    // While an exercise asks who answers for the VIP, the list would give
    // it away (the leader record, the speaker's log lines, the gratuitous
    // ARP's sender, all of them ahead of the cursor too): hidden, as the
    // path chart is, until the learner has found it.
    if store.concealed() {
        return html! {
            <section class="panel events concealed" aria-labelledby="events-title" data-panel="events">
                <div class="panel-head"><h2 id="events-title">{ lang.t(Msg::PanelEvents) }</h2></div>
                <p class="hint">{ lang.t(Msg::EventsHidden) }</p>
            </section>
        };
    }
    let run = entry.run.borrow();
    let trace = run.trace();
    let hosts: Vec<String> = {
        let net = &run.world().net;
        net.hosts.iter().map(|h| h.name.to_string()).chain(std::iter::once(net.switch.name.to_string())).collect()
    };

    let on_scroll = {
        let scroll = scroll.clone();
        Callback::from(move |e: Event| scroll.set(e.target_unchecked_into::<web_sys::Element>().scroll_top() as f64))
    };
    let on_show = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            let i: usize = e.target_unchecked_into::<HtmlSelectElement>().value().parse().unwrap_or(0);
            filter.set(Filter { show: Show::ALL[i.min(Show::ALL.len() - 1)].0, ..(*filter).clone() });
        })
    };
    let on_host = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            filter.set(Filter { host: e.target_unchecked_into::<HtmlSelectElement>().value(), ..(*filter).clone() })
        })
    };
    let on_text = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            filter.set(Filter { text: e.target_unchecked_into::<HtmlInputElement>().value(), ..(*filter).clone() })
        })
    };
    let on_keys = {
        let store = store.clone();
        let rows = rows.clone();
        Callback::from(move |e: KeyboardEvent| {
            let at = store.record.and_then(|r| rows.iter().position(|&i| i == r)).or(cursor_row);
            let next = match e.key().as_str() {
                "ArrowDown" => at.map(|i| (i + 1).min(rows.len().saturating_sub(1))).or(Some(0)),
                "ArrowUp" => at.map(|i| i.saturating_sub(1)).or(Some(0)),
                "PageDown" => at.map(|i| (i + 10).min(rows.len().saturating_sub(1))),
                "PageUp" => at.map(|i| i.saturating_sub(10)),
                _ => return,
            };
            e.prevent_default();
            e.stop_propagation();
            if let Some(&record) = next.and_then(|i| rows.get(i)) {
                store.dispatch(Action::SelectRecord(record));
            }
        })
    };
    let file_stem = {
        let id = store.scenario.as_ref().map(|s| s.id().to_string()).unwrap_or_default();
        let label: String =
            entry.label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        if entry.fork.is_none() && entry.variant.is_none() { id } else { format!("{id}-{label}") }
    };
    let on_jsonl = {
        let entry = entry.clone();
        let keep = keep_url.clone();
        let name = format!("{file_stem}.jsonl");
        Callback::from(move |_| {
            let run = entry.run.borrow();
            let mut text = String::new();
            for r in run.trace() {
                text.push_str(&r.to_json());
                text.push('\n');
            }
            download(&keep, &name, text.as_bytes(), "application/x-ndjson");
        })
    };
    let on_pcap = {
        let entry = entry.clone();
        let keep = keep_url.clone();
        let name = format!("{file_stem}.pcap");
        Callback::from(move |_| {
            let run = entry.run.borrow();
            // What the switch forwarded: every frame on the LAN once, as the CLI's default pcap.
            let frames = run.trace().iter().filter_map(|r| match &r.kind {
                Kind::Frame { frame, forward: Some(_), .. } => Some((r.t, frame.clone())),
                _ => None,
            });
            download(&keep, &name, &crate::wire::pcap::to_bytes(frames), "application/vnd.tcpdump.pcap");
        })
    };

    let first = ((*scroll / ROW_H) as usize).saturating_sub(OVERSCAN).min(rows.len());
    let last = (first + (VIEW_H / ROW_H) as usize + 2 * OVERSCAN).min(rows.len());
    let dispatcher = store.dispatcher();
    let body = rows[first..last].iter().enumerate().map(|(k, &i)| {
        let row = first + k;
        html! {
            <EventRow key={i} entry={entry.clone()} record={i} {row} {lang} cursor={Some(row) == cursor_row}
                      future={trace[i].step > cursor} selected={store.record == Some(i)} dispatcher={dispatcher.clone()} />
        }
    });
    let top_pad = first as f64 * ROW_H;
    let bottom_pad = (rows.len() - last) as f64 * ROW_H;
    html! {
        <section class="panel events" aria-labelledby="events-title" data-panel="events">
            <div class="panel-head">
                <h2 id="events-title">{ lang.t(Msg::PanelEvents) }</h2>
                <div class="exports">
                    <button type="button" data-export="jsonl" onclick={on_jsonl}>{ lang.t(Msg::DownloadJsonl) }</button>
                    <button type="button" data-export="pcap" onclick={on_pcap}>{ lang.t(Msg::DownloadPcap) }</button>
                </div>
            </div>
            <div class="filters" role="search" aria-label={lang.t(Msg::FilterEvents)}>
                <label class="field">
                    <span>{ lang.t(Msg::ShowFilter) }</span>
                    <select onchange={on_show} name="show">
                        { for Show::ALL.iter().enumerate().map(|(i, (s, name))| html! {
                            <option value={i.to_string()} selected={*s == filter.show}>{ lang.t(*name) }</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span>{ lang.t(Msg::Host) }</span>
                    <select onchange={on_host} name="event-host">
                        <option value="" selected={filter.host.is_empty()}>{ lang.t(Msg::AnyHost) }</option>
                        { for hosts.iter().map(|h| html! { <option value={h.clone()} selected={*h == filter.host}>{ h }</option> }) }
                    </select>
                </label>
                <label class="field grow">
                    <span>{ lang.t(Msg::Text) }</span>
                    <input type="search" value={filter.text.clone()} oninput={on_text} placeholder={lang.f(Msg::TextExample, &[&entry.story.vip.map(|v| v.to_string()).unwrap_or_else(|| "arp".into())])} />
                </label>
                <span class="count" aria-live="polite">{ lang.f(Msg::RecordsCount, &[&rows.len(), &trace.len()]) }</span>
            </div>
            <div class="event-scroll" ref={viewport} onscroll={on_scroll} tabindex="0" onkeydown={on_keys}
                 aria-label={lang.t(Msg::EventListLabel)}>
                <table class="data event-table" aria-rowcount={(rows.len() + 1).to_string()}>
                    <thead>
                        <tr aria-rowindex="1">
                            <th scope="col" class="num">{ lang.t(Msg::ColNo) }</th>
                            <th scope="col" class="time">{ lang.t(Msg::ColTime) }</th>
                            <th scope="col" class="host">{ lang.t(Msg::Host) }</th>
                            <th scope="col" class="proto">{ lang.t(Msg::ColProtocol) }</th>
                            <th scope="col" class="info">{ lang.t(Msg::ColDescription) }</th>
                            <th scope="col" class="summary">{ lang.t(Msg::ColSummary) }</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr class="pad" aria-hidden="true" style={format!("height:{top_pad}px")}></tr>
                        { for body }
                        <tr class="pad" aria-hidden="true" style={format!("height:{bottom_pad}px")}></tr>
                    </tbody>
                </table>
            </div>
            // The chosen record opens right under the list, where the eye is.
            <FrameView />
        </section>
    }
}
