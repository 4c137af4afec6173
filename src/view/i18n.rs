//! The playground's words in English and Korean. Every string the UI shows
//! comes from the catalogue below; components name a [`Msg`] and the
//! language. Scenario text (titles, lessons, goals, hints) comes from the
//! scenario's own `translations`; what tools print (console output,
//! kubectl, trace records, protocol names) stays as the real tools print it.
//!
//! Messages with values carry numbered slots, `{0}`, `{1}`…, because Korean
//! orders the words of a sentence differently from English. No yew here.

use std::fmt::Display;

/// A language the playground speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The BCP 47 code: `<html lang>`, permalinks, scenario translations.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// Reads a language tag (`ko`, `ko-KR`, `en-GB`), by its primary subtag.
    pub fn from_code(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Lang::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The first language of the browser's list (`navigator.languages`,
    /// most preferred first) that the playground speaks; English otherwise.
    pub fn preferred<'a>(tags: impl IntoIterator<Item = &'a str>) -> Lang {
        tags.into_iter().find_map(Lang::from_code).unwrap_or_default()
    }

    /// The language's name in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ko => "한국어",
        }
    }

    /// The message in this language.
    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self)
    }

    /// The message in this language with its slots filled.
    pub fn f(self, msg: Msg, args: &[&dyn Display]) -> String {
        fill(msg.text(self), args)
    }
}

