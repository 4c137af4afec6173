//! Sharing what is on screen: a permalink (scenario, branch edits, cursor,
//! panels, inspected host and record, language) and the HTML that embeds
//! the same moment in a blog post, each with a copy button. Both are
//! written out in fields too, for browsers that refuse the clipboard.

use super::i18n::{Lang, Msg};
use super::panels::Panels;
use super::route;
use super::state::{AppState, use_store};
use crate::share::{Permalink, embed_iframe};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, JsValue};
use web_sys::HtmlDetailsElement;
use yew::prelude::*;

/// The embed player's address for the moment on screen: readable
/// parameters for a shipped scenario, a permalink for anything else
/// (branch edits, an edited or pasted scenario).
pub fn embed_src(s: &AppState, link: &Permalink) -> String {
    let (_, folder) = route::page_url();
    let panels = Panels::embed().ids().join(",");
    let shipped = s.source.as_ref().and_then(|src| src.shipped.clone());
    match shipped {
        Some(id) if link.edits.is_empty() => {
            let variant = link.variant.as_ref().map(|v| format!("&variant={v}")).unwrap_or_default();
            let at = format!("{:.1}", s.time.as_nanos() as f64 / 1e9);
            format!("{folder}embed.html?scenario={id}{variant}&at={at}&panels={panels}")
        }
        _ => {
            let link = Permalink { panels: Panels::embed().ids(), record: None, ..link.clone() };
            format!("{folder}embed.html{}", route::link_hash(&link))
        }
    }
}

/// The iframe, and the few lines that size it from the player's height messages.
pub fn embed_code(src: &str, title: &str) -> String {
    format!(
        "{}\n<script>addEventListener(\"message\",e=>{{const d=e.data;if(d&&d.type===\"vipsim:height\")\
         for(const f of document.querySelectorAll(\"iframe\"))if(f.contentWindow===e.source)f.style.height=d.height+\"px\"}})</script>",
        embed_iframe(src, title)
    )
}

/// Puts `text` on the clipboard; `done` hears whether it worked.
pub(super) fn copy(text: &str, done: Callback<bool>) {
    let promise = gloo::utils::window().navigator().clipboard().write_text(text);
    let ok = {
        let done = done.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| done.emit(true))
    };
    let failed = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| done.emit(false));
    let _ = promise.then2(&ok, &failed);
    // The promise settles once, after this function returns: JS owns the
    // two closures from here (a few bytes per click).
    ok.forget();
    failed.forget();
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Copied {
    Link,
    Embed,
    Failed,
}

#[function_component(ShareMenu)]
pub fn share_menu() -> Html {
    let store = use_store();
    let lang: Lang = store.lang;
    // The link is encoded only while the menu is open (not on every frame of playback).
    let open = use_state(|| false);
    let copied = use_state(|| None::<Copied>);
    let on_toggle = {
        let (open, copied) = (open.clone(), copied.clone());
        Callback::from(move |e: Event| {
            if let Some(d) = e.target().and_then(|t| t.dyn_into::<HtmlDetailsElement>().ok()) {
                open.set(d.open());
                copied.set(None);
            }
        })
    };
    let shared = (*open).then(|| route::permalink(&store)).flatten().map(|link| {
        let title =
            store.scenario.as_ref().map(|s| s.doc.metadata.title_in(lang.code()).to_string()).unwrap_or_default();
        (route::link_url(&link), embed_code(&embed_src(&store, &link), &title))
    });
    let copier = |text: String, what: Copied| {
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let copied = copied.clone();
            copy(&text, Callback::from(move |ok| copied.set(Some(if ok { what } else { Copied::Failed }))));
        })
    };
    html! {
        <details class="menu share-menu" ontoggle={on_toggle}>
            <summary>{ lang.t(Msg::Share) }</summary>
            if let Some((url, code)) = shared {
                <div class="menu-body">
                    <label class="field">
                        <span>{ lang.t(Msg::LinkToThis) }</span>
                        <input type="text" readonly=true name="permalink" value={url.clone()} />
                    </label>
                    <button type="button" data-do="copy-link" onclick={copier(url, Copied::Link)}>{ lang.t(Msg::CopyLink) }</button>
                    <label class="field">
                        <span>{ lang.t(Msg::EmbedCode) }</span>
                        <textarea readonly=true name="embed-code" rows="5" value={code.clone()} />
                    </label>
                    <button type="button" data-do="copy-embed" onclick={copier(code, Copied::Embed)}>{ lang.t(Msg::CopyEmbed) }</button>
                    <p class="hint">{ lang.t(Msg::EmbedHint) }</p>
                    <super::clip_export::ClipExport />
                    <p role="status" class="copied">
                        { match *copied {
                            Some(Copied::Link) => lang.t(Msg::LinkCopied),
                            Some(Copied::Embed) => lang.t(Msg::EmbedCopied),
                            Some(Copied::Failed) => lang.t(Msg::CopyFailed),
                            None => "",
                        } }
                    </p>
                </div>
            }
        </details>
    }
}
