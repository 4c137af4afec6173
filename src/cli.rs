//! The native command line: `vipsim run | check | pcap | list | verify | animate | scorm`
//! (and `oembed`, `site` for the static site), as the scenario contract
//! (`scenarios/README.md`) describes. `check --invariants` checks the rules
//! of [`crate::play::invariants`] instead of the goals.

use crate::engine::trace::{Dir, Kind, Record};
use crate::play::goals;
use crate::play::invariants;
use crate::play::run::Run;
use crate::scenario::{Scenario, load};
use crate::time::{Duration, Instant};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::rc::Rc;

#[derive(Parser)]
#[command(
    name = "vipsim",
    version,
    about = "Simulate Kubernetes LoadBalancer VIPs on a LAN, packet by packet",
    long_about = "vipsim runs a scenario (a LAN of clients, a switch, a router and Kubernetes nodes, plus the \
                  manifests that give a LoadBalancer Service its VIP) in deterministic simulated time, and prints \
                  what happened: frames, ARP caches, leader elections, command outputs."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// A readable timeline to paste into a blog post.
    Text,
    /// One JSON object per trace record.
    Jsonl,
    /// One sentence per meaningful event, as the playground's packet log
    /// says it (`--lang ko` for Korean).
    Sentences,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless and print its trace.
    Run {
        /// Scenario file, or the id of a shipped scenario.
        file: String,
        /// Run with this seed instead of the scenario's: the whole run, from
        /// the build on (ClusterIPs, NodePorts, pod names, IPs and placement,
        /// then timers, ports and endpoint picks).
        #[arg(long)]
        seed: Option<u64>,
        /// Simulated time to run (default: the scenario's duration), e.g. 90s.
        #[arg(long, value_parser = parse_duration)]
        until: Option<Duration>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Text format: include every frame, not only ARP.
        #[arg(long)]
        frames: bool,
        /// Run a named variant of the scenario's timeline.
        #[arg(long)]
        variant: Option<String>,
        /// Sentences format: the language (en, ko).
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Evaluate the scenario's goals and answer its checkpoints; exit 0 when
    /// all goals pass and every checkpoint has an answer, 1 otherwise.
    Check {
        file: String,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        variant: Option<String>,
        /// Check the invariants every run must obey (no storm, pods start,
        /// one announcer per VIP, determinism...) instead of the goals.
        #[arg(long)]
        invariants: bool,
    },
    /// Write the frames of a run as a classic pcap (Wireshark, tcpdump -r).
    Pcap {
        file: String,
        /// Output file.
        #[arg(short, long)]
        output: String,
        /// Frames seen by this host's interfaces (default: every frame the switch forwarded).
        #[arg(long)]
        host: Option<String>,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, value_parser = parse_duration)]
        until: Option<Duration>,
        #[arg(long)]
        variant: Option<String>,
    },
    /// List the scenarios and workshop exercises shipped with this build.
    List,
    /// Write a range of a run's topology as an animated SVG (CSS keyframes,
    /// no script) for slides and blog posts, and print its size.
    Animate {
        /// Scenario file, or the id of a shipped scenario.
        file: String,
        /// Start of the range, e.g. 18s.
        #[arg(long, value_parser = parse_duration)]
        from: Duration,
        /// End of the range, e.g. 32s (default: the end of the run).
        #[arg(long, value_parser = parse_duration)]
        to: Option<Duration>,
        /// Output file.
        #[arg(short, long)]
        output: String,
        /// Show the scenario's notes as captions.
        #[arg(long)]
        captions: bool,
        /// Simulated seconds per second of animation.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        variant: Option<String>,
    },
    /// Package a built site (`./dev build` writes dist/) as a SCORM 1.2
    /// zip for a learning management system: one SCO per exercise.
    Scorm {
        /// The built site.
        #[arg(default_value = "dist")]
        dist: String,
        /// The zip to write.
        #[arg(short, long)]
        output: String,
    },
    /// Replay hand-ins (files, or the short codes the playground copies)
    /// from the shipped exercises and print, per learner, which goals pass;
    /// exit 0 only when every hand-in passes every goal.
    Verify {
        /// Hand-in files (`.vipsim.json`, or a file holding a code), or codes.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Write a static oEmbed JSON per shipped scenario into DIR (the site's
    /// `oembed/` folder), pointing at the embed player under BASE_URL.
    Oembed {
        dir: String,
        /// Where the site is published, e.g. https://example.org/vipsim/
        #[arg(long, default_value = "./")]
        base_url: String,
    },
    /// Write the static site around trunk's build in DIST: index.html and a
    /// page per shipped scenario with its lesson and network as static HTML,
    /// the click-to-load embed.html, its posters, and the oEmbed files.
    Site {
        dist: String,
        /// Where the site is published, for the oEmbed links (default:
        /// $VIPSIM_BASE_URL, else relative).
        #[arg(long)]
        base_url: Option<String>,
    },
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    Duration::parse(s)
}

