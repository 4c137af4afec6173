//! The small apps the pods run, chosen by container image: agnhost
//! `netexec`, `hashicorp/http-echo`, echo servers such as
//! `ealen/echo-server`, and a generic fallback. Each answers HTTP on the
//! pod's port; what matters for the lessons is the client address the app
//! *observes* (after any SNAT), which `/clientip` and the echo JSON reveal.

use crate::net::host::HealthCheck;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::net::SocketAddrV4;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum App {
    /// `registry.k8s.io/e2e-test-images/agnhost netexec`.
    Netexec,
    /// `hashicorp/http-echo -text=...`.
    HttpEcho { text: String },
    /// `ealen/echo-server` and similar: JSON describing the request.
    EchoServer,
    /// Any other image: a short text naming the pod.
    Generic { image: String },
}

/// A request head as it arrived, read where it lies: the method, the path
/// and the headers are slices of it (a pod answers a request per curl, and
/// copying each part into its own string was a sixth of the engine
/// bench's allocations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    /// The request line and the header lines, without the blank line.
    head: Cow<'a, str>,
}

impl<'a> HttpRequest<'a> {
    /// Parses a complete request head (`\r\n\r\n`-terminated); `None` until then.
    pub fn parse(bytes: &'a [u8]) -> Option<HttpRequest<'a>> {
        let end = head_end(bytes)?;
        Some(HttpRequest { head: String::from_utf8_lossy(&bytes[..end]) })
    }

    /// The request line's words: the method, then the path (`/` when absent).
    fn request_line(&self) -> impl Iterator<Item = &str> {
        crlf_lines(&self.head).next().into_iter().flat_map(|l| split_ascii(l, b' '))
    }

    pub fn method(&self) -> &str {
        self.request_line().next().unwrap_or_default()
    }

    pub fn path(&self) -> &str {
        self.request_line().nth(1).unwrap_or("/")
    }

    /// Every header as a name and a value, in order, without the optional
    /// whitespace around them; names as they were written.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        header_fields(crlf_lines(&self.head).skip(1))
    }

    /// The first header named `name` (case-insensitively, as HTTP's are).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
}

