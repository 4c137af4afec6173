//! Charts drawn with plotters' SVG backend, once per run (they show the
//! whole run); the cursor is a line laid over them, so following it costs
//! nothing. Each chart has a sentence under it saying what it shows, and
//! data attributes with the key figures (the end-to-end tests read them).
//!
//! - client requests: each `curl` as a tick (ok) or a cross (failed), the
//!   outages as red bands: the blackhole is the gap;
//! - how the router (or a client on the VIP's LAN) reaches the VIP: which host its ARP entry (or its
//!   ECMP route) points at, with the entry's state;
//! - which node's pods served the requests, per 5 s.

use super::i18n::{Lang, Msg};
use super::state::use_store;
use super::story::{Outage, Outcome, Probe, Story};
use super::viewport::{SizeWatch, use_narrow};
use crate::time::{Duration, Instant};
use crate::view::charts::{
    self, Rgb, css_colour, path_summary, path_title, requests_data, requests_summary, served_summary,
};
use crate::view::duration;
use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::Element;
use yew::prelude::*;

/// How wide a chart is drawn, how many time labels it gets and how large
/// its words are. Plotters writes a font of size N as `font-size` 0.8 N, so
/// 15 is 12 px and 13 is 10.4 px where the drawing shows at its own size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Canvas {
    pub width: u32,
    pub time_labels: usize,
    /// Axis labels and lane names.
    pub label_px: u32,
    /// Text inside a lane's bar (an ARP entry's state), in an 18 px bar.
    pub bar_label_px: u32,
}

impl Canvas {
    pub const WIDE: Canvas = Canvas { width: 760, time_labels: 10, label_px: 15, bar_label_px: 13 };
    pub const NARROW: Canvas = Canvas { width: 380, time_labels: 5, label_px: 17, bar_label_px: 15 };

    /// A guess from the screen's class, until the charts' width is known.
    pub fn for_screen(narrow: bool) -> Canvas {
        if narrow { Canvas::NARROW } else { Canvas::WIDE }
    }

    /// The canvas for charts shown `shown` px wide: drawn at that width
    /// (from 340 to 1200 px), so they show at their own size on any screen
    /// and in any arrangement of panels (issue 18, point 15: drawn 760 wide
    /// and shown at 480, a 15 was 7.6 px), and a chart is as tall on screen
    /// as it is drawn, which the posters reserve (`view::poster`). Below
    /// 340 px the words are drawn larger by as much as the drawing shrinks.
    pub fn fit(shown: f64) -> Canvas {
        let width = (shown.floor().max(0.0) as u32).clamp(charts::MIN_WIDTH, 1200);
        let shrink = (shown / width as f64).clamp(0.5, 1.0);
        let at_least = |px: u32| (px as f64 / shrink).ceil() as u32;
        Canvas { width, time_labels: (width / 76).min(12) as usize, label_px: at_least(15), bar_label_px: at_least(13) }
    }
}

/// The canvas for the charts under `heading` (a block as wide as they
/// are, in the DOM when `shown`): measured once it is laid out and
/// whenever its size changes (the window, the panels shown). A
/// ResizeObserver's first report comes before the first paint, so the
/// guess from the screen's class is not seen.
#[hook]
pub fn use_canvas(heading: NodeRef, present: bool) -> Canvas {
    let narrow = use_narrow();
    let shown = use_state_eq(|| None::<i32>);
    {
        let shown = shown.clone();
        use_effect_with((heading, present), move |(heading, _)| {
            let watch = heading.cast::<Element>().and_then(|el| {
                SizeWatch::new(&el, move |el| {
                    let w = el.client_width();
                    if w > 0 {
                        shown.set(Some(w));
                    }
                })
            });
            move || drop(watch)
        });
    }
    match *shown {
        Some(w) => Canvas::fit(w as f64),
        None => Canvas::for_screen(narrow),
    }
}

