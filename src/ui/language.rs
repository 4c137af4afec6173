//! The language switch: English or Korean, remembered in this browser.
//! Until the learner chooses, the browser's preferred languages decide.

use super::i18n::{Lang, Msg};
use super::state::{Action, Dispatcher, use_store};
use super::storage;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[function_component(LanguageSwitch)]
pub fn language_switch() -> Html {
    let store = use_store();
    html! { <LanguageSelect lang={store.lang} dispatcher={store.dispatcher()} /> }
}

/// Drawn again only when the language changes, not on every step.
#[derive(Properties, PartialEq)]
struct LanguageSelectProps {
    lang: Lang,
    dispatcher: Dispatcher,
}

#[function_component(LanguageSelect)]
fn language_select(props: &LanguageSelectProps) -> Html {
    let lang = props.lang;
    let on_change = {
        let store = props.dispatcher.clone();
        Callback::from(move |e: Event| {
            let code = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(chosen) = Lang::from_code(&code) {
                storage::save_language(chosen);
                store.dispatch(Action::Lang(chosen));
            }
        })
    };
    html! {
        <label class="field lang-switch">
            <span>{ lang.t(Msg::Language) }</span>
            <select name="lang" onchange={on_change} aria-label={lang.t(Msg::Language)}>
                { for Lang::ALL.iter().map(|l| html! {
                    <option value={l.code()} lang={l.code()} selected={*l == lang}>{ l.native_name() }</option>
                }) }
            </select>
        </label>
    }
}
