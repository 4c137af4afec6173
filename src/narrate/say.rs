//! The sentences' words, in English and Korean. Host names, addresses,
//! Service names and commands stay as the scenario and the tools write
//! them. Korean sentences avoid the particles that depend on how the
//! preceding (Latin) name is pronounced (은/는, 이/가, 을/를): they use
//! 의, 에, 에서 and a colon instead.

use super::{ArpChange, DropWords, Event, FaultWords, SwitchChange, ready_nodes};
use crate::time::{Duration, Instant};

/// `27.0 s: …` (tenths, cut like the UI's clock).
pub fn with_time(t: Instant, body: &str, lang: &str) -> String {
    format!("{}: {body}", clock(t, lang))
}

/// `27.0 s`, `27.0초`.
fn clock(t: Instant, lang: &str) -> String {
    let ms = t.as_millis();
    let (s, tenth) = (ms / 1000, (ms % 1000) / 100);
    if lang == "ko" { format!("{s}.{tenth}초") } else { format!("{s}.{tenth} s") }
}

/// A duration in whole seconds below two minutes, else as `human()` writes it.
fn span(d: Duration, lang: &str) -> String {
    let secs = d.as_secs();
    match (secs < 120, lang) {
        (true, "ko") => format!("{secs}초"),
        (true, _) => format!("{secs} s"),
        (false, _) => d.human(),
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

/// What curl's exit status means, in a few words.
fn curl_exit(exit: i32, lang: &str) -> String {
    let ko = lang == "ko";
    match exit {
        28 => if ko { "시간 초과" } else { "timed out" }.to_string(),
        7 => if ko { "연결 실패" } else { "could not connect" }.to_string(),
        52 => if ko { "빈 응답" } else { "empty reply" }.to_string(),
        56 => if ko { "연결이 끊김" } else { "connection reset" }.to_string(),
        22 => if ko { "HTTP 오류" } else { "HTTP error" }.to_string(),
        n => {
            if ko {
                format!("종료 코드 {n}")
            } else {
                format!("exit {n}")
            }
        }
    }
}

pub fn body(event: &Event, lang: &str) -> String {
    if lang == "ko" { korean(event) } else { english(event) }
}

fn english(event: &Event) -> String {
    match event {
        Event::Leader { service, ip, node: Some(node), previous: None } => {
            format!("{node} now announces {ip} ({service})")
        }
        Event::Leader { service, ip, node: Some(node), previous: Some(prev) } => {
            format!("{node} now announces {ip} ({service}), taking over from {prev}")
        }
        Event::Leader { service, ip, node: None, previous: Some(prev) } => {
            format!("nobody announces {ip} ({service}) any more; {prev} did")
        }
        Event::Leader { service, ip, node: None, previous: None } => format!("nobody announces {ip} ({service})"),
        Event::SplitBrain { service, ip, nodes } => {
            format!("several nodes announce {ip} ({service}) at once: {} (split brain)", list(nodes))
        }
        Event::GarpSent { host, ip } => {
            format!("{host} sent gratuitous ARP: {ip} is at {host}'s MAC")
        }
        Event::GarpIgnored { host, from, ip, points_at: Some(owner) } => {
            format!("{host} ignored a gratuitous ARP from {from} for {ip}; its entry still points at {owner}")
        }
        Event::GarpIgnored { host, from, ip, points_at: None } => {
            format!("{host} ignored a gratuitous ARP from {from} for {ip}; it has no entry for {ip}")
        }
        Event::ArpReplyIgnored { host, from, ip, points_at: Some(owner) } => {
            format!("{host} ignored an ARP reply from {from} for {ip}; its entry still points at {owner}")
        }
        Event::ArpReplyIgnored { host, from, ip, points_at: None } => {
            format!("{host} ignored an ARP reply from {from} for {ip}; it has no entry for {ip}")
        }
        Event::Arp { host, ip, change } => match change {
            ArpChange::Learned { owner } => format!("{host} learned that {ip} is at {owner}"),
            ArpChange::Moved { from, to, garp: true } => {
                format!("{host} accepted a gratuitous ARP: its entry for {ip} now points at {to} (was {from})")
            }
            ArpChange::Moved { from, to, garp: false } => {
                format!("{host}'s entry for {ip} now points at {to} (was {from})")
            }
            ArpChange::Failed => format!("{host} could not resolve {ip}: nobody answered its ARP requests"),
            ArpChange::Unanswered { owner } => {
                format!("{host}'s entry for {ip} failed: {owner}'s MAC did not answer its probes")
            }
            ArpChange::Gone => format!("{host}'s ARP entry for {ip} is gone"),
        },
        Event::RequestFailed { host, target, exit } => {
            format!("a request from {host} to {target} failed ({}); requests are failing", curl_exit(*exit, "en"))
        }
        Event::RequestTurnedAway { host, target, node } => format!(
            "a request from {host} to {target} was turned away at {node}: externalTrafficPolicy is Local and {node} has no local endpoint"
        ),
        Event::RequestOk { host, target } => format!("a request from {host} to {target} succeeded"),
        Event::RequestsRecovered { host, target, since, failing_for } => format!(
            "requests from {host} to {target} succeed again since {}, after {} of failures",
            clock(*since, "en"),
            span(*failing_for, "en")
        ),
        Event::Fault { host, fault } => match fault {
            FaultWords::PowerOff => format!("{host} lost power"),
            FaultWords::PowerOn => format!("{host} is powered on and boots"),
            FaultWords::Partition => format!("{host} is cut off the LAN"),
            FaultWords::Heal => format!("{host} is back on the LAN"),
            FaultWords::StopSpeaker => format!("the speaker on {host} stopped; the node stays up"),
            FaultWords::StartSpeaker => format!("the speaker on {host} started"),
            FaultWords::Cordon => format!("{host} was cordoned"),
            FaultWords::Uncordon => format!("{host} was uncordoned"),
            FaultWords::Drain => format!("{host} was drained"),
            FaultWords::DeletePod => format!("a pod on {host} was deleted"),
            FaultWords::FlushArp => format!("{host}'s ARP cache was flushed"),
            FaultWords::Garp { honor: true } => format!("{host} now honours gratuitous ARP"),
            FaultWords::Garp { honor: false } => format!("{host} now ignores gratuitous ARP"),
            FaultWords::ArpTimeout { timeout } => format!("{host}'s ARP timeout is now {timeout}"),
            FaultWords::DropRule { rule } => format!("{host} now drops frames ({rule})"),
            FaultWords::ClearRules => format!("{host}'s drop rules were removed"),
            FaultWords::Other { action } => format!("{action} on {host}"),
        },
        Event::NodeReady { node, ready: false } => format!("{node} is NotReady: its kubelet stopped reporting"),
        Event::NodeReady { node, ready: true } => format!("{node} is Ready"),
        Event::Endpoints { service, endpoints } => match ready_nodes(endpoints) {
            nodes if nodes.is_empty() => format!("{service} has no ready endpoints"),
            nodes => {
                format!("{service} has {} ready endpoint{} (on {})", nodes.len(), plural(nodes.len()), list(&nodes))
            }
        },
        Event::Address { service, ip: Some(ip) } => format!("{service} got the address {ip}"),
        Event::Address { service, ip: None } => format!("{service} has no address: it stays <pending>"),
        Event::Bgp { node, peer, up: true, .. } => format!("the BGP session between {node} and {peer} is up"),
        Event::Bgp { node, peer, up: false, hold_expired: true } => {
            format!("the BGP session between {node} and {peer} went down: the hold timer expired")
        }
        Event::Bgp { node, peer, up: false, hold_expired: false } => {
            format!("the BGP session between {node} and {peer} went down")
        }
        Event::Route { host, prefix, via, .. } if via.is_empty() => format!("{host} withdrew its route to {prefix}"),
        Event::Route { host, prefix, via, installed: true } => {
            format!("{host} installed a route to {prefix} via {}", list(via))
        }
        Event::Route { host, prefix, via, installed: false } => {
            format!("{host}'s route to {prefix} now goes via {}", list(via))
        }
        Event::SwitchMac { switch, owner, change } => match change {
            SwitchChange::Aged => format!("{switch} forgot {owner}'s MAC: it aged out"),
            SwitchChange::PortDown => format!("{switch} forgot {owner}'s MAC: its port went down"),
            SwitchChange::Moved => format!("{switch} saw {owner}'s MAC move to another port"),
        },
        Event::Dropped { host, why } => match why {
            DropWords::NoLocalEndpoints { service } => {
                format!("{host} dropped a packet for {service}: no local endpoint (traffic policy Local)")
            }
            DropWords::NoNeighbor { next_hop } => {
                format!("{host} dropped a packet: nobody answers ARP for {next_hop}")
            }
            DropWords::NoRoute { dst } => format!("{host} dropped a packet: no route to {dst}"),
            DropWords::UnknownUnicast { owner } => {
                format!("{host} dropped a frame for {owner}: that MAC is not in its table and it does not flood")
            }
            DropWords::Rule { rule } => format!("{host} dropped a packet ({rule})"),
            DropWords::TtlExpired => format!("{host} dropped a packet: its TTL ran out"),
        },
        Event::Ran { host: Some(host), cmd, exit } => format!("{host} ran `{cmd}` (exit {exit})"),
        Event::Ran { host: None, cmd, exit } => format!("the timeline ran `{cmd}` (exit {exit})"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn korean(event: &Event) -> String {
    match event {
        Event::Leader { service, ip, node: Some(node), previous: None } => {
            format!("{ip}({service}) 알림 담당: 이제 {node}")
        }
        Event::Leader { service, ip, node: Some(node), previous: Some(prev) } => {
            format!("{ip}({service}) 알림 담당: 이제 {node} (이전: {prev})")
        }
        Event::Leader { service, ip, node: None, previous: Some(prev) } => {
            format!("{ip}({service}) 알림 담당: 이제 없음 (이전: {prev})")
        }
        Event::Leader { service, ip, node: None, previous: None } => {
            format!("{ip}({service}) 알림 담당: 없음")
        }
        Event::SplitBrain { service, ip, nodes } => {
            format!("{ip}({service}) 알림 담당: 여러 노드가 동시에 알림 ({}, split brain)", list(nodes))
        }
        Event::GarpSent { host, ip } => format!("{host}에서 gratuitous ARP를 보냈습니다: {ip}의 MAC은 {host}의 MAC"),
        Event::GarpIgnored { host, from, ip, points_at: Some(owner) } => {
            format!("{host}에서 {from}의 {ip} gratuitous ARP를 무시했습니다. {ip} 항목은 여전히 {owner}의 MAC입니다")
        }
        Event::GarpIgnored { host, from, ip, points_at: None } => {
            format!("{host}에서 {from}의 {ip} gratuitous ARP를 무시했습니다. {host}에는 {ip} 항목이 없습니다")
        }
        Event::ArpReplyIgnored { host, from, ip, points_at: Some(owner) } => {
            format!("{host}에서 {from}의 {ip} ARP 응답을 무시했습니다. {ip} 항목은 여전히 {owner}의 MAC입니다")
        }
        Event::ArpReplyIgnored { host, from, ip, points_at: None } => {
            format!("{host}에서 {from}의 {ip} ARP 응답을 무시했습니다. {host}에는 {ip} 항목이 없습니다")
        }
        Event::Arp { host, ip, change } => match change {
            ArpChange::Learned { owner } => format!("{host}의 ARP 항목: {ip}의 MAC은 {owner}의 MAC"),
            ArpChange::Moved { from, to, garp: true } => {
                format!("{host}에서 gratuitous ARP를 받아들였습니다: {ip} 항목이 이제 {to}의 MAC (이전: {from})")
            }
            ArpChange::Moved { from, to, garp: false } => {
                format!("{host}의 {ip} 항목이 이제 {to}의 MAC (이전: {from})")
            }
            ArpChange::Failed => {
                format!("{host}에서 {ip}의 MAC을 알아내지 못했습니다: ARP 요청에 아무도 응답하지 않음")
            }
            ArpChange::Unanswered { owner } => {
                format!("{host}의 {ip} 항목이 실패했습니다: {owner}의 MAC이 확인 요청에 응답하지 않음")
            }
            ArpChange::Gone => format!("{host}의 {ip} ARP 항목이 사라졌습니다"),
        },
        Event::RequestFailed { host, target, exit } => {
            format!(
                "{host}에서 {target}에 보낸 요청이 실패했습니다 ({}). 요청이 실패하고 있습니다",
                curl_exit(*exit, "ko")
            )
        }
        Event::RequestTurnedAway { host, target, node } => format!(
            "{host}에서 {target}에 보낸 요청을 {node}에서 받지 않았습니다: externalTrafficPolicy가 Local이고 {node}에 로컬 엔드포인트가 없음"
        ),
        Event::RequestOk { host, target } => format!("{host}에서 {target}에 보낸 요청이 성공했습니다"),
        Event::RequestsRecovered { host, target, since, failing_for } => format!(
            "{}부터 {host}에서 {target}에 보내는 요청이 다시 성공합니다 ({} 동안 실패한 뒤)",
            clock(*since, "ko"),
            span(*failing_for, "ko")
        ),
        Event::Fault { host, fault } => match fault {
            FaultWords::PowerOff => format!("{host}의 전원이 꺼졌습니다"),
            FaultWords::PowerOn => format!("{host}의 전원이 켜지고 부팅합니다"),
            FaultWords::Partition => format!("{host}의 LAN 연결이 끊겼습니다"),
            FaultWords::Heal => format!("{host}의 LAN 연결이 돌아왔습니다"),
            FaultWords::StopSpeaker => format!("{host}의 스피커가 멈췄습니다. 노드는 살아 있습니다"),
            FaultWords::StartSpeaker => format!("{host}의 스피커가 시작했습니다"),
            FaultWords::Cordon => format!("{host}에 cordon을 걸었습니다"),
            FaultWords::Uncordon => format!("{host}의 cordon을 풀었습니다"),
            FaultWords::Drain => format!("{host}에 drain을 실행했습니다"),
            FaultWords::DeletePod => format!("{host}의 파드 하나를 지웠습니다"),
            FaultWords::FlushArp => format!("{host}의 ARP 캐시를 비웠습니다"),
            FaultWords::Garp { honor: true } => format!("{host}에서 이제 gratuitous ARP를 받아들입니다"),
            FaultWords::Garp { honor: false } => format!("{host}에서 이제 gratuitous ARP를 무시합니다"),
            FaultWords::ArpTimeout { timeout } => format!("{host}의 ARP 타임아웃: 이제 {timeout}"),
            FaultWords::DropRule { rule } => format!("{host}에서 이제 프레임을 버립니다 ({rule})"),
            FaultWords::ClearRules => format!("{host}의 드롭 규칙을 지웠습니다"),
            FaultWords::Other { action } => format!("{host}에 {action}"),
        },
        Event::NodeReady { node, ready: false } => format!("{node}: NotReady (kubelet의 보고가 끊김)"),
        Event::NodeReady { node, ready: true } => format!("{node}: Ready"),
        Event::Endpoints { service, endpoints } => match ready_nodes(endpoints) {
            nodes if nodes.is_empty() => format!("{service}의 준비된 엔드포인트가 없습니다"),
            nodes => format!("{service}의 준비된 엔드포인트: {}개 ({})", nodes.len(), list(&nodes)),
        },
        Event::Address { service, ip: Some(ip) } => format!("{service}의 주소: {ip}"),
        Event::Address { service, ip: None } => format!("{service}에 줄 주소가 없습니다: <pending>으로 남습니다"),
        Event::Bgp { node, peer, up: true, .. } => format!("{node}–{peer} BGP 세션이 연결되었습니다"),
        Event::Bgp { node, peer, up: false, hold_expired: true } => {
            format!("{node}–{peer} BGP 세션이 끊겼습니다: 홀드 타이머 만료")
        }
        Event::Bgp { node, peer, up: false, hold_expired: false } => {
            format!("{node}–{peer} BGP 세션이 끊겼습니다")
        }
        Event::Route { host, prefix, via, .. } if via.is_empty() => format!("{host}에서 {prefix} 경로를 거두었습니다"),
        Event::Route { host, prefix, via, installed: true } => {
            format!("{host}에 {prefix} 경로를 설치했습니다 (다음 홉: {})", list(via))
        }
        Event::Route { host, prefix, via, installed: false } => {
            format!("{host}의 {prefix} 경로의 다음 홉이 이제 {}", list(via))
        }
        Event::SwitchMac { switch, owner, change } => match change {
            SwitchChange::Aged => format!("{switch}에서 {owner}의 MAC을 잊었습니다: 에이징 시간 초과"),
            SwitchChange::PortDown => format!("{switch}에서 {owner}의 MAC을 잊었습니다: 포트가 내려감"),
            SwitchChange::Moved => format!("{switch}에서 {owner}의 MAC이 다른 포트로 옮겨 갔습니다"),
        },
        Event::Dropped { host, why } => match why {
            DropWords::NoLocalEndpoints { service } => {
                format!("{host}에서 {service} 대상 패킷을 버렸습니다: 로컬 엔드포인트 없음 (트래픽 정책 Local)")
            }
            DropWords::NoNeighbor { next_hop } => {
                format!("{host}에서 패킷을 버렸습니다: {next_hop}의 ARP에 아무도 응답하지 않음")
            }
            DropWords::NoRoute { dst } => format!("{host}에서 패킷을 버렸습니다: {dst}까지 가는 경로 없음"),
            DropWords::UnknownUnicast { owner } => {
                format!("{host}에서 {owner} 대상 프레임을 버렸습니다: MAC 테이블에 없고 이 스위치는 플러딩하지 않음")
            }
            DropWords::Rule { rule } => format!("{host}에서 패킷을 버렸습니다 ({rule})"),
            DropWords::TtlExpired => format!("{host}에서 패킷을 버렸습니다: TTL 만료"),
        },
        Event::Ran { host: Some(host), cmd, exit } => format!("{host}에서 `{cmd}` 실행 (종료 코드 {exit})"),
        Event::Ran { host: None, cmd, exit } => format!("타임라인에서 `{cmd}` 실행 (종료 코드 {exit})"),
    }
}
