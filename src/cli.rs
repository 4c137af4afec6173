//! The native command line: `vipsim run | check | pcap | list`.

use clap::{Parser, Subcommand};

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

#[derive(Subcommand)]
enum Command {
    /// List the scenarios shipped with this build.
    List,
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
    match cli.command {
        Command::List => {
            for s in crate::catalog::shipped() {
                println!("{:<28} {}", s.id, s.title);
            }
            0
        }
    }
}