const LEFT: u32 = 84;
const OK: RGBColor = RGBColor(0x2e, 0x9d, 0x4f);
const FAIL: RGBColor = RGBColor(0xd6, 0x45, 0x45);
const AXIS: RGBColor = rgb(charts::AXIS);
/// A request dropped on purpose (externalTrafficPolicy: Local): not red, not green.
const DROP: RGBColor = RGBColor(0xc0, 0x7a, 0x12);
/// A colour of [`charts`] for plotters.
const fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// A node keeps its colour in every chart; other hosts are grey.
fn host_colour(nodes: &[String], host: &str) -> RGBColor {
    rgb(charts::host_colour(nodes, host))
}

const SERVED_BUCKET: Duration = Duration::from_secs(5);
const X_AXIS_PX: u32 = 44;

/// A rendered chart and where its plotting area lies, for the cursor line.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChartSvg {
    pub svg: String,
    pub width: f64,
    pub height: f64,
    /// The plotting area in SVG pixels: x from..to, y from..to.
    pub x: (f64, f64),
    pub y: (f64, f64),
}

pub fn secs_f(t: Instant) -> f64 {
    t.as_nanos() as f64 / 1e9
}

fn font(size: u32) -> TextStyle<'static> {
    // The family by its variant: from a `&str`, plotters lower-cases the
    // name, which alone would link the Unicode case tables (17 KB gzip).
    (FontFamily::SansSerif, size).into_font().color(&AXIS)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws into a fresh SVG of `height` with `draw`, which returns the
/// plotting area's pixel ranges.
fn render(
    canvas: Canvas,
    height: u32,
    draw: impl FnOnce(&Area) -> Result<(std::ops::Range<i32>, std::ops::Range<i32>), String>,
) -> Result<ChartSvg, String> {
    let mut svg = String::new();
    let (x, y) = {
        let root = SVGBackend::with_string(&mut svg, (canvas.width, height)).into_drawing_area();
        let ranges = draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
        ranges
    };
    Ok(ChartSvg {
        svg: paint_opacity(&svg),
        width: canvas.width as f64,
        height: height as f64,
        x: (x.start as f64, x.end as f64),
        y: (y.start as f64, y.end as f64),
    })
}

/// The drawing with each shape's `opacity` turned into the same
/// `fill-opacity` and `stroke-opacity` (and `opacity="1"` left out). Every
/// shape plotters' SVG backend draws paints its fill or its stroke, never
/// both (plotters-svg 0.3.7, src/svg.rs: `draw_rect` and `draw_circle` set
/// the other to `none`, lines and polylines have no fill, text and polygons
/// no stroke), so both draw the same chart (screenshots differ by rounding,
/// at most 4 of 255 in a channel). But in Chromium an element's `opacity`
/// below 1 is a paint effect of its own: the 380 grid lines and bars of a
/// run's charts were 380 effects that its compositor sorted into layers
/// again on every frame, 0.2-1.5 ms of each step back while frames fly in
/// the network (Layerize, traced in headless Chromium 156); a paint's
/// opacity is none. Attribute values and text are escaped (`"` as
/// `&quot;`), so ` opacity="` always starts an attribute.
fn paint_opacity(svg: &str) -> String {
    const ATTR: &str = " opacity=\"";
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut rest = svg;
    while let Some(at) = rest.find(ATTR) {
        out.push_str(&rest[..at]);
        let value_and_rest = &rest[at + ATTR.len()..];
        let Some(end) = value_and_rest.find('"') else {
            rest = &rest[at..];
            break;
        };
        let value = &value_and_rest[..end];
        if value != "1" {
            out.push_str(" fill-opacity=\"");
            out.push_str(value);
            out.push_str("\" stroke-opacity=\"");
            out.push_str(value);
            out.push('"');
        }
        rest = &value_and_rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A chart over simulated time: 0 to `end_s` seconds across, `y` up, with
/// room on the right for the last time label (centred on the plot's edge).
fn time_chart<'a, 'b>(
    root: &'a Area<'b>,
    end_s: f64,
    y: std::ops::Range<f64>,
    label_px: u32,
) -> Result<LanesChart<'a, 'b>, String> {
    ChartBuilder::on(root)
        .margin(8)
        .margin_right(20)
        .x_label_area_size(X_AXIS_PX)
        .y_label_area_size(label_px)
        .build_cartesian_2d(0f64..end_s, y)
        .map_err(|e| e.to_string())
}

/// The mesh every time chart draws: time across in whole seconds under
/// its title, muted axes and grid. Callers add their own y labels.
fn time_mesh<'a, 'b, 'c>(
    chart: &'c mut LanesChart<'a, 'b>,
    lang: Lang,
    canvas: Canvas,
) -> MeshStyle<'a, 'c, RangedCoordf64, RangedCoordf64, SVGBackend<'b>> {
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(lang.t(Msg::SimulatedTime))
        .x_labels(canvas.time_labels)
        .x_label_formatter(&whole)
        .label_style(font(canvas.label_px))
        .axis_style(AXIS)
        .light_line_style(AXIS.mix(0.12))
        .bold_line_style(AXIS.mix(0.25));
    mesh
}