/// Loads a scenario file, or a shipped one by id. Errors print with their location.
fn load_scenario(file: &str) -> Result<Scenario, String> {
    let (name, text) = match std::fs::read_to_string(file) {
        Ok(t) => (file.to_string(), t),
        Err(e) => match crate::catalog::find(file) {
            Some(s) => (format!("scenarios/{}", s.file), s.yaml.to_string()),
            None => return Err(format!("{file}: {e}")),
        },
    };
    load::load(&name, &text).map_err(|diags| diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{msg}");
            2
        }
    }
}

fn start(file: &str, variant: Option<&str>, seed: Option<u64>, until: Option<Duration>) -> Result<Run, String> {
    let scenario = load_scenario(file)?;
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
    Run::new(Rc::new(scenario), variant, seed, until)
}

fn run(command: Command) -> Result<i32, String> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match command {
        Command::Oembed { dir, base_url } => {
            crate::view::site::oembed(std::path::Path::new(&dir), &base_url)?;
            Ok(0)
        }
        Command::Site { dist, base_url } => {
            let base_url = base_url.or_else(|| std::env::var("VIPSIM_BASE_URL").ok()).unwrap_or_else(|| "./".into());
            let written = crate::view::site::write(std::path::Path::new(&dist), &base_url)?;
            eprintln!("wrote {} files of the static site into {dist}", written.len());
            Ok(0)
        }
        Command::Scorm { dist, output } => {
            let manifest = crate::scorm::package(std::path::Path::new(&dist), std::path::Path::new(&output))?;
            let size = std::fs::metadata(&output).map_err(|e| format!("{output}: {e}"))?.len();
            eprintln!(
                "wrote {output}: {} KB, {} SCOs (one per exercise), {} files",
                size.div_ceil(1024),
                manifest.matches("adlcp:scormtype=\"sco\"").count(),
                manifest.matches("<file href=").count()
            );
            Ok(0)
        }
        Command::Animate { file, from, to, output, captions, speed, seed, variant } => {
            if !(speed.is_finite() && speed > 0.0) {
                return Err(format!("--speed must be a positive number of simulated seconds per second, not {speed}"));
            }
            let run = start(&file, variant.as_deref(), seed, None)?;
            let to = to.map(|t| Instant::ZERO + t).unwrap_or(run.end);
            let clip = crate::animate::Clip::new(&run, Instant::ZERO + from, to, captions)?;
            let svg = clip.svg(speed);
            std::fs::write(&output, &svg).map_err(|e| format!("{output}: {e}"))?;
            eprintln!(
                "wrote {output}: {} bytes, {} to {} ({:.1} s at {speed}x)",
                svg.len(),
                clip.from,
                clip.to,
                (clip.to - clip.from).as_secs_f64() / speed
            );
            Ok(0)
        }
        Command::Verify { files } => {
            let mut all = true;
            for file in &files {
                let (name, checked) = match std::fs::read_to_string(file) {
                    Ok(text) => (file.clone(), crate::handin::verify(&text)),
                    // Not a file: perhaps a code pasted on the command line
                    // (named by its first characters).
                    Err(e) => match crate::handin::HandIn::parse(file) {
                        Ok(_) => {
                            (format!("{}…", file.chars().take(12).collect::<String>()), crate::handin::verify(file))
                        }
                        Err(_) => (
                            file.clone(),
                            crate::handin::Checked {
                                handin: None,
                                verdict: crate::handin::Verdict::Unreadable(format!("cannot read it: {e}")),
                            },
                        ),
                    },
                };
                let _ = write!(out, "{}", crate::handin::report(&name, &checked));
                all &= checked.passed();
            }
            Ok(if all { 0 } else { 1 })
        }
        Command::List => {
            for s in crate::catalog::shipped().into_iter().chain(crate::catalog::workshop()) {
                let _ = writeln!(out, "{:<28} {}", s.id, s.title);
            }
            Ok(0)
        }
        Command::Run { file, seed, until, format, frames, variant, lang } => {
            let run = start(&file, variant.as_deref(), seed, until)?;
            if let Format::Sentences = format {
                if lang != "en" && lang != "ko" {
                    return Err(format!("--lang {lang}: the sentences are in en or ko"));
                }
                for s in crate::narrate::sentences(run.trace(), run.world()) {
                    if writeln!(out, "{}", s.text(&lang)).is_err() {
                        return Ok(0);
                    }
                }
                return Ok(0);
            }
            for r in run.trace() {
                let line = match format {
                    Format::Jsonl => Some(r.to_json()),
                    Format::Text => text_line(r, frames),
                    Format::Sentences => None,
                };
                if let Some(l) = line
                    && writeln!(out, "{l}").is_err()
                {
                    return Ok(0); // stdout closed (piped into head)
                }
            }
            Ok(0)
        }
        Command::Check { file, seed, variant, invariants: true } => {
            let scenario = load_scenario(&file)?;
            for w in &scenario.warnings {
                eprintln!("warning: {w}");
            }
            let subject = invariants::Subject::new(scenario, variant.as_deref(), seed);
            let (_, outcomes) = invariants::check(&subject, None)?;
            for o in &outcomes {
                let _ = match &o.result {
                    Ok(()) => writeln!(out, "PASS {}", o.name),
                    Err(v) => writeln!(out, "FAIL {}: {v}", o.name),
                };
            }
            let passed = outcomes.iter().filter(|o| o.result.is_ok()).count();
            let _ = writeln!(out, "{passed}/{} invariants hold", outcomes.len());
            Ok(if passed == outcomes.len() { 0 } else { 1 })
        }
        Command::Check { file, seed, variant, invariants: false } => {
            let run = start(&file, variant.as_deref(), seed, None)?;
            let results = goals::evaluate(&run);
            // Checkpoints answer from the run: one that no choice answers
            // asks a question this scenario cannot settle.
            let checkpoints = crate::play::predict::checkpoints(&run.scenario, variant.as_deref());
            let mut unanswered = 0;
            for cp in &checkpoints {
                let o = crate::play::predict::outcome(&run, cp);
                let line = match o.answer {
                    Some(i) => format!(
                        "ANSWER {} at {}: {}: {}",
                        cp.id, cp.at, cp.predict.choices[i].label, o.results[i].detail
                    ),
                    None => {
                        unanswered += 1;
                        let found: Vec<&str> = o.results.iter().map(|r| r.detail.as_str()).collect();
                        format!(
                            "NO ANSWER {} at {}: no choice holds at {} ({})",
                            cp.id,
                            cp.at,
                            cp.reveal,
                            found.join("; ")
                        )
                    }
                };
                let _ = writeln!(out, "{line}");
            }
            if results.is_empty() {
                let _ = writeln!(out, "no goals in {file}");
                return Ok(if unanswered == 0 { 0 } else { 1 });
            }
            for g in &results {
                let _ = writeln!(out, "{} {}: {}", if g.pass { "PASS" } else { "FAIL" }, g.name, g.detail);
            }
            let passed = results.iter().filter(|g| g.pass).count();
            let _ = writeln!(out, "{passed}/{} goals passed", results.len());
            Ok(if passed == results.len() && unanswered == 0 { 0 } else { 1 })
        }
        Command::Pcap { file, output, host, seed, until, variant } => {
            let run = start(&file, variant.as_deref(), seed, until)?;
            if let Some(h) = &host
                && run.world().net.host(h).is_none()
            {
                return Err(format!("no host named {h} in {file}"));
            }
            let frames: Vec<_> = run
                .trace()
                .iter()
                .filter_map(|r| match &r.kind {
                    Kind::Frame { at, frame, dir, forward, .. } => {
                        let keep = match &host {
                            Some(h) => &**at == h.as_str(),
                            None => forward.is_some() && *dir == Dir::Rx,
                        };
                        keep.then(|| (r.t, frame.clone()))
                    }
                    _ => None,
                })
                .collect();
            let n = frames.len();
            let bytes = crate::wire::pcap::to_bytes(frames);
            std::fs::write(&output, bytes).map_err(|e| format!("{output}: {e}"))?;
            eprintln!("wrote {n} frames to {output}");
            Ok(0)
        }
    }
}

/// The text timeline: everything but frames, and ARP frames as they leave
/// a host (the story's protagonists); `--frames` adds every frame.
fn text_line(r: &Record, all_frames: bool) -> Option<String> {
    if let Kind::Frame { dir, forward, frame, .. } = &r.kind {
        let arp = crate::wire::dissect::protocol(frame) == "ARP";
        let host_tx = *dir == Dir::Tx && forward.is_none();
        if !(all_frames || (arp && host_tx)) {
            return None;
        }
    }
    Some(format!("{:>10}  {}", r.t.to_string(), r.kind.describe()))
}
