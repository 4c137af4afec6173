//! `curl` (HTTP/1.1 over the simulated TCP): the options blog posts use,
//! `-s -S -m -o -w -H --connect-timeout`, with curl 8.5's exit codes and
//! messages: 7 when the connect fails (refused by a RST or an ICMP port
//! unreachable, or host unreachable after failed ARP), 28 when `-m` runs
//! out (and `%{http_code}` is `000`) or the kernel gives up on the SYNs,
//! 56 when an established connection is reset or times out.

use super::{Output, ProcIo, number};
use crate::net::tcp::{Quad, SocketEvent};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, SocketAddrV4};

/// The User-Agent of the curl release the outputs mimic.
pub const USER_AGENT: &str = "curl/8.5.0";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curl {
    pub cmd: String,
    pub started: Instant,
    silent: bool,
    show_error: bool,
    max_time: Option<Duration>,
    connect_timeout: Option<Duration>,
    discard_body: bool,
    write_out: Option<String>,
    headers: Vec<String>,
    dst: SocketAddrV4,
    host_header: String,
    path: String,
    pub quad: Option<Quad>,
    connected_at: Option<Instant>,
    response: Vec<u8>,
    pub output: Option<Output>,
}

/// A parsed HTTP response.
struct Response<'a> {
    status: u16,
    body: &'a [u8],
}

fn parse_response(bytes: &[u8], complete_on_eof: bool) -> Option<Response<'_>> {
    let text_end = crate::net::apps::head_end(bytes)?;
    let head = std::str::from_utf8(&bytes[..text_end]).ok()?;
    let mut lines = crate::net::apps::crlf_lines(head);
    let status: u16 = crate::net::apps::split_ascii(lines.next()?, b' ').nth(1)?.parse().ok()?;
    let length = crate::net::apps::header_fields(lines)
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let body = &bytes[text_end + 4..];
    match length {
        Some(n) if body.len() >= n => Some(Response { status, body: &body[..n] }),
        None if complete_on_eof => Some(Response { status, body }),
        _ => None,
    }
}