/// About how wide `text` is, in the drawing's pixels, in plotters' font of
/// size `px` (0.8 `px` in the SVG; an upper-case letter is about 0.65 of
/// that), so a label is drawn only where it fits.
fn text_px(text: &str, px: u32) -> i32 {
    (text.chars().count() as f64 * px as f64 * 0.8 * 0.65).ceil() as i32
}

/// Axis labels as whole numbers ("20", not "20.0"): seconds on the time
/// axis (its title says "s"), requests on the served chart. A tick between
/// two whole numbers (a short run, a low count) gets no label rather than a
/// rounded, repeated one.
fn whole(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 { format!("{x:.0}") } else { String::new() }
}

type LanesChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart of horizontal lanes, one per name, top to bottom, with its
/// axes drawn: simulated time across (0 to `end_s` seconds), each lane's
/// name at its middle in a label area `label_px` wide.
fn lanes_chart<'a, 'b>(
    root: &'a Area<'b>,
    end_s: f64,
    names: &[String],
    label_px: u32,
    lang: Lang,
    canvas: Canvas,
) -> Result<LanesChart<'a, 'b>, String> {
    let n = names.len().max(1);
    let mut chart = time_chart(root, end_s, 0f64..n as f64, label_px)?;
    let label = |y: &f64| {
        let i = (n as f64 - y - 0.5).round();
        if (y.fract() - 0.5).abs() < 0.01 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    time_mesh(&mut chart, lang, canvas)
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&label)
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

fn outage_label(o: &Outage, lang: Lang) -> String {
    lang.f(Msg::OutageLabel, &[&format!("{}{}", duration(o.length(), lang), if o.ongoing { "+" } else { "" })])
}

/// Only outages long enough for their label to fit get one (4 % of the run).
fn labelled(o: &Outage, end: Instant) -> bool {
    o.length().as_nanos() * 25 >= end.as_nanos()
}

/// Requests, one lane per probe of each run: a dot where a request was
/// answered, a cross where it failed, a hollow square where
/// `externalTrafficPolicy: Local` dropped it, each at the moment it
/// finished; the lane's outages as red bands. Each lane's name is written
/// inside it, so long names stay readable on a phone.
pub fn requests_chart(runs: &[(&Story, &str)], end: Instant, lang: Lang, canvas: Canvas) -> Result<ChartSvg, String> {
    let lanes = charts::request_lanes(runs);
    let n = lanes.len().max(1);
    let height = charts::requests_height(lanes.len());
    render(canvas, height, |root| {
        let end_s = secs_f(end).max(1.0);
        let mut chart = time_chart(root, end_s, 0f64..n as f64, 12)?;
        time_mesh(&mut chart, lang, canvas).disable_y_mesh().y_labels(0).draw().map_err(|e| e.to_string())?;
        for (i, (name, lane)) in lanes.iter().enumerate() {
            let base = (n - 1 - i) as f64;
            let e = |r: Result<(), _>| r.map_err(|e: DrawingAreaErrorKind<_>| e.to_string());
            e(chart
                .draw_series(std::iter::once(Text::new(
                    name.clone(),
                    (end_s * 0.004, base + 0.97),
                    font(canvas.label_px),
                )))
                .map(|_| ()))?;
            e(chart
                .draw_series(lane.outages.iter().map(|o| {
                    Rectangle::new([(secs_f(o.from), base + 0.05), (secs_f(o.to), base + 0.7)], FAIL.mix(0.16).filled())
                }))
                .map(|_| ()))?;
            e(chart
                .draw_series(lane.outages.iter().filter(|o| labelled(o, end)).map(|o| {
                    Text::new(
                        outage_label(o, lang),
                        (secs_f(o.from) + end_s * 0.005, base + 0.68),
                        font(canvas.label_px).color(&FAIL),
                    )
                }))
                .map(|_| ()))?;
            let at = |p: &Probe, y: f64| (secs_f(p.done), base + y);
            e(chart
                .draw_series(
                    lane.probes
                        .iter()
                        .filter(|p| p.outcome == Outcome::Ok)
                        .map(|p| Circle::new(at(p, 0.42), 3, OK.filled())),
                )
                .map(|_| ()))?;
            e(chart
                .draw_series(
                    lane.probes
                        .iter()
                        .filter(|p| p.outcome == Outcome::Failed)
                        .map(|p| Cross::new(at(p, 0.22), 4, FAIL.stroke_width(2))),
                )
                .map(|_| ()))?;
            e(chart
                .draw_series(lane.probes.iter().filter(|p| p.outcome == Outcome::LocalDrop).map(|p| {
                    let (x, y) = at(p, 0.3);
                    let half = end_s * 0.004;
                    Rectangle::new([(x - half, y - 0.1), (x + half, y + 0.1)], DROP.stroke_width(2))
                }))
                .map(|_| ()))?;
        }
        Ok(chart.plotting_area().get_pixel_range())
    })
}

/// How the router reached the VIP: a lane per host, bars where its ARP
/// entry (or ECMP route) pointed there, labelled with the entry's state.
pub fn path_chart(runs: &[(&Story, &str)], end: Instant, lang: Lang, canvas: Canvas) -> Result<ChartSvg, String> {
    let lanes = charts::path_lanes(runs, lang);
    let n = lanes.len().max(1);
    let height = charts::path_height(lanes.len());
    render(canvas, height, |root| {
        let end_s = secs_f(end).max(1.0);
        let mut chart = lanes_chart(root, end_s, &lanes, LEFT + 40, lang, canvas)?;
        for (story, run) in runs {
            for span in &story.path {
                let hosts = if span.via.is_empty() { vec![lang.t(Msg::None).to_string()] } else { span.via.clone() };
                for h in hosts {
                    let lane = if runs.len() > 1 { format!("{run}: {h}") } else { h.clone() };
                    let Some(i) = lanes.iter().position(|l| *l == lane) else { continue };
                    let base = (n - 1 - i) as f64;
                    let colour = host_colour(&story.nodes, &h);
                    let (x0, x1) = (secs_f(span.from), secs_f(span.to));
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, base + 0.2), (x1, base + 0.8)],
                            colour.mix(0.55).filled(),
                        )))
                        .map_err(|e| e.to_string())?;
                    let state = span.state.map(|s| s.to_string()).unwrap_or_else(|| lang.t(Msg::Route).into());
                    // The state is said inside its bar when it fits there.
                    let px = |x: f64| chart.as_coord_spec().translate(&(x, base)).0;
                    if text_px(&state, canvas.bar_label_px) + 4 <= px(x1) - px(x0) {
                        chart
                            .draw_series(std::iter::once(Text::new(
                                state,
                                (x0 + end_s * 0.005, base + 0.68),
                                font(canvas.bar_label_px),
                            )))
                            .map_err(|e| e.to_string())?;
                    }
                }
            }
        }
        Ok(chart.plotting_area().get_pixel_range())
    })
}

