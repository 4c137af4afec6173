//! "What if?": apply a fault at the cursor and continue as a new branch
//! (`Run::branch`), with one-click remedies for the failover story, an
//! edited manifest applied at the cursor, and the list of runs (original,
//! variants, branches) to switch between.

use super::i18n::{Lang, Msg};
use super::manifests::Manifests;
use super::route::open_shipped;
use super::state::{Action, Notice, Slice, use_store};
use crate::catalog::{self, Shipped};
use crate::k8s::cluster::AnnounceKind;
use crate::net::Role;
use crate::net::neighbor::GarpPolicy;
use crate::play::family::MAX_BRANCHES;
use crate::scenario::spec::{FaultAction, FaultStep};
use crate::scenario::{Scenario, load};
use crate::sim::action::Action as SimAction;
use crate::time::Duration;
use crate::view::whatif::{self, Futile};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The faults a learner can inject, in the order the form lists them.
const FAULTS: &[FaultAction] = &[
    FaultAction::PowerOff,
    FaultAction::PowerOn,
    FaultAction::Partition,
    FaultAction::Heal,
    FaultAction::StopSpeaker,
    FaultAction::StartSpeaker,
    FaultAction::FlushArp,
    FaultAction::SetGarp,
    FaultAction::SetArpTimeout,
    FaultAction::Drain,
    FaultAction::Cordon,
    FaultAction::Uncordon,
    FaultAction::DeletePod,
];

/// Faults that only make sense on a Kubernetes node.
fn node_only(a: FaultAction) -> bool {
    matches!(
        a,
        FaultAction::StopSpeaker
            | FaultAction::StartSpeaker
            | FaultAction::Drain
            | FaultAction::Cordon
            | FaultAction::Uncordon
            | FaultAction::DeletePod
    )
}

/// Shipped scenarios that tell the current L2 story in BGP mode: same load
/// balancer, `announce: bgp` (the learner journey's last remedy).
fn bgp_versions(current: &Scenario) -> Vec<Shipped> {
    let cluster = &current.doc.spec.cluster;
    if cluster.announce != AnnounceKind::L2 {
        return Vec::new();
    }
    catalog::shipped()
        .into_iter()
        .filter(|s| s.id != current.id())
        .filter(|s| {
            load::load(s.file, s.yaml).is_ok_and(|other| {
                let c = &other.doc.spec.cluster;
                c.announce == AnnounceKind::Bgp && c.load_balancer == cluster.load_balancer
            })
        })
        .collect()
}