impl Curl {
    /// Parses `curl` arguments (without the program name).
    pub fn from_args(cmd: &str, args: &[String], now: Instant) -> Result<Curl, String> {
        let mut c = Curl {
            cmd: cmd.to_string(),
            started: now,
            silent: false,
            show_error: false,
            max_time: None,
            connect_timeout: None,
            discard_body: false,
            write_out: None,
            headers: vec![],
            dst: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 80),
            host_header: String::new(),
            path: "/".into(),
            quad: None,
            connected_at: None,
            response: vec![],
            output: None,
        };
        let mut url = None;
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            let next = args.get(i + 1);
            match a.as_str() {
                "-m" | "--max-time" => {
                    c.max_time = Some(seconds("-m", next)?);
                    i += 1;
                }
                "--connect-timeout" => {
                    c.connect_timeout = Some(seconds("--connect-timeout", next)?);
                    i += 1;
                }
                "-o" | "--output" => {
                    let file = next.ok_or("curl: option -o: requires parameter")?;
                    c.discard_body = true;
                    if file != "/dev/null" {
                        return Err(format!(
                            "curl: writing to {file} is not supported here; use -o /dev/null or print to stdout"
                        ));
                    }
                    i += 1;
                }
                "-w" | "--write-out" => {
                    c.write_out = Some(next.ok_or("curl: option -w: requires parameter")?.clone());
                    i += 1;
                }
                "-H" | "--header" => {
                    c.headers.push(next.ok_or("curl: option -H: requires parameter")?.clone());
                    i += 1;
                }
                "--silent" => c.silent = true,
                "--show-error" => c.show_error = true,
                s if s.starts_with("--") => {
                    return Err(format!(
                        "curl: option {s} is not supported in vipsim (supported: -s -S -m -o -w -H --connect-timeout)"
                    ));
                }
                s if s.starts_with('-') && s.len() > 1 => {
                    for ch in s[1..].chars() {
                        match ch {
                            's' => c.silent = true,
                            'S' => c.show_error = true,
                            other => {
                                return Err(format!(
                                    "curl: option -{other} is not supported in vipsim (supported: -s -S -m -o -w -H --connect-timeout)"
                                ));
                            }
                        }
                    }
                }
                _ => url = Some(a.clone()),
            }
            i += 1;
        }
        let url = url.ok_or("curl: no URL specified!")?;
        let rest = url.strip_prefix("http://").unwrap_or(&url);
        if url.starts_with("https://") {
            return Err("curl: https is not modelled in vipsim; use http://".into());
        }
        let (authority, path) = match rest.find('/') {
            Some(p) => (&rest[..p], &rest[p..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>().map_err(|_| {
                    "curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535".to_string()
                })?,
            ),
            None => (authority, 80),
        };
        let ip: Ipv4Addr = host.parse().map_err(|_| format!("curl: (6) Could not resolve host: {host}"))?;
        c.dst = SocketAddrV4::new(ip, port);
        c.host_header = authority.to_string();
        c.path = path.to_string();
        Ok(c)
    }

    fn request(&self) -> Vec<u8> {
        // Pieces pushed in place (no format machinery per request).
        let mut r = String::with_capacity(96 + self.path.len() + self.host_header.len());
        for piece in ["GET ", &self.path, " HTTP/1.1\r\nHost: ", &self.host_header, "\r\nUser-Agent: ", USER_AGENT] {
            r.push_str(piece);
        }
        r.push_str("\r\nAccept: */*\r\n");
        for h in &self.headers {
            r.push_str(h);
            r.push_str("\r\n");
        }
        r.push_str("\r\n");
        r.into_bytes()
    }

    pub fn start(&mut self, io: &mut ProcIo) {
        match io.connect(self.dst) {
            Some(q) => self.quad = Some(q),
            None => {
                let msg = format!(
                    "Failed to connect to {} port {} after 0 ms: Couldn't connect to server",
                    self.dst.ip(),
                    self.dst.port()
                );
                self.finish(io.now(), None, 7, Some(msg));
            }
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        if self.output.is_some() {
            return None;
        }
        let total = self.max_time.map(|m| self.started + m);
        let connect = match (self.connect_timeout, self.connected_at) {
            (Some(c), None) => Some(self.started + c),
            _ => None,
        };
        [total, connect].into_iter().flatten().min()
    }

    pub fn on_timer(&mut self, io: &mut ProcIo) {
        if self.deadline().is_none_or(|t| t > io.now()) {
            return;
        }
        let elapsed = io.now().saturating_since(self.started).as_millis();
        let msg = match self.connected_at {
            None => format!("Connection timed out after {elapsed} milliseconds"),
            Some(_) => {
                format!("Operation timed out after {elapsed} milliseconds with {} bytes received", self.response.len())
            }
        };
        self.finish(io.now(), None, 28, Some(msg));
    }

    pub fn on_socket(&mut self, _quad: Quad, ev: SocketEvent, io: &mut ProcIo) {
        if self.output.is_some() {
            return;
        }
        match ev {
            SocketEvent::Connected => {
                self.connected_at = Some(io.now());
                if let Some(q) = self.quad {
                    io.send(q, &self.request(), false);
                }
            }
            SocketEvent::Data(bytes) => {
                crate::net::apps::append_segment(&mut self.response, bytes);
                if let Some(r) = parse_response(&self.response, false) {
                    // Full response read: curl closes its end. (Read once:
                    // with its Content-Length complete, the response is the
                    // same whether or not the peer's close would end it.)
                    let out = self.output(io.now(), Some(r.status), 0, None, Some(&r));
                    if let Some(q) = self.quad {
                        io.send(q, &[], true);
                    }
                    self.output = Some(out);
                }
            }
            SocketEvent::PeerClosed => {
                let status = parse_response(&self.response, true).map(|r| r.status);
                match status {
                    Some(s) => self.finish(io.now(), Some(s), 0, None),
                    None => self.finish(io.now(), None, 52, Some("Empty reply from server".into())),
                }
            }
            SocketEvent::Reset { during_connect: true } | SocketEvent::Unreachable(_) => {
                // curl 8.5 lib/connect.c (`cf_he_connect`): every failed
                // connect(), refused (RST or ICMP port unreachable) or
                // unreachable (EHOSTUNREACH, ENETUNREACH), is
                // CURLE_COULDNT_CONNECT, exit 7, with this line; the errno's
                // own text only shows with -v. The time is since the start.
                self.connect_failed(io.now());
            }
            SocketEvent::Reset { during_connect: false } => {
                self.finish(io.now(), None, 56, Some("Recv failure: Connection reset by peer".into()));
            }
            SocketEvent::TimedOut { during_connect: true } => {
                // The kernel gave up on the SYNs (ETIMEDOUT): curl 8.5
                // prints the connect failure, then makes it
                // CURLE_OPERATION_TIMEDOUT (lib/connect.c, `is_connected`).
                let ms = io.now().saturating_since(self.started).as_millis();
                let msg = format!(
                    "Failed to connect to {} port {} after {ms} ms: Couldn't connect to server",
                    self.dst.ip(),
                    self.dst.port()
                );
                self.finish(io.now(), None, 28, Some(msg));
            }
            SocketEvent::TimedOut { during_connect: false } => {
                // An established connection whose retransmissions ran out
                // (tcp_write_err, ETIMEDOUT): curl's read fails
                // (lib/cf-socket.c, CURLE_RECV_ERROR).
                self.finish(io.now(), None, 56, Some("Recv failure: Connection timed out".into()));
            }
            SocketEvent::Closed => {}
        }
    }

    fn connect_failed(&mut self, now: Instant) {
        let ms = now.saturating_since(self.started).as_millis();
        let msg = format!(
            "Failed to connect to {} port {} after {ms} ms: Couldn't connect to server",
            self.dst.ip(),
            self.dst.port()
        );
        self.finish(now, None, 7, Some(msg));
    }

    fn finish(&mut self, now: Instant, status: Option<u16>, exit: i32, error: Option<String>) {
        let response = parse_response(&self.response, true);
        self.output = Some(self.output(now, status, exit, error, response.as_ref()));
    }

    /// What curl prints when it ends at `now` with `exit`, having read
    /// `response` (what the bytes received make up, if anything).
    fn output(
        &self,
        now: Instant,
        status: Option<u16>,
        exit: i32,
        error: Option<String>,
        response: Option<&Response>,
    ) -> Output {
        let mut out = Output { exit, ..Output::default() };
        if exit == 0
            && !self.discard_body
            && let Some(r) = response
        {
            out.stdout.push_str(&String::from_utf8_lossy(r.body));
        }
        if let Some(fmt) = &self.write_out {
            let body_len = response.map_or(0, |r| r.body.len());
            out.stdout.push_str(&self.write_out(fmt, status, body_len, now));
        }
        if let Some(e) = error
            && (!self.silent || self.show_error)
        {
            out.stderr = format!("curl: ({exit}) {e}\n");
        }
        out
    }

    /// Expands `-w` variables and backslash escapes.
    fn write_out(&self, fmt: &str, status: Option<u16>, body_len: usize, now: Instant) -> String {
        let total = now.saturating_since(self.started).as_secs_f64();
        let connect = self.connected_at.map(|t| t.saturating_since(self.started).as_secs_f64()).unwrap_or(0.0);
        let (local_ip, local_port) =
            self.quad.map(|q| (q.local.ip().to_string(), q.local.port().to_string())).unwrap_or_default();
        let mut out = String::new();
        let mut rest = fmt;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("%{")
                && let Some(end) = after.find('}')
            {
                let var = &after[..end];
                let value = match var {
                    "http_code" | "response_code" => format!("{:03}", status.unwrap_or(0)),
                    "remote_ip" => self.dst.ip().to_string(),
                    "remote_port" => self.dst.port().to_string(),
                    "local_ip" => local_ip.clone(),
                    "local_port" => local_port.clone(),
                    "time_total" => format!("{total:.6}"),
                    "time_connect" => format!("{connect:.6}"),
                    "size_download" => body_len.to_string(),
                    "url_effective" => format!("http://{}{}", self.host_header, self.path),
                    _ => String::new(),
                };
                out.push_str(&value);
                rest = &after[end + 1..];
                continue;
            }
            if let Some(after) = rest.strip_prefix('\\') {
                match after.chars().next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('\\') => out.push('\\'),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                }
                rest = &after[after.chars().next().map(|c| c.len_utf8()).unwrap_or(0)..];
                continue;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }
}