/// Requests served per node per 5 s, stacked.
pub fn served_chart(story: &Story, end: Instant, lang: Lang, canvas: Canvas) -> Result<ChartSvg, String> {
    let buckets = (end.as_nanos() / SERVED_BUCKET.as_nanos() + 1) as usize;
    let mut counts: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for s in &story.served {
        let b = (s.t.as_nanos() / SERVED_BUCKET.as_nanos()) as usize;
        counts.entry(&s.node).or_insert_with(|| vec![0; buckets])[b.min(buckets - 1)] += 1;
    }
    let max = (0..buckets).map(|b| counts.values().map(|v| v[b]).sum::<u32>()).max().unwrap_or(0).max(1);
    render(canvas, charts::SERVED_HEIGHT, |root| {
        let end_s = secs_f(end).max(1.0);
        let mut chart = time_chart(root, end_s, 0f64..max as f64 * 1.15, LEFT)?;
        time_mesh(&mut chart, lang, canvas)
            .y_desc(lang.t(Msg::RequestsPer5s))
            .y_label_formatter(&whole)
            .y_labels(4)
            .draw()
            .map_err(|e| e.to_string())?;
        let width = SERVED_BUCKET.as_secs_f64();
        let mut below = vec![0u32; buckets];
        for node in &story.nodes {
            let Some(v) = counts.get(node.as_str()) else { continue };
            let colour = host_colour(&story.nodes, node);
            let bars: Vec<Rectangle<(f64, f64)>> = v
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(b, c)| {
                    let x0 = b as f64 * width;
                    let y0 = below[b] as f64;
                    Rectangle::new(
                        [(x0 + width * 0.1, y0), (x0 + width * 0.9, y0 + *c as f64)],
                        colour.mix(0.8).filled(),
                    )
                })
                .collect();
            for (b, c) in v.iter().enumerate() {
                below[b] += c;
            }
            chart.draw_series(bars).map_err(|e| e.to_string())?;
        }
        Ok(chart.plotting_area().get_pixel_range())
    })
}