#[function_component(Branches)]
pub fn branches() -> Html {
    let store = use_store();
    let lang = store.lang;
    let action = use_state(|| FaultAction::PowerOff);
    let host = use_state(String::new);
    let garp = use_state(|| GarpPolicy::Honor);
    let timeout = use_state(|| "30s".to_string());
    let pod = use_state(String::new);
    let error = use_state(|| None::<String>);
    let bgp = use_memo(store.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize), {
        let scenario = store.scenario.clone();
        move |_| scenario.map(|s| bgp_versions(&s)).unwrap_or_default()
    });
    // The run's gratuitous ARPs for its VIP, found once per run version:
    // whether honouring GARP can still help is asked on every step.
    let garps = use_memo(store.active().map(|e| e.rev), {
        let entry = store.active().cloned();
        move |_| {
            entry.and_then(|e| {
                let (resolver, vip) = (e.story.resolver.clone()?, e.story.vip?);
                Some(whatif::Garps::of(e.run.borrow().trace(), &resolver, vip))
            })
        }
    });
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();

    let hosts: Vec<String> = world
        .net
        .hosts
        .iter()
        .filter(|h| !node_only(*action) || h.role == Role::Node)
        .map(|h| h.name.to_string())
        .collect();
    let chosen = if hosts.contains(&*host) { (*host).clone() } else { hosts.first().cloned().unwrap_or_default() };
    // The remedies act on the host whose stale ARP entry is the story: the
    // router, or the client that reaches the VIP's subnet itself.
    let resolver = entry.story.resolver.clone();
    // Pods on a node, with it: a delete-pod fault names the node its pod runs on.
    let pod_nodes: Vec<(String, String)> = world
        .cluster
        .pods
        .values()
        .filter(|p| !p.terminating())
        .filter_map(|p| Some((p.name.clone(), p.node.clone()?)))
        .collect();
    let pods: Vec<String> = pod_nodes.iter().map(|(p, _)| p.clone()).collect();

    let branch = |a: SimAction| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::Branch(a.clone())))
    };
    let on_action = {
        let action = action.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(a) = FAULTS.iter().find(|a| a.name() == v) {
                action.set(*a);
            }
        })
    };
    let on_host = {
        let host = host.clone();
        Callback::from(move |e: Event| host.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_garp = {
        let garp = garp.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            garp.set(if v == "ignore" { GarpPolicy::Ignore } else { GarpPolicy::Honor });
        })
    };
    let on_timeout = {
        let timeout = timeout.clone();
        Callback::from(move |e: InputEvent| timeout.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_pod = {
        let pod = pod.clone();
        Callback::from(move |e: Event| pod.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_apply = {
        let store = store.clone();
        let (action, garp, timeout, pod, error) = (*action, *garp, (*timeout).clone(), (*pod).clone(), error.clone());
        let chosen = chosen.clone();
        let first_pod = pods.first().cloned().unwrap_or_default();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut step = FaultStep::new(&chosen, action);
            match action {
                FaultAction::SetGarp => step.garp = Some(garp),
                FaultAction::SetArpTimeout => match Duration::parse(&timeout) {
                    Ok(t) => step.arp_timeout = Some(t),
                    Err(e) => return error.set(Some(lang.f(Msg::BadArpTimeout, &[&e]))),
                },
                FaultAction::DeletePod => {
                    let name = if pod.is_empty() { first_pod.clone() } else { pod.clone() };
                    if let Some((_, node)) = pod_nodes.iter().find(|(p, _)| *p == name) {
                        step.host = node.clone();
                    }
                    step.pod = Some(name);
                }
                _ => {}
            }
            error.set(None);
            store.dispatch(Action::Branch(SimAction::Fault(step)));
        })
    };

    // A remedy that can no longer change anything says so, from the run.
    let futile: Vec<(&'static str, String)> = match (&resolver, entry.story.vip) {
        (Some(r), Some(vip)) => {
            let conceal = store.concealed();
            let said = |f: Futile| f.words(world, lang, conceal);
            [
                ("honor-garp", (*garps).as_ref().and_then(|g| whatif::honour_garp_in(g, world, run.cursor(), r, vip))),
                ("flush-arp", whatif::flush(world, r, vip)),
            ]
            .into_iter()
            .filter_map(|(k, f)| f.map(|f| (k, said(f))))
            .collect()
        }
        _ => Vec::new(),
    };
    let remedies = resolver.iter().map(|r| {
        let mut honor = FaultStep::new(r, FaultAction::SetGarp);
        honor.garp = Some(GarpPolicy::Honor);
        let mut short = FaultStep::new(r, FaultAction::SetArpTimeout);
        short.arp_timeout = Some(Duration::from_secs(30));
        // Only a Cisco-style cache has an ARP timeout to shorten.
        let cisco = world.net.host(r).is_some_and(|h| h.cisco_neighbors());
        html! {
            <>
                <button type="button" data-remedy="flush-arp" onclick={branch(SimAction::Fault(FaultStep::new(r, FaultAction::FlushArp)))}>
                    { lang.f(Msg::RemedyFlush, &[r]) }
                </button>
                <button type="button" data-remedy="honor-garp" onclick={branch(SimAction::Fault(honor))}>{ lang.f(Msg::RemedyHonour, &[r]) }</button>
                if cisco {
                    <button type="button" data-remedy="arp-timeout" onclick={branch(SimAction::Fault(short))}>{ lang.f(Msg::RemedyTimeout, &[r]) }</button>
                }
            </>
        }
    });
    let bgp_links = bgp.iter().map(|s| {
        let dispatcher = store.dispatcher();
        let shipped = s.clone();
        let open = Callback::from(move |_| open_shipped(&dispatcher, &shipped, None));
        html! { <button type="button" data-remedy="bgp" onclick={open}>{ lang.f(Msg::OpenBgpVersion, &[&s.title_in(lang.code())]) }</button> }
    });

    let dismiss = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::DismissNotice))
    };
    html! {
        <section class="panel branches" aria-labelledby="branches-title" data-panel="branches">
            <h2 id="branches-title">{ lang.t(Msg::BranchesTitle) }</h2>
            if resolver.is_some() {
                <div class="remedies" role="group" aria-label={lang.t(Msg::Remedies)}>{ for remedies }{ for bgp_links }</div>
                { for futile.iter().map(|(k, text)| html! { <p class="futile" data-futile={*k}>{ text }</p> }) }
            }
            <form class="fault-form" onsubmit={on_apply} aria-label={lang.t(Msg::InjectFault)}>
                <label class="field">
                    <span>{ lang.t(Msg::Fault) }</span>
                    <select onchange={on_action} name="fault">
                        { for FAULTS.iter().map(|a| html! {
                            <option value={a.name()} selected={*a == *action}>{ a.name() }</option>
                        }) }
                    </select>
                </label>
                if *action != FaultAction::DeletePod {
                    <label class="field">
                        <span>{ lang.t(Msg::Host) }</span>
                        <select onchange={on_host} name="fault-host">
                            { for hosts.iter().map(|h| html! { <option value={h.clone()} selected={*h == chosen}>{ h }</option> }) }
                        </select>
                    </label>
                }
                if *action == FaultAction::SetGarp {
                    <label class="field">
                        <span>{ "GARP" }</span>
                        <select onchange={on_garp} name="garp">
                            <option value="honor" selected={*garp == GarpPolicy::Honor}>{ "honor" }</option>
                            <option value="ignore" selected={*garp == GarpPolicy::Ignore}>{ "ignore" }</option>
                        </select>
                    </label>
                }
                if *action == FaultAction::SetArpTimeout {
                    <label class="field">
                        <span>{ lang.t(Msg::ArpTimeout) }</span>
                        <input type="text" name="arp-timeout" value={(*timeout).clone()} oninput={on_timeout} size="6" />
                    </label>
                }
                if *action == FaultAction::DeletePod {
                    <label class="field">
                        <span>{ lang.t(Msg::Pod) }</span>
                        <select onchange={on_pod} name="pod">
                            { for pods.iter().map(|p| html! { <option value={p.clone()} selected={*p == *pod}>{ p }</option> }) }
                        </select>
                    </label>
                }
                <button type="submit">{ lang.f(Msg::ApplyAt, &[&super::secs_in(world.now, lang)]) }</button>
                if let Some(e) = &*error {
                    <p class="error" role="alert">{ e }</p>
                }
            </form>
            <Manifests />
            <h3>{ lang.t(Msg::Runs) }</h3>
            if let Some(Notice::Dropped(names)) = &store.notice {
                <p class="notice" role="status">
                    { lang.f(Msg::BranchesDropped, &[&MAX_BRANCHES, &names.join(", ")]) }{ " " }
                    <button type="button" onclick={dismiss}>{ lang.t(Msg::Dismiss) }</button>
                </p>
            }
            <ul class="runs" data-live-bytes={super::memory::live_bytes().to_string()}>
                <RunList slice={Slice { key: (lang, store.active, store.runs.iter().map(|r| Rc::as_ptr(r) as usize).collect()), store: store.clone() }} />
            </ul>
        </section>
    }
}