/// `text.split(sep)` for an ASCII separator, by a byte search (the char
/// pattern's searcher costs more to set up than these short lines take).
pub(crate) fn split_ascii(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.as_bytes().iter().position(|&b| b == sep) {
            Some(at) => {
                rest = Some(&r[at + 1..]);
                Some(&r[..at])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The header lines of a request or a response head as names and values,
/// in order, without the optional whitespace around them; a line without
/// a colon is skipped.
pub(crate) fn header_fields<'a>(lines: impl Iterator<Item = &'a str>) -> impl Iterator<Item = (&'a str, &'a str)> {
    lines.filter_map(|l| split_once_ascii(l, b':')).map(|(k, v)| (trim_ows(k), trim_ows(v)))
}

/// Appends a segment's bytes to what a socket's reader holds, taking the
/// segment's buffer when nothing is held yet (a head or a whole response
/// usually comes in one segment).
pub(crate) fn append_segment(held: &mut Vec<u8>, bytes: Vec<u8>) {
    if held.is_empty() {
        *held = bytes;
    } else {
        held.extend_from_slice(&bytes);
    }
}

/// `text` without the optional whitespace HTTP allows around a field value
/// (RFC 9110 5.6.3: `OWS = *( SP / HTAB )`); anything else, a no-break
/// space included, is part of the value, as in Node's and curl's parsers.
pub(crate) fn trim_ows(text: &str) -> &str {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !ows(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    // Space and tab are single bytes: both ends are character boundaries.
    &text[start..end]
}

/// `text.split_once(sep)` for an ASCII separator, by a byte search.
pub(crate) fn split_once_ascii(text: &str, sep: u8) -> Option<(&str, &str)> {
    let at = text.as_bytes().iter().position(|&b| b == sep)?;
    Some((&text[..at], &text[at + 1..]))
}

/// Appends `n` in decimal, as `{}` writes it.
fn push_decimal(s: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// Where an HTTP head ends: the first `\r\n\r\n`. (Scanning for its
/// `\r` first: comparing every 4-byte window was most of the cost of
/// reading a request or a response.)
pub(crate) fn head_end(bytes: &[u8]) -> Option<usize> {
    let last = bytes.len().checked_sub(4)?;
    let mut from = 0;
    while let Some(p) = bytes[from..=last].iter().position(|&b| b == b'\r') {
        let at = from + p;
        if &bytes[at..at + 4] == b"\r\n\r\n" {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The lines of an HTTP head: what `head.split("\r\n")` yields, without
/// the substring searcher's set-up per call.
pub(crate) fn crlf_lines(head: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(head);
    std::iter::from_fn(move || {
        let r = rest?;
        let b = r.as_bytes();
        let mut from = 0;
        while let Some(p) = b[from..].iter().position(|&c| c == b'\r') {
            let at = from + p;
            if b.get(at + 1) == Some(&b'\n') {
                rest = Some(&r[at + 2..]);
                return Some(&r[..at]);
            }
            from = at + 1;
        }
        rest = None;
        Some(r)
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub extra_headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    fn new(status: u16, content_type: &'static str, body: String) -> HttpResponse {
        HttpResponse { status, content_type, extra_headers: vec![], body }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            404 => "Not Found",
            503 => "Service Unavailable",
            _ => "Unknown",
        };
        // Pieces pushed in place: every request a pod answers writes one,
        // and the format machinery was most of the cost of answering.
        let mut s = String::with_capacity(128 + self.body.len());
        s.push_str("HTTP/1.1 ");
        push_decimal(&mut s, self.status.into());
        for piece in [" ", reason, "\r\nContent-Type: ", self.content_type, "\r\n"] {
            s.push_str(piece);
        }
        for (k, v) in &self.extra_headers {
            for piece in [k.as_str(), ": ", v, "\r\n"] {
                s.push_str(piece);
            }
        }
        s.push_str("Content-Length: ");
        push_decimal(&mut s, self.body.len());
        s.push_str("\r\n\r\n");
        s.push_str(&self.body);
        s.into_bytes()
    }
}

impl App {
    /// Picks the app from a container's image and args.
    pub fn from_container(image: &str, args: &[String]) -> App {
        let name = image.rsplit('/').next().unwrap_or(image);
        let name = name.split([':', '@']).next().unwrap_or(name);
        if name == "agnhost" {
            App::Netexec
        } else if name == "http-echo" {
            let text = args
                .iter()
                .find_map(|a| a.strip_prefix("-text=").or(a.strip_prefix("--text=")))
                .unwrap_or("hello-world")
                .trim_matches('"')
                .to_string();
            App::HttpEcho { text }
        } else if name.contains("echo") {
            App::EchoServer
        } else {
            App::Generic { image: image.to_string() }
        }
    }

    /// The TCP port a container of `image` listens on: the one its flags
    /// (or, for echo servers, its `PORT` environment variable) name, else
    /// the image's own default. A pod's declared `containerPort` is
    /// informational in Kubernetes and changes none of this. `None` for an
    /// image whose default vipsim does not know (its declared ports stand in).
    ///
    /// - agnhost netexec: `--http-port`, default 8080 (test/images/agnhost/netexec).
    /// - hashicorp/http-echo: `-listen`, default `:5678` (main.go `listenFlag`).
    /// - ealen/echo-server: `--port` or `PORT`, default 80 (nconf over src/global.json).
    /// - registry.k8s.io/echoserver and jmalloc/echo-server: 8080 (`PORT` for jmalloc's).
    pub fn listen_port(image: &str, args: &[String], port_env: Option<&str>) -> Option<u16> {
        let repo = image.split(['@']).next().unwrap_or(image);
        let repo = repo.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')).map_or(repo, |(r, _)| r);
        let name = repo.rsplit('/').next().unwrap_or(repo);
        let port = |v: &str| v.rsplit(':').next().and_then(|p| p.parse().ok());
        match App::from_container(image, args) {
            App::Netexec => Some(flag_value(args, &["--http-port"]).and_then(port).unwrap_or(8080)),
            App::HttpEcho { .. } => Some(flag_value(args, &["-listen", "--listen"]).and_then(port).unwrap_or(5678)),
            App::EchoServer if repo.ends_with("ealen/echo-server") => {
                Some(flag_value(args, &["--port"]).or(port_env).and_then(port).unwrap_or(80))
            }
            App::EchoServer if repo.ends_with("jmalloc/echo-server") => Some(port_env.and_then(port).unwrap_or(8080)),
            App::EchoServer if name == "echoserver" => Some(8080),
            _ => None,
        }
    }

    /// For an image vipsim does not model: the port a common listen flag
    /// names (`--port`, `--listen`, `--http-port`, `-listen`), if any; its
    /// declared ports are the rest of the guess.
    pub fn flag_port(args: &[String]) -> Option<u16> {
        flag_value(args, &["--port", "--listen", "--http-port", "-listen"])
            .and_then(|v| v.rsplit(':').next()?.parse().ok())
    }

    /// Whether vipsim models this image's behaviour (the loader warns otherwise).
    pub fn is_modelled(&self) -> bool {
        !matches!(self, App::Generic { .. })
    }

    /// The app's answer to `req` from `peer` (the source it observes).
    pub fn respond(&self, pod: &str, req: &HttpRequest<'_>, peer: SocketAddrV4, local: SocketAddrV4) -> HttpResponse {
        match self {
            App::Netexec => {
                let (path, query) = req.path().split_once('?').unwrap_or((req.path(), ""));
                match path {
                    "/clientip" => HttpResponse::new(200, "text/plain; charset=utf-8", peer.to_string()),
                    "/hostname" => HttpResponse::new(200, "text/plain; charset=utf-8", pod.to_string()),
                    "/echo" => {
                        let msg = query.split('&').find_map(|kv| kv.strip_prefix("msg=")).unwrap_or("");
                        HttpResponse::new(200, "text/plain; charset=utf-8", msg.to_string())
                    }
                    "/" => HttpResponse::new(200, "text/plain; charset=utf-8", format!("NOW: served by {pod}")),
                    _ => HttpResponse::new(404, "text/plain; charset=utf-8", "404 page not found\n".into()),
                }
            }
            App::HttpEcho { text } => {
                let mut body = String::with_capacity(text.len() + 1);
                body.push_str(text);
                body.push('\n');
                let mut r = HttpResponse::new(200, "text/plain; charset=utf-8", body);
                r.extra_headers.push(("X-App-Name".into(), "http-echo".into()));
                r
            }
            App::EchoServer => {
                // Inserted one by one, as `sort::Collect` builds maps in
                // the browser: collecting sorts first, a copy of the sort
                // in the wasm for this one map type.
                let mut headers = serde_json::Map::new();
                headers.extend(
                    req.headers().map(|(k, v)| (k.to_ascii_lowercase(), serde_json::Value::String(v.to_string()))),
                );
                let body = serde_json::json!({
                    "host": { "hostname": pod, "ip": format!("::ffff:{}", peer.ip()), "ips": [] },
                    "http": { "method": req.method(), "baseUrl": "", "originalUrl": req.path(), "protocol": "http" },
                    "request": { "params": { "0": req.path() }, "query": {}, "cookies": {}, "body": {}, "headers": headers },
                    "environment": { "HOSTNAME": pod, "PORT": local.port().to_string() },
                });
                HttpResponse::new(200, "application/json; charset=utf-8", body.to_string())
            }
            App::Generic { .. } => HttpResponse::new(200, "text/plain; charset=utf-8", format!("served by {pod}\n")),
        }
    }
}

/// Who answers a node's healthCheckNodePort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthServer {
    KubeProxy,
    /// Cilium's kube-proxy replacement, its own server.
    Cilium,
}

/// The healthCheckNodePort answer: 200 when the node has local endpoints
/// (and, for kube-proxy, kube-proxy is healthy, which vipsim's always is),
/// 503 otherwise; the endpoint count also in the
/// `X-Load-Balancing-Endpoint-Weight` header. Both are Go `net/http`
/// servers, so the handler's headers come in sorted order, then the
/// server's `Date` and `Content-Length` (net/http server.go,
/// `extraHeader.Write`).
/// * kube-proxy 1.34 (`hcHandler.ServeHTTP`, pkg/proxy/healthcheck/
///   service_health.go; the weight header since 1.28, kubernetes#118999):
///   a dedented, tab-indented template with `serviceProxyHealthy`, no
///   newline at the end.
/// * Cilium 1.18 (`httpHealthServer.ServeHTTP`,
///   pkg/loadbalancer/healthserver/healthserver.go): `json.Encoder`'s
///   compact object, without `serviceProxyHealthy`, ending in a newline.
pub fn health_check(
    hc: Option<&HealthCheck>,
    _req: &HttpRequest<'_>,
    server: HealthServer,
    now: Instant,
) -> HttpResponse {
    let Some(hc) = hc else {
        return HttpResponse::new(404, "text/plain; charset=utf-8", "404 page not found\n".into());
    };
    let (ns, name) = hc.service.split_once('/').unwrap_or(("default", &hc.service));
    // Go's %q and encoding/json agree on Kubernetes names (plain ASCII).
    let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let body = match server {
        HealthServer::KubeProxy => format!(
            "{{\n\t\"service\": {{\n\t\t\"namespace\": {},\n\t\t\"name\": {}\n\t}},\n\t\"localEndpoints\": {},\n\t\"serviceProxyHealthy\": true\n}}",
            quote(ns),
            quote(name),
            hc.local_endpoints
        ),
        HealthServer::Cilium => format!(
            "{{\"service\":{{\"namespace\":{},\"name\":{}}},\"localEndpoints\":{}}}\n",
            quote(ns),
            quote(name),
            hc.local_endpoints
        ),
    };
    let status = if hc.local_endpoints > 0 { 200 } else { 503 };
    let mut r = HttpResponse::new(status, "application/json", body);
    r.extra_headers.push(("X-Content-Type-Options".into(), "nosniff".into()));
    r.extra_headers.push(("X-Load-Balancing-Endpoint-Weight".into(), hc.local_endpoints.to_string()));
    r.extra_headers.push(("Date".into(), http_date(now)));
    r
}

/// Go's `http.TimeFormat` of a simulated instant (the date:
/// [`Instant::calendar`]).
fn http_date(t: Instant) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let c = t.calendar();
    format!("{}, {:02} Jan 2026 {:02}:{:02}:{:02} GMT", DAYS[c.weekday as usize], c.day, c.hour, c.minute, c.second)
}

/// The value of a command-line flag given as `name=value` or as `name value`.
fn flag_value<'a>(args: &'a [String], names: &[&str]) -> Option<&'a str> {
    args.iter().enumerate().find_map(|(i, a)| {
        names.iter().find_map(|n| {
            let rest = a.strip_prefix(n)?;
            match rest.strip_prefix('=') {
                Some(v) => Some(v),
                None if rest.is_empty() => args.get(i + 1).map(String::as_str),
                None => None,
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only space and tab surround a field value (RFC 9110's OWS): a
    /// no-break space or an ideographic space is the value's own.
    #[test]
    fn a_header_value_loses_spaces_and_tabs_only() {
        let head = "GET / HTTP/1.1\r\nX-A: \t v \t\r\nX-B:\u{a0}w\u{3000}\r\nX-C:\r\n\r\n";
        let req = HttpRequest::parse(head.as_bytes()).expect("a complete head");
        assert_eq!(req.header("x-a"), Some("v"));
        assert_eq!(req.header("x-b"), Some("\u{a0}w\u{3000}"));
        assert_eq!(req.header("x-c"), Some(""));
        assert_eq!(trim_ows(" \t "), "");
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Status codes and lengths are written as `{}` writes them.
        #[test]
        fn decimals_are_written_as_format_writes_them(n: usize) {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            proptest::prop_assert_eq!(s, format!("x{n}"));
        }

        /// The head's end and lines are found as the windows search and
        /// `split("\r\n")` find them, on text made mostly of CR, LF and
        /// a few other characters.
        #[test]
        fn head_end_and_lines_match_the_std_searches(text in "[\r\na é]{0,24}") {
            let bytes = text.as_bytes();
            proptest::prop_assert_eq!(head_end(bytes), bytes.windows(4).position(|w| w == b"\r\n\r\n"));
            proptest::prop_assert_eq!(crlf_lines(&text).collect::<Vec<_>>(), text.split("\r\n").collect::<Vec<_>>());
        }

        /// Splitting at an ASCII byte gives what splitting at the char gives.
        #[test]
        fn ascii_splits_match_the_char_splits(text in "[: aé]{0,12}") {
            proptest::prop_assert_eq!(split_ascii(&text, b' ').collect::<Vec<_>>(), text.split(' ').collect::<Vec<_>>());
            proptest::prop_assert_eq!(split_once_ascii(&text, b':'), text.split_once(':'));
        }
    }

    fn get(path: &str) -> HttpRequest<'static> {
        let text = format!("GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8.5.0\r\n\r\n");
        let parsed = HttpRequest::parse(text.as_bytes()).unwrap();
        HttpRequest { head: Cow::Owned(parsed.head.into_owned()) }
    }

    /// Each modelled image listens where it does in real life, whatever
    /// the pod declares as containerPort.
    #[test]
    fn apps_listen_on_their_flag_or_their_default_port() {
        let args = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let port = |image: &str, a: &str, env: Option<&str>| App::listen_port(image, &args(a), env);
        let agnhost = "registry.k8s.io/e2e-test-images/agnhost:2.53";
        assert_eq!(port(agnhost, "netexec", None), Some(8080));
        assert_eq!(port(agnhost, "netexec --http-port=9376", None), Some(9376));
        assert_eq!(port(agnhost, "netexec --http-port 9000", None), Some(9000));
        assert_eq!(port("hashicorp/http-echo:1.0", "-text=hi", None), Some(5678));
        assert_eq!(port("hashicorp/http-echo:1.0", "-text=hi -listen=0.0.0.0:8080", None), Some(8080));
        assert_eq!(port("ealen/echo-server:0.9.2", "", None), Some(80));
        assert_eq!(port("ealen/echo-server:0.9.2", "", Some("8080")), Some(8080));
        assert_eq!(port("docker.io/ealen/echo-server", "--port=3000", Some("8080")), Some(3000), "argv before env");
        assert_eq!(port("jmalloc/echo-server", "", None), Some(8080));
        assert_eq!(port("registry.k8s.io/echoserver:1.10", "", None), Some(8080));
        assert_eq!(port("nginx:1.27", "", None), None, "not modelled: its declared ports stand in");
        assert_eq!(App::flag_port(&args("serve --port=9090")), Some(9090), "and a listen flag, if it has one");
    }

    #[test]
    fn picks_apps_by_image() {
        assert_eq!(
            App::from_container("registry.k8s.io/e2e-test-images/agnhost:2.53", &["netexec".into()]),
            App::Netexec
        );
        assert_eq!(
            App::from_container("hashicorp/http-echo:1.0", &["-text=hello from v1".into()]),
            App::HttpEcho { text: "hello from v1".into() }
        );
        assert_eq!(App::from_container("ealen/echo-server:latest", &[]), App::EchoServer);
        assert!(!App::from_container("nginx:1.27", &[]).is_modelled());
    }

    #[test]
    fn netexec_reports_the_observed_client() {
        let peer: SocketAddrV4 = "10.0.1.21:41234".parse().unwrap();
        let local: SocketAddrV4 = "10.200.0.90:8080".parse().unwrap();
        let r = App::Netexec.respond("echo-0", &get("/clientip"), peer, local);
        assert_eq!((r.status, r.body.as_str()), (200, "10.0.1.21:41234"));
        assert_eq!(App::Netexec.respond("echo-0", &get("/echo?msg=hi"), peer, local).body, "hi");
        assert_eq!(App::Netexec.respond("echo-0", &get("/hostname"), peer, local).body, "echo-0");
        assert!(HttpRequest::parse(b"GET / HTTP/1.1\r\n").is_none());
    }

    #[test]
    fn echo_server_json_shows_headers_and_client() {
        let r = App::EchoServer.respond(
            "web-1",
            &get("/"),
            "10.0.0.5:5555".parse().unwrap(),
            "10.200.1.4:8080".parse().unwrap(),
        );
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["host"]["ip"], "::ffff:10.0.0.5");
        assert_eq!(v["request"]["headers"]["user-agent"], "curl/8.5.0");
        assert!(v["request"]["headers"].get("x-forwarded-for").is_none());
    }

    /// The exact bytes kube-proxy 1.34 sends (pkg/proxy/healthcheck/
    /// service_health.go, `hcHandler.ServeHTTP`): its headers in Go's sorted
    /// order, the server's Date and Content-Length after them, and the
    /// template body with tabs and no final newline.
    #[test]
    fn health_check_200_or_503() {
        let hc = HealthCheck { service: "default/web".into(), local_endpoints: 1 };
        let at = Instant::from_secs(3 * 86_400 + 3_725);
        let r = health_check(Some(&hc), &get("/healthz"), HealthServer::KubeProxy, at);
        assert_eq!(r.status, 200);
        assert_eq!(
            String::from_utf8(r.to_bytes()).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n\
             X-Load-Balancing-Endpoint-Weight: 1\r\nDate: Sun, 04 Jan 2026 01:02:05 GMT\r\nContent-Length: 114\r\n\r\n\
             {\n\t\"service\": {\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \"web\"\n\t},\n\
             \t\"localEndpoints\": 1,\n\t\"serviceProxyHealthy\": true\n}"
        );
        let none = HealthCheck { local_endpoints: 0, ..hc };
        let r = health_check(Some(&none), &get("/healthz"), HealthServer::KubeProxy, at);
        assert_eq!(r.status, 503);
        assert!(r.body.contains("\n\t\"localEndpoints\": 0,\n"), "{}", r.body);
        assert!(r.extra_headers.contains(&("X-Load-Balancing-Endpoint-Weight".into(), "0".into())));
    }

    /// Cilium's own health server (pkg/loadbalancer/healthserver, 1.18):
    /// compact JSON from `json.Encoder` with its newline, no
    /// `serviceProxyHealthy`; the 66 bytes of Cilium's
    /// `healthserver.expected` for test/echo with two local endpoints.
    #[test]
    fn cilium_health_check_answers_compact_json() {
        let hc = HealthCheck { service: "test/echo".into(), local_endpoints: 2 };
        let r = health_check(Some(&hc), &get("/"), HealthServer::Cilium, Instant::ZERO);
        assert_eq!(r.body, "{\"service\":{\"namespace\":\"test\",\"name\":\"echo\"},\"localEndpoints\":2}\n");
        assert_eq!(r.body.len(), 66);
        assert!(r.extra_headers.contains(&("Date".into(), "Thu, 01 Jan 2026 00:00:00 GMT".into())));
        let none = HealthCheck { local_endpoints: 0, ..hc };
        assert_eq!(health_check(Some(&none), &get("/"), HealthServer::Cilium, Instant::ZERO).status, 503);
    }

    /// The length of a real answer, seen on the wire from kube-proxy for a
    /// Service `default/wp-nginx-service` with one local endpoint:
    /// Content-Length 127.
    #[test]
    fn health_check_body_length_matches_a_captured_answer() {
        let hc = HealthCheck { service: "default/wp-nginx-service".into(), local_endpoints: 1 };
        assert_eq!(health_check(Some(&hc), &get("/"), HealthServer::KubeProxy, Instant::ZERO).body.len(), 127);
    }
}