#[derive(Properties, PartialEq)]
pub struct ChartFigureProps {
    pub chart: Rc<Result<ChartSvg, String>>,
    pub title: AttrValue,
    /// What the chart shows, in words (also the text view for screen readers).
    pub summary: Html,
    /// Where the cursor is, as a fraction of the run.
    pub at: f64,
    #[prop_or_default]
    pub data: Vec<(&'static str, String)>,
    #[prop_or_default]
    pub name: AttrValue,
    pub lang: Lang,
}

/// A chart with its title, the cursor line over it, and its summary.
#[function_component(ChartFigure)]
pub fn chart_figure(props: &ChartFigureProps) -> Html {
    let body = match &*props.chart {
        Ok(c) => {
            let left = (c.x.0 + props.at.clamp(0.0, 1.0) * (c.x.1 - c.x.0)) / c.width * 100.0;
            let top = c.y.0 / c.height * 100.0;
            let height = (c.y.1 - c.y.0) / c.height * 100.0;
            html! {
                // The canvas scrolls sideways on a phone; the plot inside keeps a
                // readable width, and the cursor line's percentages are of it.
                <div class="chart-canvas">
                    <div class="chart-plot">
                        <Drawing chart={props.chart.clone()} />
                        <span class="cursor-line" aria-hidden="true"
                            style={format!("left:{left:.2}%;top:{top:.2}%;height:{height:.2}%")}></span>
                    </div>
                </div>
            }
        }
        Err(e) => html! { <p class="error">{ props.lang.f(Msg::ChartFailed, &[e]) }</p> },
    };
    let mut figure = html! {
        <figure class="chart" data-chart={props.name.clone()}>
            <figcaption><strong>{ props.title.clone() }</strong></figcaption>
            { body }
            <div class="chart-summary">{ props.summary.clone() }</div>
        </figure>
    };
    if let Html::VTag(tag) = &mut figure {
        for (k, v) in &props.data {
            Rc::make_mut(tag).add_attribute(k, v.clone());
        }
    }
    figure
}

#[derive(Properties)]
struct DrawingProps {
    chart: Rc<Result<ChartSvg, String>>,
}

impl PartialEq for DrawingProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.chart, &other.chart)
    }
}