/// What the list of runs shows: the language, which run is shown, and the
/// runs (by identity: a session that grows replaces its entry).
type RunsShown = (Lang, usize, Vec<usize>);

#[derive(Properties, PartialEq)]
struct RunListProps {
    slice: Slice<RunsShown>,
}

/// The runs, drawn again when they change, not on every step.
#[function_component(RunList)]
fn run_list(props: &RunListProps) -> Html {
    let store = &props.slice.store;
    let lang = store.lang;
    let runs = store.runs.iter().enumerate().map(|(i, r)| {
        let origin = r.fork.as_ref().and_then(|f| {
            let parent = store.runs.iter().find(|x| x.id == f.parent)?;
            Some(lang.f(Msg::BranchedFrom, &[&parent.title(lang), &super::secs_in(f.at, lang)]))
        });
        let outage = r.story.longest_outage().map(|o| {
            let length = format!(
                "{}{}",
                crate::view::duration(o.length(), lang),
                if o.ongoing { lang.t(Msg::UntilTheEnd) } else { "" }
            );
            lang.f(Msg::RunLongestOutage, &[&length])
        });
        let show = {
            let store = store.clone();
            Callback::from(move |_| store.dispatch(Action::SwitchRun(i)))
        };
        let compare = {
            let store = store.clone();
            Callback::from(move |_| store.dispatch(Action::Compare(Some(i))))
        };
        let delete = {
            let store = store.clone();
            Callback::from(move |_| store.dispatch(Action::DeleteRun(i)))
        };
        let active = i == store.active;
        html! {
            <li class={classes!(active.then_some("active"))} data-run={r.id.to_string()}
                data-variant={r.variant.clone()}>
                <span class="run-label">{ r.title(lang) }</span>
                if let Some(origin) = origin {
                    <span class="run-origin">{ origin }</span>
                }
                <span class="run-outage">{ outage.unwrap_or_else(|| lang.t(Msg::NoFailedRequests).into()) }</span>
                if active {
                    <span class="badge">{ lang.t(Msg::Shown) }</span>
                } else {
                    <button type="button" data-do="show" onclick={show}>{ lang.t(Msg::Show) }</button>
                    <button type="button" data-do="compare" onclick={compare}>{ lang.t(Msg::CompareButton) }</button>
                }
                if i > 0 {
                    <button type="button" data-do="delete" onclick={delete}
                        aria-label={lang.f(Msg::DeleteRunLabel, &[&r.title(lang)])}>{ lang.t(Msg::DeleteRun) }</button>
                }
            </li>
        }
    });

    html! { { for runs } }
}