fn seconds(opt: &str, value: Option<&String>) -> Result<Duration, String> {
    let secs: f64 = number("curl", opt, value)?;
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("curl: invalid value for {opt}"));
    }
    Ok(Duration::from_micros((secs * 1e6).round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_the_blog_post_invocations() {
        let c = Curl::from_args(
            "curl",
            &args("-s -m 5 -o /dev/null -w HTTP_%{http_code}\\n http://192.0.2.10/"),
            Instant::ZERO,
        )
        .unwrap();
        assert!(c.silent && c.discard_body);
        assert_eq!(c.max_time, Some(Duration::from_secs(5)));
        assert_eq!(c.dst, "192.0.2.10:80".parse().unwrap());
        assert_eq!(c.write_out(c.write_out.as_deref().unwrap(), None, 0, Instant::from_secs(5)), "HTTP_000\n");
        let c = Curl::from_args("curl", &args("-sS http://10.0.1.21:31888/clientip"), Instant::ZERO).unwrap();
        assert_eq!(c.host_header, "10.0.1.21:31888");
        assert_eq!(c.path, "/clientip");
        assert_eq!(
            String::from_utf8(c.request()).unwrap(),
            "GET /clientip HTTP/1.1\r\nHost: 10.0.1.21:31888\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
        );
    }

    #[test]
    fn rejects_what_it_does_not_model_with_one_line() {
        assert_eq!(
            Curl::from_args("curl", &args("http://web.local/"), Instant::ZERO).unwrap_err(),
            "curl: (6) Could not resolve host: web.local"
        );
        assert!(
            Curl::from_args("curl", &args("-k http://1.2.3.4/"), Instant::ZERO)
                .unwrap_err()
                .contains("-k is not supported")
        );
        assert_eq!(Curl::from_args("curl", &args("-s"), Instant::ZERO).unwrap_err(), "curl: no URL specified!");
        assert!(Curl::from_args("curl", &args("-m"), Instant::ZERO).is_err());
    }

    #[test]
    fn response_completes_on_content_length_or_eof() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(parse_response(r, false).unwrap().body, b"hello");
        assert!(parse_response(&r[..r.len() - 1], false).is_none());
        let r = b"HTTP/1.1 503 Service Unavailable\r\n\r\nx";
        assert_eq!(parse_response(r, true).unwrap().status, 503);
    }
}