/// The chart's SVG, drawn again only with another chart, not on every
/// step of the cursor (it would copy and compare the whole SVG text).
#[function_component(Drawing)]
fn drawing(props: &DrawingProps) -> Html {
    match &*props.chart {
        Ok(c) => Html::from_html_unchecked(AttrValue::from(c.svg.clone())),
        Err(_) => html! {},
    }
}

/// Colour swatches with node names: the charts' legend, in text.
fn node_legend(nodes: &[String]) -> Html {
    html! {
        <ul class="chart-legend" aria-hidden="true">
            { for nodes.iter().map(|n| html! {
                <li><span class="swatch" style={format!("background:{}", css_colour(charts::host_colour(nodes, n)))}></span>{ n }</li>
            }) }
        </ul>
    }
}

#[function_component(Charts)]
pub fn charts() -> Html {
    let store = use_store();
    let lang = store.lang;
    let entry = store.active().cloned();
    let heading = use_node_ref();
    let canvas = use_canvas(heading.clone(), entry.is_some());
    let drawn = use_memo((entry.as_ref().map(|e| e.rev), lang, canvas), {
        let entry = entry.clone();
        move |(_, lang, canvas)| {
            entry.map(|e| {
                let end = e.run.borrow().end;
                let title = e.title(*lang);
                let runs = [(&e.story, title.as_str())];
                (
                    Rc::new(requests_chart(&runs, end, *lang, *canvas)),
                    Rc::new(path_chart(&runs, end, *lang, *canvas)),
                    Rc::new(served_chart(&e.story, end, *lang, *canvas)),
                )
            })
        }
    });
    // Their words, once per run and language too (not on every step).
    let said = use_memo((entry.as_ref().map(|e| e.rev), lang), {
        let entry = entry.clone();
        move |(_, lang)| {
            entry.map(|e| {
                let s = &e.story;
                (requests_summary(s, *lang), requests_data(s), path_summary(s, *lang), served_summary(s, *lang))
            })
        }
    });
    let (Some(entry), Some((requests, path, served)), Some(said)) = (entry, (*drawn).clone(), said.as_ref().clone())
    else {
        return html! {};
    };
    let (requests_said, requests_data, path_said, served_said) = said;
    let at = secs_f(store.time) / secs_f(entry.story.end).max(1e-9);
    let path_title = path_title(&entry.story, lang);
    html! {
        <section class="panel charts" aria-labelledby="charts-title" data-panel="charts">
            <h2 id="charts-title" ref={heading}>{ lang.t(Msg::PanelCharts) }</h2>
            <ChartFigure name="requests" chart={requests} title={lang.t(Msg::ClientRequestsTitle)} at={at} lang={lang}
                summary={html! { { requests_said } }} data={requests_data} />
            if store.concealed() {
                <figure class="chart concealed" data-chart="path">
                    <figcaption><strong>{ path_title }</strong></figcaption>
                    <p class="hint">{ lang.t(Msg::PathHidden) }</p>
                </figure>
            } else {
                <ChartFigure name="path" chart={path} title={path_title} at={at} lang={lang}
                    summary={html! { <>{ node_legend(&entry.story.nodes) }<span class="path-steps">{ path_said }</span></> }} />
            }
            <ChartFigure name="served" chart={served} title={lang.t(Msg::ServedTitle)} at={at} lang={lang}
                summary={html! { <>{ node_legend(&entry.story.nodes) }{ served_said }</> }} />
        </section>
    }
}