/// Replaces `{0}`, `{1}`… in `template` by `args`; other braces stay.
pub fn fill(template: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let slot = after.find('}').and_then(|close| Some((after[..close].parse::<usize>().ok()?, close)));
        match slot {
            Some((i, close)) if i < args.len() => {
                out.push_str(&args[i].to_string());
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The slot numbers a template uses, sorted: a translation must use the
/// same ones as the English text.
pub fn slots(template: &str) -> Vec<usize> {
    let mut found: Vec<usize> =
        template.split('{').skip(1).filter_map(|s| s.split_once('}').and_then(|(n, _)| n.parse().ok())).collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// Declares [`Msg`] and its English and Korean text, side by side so a
/// message is never added in one language only. (Defined before the
/// catalogue module, which uses it.)
macro_rules! catalogue {
    ($($(#[$doc:meta])* $id:ident => $en:literal, $ko:literal;)*) => {
        /// A string of the UI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Msg {
            $($(#[$doc])* $id,)*
        }

        impl Msg {
            /// Every message, for the catalogue's own checks.
            pub const ALL: &'static [Msg] = &[$(Msg::$id),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$id, Lang::En) => $en, (Msg::$id, Lang::Ko) => $ko,)*
                }
            }
        }
    };
}

mod catalogue;
pub use catalogue::Msg;

/// The console's `help` in the UI's language: the same commands and
/// flags (they are what you type), the words around them translated.
pub fn console_help(lang: Lang) -> String {
    if lang == Lang::En {
        return crate::console::help();
    }
    let mut s = format!("{}\n", lang.t(Msg::HelpHeader));
    for (name, what) in crate::console::COMMANDS {
        let said = match *name {
            "kubectl" => format!("{}: {what}", lang.t(Msg::HelpKubectl)),
            "curl" => lang.t(Msg::HelpCurl).to_string(),
            "arping" => lang.t(Msg::HelpArping).to_string(),
            "ping" => lang.t(Msg::HelpPing).to_string(),
            "tcpdump" => lang.t(Msg::HelpTcpdump).to_string(),
            "timeout" => lang.t(Msg::HelpTimeout).to_string(),
            "ip" => lang.t(Msg::HelpIp).to_string(),
            "conntrack" => lang.t(Msg::HelpConntrack).to_string(),
            "cilium-dbg" => lang.t(Msg::HelpCiliumDbg).to_string(),
            "vtysh" => lang.t(Msg::HelpVtysh).to_string(),
            "show" => lang.t(Msg::HelpShow).to_string(),
            "help" => lang.t(Msg::HelpHelp).to_string(),
            _ => what.to_string(),
        };
        s.push_str(&format!("  {name:<11} {said}\n"));
    }
    s
}

/// A command's output in one line, for a goal's finding: a single line as
/// it is (spaces squeezed); a table as its row count and first row.
pub fn one_line(text: &str, lang: Lang) -> String {
    let squeeze = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    match lines.as_slice() {
        [] => String::new(),
        [one] => squeeze(one),
        [header, rows @ ..] if header.split_whitespace().all(|w| !w.chars().any(|c| c.is_lowercase())) => {
            lang.f(Msg::FoundTable, &[&rows.len(), &squeeze(rows[0])])
        }
        [first, ..] => lang.f(Msg::FoundLines, &[&squeeze(first), &lines.len()]),
    }
}

/// [`found`] while an exercise asks the learner to find who answers for
/// the VIP ([`crate::play::goals::finding`]): another task's check must
/// not name the node that answers (nor the one that owns the MAC, takes the
/// packet or is the route's next hop), or the card would give the answer away.
pub fn found_concealed(lang: Lang, found_: &crate::play::goals::Found) -> String {
    use crate::play::goals::Found as F;
    let hidden = || lang.t(Msg::FoundHiddenNode).to_string();
    let masked = match found_ {
        F::AnnouncedBy { service, by: Some(_) } => F::AnnouncedBy { service: service.clone(), by: Some(hidden()) },
        F::Entry { host, ip, mac, owner: Some(_), state } => F::Entry {
            host: host.clone(),
            ip: ip.clone(),
            mac: mac.clone(),
            owner: Some(hidden()),
            state: state.clone(),
        },
        F::FrameTo { host, ip, .. } => F::FrameTo { host: host.clone(), ip: ip.clone(), to: hidden() },
        F::Route { host, ip, via } if !via.is_empty() => {
            F::Route { host: host.clone(), ip: ip.clone(), via: vec![hidden()] }
        }
        other => return found(lang, other),
    };
    found(lang, &masked)
}

/// What a goal's check found, said in `lang`. The English catalogue text
/// is the sentence `vipsim check` prints ([`Found`]'s `Display`), except
/// that a command's output is summarised in one line ([`one_line`]).
pub fn found(lang: Lang, found: &crate::play::goals::Found) -> String {
    use crate::play::goals::Found as F;
    match found {
        F::NoRuns { host } => lang.f(Msg::FoundNoRuns, &[host]),
        F::Succeeded { ok, total } => {
            lang.f(Msg::FoundSucceeded, &[ok, total, &format!("{:.1}", F::rate(*ok, *total))])
        }
        F::NoHost { host } => lang.f(Msg::FoundNoHost, &[host]),
        F::BadIp { ip } => lang.f(Msg::FoundBadIp, &[ip]),
        F::NoEntry { host, ip } => lang.f(Msg::FoundNoEntry, &[host, ip]),
        F::Entry { host, ip, mac, owner, state } => lang.f(
            Msg::FoundEntry,
            &[host, ip, &mac.as_deref().unwrap_or("(none)"), &owner.as_deref().unwrap_or("?"), state],
        ),
        F::AnnouncedBy { service, by: Some(node) } => lang.f(Msg::FoundAnnouncedBy, &[service, node]),
        F::AnnouncedBy { service, by: None } => lang.f(Msg::FoundAnnouncedByNone, &[service]),
        F::ExternalIp { service, shown } => lang.f(Msg::FoundExternalIp, &[service, shown]),
        F::NoService { service } => lang.f(Msg::FoundNoService, &[service]),
        F::PodsSaw { clients } if clients.is_empty() => lang.t(Msg::FoundPodsSawNone).to_string(),
        F::PodsSaw { clients } => lang.f(Msg::FoundPodsSaw, &[&clients.join(", ")]),
        F::Output { text } => lang.f(Msg::FoundOutput, &[&one_line(text, lang)]),
        F::TakesTime => lang.t(Msg::FoundTakesTime).to_string(),
        // The console's own message, as the tool prints it.
        F::Refused { message } => message.clone(),
        F::Drops { n, reason } => lang.f(Msg::FoundDrops, &[n, reason]),
        F::Ran { line } => lang.f(Msg::FoundRan, &[line]),
        F::NotRanYet { cmd } => lang.f(Msg::FoundNotRanYet, &[cmd]),
        F::Floods { n } => lang.f(Msg::FoundFloods, &[n]),
        F::FrameTo { host, ip, to } => lang.f(Msg::FoundFrameTo, &[host, ip, to]),
        F::NoFrameTo { host, ip } => lang.f(Msg::FoundNoFrameTo, &[host, ip]),
        F::Route { host, ip, via } if via.is_empty() => lang.f(Msg::FoundRouteOnLink, &[host, ip]),
        F::Route { host, ip, via } => lang.f(Msg::FoundRoute, &[host, ip, &via.join(", ")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_help_names_every_command_in_every_language() {
        for lang in Lang::ALL {
            let help = console_help(lang);
            for (name, _) in crate::console::COMMANDS {
                assert!(help.contains(&format!("  {name:<11} ")), "{lang:?}: {name} missing from\n{help}");
            }
        }
        assert_eq!(console_help(Lang::En), crate::console::help());
        assert!(console_help(Lang::Ko).starts_with("명령"), "{}", console_help(Lang::Ko));
    }

    #[test]
    fn a_table_in_a_finding_is_one_line() {
        let pods = "NAME   READY   STATUS    NODE\nweb-1  1/1     Running   node-a\nweb-2  1/1     Running   node-b\n";
        assert_eq!(one_line(pods, Lang::En), "a table of 2 rows, the first: web-1 1/1 Running node-a");
        assert_eq!(one_line("HTTP   200\n", Lang::En), "HTTP 200");
        assert_eq!(one_line("line one\nline two\n", Lang::En), "line one (the first of 2 lines)");
    }
}
